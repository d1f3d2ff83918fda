/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd01: a memfd keeps its mode bits, owner and name, and two open files of it stay two:
 * the memfd's own fd and one reopened read-write through /proc/self/fd each keep their
 * file position, and a write through one is read through the other. A mapping of the
 * memfd shares its pages with both.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MODE 0751
#define NAME "zdtm memfd:01"

static int mfd, again;
static char *map;

static int setup(void)
{
	char path[64];

	mfd = memfd_create(NAME, 0);
	if (mfd < 0 || ftruncate(mfd, 4096) || fchmod(mfd, MODE) || fchown(mfd, 1000, 1001) ||
	    pwrite(mfd, "0123456789", 10, 0) != 10)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	again = open(path, O_RDWR);
	if (again < 0 || lseek(mfd, 2, SEEK_SET) != 2 || lseek(again, 7, SEEK_SET) != 7)
		return -1;
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, again, 0);
	return map == MAP_FAILED ? -1 : 0;
}

static void check(void)
{
	char path[64], link[PATH_MAX], c;
	struct stat a, b;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", again);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0 || (link[n] = 0, strcmp(link, "/memfd:" NAME " (deleted)")))
		fail("the reopened memfd is %s", n < 0 ? "?" : link);
	if (fstat(mfd, &a) || fstat(again, &b) || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		fail("the two fds are no longer one memfd");
	else if ((a.st_mode & 07777) != MODE || a.st_uid != 1000 || a.st_gid != 1001)
		fail("mode %o owner %d:%d, expected %o 1000:1001", a.st_mode & 07777, a.st_uid,
		     a.st_gid, MODE);
	if (lseek(mfd, 0, SEEK_CUR) != 2 || lseek(again, 0, SEEK_CUR) != 7)
		fail("positions %ld and %ld, expected 2 and 7", (long)lseek(mfd, 0, SEEK_CUR),
		     (long)lseek(again, 0, SEEK_CUR));
	if (read(mfd, &c, 1) != 1 || c != '2' || read(again, &c, 1) != 1 || c != '7')
		fail("reads at the two positions do not agree with the content");
	lseek(mfd, 2, SEEK_SET);
	lseek(again, 7, SEEK_SET);
	if (pwrite(mfd, "X", 1, 100) != 1 || pread(again, &c, 1, 100) != 1 || c != 'X' ||
	    map[100] != 'X')
		fail("a write through one fd is not seen through the other and the mapping");
	map[100] = 0;
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
