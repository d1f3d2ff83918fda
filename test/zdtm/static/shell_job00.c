/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shell_job00: a task whose session and process group belong to someone outside the dumped
 * tree (the runner here, a shell in real life). Dumped and restored with --shell-job it
 * joins criu's session and group; criu runs in the runner's, so both must read as before.
 * Without -j the dump must be refused (shell_job00_nojob.desc).
 */
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	pid_t sid, pgid;

	test_keep_session = 1;
	test_init(argc, argv);
	sid = getsid(0);
	pgid = getpgid(0);
	if (sid == getpid() || pgid == getpid()) {
		fail("the test leads its session (%d) or group (%d): no shell job to test", sid,
		     pgid);
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (getsid(0) != sid)
		fail("session is %d after restore, expected criu's %d", getsid(0), sid);
	else if (getpgid(0) != pgid)
		fail("process group is %d after restore, expected criu's %d", getpgid(0), pgid);
	else
		pass();
	return test_failed();
}
