/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nsfs00: the files of /proc/self/ns held open. The task's namespaces are criu's own (other
 * namespaces are refused), so after restore each fd must name the namespace that the
 * task's /proc/self/ns link names now, and setns(2) through it must still be accepted.
 * NSFS_CASE=foreign (nsfs01): the task also holds the uts namespace of a child that made
 * a new one and exited; no task is in it, so the dump must refuse that fd, naming it.
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

static const char *const kinds[] = { "net", "uts",  "ipc",    "mnt",
				     "pid", "user", "cgroup", "pid_for_children",
				     "time" };
#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))
static int fds[NR_KINDS];

/* A child makes a uts namespace of its own; its file stays open here after it exits. */
static int open_foreign(void)
{
	int p[2], fd, status;
	char path[64], c;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWUTS) || write(p[1], "u", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	if (pid < 0 || read(p[0], &c, 1) != 1)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", pid);
	fd = open(path, O_RDONLY);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return fd;
}

int main(int argc, char **argv)
{
	const char *which = getenv("NSFS_CASE");
	struct stat a, b;
	char path[64];
	size_t i;

	test_init(argc, argv);
	for (i = 0; i < NR_KINDS; i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", kinds[i]);
		fds[i] = open(path, O_RDONLY);
		if (fds[i] < 0) {
			fail_perror("can't open %s", path);
			return 1;
		}
	}
	if (which && !strcmp(which, "foreign") && open_foreign() < 0) {
		fail_perror("can't hold a uts namespace of a child");
		return 1;
	}

	test_daemon();
	test_waitsig();

	for (i = 0; i < NR_KINDS; i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", kinds[i]);
		if (fstat(fds[i], &a) || stat(path, &b)) {
			fail_perror("can't stat %s", path);
			return 1;
		}
		if (a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
			fail("fd %d names %s namespace %lu, the task is in %lu", fds[i], kinds[i],
			     (unsigned long)a.st_ino, (unsigned long)b.st_ino);
			return 1;
		}
	}
	/* the kernel still takes them as namespace files */
	if (setns(fds[1], CLONE_NEWUTS) || setns(fds[2], CLONE_NEWIPC)) {
		fail_perror("setns through the restored fds");
		return 1;
	}
	pass();
	return 0;
}
