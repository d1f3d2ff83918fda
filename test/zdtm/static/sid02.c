/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sid02: a session whose leader is alive but is not the parent of all its members. The
 * root is a child subreaper; its child c calls setsid() and forks x, x forks d and exits:
 * d goes to the root while c still leads d's session. Restore can't recreate that, so the
 * dump must be refused with a message naming d's session, and the tree must run on as
 * before: after the refused dump d is still in session c and the root's child.
 */
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

/* c: leads the session; x: d's parent, gone before the dump. */
static void __attribute__((noreturn)) leader(int go, int tell)
{
	pid_t x, d = -1;
	int status;
	char c;

	if (setsid() < 0)
		_exit(1);
	x = fork();
	if (x == 0) {
		d = fork();
		if (d == 0)
			_exit(read(go, &c, 1) == 1 ? 0 : 1);
		_exit(write(tell, &d, sizeof(d)) != sizeof(d));
	}
	if (x < 0 || waitpid(x, &status, 0) != x || status)
		_exit(1);
	_exit(read(go, &c, 1) == 1 ? 0 : 1);
}

static void reap(pid_t pid, const char *who)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("%s %d: not our child or it failed (status %#x)", who, pid, status);
}

int main(int argc, char **argv)
{
	int go[2], tell[2];
	pid_t me, c, d;

	test_init(argc, argv);
	me = getpid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) || pipe(go) || pipe(tell)) {
		fail_perror("setup");
		return 1;
	}
	c = fork();
	if (c == 0)
		leader(go[0], tell[1]);
	if (c < 0 || read(tell[0], &d, sizeof(d)) != sizeof(d)) {
		fail("the session leader failed");
		return 1;
	}
	usleep(100000); /* x's exit: d goes to us */
	test_daemon();
	test_waitsig();

	if (getsid(d) != c || getsid(c) != c)
		fail("d %d is in session %d, c %d in %d: expected %d", d, getsid(d), c, getsid(c),
		     c);
	if (write(go[1], "xx", 2) != 2)
		fail_perror("can't wake the children");
	reap(d, "d");
	reap(c, "c");
	if (getsid(0) != me)
		fail("the root left its session");
	if (!test_failed())
		pass();
	return test_failed();
}
