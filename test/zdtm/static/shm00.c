/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shm00: shared anonymous memory comes back as shared anonymous memory. A 3-page region
 * split into three VMAs by mprotect must keep its content and stay one region (one inode
 * behind all three in /proc/self/maps, shown as /dev/zero (deleted), flags "s"); a second,
 * untouched region must read zero; and a child forked after restore must share both: what
 * it writes, the parent reads.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG 4096

/* The inode behind addr if maps shows it as shared /dev/zero (deleted), else 0. */
static unsigned long shared_zero_ino(void *addr)
{
	unsigned long start, end, ino = 0, off;
	char line[512], perms[8], dev[16], path[256];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		path[0] = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %255[^\n]", &start, &end, perms, &off,
			   dev, &ino, path) < 6)
			continue;
		if ((unsigned long)addr < start || (unsigned long)addr >= end)
			continue;
		if (perms[3] != 's' || !strstr(path, "/dev/zero (deleted)"))
			ino = 0;
		break;
	}
	if (f)
		fclose(f);
	return ino;
}

int main(int argc, char **argv)
{
	unsigned char *a, *b;
	unsigned long ino;
	int i, status;
	pid_t pid;

	test_init(argc, argv);
	a = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	b = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || b == MAP_FAILED) {
		fail_perror("can't map shared memory");
		return 1;
	}
	for (i = 0; i < 3; i++)
		memset(a + i * PG, 'x' + i, PG);
	if (mprotect(a + PG, PG, PROT_READ)) {
		fail_perror("can't split the region");
		return 1;
	}

	test_daemon();
	test_waitsig();

	for (i = 0; i < 3 * PG; i++)
		if (a[i] != 'x' + i / PG) {
			fail("byte %d of the region is %#x", i, a[i]);
			return 1;
		}
	for (i = 0; i < 2 * PG; i++)
		if (b[i]) {
			fail("byte %d of the untouched region is %#x", i, b[i]);
			return 1;
		}
	ino = shared_zero_ino(a);
	if (!ino || shared_zero_ino(a + PG) != ino || shared_zero_ino(a + 2 * PG) != ino ||
	    !shared_zero_ino(b) || shared_zero_ino(b) == ino) {
		fail("the regions are not one shared anonymous object each");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		a[2 * PG + 1] = 'C';
		b[PG] = 'D';
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || a[2 * PG + 1] != 'C' || b[PG] != 'D') {
		fail("a child forked after restore does not share the memory");
		return 1;
	}
	pass();
	return 0;
}
