/* SPDX-License-Identifier: GPL-2.0 */
/*
 * root01: a task whose root directory (chroot) was removed afterwards comes back with a
 * removed root. A child chroots into an empty directory of mode 0751 that the parent then
 * removes; after restore the child proves from inside that "/" is a directory of that mode
 * with no links left, that nothing can be created in it, that it is also its cwd, and tells
 * the parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

/* Runs chrooted: 0 when "/" is a removed directory with mode 0751, and the cwd. */
static int check_inside(void)
{
	struct stat st, cwd;

	if (stat("/", &st) || !S_ISDIR(st.st_mode))
		return 1;
	if ((st.st_mode & 07777) != 0751)
		return 2;
	if (st.st_nlink != 0)
		return 3;
	if (open("/new", O_WRONLY | O_CREAT, 0600) >= 0 || errno != ENOENT)
		return 4;
	if (stat(".", &cwd) || cwd.st_dev != st.st_dev || cwd.st_ino != st.st_ino)
		return 5;
	return 0;
}

static void child(const char *root, int go, int verdict)
{
	char c, res;

	if (chroot(root) || chdir("/"))
		_exit(10);
	res = 0;
	if (write(verdict, &res, 1) != 1)
		_exit(11);
	/* first go: the parent has removed the directory */
	if (read(go, &c, 1) != 1)
		_exit(12);
	res = check_inside();
	if (write(verdict, &res, 1) != 1)
		_exit(11);
	if (read(go, &c, 1) != 1)
		_exit(12);
	res = check_inside();
	_exit(write(verdict, &res, 1) == 1 ? 0 : 11);
}

static int ask_child(int go, int verdict)
{
	char res = -1;

	if (write(go, "g", 1) != 1 || read(verdict, &res, 1) != 1)
		return -1;
	return res;
}

int main(int argc, char **argv)
{
	char root[PATH_MAX], res = -1;
	int go[2], verdict[2];
	pid_t pid;

	test_init(argc, argv);
	snprintf(root, sizeof(root), "%s", test_path("root"));
	if (mkdir(root, 0751) || chmod(root, 0751) || pipe(go) || pipe(verdict)) {
		fail_perror("can't make %s", root);
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		fail_perror("fork");
		return 1;
	}
	if (pid == 0)
		child(root, go[0], verdict[1]);
	if (read(verdict[0], &res, 1) != 1 || res != 0 || rmdir(root)) {
		fail_perror("the child did not chroot or %s can't be removed", root);
		return 1;
	}
	res = ask_child(go[1], verdict[0]);
	if (res) {
		fail("before the dump the child's root is not a removed dir (check %d)", res);
		return 1;
	}

	test_daemon();
	test_waitsig();

	res = ask_child(go[1], verdict[0]);
	if (res) {
		fail("after restore the child's root is not a removed dir of mode 751 (check %d)",
		     res);
		kill(pid, SIGKILL);
		return 1;
	}
	if (test_wait_child(pid, "the chrooted child"))
		return 1;
	if (access(root, F_OK) == 0) {
		fail("%s exists again after restore", root);
		return 1;
	}
	pass();
	return 0;
}
