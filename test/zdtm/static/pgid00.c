/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pgid00: sessions and process groups of a tree. Child a leads its own group, c is in a's
 * group, b leads its own session; z led a group, d joined it, and z exited: a group whose
 * leader is a zombie. After restore every task is in the same group and session as before
 * and z's exit status is still there to be collected.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static pid_t spawn(int go, int how)
{
	pid_t pid = fork();
	char c;

	if (pid)
		return pid;
	if (how == 1 && setsid() < 0)
		_exit(1);
	if (how == 2)
		_exit(7);
	_exit(read(go, &c, 1) == 1 ? 0 : 1);
}

static void expect(const char *what, pid_t pid, pid_t got, pid_t want)
{
	if (got != want)
		fail("%s of %d is %d, expected %d", what, pid, got, want);
}

int main(int argc, char **argv)
{
	pid_t a, b, c, z, d, me;
	int go[2], status;
	siginfo_t si;

	test_init(argc, argv);
	me = getpid();
	if (pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	a = spawn(go[0], 0);
	setpgid(a, a);
	c = spawn(go[0], 0);
	setpgid(c, a);
	b = spawn(go[0], 1);
	z = spawn(go[0], 0);
	setpgid(z, z);
	d = spawn(go[0], 0);
	if (setpgid(d, z)) {
		fail_perror("setpgid");
		return 1;
	}
	/* z goes last: its group must already have d in it */
	kill(z, SIGKILL);
	if (waitid(P_PID, z, &si, WEXITED | WNOWAIT)) {
		fail_perror("waitid");
		return 1;
	}
	usleep(100000); /* b's setsid */
	test_daemon();
	test_waitsig();

	expect("pgid", me, getpgid(0), me);
	expect("sid", me, getsid(0), me);
	expect("pgid", a, getpgid(a), a);
	expect("sid", a, getsid(a), me);
	expect("pgid", c, getpgid(c), a);
	expect("pgid", b, getpgid(b), b);
	expect("sid", b, getsid(b), b);
	expect("pgid", d, getpgid(d), z);
	expect("pgid", z, getpgid(z), z);
	if (write(go[1], "xxxx", 4) != 4)
		fail_perror("can't wake the children");
	if (waitpid(z, &status, 0) != z || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail("zombie %d: wrong status %#x", z, status);
	if (waitpid(a, &status, 0) != a || status || waitpid(b, &status, 0) != b || status ||
	    waitpid(c, &status, 0) != c || status || waitpid(d, &status, 0) != d || status)
		fail("a child did not end well (status %#x)", status);
	if (!test_failed())
		pass();
	return test_failed();
}
