/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ghost_tree00: a file opened read-write and unlinked before a fork is one open file of
 * both tasks. After restore the child appends through its fd: the parent must see the
 * bytes in its own fd, and the file position the child moved, as with any file shared
 * over fork.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char first[] = "written before the fork;";
static const char second[] = "written by the child after restore";

static int child(int fd, int go, int done)
{
	char c;

	if (read(go, &c, 1) != 1)
		return 2;
	if (lseek(fd, 0, SEEK_CUR) != sizeof(first))
		return 3;
	if (write(fd, second, sizeof(second)) != sizeof(second))
		return 4;
	return write(done, "d", 1) == 1 ? 0 : 5;
}

int main(int argc, char **argv)
{
	int fd, go[2], done[2];
	char buf[sizeof(first) + sizeof(second)], c;
	struct stat st;
	pid_t pid;

	test_init(argc, argv);
	fd = open(test_path("file"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, first, sizeof(first)) != sizeof(first) ||
	    unlink(test_path("file")) || pipe(go) || pipe(done)) {
		fail_perror("can't prepare the file");
		return 1;
	}
	pid = fork();
	if (pid == 0)
		_exit(child(fd, go[0], done[1]));
	if (pid < 0) {
		fail_perror("fork");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1) {
		fail("the child did not answer");
		test_wait_child(pid, "the child");
		return 1;
	}
	if (test_wait_child(pid, "the child"))
		return 1;
	if (lseek(fd, 0, SEEK_CUR) != sizeof(buf)) {
		fail("the parent's position is %lld, not moved by the child's write",
		     (long long)lseek(fd, 0, SEEK_CUR));
		return 1;
	}
	if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf) || memcmp(buf, first, sizeof(first)) ||
	    memcmp(buf + sizeof(first), second, sizeof(second))) {
		fail("the parent does not see what the child wrote");
		return 1;
	}
	if (fstat(fd, &st) || st.st_nlink != 0) {
		fail("the file is not deleted any more");
		return 1;
	}
	pass();
	return 0;
}
