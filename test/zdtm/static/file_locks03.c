/* SPDX-License-Identifier: GPL-2.0 */
/*
 * file_locks03: POSIX locks held by a child process (dumped and restored with
 * --file-locks). The child locks bytes 0-99 for writing and 200-299 for reading on a file
 * the parent opened before the fork. After restore the parent probes with F_GETLK: the
 * child's locks are still there with its pid, and conflict as before (a write lock meets
 * both, a read lock only the write lock, the gap is free). Then the child unlocks and the
 * parent can take the range.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "zdtmtst.h"

static int lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	return fcntl(fd, cmd, &fl);
}

/* Who holds what a lock of type on [start, start+len) would meet: F_UNLCK if free. */
static short probe(int fd, short type, off_t start, off_t len, pid_t *pid, off_t *lstart)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	if (fcntl(fd, F_GETLK, &fl))
		return -1;
	*pid = fl.l_pid;
	*lstart = fl.l_start;
	return fl.l_type;
}

static int child(int fd, int go, int done)
{
	char c;

	if (lock(fd, F_SETLK, F_WRLCK, 0, 100) || lock(fd, F_SETLK, F_RDLCK, 200, 100) ||
	    write(done, "l", 1) != 1)
		return 2;
	if (read(go, &c, 1) != 1)
		return 3;
	if (lock(fd, F_SETLK, F_UNLCK, 0, 0) || write(done, "u", 1) != 1)
		return 4;
	return 0;
}

int main(int argc, char **argv)
{
	int fd, go[2], done[2];
	off_t start;
	pid_t pid, who;
	char c;

	test_init(argc, argv);
	fd = open(test_path("file"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pipe(go) || pipe(done)) {
		fail_perror("can't make the file");
		return 1;
	}
	pid = fork();
	if (pid == 0)
		_exit(child(fd, go[0], done[1]));
	if (pid < 0 || read(done[0], &c, 1) != 1) {
		fail("the child did not take its locks");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (probe(fd, F_WRLCK, 50, 10, &who, &start) != F_WRLCK || who != pid || start != 0 ||
	    probe(fd, F_WRLCK, 250, 10, &who, &start) != F_RDLCK || who != pid || start != 200 ||
	    probe(fd, F_RDLCK, 250, 10, &who, &start) != F_UNLCK ||
	    probe(fd, F_RDLCK, 50, 10, &who, &start) != F_WRLCK ||
	    probe(fd, F_WRLCK, 100, 100, &who, &start) != F_UNLCK) {
		fail("the child's locks are not as they were");
		write(go[1], "g", 1);
		test_wait_child(pid, "the child");
		return 1;
	}
	if (lock(fd, F_SETLK, F_WRLCK, 0, 10) == 0) {
		fail("the parent took a range the child holds");
		return 1;
	}
	if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1 ||
	    lock(fd, F_SETLK, F_WRLCK, 0, 300)) {
		fail_perror("the range is not free once the child unlocked it");
		return 1;
	}
	if (test_wait_child(pid, "the child"))
		return 1;
	unlink(test_path("file"));
	pass();
	return 0;
}
