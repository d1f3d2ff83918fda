/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tty_shell00: a shell job's terminal. The test holds only the slave of a pty whose master
 * belongs to a process outside the dumped tree (a helper that echoes back what it reads,
 * standing in for the shell's terminal emulator). Dumped and restored with --shell-job the
 * slave must be the same pty again, still connected to that master.
 *
 * tty_unpaired00 runs it in a session of its own, dumped without --shell-job: a pty whose
 * master is outside the tree must be refused, with a message that names the option.
 */
#define _XOPEN_SOURCE 600
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

/* The outside master: echo everything back, for a minute at most. */
static void echo_master(int m)
{
	time_t end = time(NULL) + 60;
	char buf[256];
	ssize_t n;

	while (time(NULL) < end) {
		n = read(m, buf, sizeof(buf));
		if (n > 0 && write(m, buf, n) != n)
			break;
		if (n < 0 && errno == EIO) /* no slave open: the test is being restored */
			usleep(10000);
		else if (n <= 0)
			break;
	}
	_exit(0);
}

/* Start the helper as a grandchild: it is reparented away, out of the dumped tree. */
static int start_helper(int m)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (fork() == 0) {
			int fd;

			/* Keep only the master: the launcher waits for EOF on a pipe we got. */
			for (fd = 3; fd < 1024; fd++)
				if (fd != m)
					close(fd);
			echo_master(m);
		}
		_exit(0);
	}
	return waitpid(pid, NULL, 0) == pid ? 0 : -1;
}

static int round_trip(int s)
{
	struct pollfd pfd = { .fd = s, .events = POLLIN };
	char buf[16];

	if (write(s, "ping", 4) != 4 || poll(&pfd, 1, 5000) != 1 || read(s, buf, 4) != 4 ||
	    memcmp(buf, "ping", 4))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct stat before, after;
	struct termios t;
	int m, s;

	/* tty_unpaired00: the same, but a session of its own, and no --shell-job: refused */
	test_keep_session = !getenv("TTY_OWN_SESSION");
	test_init(argc, argv);
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m)) {
		fail_perror("can't make a pty");
		return 1;
	}
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0 || tcgetattr(s, &t) || (cfmakeraw(&t), tcsetattr(s, TCSANOW, &t)) ||
	    start_helper(m) || fstat(s, &before)) {
		fail_perror("can't set up the pty and its helper");
		return 1;
	}
	close(m);
	if (round_trip(s)) {
		fail_perror("the helper does not echo");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (fstat(s, &after) || after.st_rdev != before.st_rdev) {
		fail("the slave is another device after restore");
		return 1;
	}
	if (round_trip(s)) {
		fail_perror("the restored slave is not connected to the outside master");
		return 1;
	}
	pass();
	return 0;
}
