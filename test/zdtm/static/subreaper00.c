/* SPDX-License-Identifier: GPL-2.0 */
/*
 * subreaper00: a child subreaper root got an orphaned grandchild (its parent exited). After
 * restore the orphan's parent is still the root, and the root is still a subreaper.
 */
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int go[2], tell[2], flag = 0, status;
	pid_t mid, orphan = 0, me;
	char c;

	test_init(argc, argv);
	me = getpid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) || pipe(go) || pipe(tell)) {
		fail_perror("setup");
		return 1;
	}
	mid = fork();
	if (mid == 0) {
		orphan = fork();
		if (orphan == 0)
			_exit(read(go[0], &c, 1) == 1 && getppid() == me ? 0 : 1);
		_exit(write(tell[1], &orphan, sizeof(orphan)) != sizeof(orphan));
	}
	if (read(tell[0], &orphan, sizeof(orphan)) != sizeof(orphan) ||
	    waitpid(mid, &status, 0) != mid || status) {
		fail("the middle child failed");
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (prctl(PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0) || flag != 1)
		fail("the root is no longer a child subreaper");
	if (write(go[1], "g", 1) != 1)
		fail_perror("can't wake the orphan");
	if (waitpid(orphan, &status, 0) != orphan || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("orphan %d: not our child, or its parent changed (status %#x)", orphan,
		     status);
	if (!test_failed())
		pass();
	return test_failed();
}
