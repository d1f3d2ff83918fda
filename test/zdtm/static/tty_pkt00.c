/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tty_pkt00: a pty master in packet mode with a status byte waiting for it (the slave
 * flushed its input: TIOCPKT_FLUSHREAD), and bytes queued for it. A master reads the
 * status first; criu would have to take it to reach the bytes, and can't queue it again:
 * the dump must refuse (tty_pkt00.desc), and the master must still read the status, then
 * the bytes, afterwards.
 */
#define _XOPEN_SOURCE 600
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "zdtmtst.h"

static int m, s;

static int setup(void)
{
	struct pollfd pfd = { .events = POLLPRI };
	int one = 1;

	m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (m < 0 || unlockpt(m))
		return -1;
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0 || ioctl(m, TIOCPKT, &one) || tcflush(s, TCIFLUSH) || write(s, "out", 3) != 3)
		return -1;
	pfd.fd = m;
	return poll(&pfd, 1, 5000) == 1 ? 0 : -1;
}

static void check(void)
{
	struct pollfd pfd = { .fd = m, .events = POLLIN };
	char buf[16];

	if (!test_sig_received)
		return;
	if (read(m, buf, sizeof(buf)) != 1 || !(buf[0] & TIOCPKT_FLUSHREAD)) {
		fail("the master does not read the flush status first");
		return;
	}
	poll(&pfd, 1, 5000);
	if (read(m, buf, sizeof(buf)) != 4 || buf[0] != TIOCPKT_DATA || memcmp(buf + 1, "out", 3))
		fail("the master does not read the bytes after the status");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
