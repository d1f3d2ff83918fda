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

static int read_all(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -1;
	close(fd);
	return ret;
}

static void find_pids_mount(void)
{
	char line[2048], m[512], opts[1024], type[64];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - "), *o = opts, *tok;

		if (!dash || sscanf(line, "%*s %*s %*s %*s %511s", m) != 1 ||
		    sscanf(dash, " - %63s %*s %1023s", type, opts) != 2 || strcmp(type, "cgroup"))
			continue;
		while ((tok = strsep(&o, ",")))
			if (!strcmp(tok, "pids") && !mnt[0])
				snprintf(mnt, sizeof(mnt), "%s", m);
	}
	if (f)
		fclose(f);
}

static int pids_cgroup(char *out, size_t len)
{
	char buf[4096], *l;

	if (read_all("/proc/self/cgroup", buf, sizeof(buf)))
		return -1;
	for (l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (c2 && !strncmp(c1 + 1, "pids:", 5)) {
			snprintf(out, len, "%s", c2 + 1);
			return 0;
		}
	}
	return -1;
}

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
	write_str(path, "0");
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

	find_pids_mount();
	if (!mnt[0])
		test_skip("no cgroup v1 pids hierarchy is mounted");
	if (access("/proc/self/ns/cgroup", F_OK))
		test_skip("no cgroup namespaces");
	if (pids_cgroup(start, sizeof(start)))
		return -1;
	snprintf(base, sizeof(base), "%s%s/zdtm.cgroupns00.%d", mnt,
		 strcmp(start, "/") ? start : "", getpid());
	snprintf(inner, sizeof(inner), "%s/inner", base);
	atexit(remove_cgroups);
	test_note_leftover("rmdir %s", base);
	test_note_leftover("rmdir %s", inner);
	snprintf(path, sizeof(path), "%s/cgroup.procs", base);
	if (mkdir(base, 0755) || mkdir(inner, 0755) || write_str(path, "0"))
		return -1;
	if (stat("/proc/self/ns/cgroup", &st))
		return -1;
	runners_ns = st.st_ino;
	if (unshare(CLONE_NEWCGROUP)) {
		fail_perror("unshare(CLONE_NEWCGROUP)");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cgroup.procs", inner);
	if (write_str(path, "0") || pipe(go) || pipe(ready))
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
	if (read_all("/proc/self/cgroup", my_view, sizeof(my_view)) ||
	    read_all(path, kid_view, sizeof(kid_view)))
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
	if (read_all("/proc/self/cgroup", now, sizeof(now)) || strcmp(now, my_view))
		fail("the test sees its cgroups as\n%swas\n%s", now, my_view);
	if (read_all(path, now, sizeof(now)) || strcmp(now, kid_view))
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
