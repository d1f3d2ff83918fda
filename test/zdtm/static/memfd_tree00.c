/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_tree00: a memfd that a parent and its child both map MAP_SHARED, with no fd of it
 * left open, stays one memfd after restore: a write in either task is seen by the other,
 * and the content written before the dump is intact in both. /proc/PID/maps of both must
 * show the same inode behind the mapping.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE (4 * 4096)

static unsigned char *mem;

/* The inode behind addr in /proc/PID/maps, or 0. */
static unsigned long maps_ino(pid_t pid, void *addr)
{
	unsigned long start, end, off, ino, found = 0;
	char path[64], line[512], dev[16];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %lx %15s %lu", &start, &end, &off, dev, &ino) != 5)
			continue;
		if ((unsigned long)addr >= start && (unsigned long)addr < end)
			found = ino;
	}
	if (f)
		fclose(f);
	return found;
}

static int child(int go, int back)
{
	char c;

	if (read(go, &c, 1) != 1)
		return 2;
	if (mem[0] != 'm' || mem[SIZE - 1] != 'M')
		return 3;
	if (memcmp(mem + 100, "parent", 6))
		return 4; /* the parent's write after restore is not seen */
	memcpy(mem + 200, "child", 5);
	return write(back, "d", 1) == 1 ? 0 : 5;
}

int main(int argc, char **argv)
{
	int go[2], back[2], fd;
	char c;
	pid_t kid;

	test_init(argc, argv);
	fd = memfd_create("zdtm-memfd-tree", 0);
	if (fd < 0 || ftruncate(fd, SIZE) || pipe(go) || pipe(back)) {
		fail_perror("can't create the memfd");
		return 1;
	}
	mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		fail_perror("can't map the memfd");
		return 1;
	}
	close(fd);
	mem[0] = 'm';
	kid = fork();
	if (kid < 0) {
		fail_perror("fork");
		return 1;
	}
	if (kid == 0)
		_exit(child(go[0], back[1]));
	mem[SIZE - 1] = 'M'; /* after the fork: the child must see it too */

	test_daemon();
	test_waitsig();

	if (!maps_ino(getpid(), mem) || maps_ino(getpid(), mem) != maps_ino(kid, mem))
		fail("the parent and the child do not map the same memfd inode");
	memcpy(mem + 100, "parent", 6);
	if (write(go[1], "g", 1) != 1 || read(back[0], &c, 1) != 1)
		fail("the child did not answer");
	else if (memcmp(mem + 200, "child", 5))
		fail("the child's write after restore is not seen by the parent");
	test_wait_child(kid, "child");
	if (!test_failed())
		pass();
	return test_failed();
}
