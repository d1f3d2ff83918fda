/* SPDX-License-Identifier: GPL-2.0 */
/*
 * file_locks00: a task holding locks (flock and POSIX) is refused by dump without
 * --file-locks (file_locks00.desc), and keeps running with its locks held: a child's
 * attempt to take them must still fail afterwards.
 */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

/* 0 if the child could not take either lock, as it must not. */
static int locks_held(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 10 };
		int fd = open(path, O_RDWR);

		if (fd < 0)
			_exit(2);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			_exit(3);
		if (fcntl(fd, F_SETLK, &fl) == 0)
			_exit(4);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(int argc, char **argv)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 10 };
	const char *path;
	int a, b, ret;

	test_init(argc, argv);
	path = test_path("locked");
	a = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	b = open(path, O_RDWR);
	if (a < 0 || b < 0 || flock(a, LOCK_EX) || fcntl(b, F_SETLK, &fl)) {
		fail_perror("can't take the locks");
		return 1;
	}

	test_daemon();
	test_waitsig();

	ret = locks_held(path);
	if (ret) {
		fail("the locks are not held any more (child said %d)", ret);
		return 1;
	}
	pass();
	return 0;
}
