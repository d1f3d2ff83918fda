/* SPDX-License-Identifier: GPL-2.0 */
/*
 * userns_pidns00: pid 1 of a pid namespace made in its own user namespace (ZDTM_USERNS in the
 * .desc), which owns it. After restore the pid namespace must still belong to that user
 * namespace (NS_GET_USERNS), so the test can still do what only the owner may:
 *   - mount a proc of its pid namespace (in a child's own mount namespace), which lists it
 *     as pid 1;
 *   - write its ns_last_pid: the next child gets the pid after the one written;
 *   - call reboot(), which the kernel refuses with EPERM to a task without CAP_SYS_BOOT over
 *     the owner, and answers with EINVAL for a command a pid namespace doesn't take.
 * A child, forked before the dump, is still the test's.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/reboot.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define LAST_PID 4000

static pid_t kid;

/* Is our pid namespace owned by our user namespace? */
static int pidns_owned(void)
{
	struct stat user, owner;
	int fd = open("/proc/self/ns/pid", O_RDONLY), own;

	own = fd < 0 ? -1 : ioctl(fd, NS_GET_USERNS);
	if (fd >= 0)
		close(fd);
	if (own < 0 || fstat(own, &owner) || stat("/proc/self/ns/user", &user)) {
		if (own >= 0)
			close(own);
		return 0;
	}
	close(own);
	return owner.st_ino == user.st_ino && owner.st_dev == user.st_dev;
}

/* In a child: a proc of our pid namespace, mounted in its own mount namespace. */
static int mount_own_proc(void)
{
	char text[32];
	pid_t pid;
	int status, fd;
	ssize_t n;

	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("proc", "/proc", "proc", 0, NULL))
			_exit(1);
		fd = open("/proc/1/stat", O_RDONLY);
		n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
		if (n <= 0)
			_exit(2);
		text[n] = '\0';
		_exit(strncmp(text, "1 (", 3) ? 3 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

/* ns_last_pid written, the next child gets the pid after it. */
static int steer_next_pid(void)
{
	char text[16];
	pid_t pid;
	int fd, len;

	len = snprintf(text, sizeof(text), "%d", LAST_PID);
	fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
	if (fd < 0 || write(fd, text, len) != len) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, NULL, 0) != pid)
		return -1;
	return pid == LAST_PID + 1 ? 0 : pid;
}

static void check_owner_powers(const char *when)
{
	int ret;

	if (!pidns_owned())
		fail("%s: the pid namespace is not owned by the test's user namespace", when);
	ret = mount_own_proc();
	if (ret)
		fail("%s: can't mount a proc of the pid namespace (step %d)", when, ret);
	ret = steer_next_pid();
	if (ret)
		fail("%s: ns_last_pid can't be written or was not followed (%d, %m)", when, ret);
	/* a pid namespace takes restart, halt and power off only: EINVAL, once permitted */
	if (syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF,
		    NULL) == 0 ||
	    errno != EINVAL)
		fail("%s: reboot() is refused (%m), want EINVAL", when);
}

static int setup(void)
{
	if (getpid() != 1) {
		fail("the test is pid %d, not 1 of its pid namespace", getpid());
		return -1;
	}
	kid = fork();
	if (kid == 0) {
		for (;;)
			pause();
	}
	return kid < 0 ? -1 : 0;
}

static void check(void)
{
	int status;

	check_owner_powers("before the dump or after restore");
	/* still alive: the flavours' /proc may be the host's, so ask the kernel */
	if (kill(kid, 0))
		fail("the child %d is gone (%m)", kid);
	else if (waitpid(kid, &status, WNOHANG) != 0)
		fail("the child %d is no longer ours (%m)", kid);
	/* it goes with the test, the init of its pid namespace */
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
