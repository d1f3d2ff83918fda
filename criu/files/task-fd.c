// SPDX-License-Identifier: GPL-2.0
/*
 * files/task-fd.c - a dumped task's fd as a new fd of criu's on the same open file
 * (pidfd_getfd), for the state only the file itself answers (socket options, ...).
 */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"
#include "log.h"

int task_fd_take(pid_t pid, int fd)
{
	int pidfd, ours;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		pr_perror("pidfd_open of task %d failed", pid);
		return -errno;
	}
	ours = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (ours < 0) {
		ours = -errno;
		pr_perror("pidfd_getfd of fd %d of task %d failed", fd, pid);
	}
	close(pidfd);
	return ours;
}
