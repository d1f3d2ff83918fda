/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tty_sid00: the controlling terminal of another session of the tree. The root holds the
 * master of a pty; its child leads a session of its own whose controlling terminal is the
 * slave, with a grandchild's process group in the foreground. After restore the child's
 * session still has that terminal and foreground group, the root does not (it is in
 * another session), and bytes written on the master reach the child's slave and back.
 *
 * TTY_SID_CASE=nofd (tty_sid01): the child keeps no fd of its terminal (it opens /dev/tty
 * when it needs it): it could not take it back at restore, and the dump must refuse it.
 */
#define _XOPEN_SOURCE 600
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "zdtmtst.h"

static int master = -1, go[2], ready[2];
static pid_t child;

/* The grandchild: a process group of its own, in the foreground of the child's session. */
static void __attribute__((noreturn)) fg_job(void)
{
	pause();
	_exit(0);
}

/* Exit status: 0 fine, 2 not the session's terminal, 3 another foreground, 4 no I/O. */
static int check_terminal(int s, pid_t job)
{
	char buf[16];
	ssize_t n;

	if (tcgetsid(s) != getpid())
		return 2;
	if (tcgetpgrp(s) != job)
		return 3;
	/* a background group (an orphaned one, here) can't read its terminal: come forward */
	if (tcsetpgrp(s, getpgrp()))
		return 4;
	n = read(s, buf, sizeof(buf));
	if (n != 5 || memcmp(buf, "ping\n", 5) || write(s, "pong", 4) != 4) {
		test_msg("read %zd: %s\n", n, n < 0 ? strerror(errno) : "");
		return 4;
	}
	return 0;
}

static void __attribute__((noreturn)) session_leader(const char *pts)
{
	struct termios t;
	pid_t job;
	int s, ret;
	char c;

	/* a new session without a terminal: opening the slave makes it ours */
	if (setsid() < 0)
		_exit(1);
	s = open(pts, O_RDWR);
	if (s < 0 || tcgetattr(s, &t))
		_exit(1);
	cfmakeraw(&t);
	job = fork();
	if (job == 0)
		fg_job();
	signal(SIGTTOU, SIG_IGN);
	if (job < 0 || setpgid(job, job) || tcsetattr(s, TCSANOW, &t) || tcsetpgrp(s, job))
		_exit(1);
	if (getenv("TTY_SID_CASE") && close(s))
		_exit(1);
	if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
		_exit(1);
	if (getenv("TTY_SID_CASE"))
		s = open("/dev/tty", O_RDWR);
	ret = check_terminal(s, job);
	kill(job, SIGKILL);
	waitpid(job, NULL, 0);
	_exit(ret);
}

static int setup(void)
{
	char c;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) || pipe(go) || pipe(ready))
		return -1;
	child = fork();
	if (child == 0)
		session_leader(ptsname(master));
	if (child < 0 || read(ready[0], &c, 1) != 1)
		return -1;
	return 0;
}

static void check(void)
{
	if (tcgetsid(master) != child)
		fail("the pty controls session %d, not the child's %d", tcgetsid(master), child);
}

int main(int argc, char **argv)
{
	struct pollfd pfd = { .events = POLLIN };
	char buf[16];
	int status;

	test_init(argc, argv);
	if (setup()) {
		fail_perror("can't set up the sessions");
		return 1;
	}
	check();
	test_daemon();
	test_waitsig();
	check();
	pfd.fd = master;
	if (write(master, "ping\n", 5) != 5 || write(go[1], "g", 1) != 1 ||
	    poll(&pfd, 1, 5000) != 1 || read(master, buf, sizeof(buf)) != 4 ||
	    memcmp(buf, "pong", 4))
		fail("bytes don't go through the pty between the sessions");
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("the child's terminal changed (status %#x)", status);
	if (!test_failed())
		pass();
	return test_failed();
}
