/* SPDX-License-Identifier: GPL-2.0 */
/*
 * file_locks04: POSIX locks on a file the task also maps shared, as SQLite keeps its WAL
 * index (a "-shm" file mapped MAP_SHARED, with byte-range locks on it). A write lock on
 * bytes 120-120 and a read lock on 128-135 are taken through one fd; the file is mapped
 * through another fd (then closed, which must not drop the locks before the dump: the
 * kernel drops them on a close only after they are taken, so the mapping is made first)
 * and a pattern is written through the mapping. After restore a child must meet both
 * locks held by the parent, exactly, and the mapping must show the pattern and still write
 * through to the file.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MAP_LEN 32768

/* The lock a write lock on [start, start+len) meets, seen from another process. */
static int meets(int fd, off_t start, off_t len, short type, off_t lstart, off_t llen, pid_t pid)
{
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len
	};

	if (fcntl(fd, F_GETLK, &fl))
		return 10;
	if (fl.l_type != type)
		return 11;
	if (type != F_UNLCK && (fl.l_start != lstart || fl.l_len != llen || fl.l_pid != pid))
		return 12;
	return 0;
}

static int child_probe(const char *path, pid_t parent)
{
	int fd = open(path, O_RDWR), ret;

	if (fd < 0)
		return 2;
	ret = meets(fd, 120, 1, F_WRLCK, 120, 1, parent);
	ret = ret ?: meets(fd, 130, 2, F_RDLCK, 128, 8, parent);
	ret = ret ?: meets(fd, 0, 100, F_UNLCK, 0, 0, 0);
	ret = ret ?: meets(fd, 121, 7, F_UNLCK, 0, 0, 0);
	return ret;
}

static int check_in_child(const char *path)
{
	pid_t parent = getpid(), pid = fork();
	int status;

	if (pid == 0)
		_exit(child_probe(path, parent));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void fill(unsigned char *p, unsigned char seed)
{
	size_t i;

	for (i = 0; i < MAP_LEN; i++)
		p[i] = (unsigned char)(i * 7 + seed);
}

static int same(const unsigned char *p, unsigned char seed)
{
	size_t i;

	for (i = 0; i < MAP_LEN; i++)
		if (p[i] != (unsigned char)(i * 7 + seed))
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	struct flock wr = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 120, .l_len = 1 };
	struct flock rd = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 128, .l_len = 8 };
	unsigned char *map, back[16];
	char path[4096];
	int fd, mfd, ret;

	test_init(argc, argv);
	snprintf(path, sizeof(path), "%s", test_path("wal-index"));
	mfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (mfd < 0 || ftruncate(mfd, MAP_LEN)) {
		fail_perror("can't make the file");
		return 1;
	}
	map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (map == MAP_FAILED) {
		fail_perror("can't map the file");
		return 1;
	}
	close(mfd);
	fill(map, 3);
	fd = open(path, O_RDWR);
	if (fd < 0 || fcntl(fd, F_SETLK, &wr) || fcntl(fd, F_SETLK, &rd)) {
		fail_perror("can't take the locks");
		return 1;
	}

	test_daemon();
	test_waitsig();

	ret = check_in_child(path);
	if (ret) {
		fail("the POSIX locks on the mapped file are not as dumped (child said %d)", ret);
		return 1;
	}
	if (!same(map, 3)) {
		fail("the shared mapping lost its contents");
		return 1;
	}
	fill(map, 9);
	if (msync(map, MAP_LEN, MS_SYNC) || pread(fd, back, sizeof(back), 4096) != sizeof(back) ||
	    memcmp(back, map + 4096, sizeof(back))) {
		fail("the mapping does not write through to the file any more");
		return 1;
	}
	pass();
	return 0;
}
