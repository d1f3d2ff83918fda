/* SPDX-License-Identifier: GPL-2.0 */
/*
 * subreaper01: a child subreaper keeps the descendants it had at the dump. The root is a
 * child subreaper with a live child and grandchild. After restore the child exits, and the
 * grandchild, orphaned, must be reparented to the root (not to init): the kernel looks for
 * a reaper only among ancestors marked as having a subreaper above them, a mark a task gets
 * when forked below a subreaper or when an ancestor becomes one.
 */
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int go_mid[2], go_orphan[2], tell[2], status;
	pid_t mid, orphan = 0, me;
	char c;

	test_init(argc, argv);
	me = getpid();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) || pipe(go_mid) || pipe(go_orphan) ||
	    pipe(tell)) {
		fail_perror("setup");
		return 1;
	}
	mid = fork();
	if (mid == 0) {
		orphan = fork();
		if (orphan == 0) {
			/* wait until the middle child is gone, then say who adopted us */
			if (read(go_orphan[0], &c, 1) != 1)
				_exit(2);
			while (getppid() == getppid() && getppid() != me && getppid() != 1)
				usleep(1000);
			_exit(getppid() == me ? 0 : 1);
		}
		if (write(tell[1], &orphan, sizeof(orphan)) != sizeof(orphan))
			_exit(1);
		_exit(read(go_mid[0], &c, 1) == 1 ? 0 : 3);
	}
	if (read(tell[0], &orphan, sizeof(orphan)) != sizeof(orphan)) {
		fail("the middle child failed");
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (write(go_mid[1], "g", 1) != 1 || test_wait_child(mid, "the middle child"))
		return 1;
	if (write(go_orphan[1], "g", 1) != 1)
		fail_perror("can't wake the orphan");
	if (waitpid(orphan, &status, 0) != orphan) {
		fail("orphan %d was not reparented to the subreaper", orphan);
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("orphan %d saw another parent than the subreaper (status %#x)", orphan,
		     status);
	if (!test_failed())
		pass();
	return test_failed();
}
