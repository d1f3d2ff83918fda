/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tty_queued00: bytes written to a pty master and not yet read on the slave cannot be
 * saved; the dump must refuse naming the fd (tty_queued00.desc), and the bytes must still
 * be there, intact, afterwards.
 */
#define _XOPEN_SOURCE 600
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct pollfd pfd = { .events = POLLIN };
	struct termios t;
	char buf[16];
	int m, s;

	test_init(argc, argv);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m)) {
		fail_perror("can't make a pty");
		return 1;
	}
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0 || tcgetattr(s, &t)) {
		fail_perror("can't open the slave");
		return 1;
	}
	pfd.fd = s;
	cfmakeraw(&t);
	if (tcsetattr(s, TCSANOW, &t) || write(m, "queued", 6) != 6) {
		fail_perror("can't queue bytes on the pty");
		return 1;
	}
	/* The line discipline takes them in from a worker: wait until the slave sees them. */
	if (poll(&pfd, 1, 5000) != 1) {
		fail("the queued bytes never reached the slave");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (read(s, buf, sizeof(buf)) != 6 || memcmp(buf, "queued", 6)) {
		fail("the queued bytes are gone");
		return 1;
	}
	pass();
	return 0;
}
