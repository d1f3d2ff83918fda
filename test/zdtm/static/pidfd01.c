/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pidfd01: pidfds of processes that have exited: a child that exited with status 7 and
 * was reaped, held through two pidfds (two open files), and another that exited by
 * SIGKILL. The kernel keeps a pidfd valid after its process is gone. After restore each
 * pidfd must still be one of a dead process: fdinfo says Pid: -1, it polls readable, a
 * signal through it fails with ESRCH, the two pidfds of one process are still one process
 * (the same pidfs inode) and the other is another, and PIDFD_GET_INFO (where the kernel
 * has it) tells each one's exit status.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

/* linux/pidfd.h of kernels 6.13 and later */
struct pidfd_info_v0 {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
	uint32_t coredump_mask, spare;
};
#define PIDFD_GET_INFO_V0 _IOWR(0xFF, 11, struct pidfd_info_v0)
#define PIDFD_INFO_EXIT	  (1UL << 3)

static int fds[3], status_of[3];

static int dead_child(int how)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (how)
			pause();
		_exit(7);
	}
	if (pid < 0)
		return -1;
	fds[how ? 2 : 0] = syscall(SYS_pidfd_open, pid, 0);
	if (!how)
		fds[1] = syscall(SYS_pidfd_open, pid, 0);
	if (how)
		kill(pid, SIGKILL);
	return waitpid(pid, &status, 0) == pid ? status : -1;
}

static int setup(void)
{
	status_of[0] = status_of[1] = dead_child(0);
	status_of[2] = dead_child(1);
	return fds[0] < 0 || fds[1] < 0 || fds[2] < 0 || status_of[0] < 0 || status_of[2] < 0;
}

static int fdinfo_pid(int fd)
{
	char path[64], line[128];
	int pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &pid) == 1)
			break;
	fclose(f);
	return pid;
}

static void check_one(int i)
{
	struct pidfd_info_v0 info = { .mask = PIDFD_INFO_EXIT };
	struct pollfd pfd = { .fd = fds[i], .events = POLLIN };

	if (fdinfo_pid(fds[i]) != -1) {
		fail("pidfd %d names pid %d, not a dead process", fds[i], fdinfo_pid(fds[i]));
		return;
	}
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN)) {
		fail("pidfd %d does not poll readable", fds[i]);
		return;
	}
	if (syscall(SYS_pidfd_send_signal, fds[i], 0, NULL, 0) == 0 || errno != ESRCH) {
		fail("a signal through pidfd %d did not fail with ESRCH", fds[i]);
		return;
	}
	if (ioctl(fds[i], PIDFD_GET_INFO_V0, &info))
		return; /* a kernel before 6.13: nothing more to compare */
	if (!(info.mask & PIDFD_INFO_EXIT) || info.exit_code != status_of[i])
		fail("pidfd %d: exit status %#x, want %#x", fds[i],
		     info.mask & PIDFD_INFO_EXIT ? info.exit_code : -1, status_of[i]);
}

static void check(void)
{
	struct stat a, b, c;
	int i;

	for (i = 0; i < 3; i++)
		check_one(i);
	if (fstat(fds[0], &a) || fstat(fds[1], &b) || fstat(fds[2], &c))
		fail_perror("fstat of the pidfds");
	else if (a.st_ino != b.st_ino || a.st_ino == c.st_ino)
		fail("the pidfds are not of two dead processes, two of them of one");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
