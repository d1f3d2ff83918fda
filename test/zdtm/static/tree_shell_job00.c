/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree_shell_job00: a job of a shell with a child: the root and its child live in the
 * runner's session and group (outside the tree). Dumped and restored with --shell-job, both
 * end up in criu's session and group, together, and the child is still the root's.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int go[2], status;
	pid_t kid;
	char c;

	test_keep_session = 1;
	test_init(argc, argv);
	if (pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	kid = fork();
	if (kid == 0)
		_exit(read(go[0], &c, 1) == 1 && getpgid(0) == getpgid(getppid()) &&
				      getsid(0) == getsid(getppid())
			      ? 0
			      : 1);
	test_daemon();
	test_waitsig();

	if (getpgid(kid) != getpgid(0) || getsid(kid) != getsid(0))
		fail("child %d: group %d session %d, the root's are %d and %d", kid, getpgid(kid),
		     getsid(kid), getpgid(0), getsid(0));
	if (write(go[1], "g", 1) != 1)
		fail_perror("can't wake the child");
	if (waitpid(kid, &status, 0) != kid || status)
		fail("child %d: status %#x", kid, status);
	if (!test_failed())
		pass();
	return test_failed();
}
