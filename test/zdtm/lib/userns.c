// SPDX-License-Identifier: GPL-2.0
/* For tests of user namespaces: kids in namespaces of their own, their namespaces and maps. */
#include <fcntl.h>
#include <sched.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static ino_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

int test_userns_of(pid_t pid, ino_t *own, ino_t *parent)
{
	char path[64];
	int fd, up;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/user", test_proc_pid(pid));
	fd = open(pid ? path : "/proc/self/ns/user", O_RDONLY);
	if (fd < 0)
		return -1;
	*own = ino_of(fd);
	up = parent ? ioctl(fd, NS_GET_PARENT) : -1;
	close(fd);
	if (!parent)
		return 0;
	if (up < 0)
		return -1;
	*parent = ino_of(up);
	close(up);
	return 0;
}

int test_write_proc(pid_t pid, const char *name, const char *text)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", test_proc_pid(pid), name);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = -1;
	if (fd >= 0)
		close(fd);
	return ret;
}

pid_t test_fork_in_userns(int (*body)(void *), void *arg, const char *deny, const char *uid_map,
			  const char *gid_map)
{
	int up[2], down[2];
	pid_t pid;
	char c;

	if (pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		if (unshare(CLONE_NEWUSER) || write(up[1], "u", 1) != 1 ||
		    read(down[0], &c, 1) != 1)
			_exit(20);
		close(up[1]);
		close(down[0]);
		_exit(body(arg));
	}
	close(up[1]);
	close(down[0]);
	if (pid < 0 || read(up[0], &c, 1) != 1) {
		fail_perror("the kid could not unshare a user namespace");
		pid = -1;
	} else if ((deny && test_write_proc(pid, "setgroups", deny)) ||
		   test_write_proc(pid, "uid_map", uid_map) ||
		   test_write_proc(pid, "gid_map", gid_map)) {
		fail_perror("can't write the maps of kid %d", pid);
		pid = -1;
	} else if (write(down[1], "m", 1) != 1) {
		pid = -1;
	}
	close(up[0]);
	close(down[1]);
	return pid;
}
