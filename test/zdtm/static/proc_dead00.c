/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc_dead00: /proc/<pid> of a child that has exited and been reaped, held open. The
 * directory is unhashed: it stays a procfs directory, but nothing of the dead task can be
 * opened through it. Such a directory can't be made again (restore would need a process
 * of that pid to die again), so the dump must refuse it, naming the fd (proc_dead00.desc),
 * and the fd must still be such a directory afterwards: on procfs, its link reads
 * "/proc/<pid> (deleted)", and opening "status" through it fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PROC_SUPER_MAGIC 0x9fa0

static char want[64];
static int fd = -1;

static int setup(void)
{
	char path[64], c;
	int hold[2];
	pid_t pid, here;

	if (pipe(hold))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(hold[1]);
		_exit(read(hold[0], &c, 1) < 0);
	}
	close(hold[0]);
	if (pid < 0)
		return -1;
	/* in the pidns flavour /proc is the host's: the child's pid there, while it lives */
	here = test_proc_pid(pid);
	snprintf(path, sizeof(path), "/proc/%d", here);
	fd = open(path, O_RDONLY | O_DIRECTORY);
	snprintf(want, sizeof(want), "/proc/%d (deleted)", here);
	close(hold[1]);
	return fd < 0 || waitpid(pid, NULL, 0) != pid ? -1 : 0;
}

static void check(void)
{
	char link[64], target[128];
	struct statfs sfs;
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0 || fstat(fd, &st) || fstatfs(fd, &sfs)) {
		fail_perror("can't look at fd %d", fd);
		return;
	}
	target[n] = 0;
	if (!S_ISDIR(st.st_mode) || sfs.f_type != PROC_SUPER_MAGIC)
		fail("fd %d is not a procfs directory", fd);
	else if (strcmp(target, want))
		fail("fd %d is %s, want %s", fd, target, want);
	else if (openat(fd, "status", O_RDONLY) >= 0)
		fail("the status of the dead task can be opened");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
