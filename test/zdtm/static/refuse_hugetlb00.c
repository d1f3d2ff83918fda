/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refuse_hugetlb00: a shared mapping of a file on a hugetlbfs mount (not anonymous hugetlb
 * memory, a memfd or SysV) is not saved yet: the dump must fail naming it, and leave the
 * task as it was (its data and mapping intact). The test mounts hugetlbfs next to its
 * outfile and takes it away at exit (the runner does, if the test is killed).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define HP (2UL << 20)

static char dir[512];
static unsigned char *map;

static void take_away(void)
{
	if (map)
		munmap(map, HP);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	char file[600];
	unsigned long i;
	int fd;

	test_init(argc, argv);
	test_hugetlb_reserve(HP / 1024, 1);
	snprintf(dir, sizeof(dir), "%s", test_path("hugetlbfs"));
	if (mkdir(dir, 0700) || mount("none", dir, "hugetlbfs", 0, "pagesize=2M"))
		test_skip("can't mount hugetlbfs on %s: %s", dir, strerror(errno));
	test_note_leftover("umount %s", dir);
	atexit(take_away);
	snprintf(file, sizeof(file), "%s/data", dir);
	fd = open(file, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, HP)) {
		fail_perror("can't make %s", file);
		return 1;
	}
	map = mmap(NULL, HP, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		map = NULL;
		fail_perror("can't map %s", file);
		return 1;
	}
	for (i = 0; i < HP; i += 4096)
		map[i] = (unsigned char)(i / 4096 + 1);

	test_daemon();
	test_waitsig();

	for (i = 0; i < HP; i += 4096)
		if (map[i] != (unsigned char)(i / 4096 + 1)) {
			fail("the hugetlbfs file mapping lost its data at +%#lx", i);
			break;
		}
	if (!test_failed())
		pass();
	return test_failed();
}
