/* SPDX-License-Identifier: GPL-2.0 */
/*
 * devzero_mapfd00: a shared mapping of /dev/zero (shared anonymous memory) opened as an fd
 * through /proc/self/map_files. The fd and the mapping are one shmem object: the fd reads
 * what the mapping holds, and a write through either is seen by the other. Restore can't
 * give the task an fd of its shared memory yet, so the dump must refuse that fd
 * (devzero_mapfd00.desc) rather than save it as a deleted file "/dev/zero", and the fd and
 * the mapping must still be one afterwards.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SZ (4 * 4096)

static char *map;
static int fd = -1;

static int setup(void)
{
	char path[128];
	int zfd = open("/dev/zero", O_RDWR);

	if (zfd < 0)
		return -1;
	map = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_SHARED, zfd, 0);
	close(zfd);
	if (map == MAP_FAILED)
		return -1;
	strcpy(map, "before the dump");
	strcpy(map + 3 * 4096, "last page");
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)map,
		 (unsigned long)map + SZ);
	fd = open(path, O_RDWR);
	return fd < 0 ? -1 : 0;
}

static void check(void)
{
	char buf[32];

	if (pread(fd, buf, sizeof(buf), 0) != sizeof(buf) || strcmp(buf, map) ||
	    pread(fd, buf, sizeof(buf), 3 * 4096) != sizeof(buf) || strcmp(buf, "last page")) {
		fail("the fd does not read what the mapping holds");
		return;
	}
	if (pwrite(fd, "via fd", 7, 4096) != 7 || strcmp(map + 4096, "via fd")) {
		fail("a write through the fd is not seen in the mapping");
		return;
	}
	strcpy(map + 2 * 4096, "via map");
	if (pread(fd, buf, 8, 2 * 4096) != 8 || strcmp(buf, "via map"))
		fail("a write to the mapping is not seen through the fd");
	memset(map + 4096, 0, 2 * 4096);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
