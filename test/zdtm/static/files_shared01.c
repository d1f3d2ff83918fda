/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files_shared01: two siblings share an fd table that their parent left (it cloned both with
 * CLONE_FILES, then took a table of its own with unshare). Restore can only rebuild a table
 * shared from parent to child, so the dump must be refused naming the shared fd table
 * (files_shared01.desc); the siblings must still share it afterwards.
 */
#include <fcntl.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

/*
 * The first sibling empties the siblings' table of all but go, once the parent has a table
 * of its own: the runner's readiness pipe must not stay open there.
 */
static int sibling(int go, int unshared)
{
	char c;

	if (unshared >= 0) {
		if (read(unshared, &c, 1) != 1)
			return 2;
		if (syscall(SYS_close_range, 0, go - 1, 0) ||
		    syscall(SYS_close_range, go + 1, ~0U, 0))
			return 3;
	}
	if (read(go, &c, 1) != 1)
		return 4;
	return 0;
}

static pid_t clone_files(int go, int unshared)
{
	pid_t kid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);

	if (kid == 0)
		_exit(sibling(go, unshared));
	if (kid < 0)
		fail_perror("clone(CLONE_FILES)");
	return kid;
}

static int reap(pid_t kid)
{
	int status;

	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("sibling %d did not exit cleanly (status %#x)", kid, status);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int go[2], unshared[2];
	pid_t a, b;

	test_init(argc, argv);
	if (pipe(go) || pipe(unshared)) {
		fail_perror("pipe");
		return 1;
	}
	a = clone_files(go[0], unshared[0]);
	b = a > 0 ? clone_files(go[0], -1) : -1;
	if (b < 0)
		return 1;
	if (unshare(CLONE_FILES) || write(unshared[1], "u", 1) != 1) {
		fail_perror("unshare(CLONE_FILES)");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (syscall(SYS_kcmp, a, b, KCMP_FILES, 0, 0) != 0 ||
	    syscall(SYS_kcmp, getpid(), a, KCMP_FILES, 0, 0) == 0) {
		fail("siblings %d and %d no longer share one fd table of their own", a, b);
		return 1;
	}
	if (write(go[1], "gg", 2) != 2) {
		fail_perror("can't wake the siblings");
		return 1;
	}
	if (reap(a) || reap(b))
		return 1;
	pass();
	return 0;
}
