/* SPDX-License-Identifier: GPL-2.0 */
/*
 * file_locks02: a POSIX lock on a file the task also maps through the same fd. Restore maps
 * the file through an fd of its own and closes it, which drops the process's POSIX locks on
 * the file; they must come back all the same: after restore a child still can't take the
 * lock, and the mapping still holds what was written through it.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1 };
	const char *path;
	int fd, status;
	char *p;
	pid_t pid;

	test_init(argc, argv);
	path = test_path("locked");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, 4096) || fcntl(fd, F_SETLK, &fl)) {
		fail_perror("can't lock %s", path);
		return 1;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		fail_perror("can't map %s", path);
		return 1;
	}
	p[0] = 'x';

	test_daemon();
	test_waitsig();

	pid = fork();
	if (pid == 0)
		_exit(fcntl(fd, F_SETLK, &fl) == 0 ? 1 : 0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || p[0] != 'x') {
		fail("the lock or the mapping is gone");
		return 1;
	}
	pass();
	return 0;
}
