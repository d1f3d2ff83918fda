/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pidfd00: pidfds of the test itself, one blocking and one PIDFD_NONBLOCK. After restore
 * both must still name this process: their fdinfo shows its pid, and a signal sent through
 * each one arrives here.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
	(void)sig;
	got++;
}

static int fdinfo_pid(int fd)
{
	char path[64], line[128];
	int pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &pid) == 1)
			break;
	fclose(f);
	return pid;
}

static int check_one(int fd, int nonblock)
{
	int before = got;

	/* fdinfo's Pid is in the pid namespace of /proc, the host's in the pidns flavour */
	if (fdinfo_pid(fd) != test_proc_pid(getpid())) {
		fail("pidfd %d names process %d, not %d", fd, fdinfo_pid(fd),
		     test_proc_pid(getpid()));
		return -1;
	}
	if (!!(fcntl(fd, F_GETFL) & O_NONBLOCK) != nonblock) {
		fail("pidfd %d: O_NONBLOCK is %d, expected %d", fd, !nonblock, nonblock);
		return -1;
	}
	if (syscall(SYS_pidfd_send_signal, fd, SIGUSR1, NULL, 0) || got != before + 1) {
		fail_perror("a signal through pidfd %d did not arrive", fd);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int a, b;

	test_init(argc, argv);
	signal(SIGUSR1, on_usr1);
	a = syscall(SYS_pidfd_open, getpid(), 0);
	b = syscall(SYS_pidfd_open, getpid(), PIDFD_NONBLOCK);
	if (a < 0 || b < 0) {
		fail_perror("pidfd_open");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (check_one(a, 0) || check_one(b, 1))
		return 1;
	pass();
	return 0;
}
