/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroupns00: the test (the tree's root) has a cgroup namespace of its own, rooted at a
 * pids cgroup BASE it made (zdtm.cgroupns00.PID), and lives in BASE/inner with a child
 * born in the namespace. What both see in /proc/self/cgroup (paths below the namespace's
 * roots: "/inner" for pids) must be the same after the restore, and the namespace must
 * still be their own (not the runner's).
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static char mnt[512], start[512], base[1100], inner[1200];
static char my_view[4096], kid_view[4096];
static pid_t kid;
/* the cgroup namespace the test was started in (its parent may be outside its pid namespace) */
static ino_t runners_ns;
static int go[2], ready[2];

static void remove_cgroups(void)
{
	char path[1400];

	if (kid > 0) {
		kill(kid, SIGKILL);
		waitpid(kid, NULL, 0);
	}
	if (!base[0])
		return;
	snprintf(path, sizeof(path), "%s%s/cgroup.procs", mnt, start);
	test_write_text(path, "0");
	rmdir(inner);
	rmdir(base);
}

static int own_ns(void)
{
	struct stat mine;

	if (stat("/proc/self/ns/cgroup", &mine))
		return -1;
	return mine.st_ino != runners_ns;
}

static int setup(void)
{
	char path[1400], c;
	struct stat st;

	test_cgroup_mount("cgroup", "pids", mnt, sizeof(mnt));
	if (!mnt[0])
		test_skip("no cgroup v1 pids hierarchy is mounted");
	if (access("/proc/self/ns/cgroup", F_OK))
		test_skip("no cgroup namespaces");
	if (test_cgroup_of("/proc/self/cgroup", "pids", start, sizeof(start)))
		return -1;
	snprintf(base, sizeof(base), "%s%s/zdtm.cgroupns00.%d", mnt,
		 strcmp(start, "/") ? start : "", getpid());
	snprintf(inner, sizeof(inner), "%s/inner", base);
	atexit(remove_cgroups);
	test_note_leftover("rmdir %s", base);
	test_note_leftover("rmdir %s", inner);
	snprintf(path, sizeof(path), "%s/cgroup.procs", base);
	if (mkdir(base, 0755) || mkdir(inner, 0755) || test_write_text(path, "0"))
		return -1;
	if (stat("/proc/self/ns/cgroup", &st))
		return -1;
	runners_ns = st.st_ino;
	if (unshare(CLONE_NEWCGROUP)) {
		fail_perror("unshare(CLONE_NEWCGROUP)");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", inner);
	if (test_write_text(path, "0") || pipe(go) || pipe(ready))
		return -1;
	kid = fork();
	if (kid < 0)
		return -1;
	if (kid == 0) {
		if (write(ready[1], "r", 1) != 1)
			_exit(4);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 2);
	}
	if (read(ready[0], &c, 1) != 1)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", test_proc_pid(kid));
	if (test_read_text("/proc/self/cgroup", my_view, sizeof(my_view)) ||
	    test_read_text(path, kid_view, sizeof(kid_view)))
		return -1;
	if (!strstr(my_view, "pids:/inner\n")) {
		fail("the test sees its pids cgroup not as /inner:\n%s", my_view);
		return -1;
	}
	return 0;
}

static void check(void)
{
	static int after_restore;
	char now[4096], path[64];
	int status;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", test_proc_pid(kid));
	if (test_read_text("/proc/self/cgroup", now, sizeof(now)) || strcmp(now, my_view))
		fail("the test sees its cgroups as\n%swas\n%s", now, my_view);
	if (test_read_text(path, now, sizeof(now)) || strcmp(now, kid_view))
		fail("the test sees its child's cgroups as\n%swas\n%s", now, kid_view);
	if (own_ns() != 1)
		fail("the test's cgroup namespace is its parent's");
	if (!after_restore++)
		return;
	if (write(go[1], "g", 1) != 1 || waitpid(kid, &status, 0) != kid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("the child did not come through the restore");
	kid = 0;
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
