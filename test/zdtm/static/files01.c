/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files01: open flags that F_SETFL can change come back as they were (O_DIRECT, O_APPEND,
 * O_NOATIME, O_NONBLOCK, and a file with none of them), and an fd on /proc/self/status,
 * saved as /proc/PID/status, is again this task's status file after restore.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SETFL (O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME)

static const int want[] = { O_DIRECT, O_APPEND | O_NOATIME, O_NONBLOCK, 0,
			    O_DIRECT | O_APPEND | O_NONBLOCK | O_NOATIME };
#define NR (sizeof(want) / sizeof(want[0]))

static int check_status_fd(int fd)
{
	char buf[4096], line[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	/* in the pidns flavour /proc is the host's, and so is its Pid line */
	snprintf(line, sizeof(line), "\nPid:\t%d\n", test_proc_pid(getpid()));
	return strstr(buf, line) ? 0 : -1;
}

int main(int argc, char **argv)
{
	char path[4096];
	int fds[NR], st;
	size_t i;

	test_init(argc, argv);
	snprintf(path, sizeof(path), "%s", test_path("flags"));
	close(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
	for (i = 0; i < NR; i++) {
		fds[i] = open(path, O_RDWR | want[i]);
		if (fds[i] < 0 || (fcntl(fds[i], F_GETFL) & SETFL) != want[i]) {
			fail_perror("can't open %s with flags %#o", path, want[i]);
			return 1;
		}
	}
	st = open("/proc/self/status", O_RDONLY);
	if (st < 0 || check_status_fd(st)) {
		fail_perror("can't read /proc/self/status");
		return 1;
	}

	test_daemon();
	test_waitsig();

	for (i = 0; i < NR; i++) {
		int fl = fcntl(fds[i], F_GETFL);

		if ((fl & SETFL) != want[i] || (fl & O_ACCMODE) != O_RDWR) {
			fail("fd %d: flags %#o, want %#o", fds[i], fl, want[i] | O_RDWR);
			return 1;
		}
	}
	if (check_status_fd(st)) {
		fail("the /proc/self/status fd is not this task's status file");
		return 1;
	}
	unlink(path);
	pass();
	return 0;
}
