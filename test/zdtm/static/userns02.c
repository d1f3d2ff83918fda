/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userns02: an unprivileged container. The test is root (uid and gid 0, every capability)
 * of a user namespace that maps 0 to 100000 outside (ZDTM_USERNS in the .desc), the init of
 * pid, uts, ipc and time namespaces made in it, with a child. After restore: the same maps,
 * root inside with every capability there, and still an ordinary user outside: a file of
 * the host's root can't be opened for writing (EACCES) nor can a host-only sysctl, while
 * its own namespace's host name can be set; the child is alive and in the same namespace.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static char uid_map[256], gid_map[256];
static pid_t child;

static ino_t ns_ino(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", test_proc_pid(pid));
	if (stat(path, &st)) {
		fail("can't stat %s: %m", path);
		return 0;
	}
	return st.st_ino;
}

static int setup(void)
{
	if (test_read_text("/proc/self/uid_map", uid_map, sizeof(uid_map)) ||
	    test_read_text("/proc/self/gid_map", gid_map, sizeof(gid_map)))
		return -1;
	if (strncmp(uid_map + strspn(uid_map, " "), "0", 1)) {
		fail("uid_map is '%s': the .desc's map is missing", uid_map);
		return -1;
	}
	child = fork();
	if (child < 0)
		return -1;
	if (!child) {
		for (;;)
			pause();
	}
	return 0;
}

static void check(void)
{
	char now[256];
	int fd;

	if (test_read_text("/proc/self/uid_map", now, sizeof(now)) || strcmp(now, uid_map))
		fail("uid_map is now '%s', was '%s'", now, uid_map);
	if (test_read_text("/proc/self/gid_map", now, sizeof(now)) || strcmp(now, gid_map))
		fail("gid_map is now '%s', was '%s'", now, gid_map);
	if (getuid() || geteuid() || getgid() || getegid())
		fail("not root inside: uid %d euid %d gid %d egid %d", getuid(), geteuid(),
		     getgid(), getegid());
	if (sethostname("userns02", 8))
		fail("can't set the host name of its own uts namespace: %m");
	/* root inside, nobody outside: the host's files and sysctls stay closed */
	fd = open("/etc/passwd", O_WRONLY);
	if (fd >= 0 || errno != EACCES)
		fail("/etc/passwd opened for writing (%d, %m): root outside?", fd);
	if (fd >= 0)
		close(fd);
	fd = open("/proc/sys/kernel/hostname", O_WRONLY);
	if (fd >= 0)
		close(fd);
	fd = open("/proc/sys/vm/overcommit_memory", O_WRONLY);
	if (fd >= 0 || errno != EACCES)
		fail("a host-only sysctl opened for writing (%d, %m)", fd);
	if (fd >= 0)
		close(fd);
	/* a restored namespace is a new one: the child's is compared with the test's own */
	if (kill(child, 0) || ns_ino(child) != ns_ino(getpid()))
		fail("the child is gone or in another user namespace");
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	ret = test_check_across_dump(setup, check);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return ret;
}
