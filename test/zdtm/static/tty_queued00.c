/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tty_queued00: bytes queued in ptys and not read yet, in both directions, must be there
 * afterwards exactly once, as they were.
 *
 * Pty A is raw on input with output processing on: "queued" was written on the master
 * and waits on the slave; "a\nb" was written on the slave and waits on the master as
 * "a\r\nb" (ONLCR), which must not become "a\r\r\nb". Pty B is canonical with echo: its
 * master wrote the lines "one", "x" ended by EOF (^D), an empty line ended by EOF, and
 * "a<DEL>b" with the DEL escaped by ^V, and "part<^U>ial" not ended yet (the ^U, the kill
 * character, escaped by ^V). The slave must read the lines one per read, and the line
 * being typed once it is ended (a newline is written after restore), and the master must
 * read the echoes once, not twice.
 *
 * tty_queued01 runs this with a dump that fails at its very end (a fault injected): the
 * bytes were taken from the ptys by then, and must have been put back.
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

static const char b_keys[] = "one\nx\004\004a\026\177b\npart\026\025ial";
static char b_echo[64];
static ssize_t b_echo_len;

static int open_pty(int *m, int *s)
{
	*m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (*m < 0 || grantpt(*m) || unlockpt(*m))
		return -1;
	*s = open(ptsname(*m), O_RDWR | O_NOCTTY | O_NONBLOCK);
	return *s < 0 ? -1 : 0;
}

/* Wait until fd has n bytes to read (the line discipline takes them in from a worker). */
static int wait_queued(int fd, int n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int got = 0, i;

	for (i = 0; i < 500; i++) {
		poll(&pfd, 1, 10);
		if (!ioctl(fd, FIONREAD, &got) && got >= n)
			return 0;
	}
	fail("only %d of %d bytes reached the other side", got, n);
	return -1;
}

static int setup_a(int m, int s)
{
	struct termios t;

	if (tcgetattr(s, &t))
		return -1;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR;
	if (tcsetattr(s, TCSANOW, &t) || write(m, "queued", 6) != 6 || write(s, "a\nb", 3) != 3)
		return -1;
	return wait_queued(s, 6) ?: wait_queued(m, 4);
}

static int setup_b(int m, int s)
{
	struct termios t;

	if (tcgetattr(s, &t))
		return -1;
	t.c_lflag |= ICANON | ECHO | IEXTEN;
	t.c_cc[VEOF] = 004;
	t.c_cc[VERASE] = 0177;
	t.c_cc[VLNEXT] = 026;
	if (tcsetattr(s, TCSANOW, &t) || write(m, b_keys, sizeof(b_keys) - 1) != sizeof(b_keys) - 1)
		return -1;
	/* the lines "one\n", "x", "" and "a\177b\n": 4 + 1 + 4 */
	if (wait_queued(s, 9))
		return -1;
	/* keep what echo wrote, to compare with what the master reads afterwards */
	usleep(100000);
	b_echo_len = read(m, b_echo, sizeof(b_echo) - 1);
	if (b_echo_len <= 0)
		return -1;
	/* and queue it again: written back on the slave, with output processing off */
	t.c_oflag &= ~OPOST;
	if (tcsetattr(s, TCSANOW, &t) || write(s, b_echo, b_echo_len) != b_echo_len)
		return -1;
	return wait_queued(m, b_echo_len);
}

static void expect_read(int fd, const char *what, const char *want, size_t len)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n != (ssize_t)len || memcmp(buf, want, len))
		fail("%s: read %zd bytes, expected %zu (\"%.*s\")", what, n, len, (int)len, want);
}

int main(int argc, char **argv)
{
	int ma, sa, mb, sb;
	char c;

	test_init(argc, argv);
	if (open_pty(&ma, &sa) || open_pty(&mb, &sb) || setup_a(ma, sa) || setup_b(mb, sb)) {
		fail_perror("can't queue bytes on the ptys");
		return 1;
	}

	test_daemon();
	test_waitsig();

	usleep(100000);
	expect_read(sa, "pty A slave", "queued", 6);
	expect_read(ma, "pty A master", "a\r\nb", 4);
	expect_read(sb, "pty B slave, line 1", "one\n", 4);
	expect_read(sb, "pty B slave, line 2", "x", 1);
	expect_read(sb, "pty B slave, line 3 (EOF)", "", 0);
	expect_read(sb, "pty B slave, line 4", "a\177b\n", 4);
	/* the line being typed: still unreadable, until it is ended */
	if (read(sb, &c, 1) >= 0)
		fail("the line being typed on pty B is readable before it is ended");
	if (write(mb, "\n", 1) != 1)
		fail_perror("can't end the line being typed");
	usleep(100000);
	expect_read(sb, "pty B slave, line 5", "part\025ial\n", 9);
	/* the echoes, once, then the newline's (output processing is off by now) */
	b_echo[b_echo_len] = '\n';
	expect_read(mb, "pty B master (echoes)", b_echo, b_echo_len + 1);
	/* and nothing else on any side */
	if (read(sa, &c, 1) >= 0 || read(sb, &c, 1) >= 0)
		fail("more bytes on a slave than were queued");
	if (!test_failed())
		pass();
	return test_failed();
}
