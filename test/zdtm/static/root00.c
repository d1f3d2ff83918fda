/* SPDX-License-Identifier: GPL-2.0 */
/*
 * root00: a task's root directory (chroot) comes back. A child chroots into a directory of
 * its own, which holds a marker file, and its cwd is a subdirectory there. After restore the
 * child proves from inside that "/" is that same directory (the marker's content and mode,
 * the subdirectory as cwd) and tells the parent, which writes the verdict outside the root.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char marker[] = "inside the chroot of root00";

/* Runs chrooted: 0 when "/" still holds the marker and cwd is /sub. */
static int check_inside(void)
{
	char buf[sizeof(marker)], cwd[PATH_MAX];
	struct stat st;
	int fd = open("/marker", O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf)) != sizeof(buf) || memcmp(buf, marker, sizeof(buf)))
		return 1;
	close(fd);
	if (stat("/marker", &st) || (st.st_mode & 07777) != 0604)
		return 2;
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/sub"))
		return 3;
	/* outside the chroot this exists; inside, the root has only marker and sub */
	if (access("/proc", F_OK) == 0)
		return 4;
	return 0;
}

static void child(const char *root, int go, int verdict)
{
	char c, res;

	if (chroot(root) || chdir("/sub"))
		_exit(10);
	res = check_inside();
	if (write(verdict, &res, 1) != 1)
		_exit(11);
	if (read(go, &c, 1) != 1)
		_exit(12);
	res = check_inside();
	_exit(write(verdict, &res, 1) == 1 ? 0 : 11);
}

int main(int argc, char **argv)
{
	char root[PATH_MAX], path[PATH_MAX + 16], res = -1;
	int go[2], verdict[2], fd;
	pid_t pid;

	test_init(argc, argv);
	snprintf(root, sizeof(root), "%s", test_path("root"));
	snprintf(path, sizeof(path), "%s/sub", root);
	if (mkdir(root, 0755) || mkdir(path, 0755)) {
		fail_perror("can't make %s", path);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/marker", root);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0604);
	if (fd < 0 || write(fd, marker, sizeof(marker)) != sizeof(marker) || fchmod(fd, 0604) ||
	    close(fd) || pipe(go) || pipe(verdict)) {
		fail_perror("can't make %s", path);
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		fail_perror("fork");
		return 1;
	}
	if (pid == 0)
		child(root, go[0], verdict[1]);
	if (read(verdict[0], &res, 1) != 1 || res != 0) {
		fail("the child can't see its chroot before the dump (%d)", res);
		return 1;
	}

	test_daemon();
	test_waitsig();

	res = -1;
	if (write(go[1], "g", 1) != 1 || read(verdict[0], &res, 1) != 1 || res != 0) {
		fail("after restore the child's root or cwd is not what it was (check %d)", res);
		kill(pid, SIGKILL);
		return 1;
	}
	if (test_wait_child(pid, "the chrooted child"))
		return 1;
	pass();
	return 0;
}
