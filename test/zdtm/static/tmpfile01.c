/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tmpfile01: an O_TMPFILE file that the task also maps (MAP_SHARED) is one file: after
 * restore the mapping and the fd are the same inode (map_files tells), what is written
 * through one is seen through the other, in both directions, and the data of before is
 * there.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE 8192

static char dir[PATH_MAX - 16], *map;
static int fd = -1;

static int setup(void)
{
	snprintf(dir, sizeof(dir), "%s", test_path("dir"));
	if (mkdir(dir, 0700))
		return -1;
	fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, SIZE) || pwrite(fd, "before", 6, 0) != 6)
		return -1;
	map = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return -1;
	memcpy(map + 4096, "mapped", 6);
	return 0;
}

static void check(void)
{
	char path[64], buf[8];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)map,
		 (unsigned long)map + SIZE);
	if (fstat(fd, &a) || stat(path, &b) || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		fail("the mapping and the fd are two files");
		return;
	}
	if (memcmp(map, "before", 6) || pread(fd, buf, 6, 4096) != 6 || memcmp(buf, "mapped", 6)) {
		fail("the data written before is not seen on both sides");
		return;
	}
	if (pwrite(fd, "fdside", 6, 100) != 6 || memcmp(map + 100, "fdside", 6)) {
		fail("a write through the fd is not seen in the mapping");
		return;
	}
	memcpy(map + 200, "mapside", 7);
	if (pread(fd, buf, 7, 200) != 7 || memcmp(buf, "mapside", 7))
		fail("a write through the mapping is not seen through the fd");
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	ret = test_check_across_dump(setup, check);
	rmdir(test_path("dir"));
	return ret;
}
