/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tty00: a pty pair that is the controlling terminal of the test's own session, with
 * changed termios, a window size, packet and exclusive modes, /dev/tty open on it, and a
 * second pty left locked whose slave was never opened. After restore both keep their
 * indexes and every mode, the session keeps its terminal, bytes still flow both ways (the
 * master reads them in packet mode), and the second master still reads EAGAIN, not the EIO
 * of a slave that was opened and closed.
 */
#define _XOPEN_SOURCE 600
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "zdtmtst.h"

struct pty_state {
	int ptn;
	int locked;
	int pkt;
	struct termios t;
	struct winsize ws;
};

static int read_state(int m, int s, struct pty_state *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(m, TIOCGPTN, &st->ptn) || ioctl(m, TIOCGPTLCK, &st->locked) ||
	    ioctl(m, TIOCGPKT, &st->pkt) || ioctl(m, TIOCGWINSZ, &st->ws))
		return -1;
	return s >= 0 ? tcgetattr(s, &st->t) : 0;
}

static int set_modes(int m, int s)
{
	struct winsize ws = { .ws_row = 33, .ws_col = 101, .ws_xpixel = 7, .ws_ypixel = 9 };
	struct termios t;
	int one = 1;

	if (tcgetattr(s, &t))
		return -1;
	t.c_lflag &= ~(ECHO | ECHOE);
	t.c_iflag |= IGNBRK;
	t.c_cc[VEOF] = 'D' & 037;
	t.c_cc[VKILL] = 'K' & 037;
	cfsetispeed(&t, B9600);
	cfsetospeed(&t, B9600);
	if (tcsetattr(s, TCSANOW, &t) || ioctl(s, TIOCSWINSZ, &ws) || ioctl(s, TIOCEXCL))
		return -1;
	return ioctl(m, TIOCPKT, &one);
}

static int check_io(int m, int s)
{
	char buf[16];

	if (write(m, "ping\n", 5) != 5 || read(s, buf, sizeof(buf)) != 5 ||
	    memcmp(buf, "ping\n", 5))
		return -1;
	/* Packet mode: a TIOCPKT_DATA (0) byte comes first. */
	if (write(s, "pong", 4) != 4 || read(m, buf, sizeof(buf)) != 5 || buf[0] != 0 ||
	    memcmp(buf + 1, "pong", 4))
		return -1;
	return 0;
}

static int compare(const char *what, const struct pty_state *a, const struct pty_state *b)
{
	if (a->ptn != b->ptn || a->locked != b->locked || a->pkt != b->pkt ||
	    memcmp(&a->ws, &b->ws, sizeof(a->ws)) || a->t.c_iflag != b->t.c_iflag ||
	    a->t.c_oflag != b->t.c_oflag || a->t.c_cflag != b->t.c_cflag ||
	    a->t.c_lflag != b->t.c_lflag || memcmp(a->t.c_cc, b->t.c_cc, NCCS) ||
	    cfgetispeed(&a->t) != cfgetispeed(&b->t)) {
		fail("%s changed: ptn %d/%d locked %d/%d pkt %d/%d rows %d/%d lflag %x/%x", what,
		     a->ptn, b->ptn, a->locked, b->locked, a->pkt, b->pkt, a->ws.ws_row,
		     b->ws.ws_row, a->t.c_lflag, b->t.c_lflag);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pty_state s1, s2, a1, a2;
	struct stat st_before, st_after;
	struct winsize ws;
	int m, s, m2, tty, excl = 0;
	char c;

	test_init(argc, argv);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	m2 = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (m < 0 || m2 < 0 || grantpt(m) || unlockpt(m)) {
		fail_perror("can't make the ptys");
		return 1;
	}
	/* The test leads its session and has no terminal: this open makes it the ctty. */
	s = open(ptsname(m), O_RDWR);
	tty = s < 0 ? -1 : open("/dev/tty", O_RDWR);
	if (tty < 0 || set_modes(m, s) || read_state(m, s, &s1) || read_state(m2, -1, &s2) ||
	    fstat(s, &st_before) || tcgetsid(s) != getpid()) {
		fail_perror("can't set up the ptys");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (read_state(m, s, &a1) || read_state(m2, -1, &a2) || fstat(s, &st_after)) {
		fail_perror("can't read the ptys after restore");
		return 1;
	}
	if (compare("pty 1", &s1, &a1) || compare("locked pty 2", &s2, &a2))
		return 1;
	if (st_before.st_rdev != st_after.st_rdev) {
		fail("the slave is %u:%u, was %u:%u", major(st_after.st_rdev),
		     minor(st_after.st_rdev), major(st_before.st_rdev), minor(st_before.st_rdev));
		return 1;
	}
	if (tcgetsid(s) != getpid() || tcgetpgrp(s) != getpgrp()) {
		fail("the pty is no longer the session's terminal (sid %d, pgrp %d)", tcgetsid(s),
		     tcgetpgrp(s));
		return 1;
	}
	if (ioctl(tty, TIOCGWINSZ, &ws) || ws.ws_col != 101) {
		fail("/dev/tty does not lead to the pty any more");
		return 1;
	}
	if (ioctl(s, TIOCGEXCL, &excl) || !excl) {
		fail("the slave is no longer in exclusive mode");
		return 1;
	}
	if (read(m2, &c, 1) >= 0 || errno != EAGAIN) {
		fail_perror("the never-opened slave of pty 2 reads as opened");
		return 1;
	}
	if (check_io(m, s)) {
		fail_perror("bytes don't flow through the restored pty");
		return 1;
	}
	pass();
	return 0;
}
