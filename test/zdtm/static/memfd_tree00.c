/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfd_tree00: a memfd that a parent and its child both map MAP_SHARED, with no fd of it
 * left open, stays one memfd after restore: a write in either task is seen by the other,
 * and the content written before the dump is intact in both. /proc/PID/maps of both must
 * show the same inode behind the mapping. A second memfd is open in both, as two open
 * files (the child opened it again through /proc/self/fd): what the parent writes through
 * its fd, the child reads through its own.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIZE (4 * 4096)

static unsigned char *mem;
static int own_fd = -1; /* the child's open file of the second memfd */

/* The inode behind addr in /proc/PID/maps, or 0. */
static unsigned long maps_ino(pid_t pid, void *addr)
{
	unsigned long start, end, off, ino, found = 0;
	char path[64], line[512], dev[16];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", test_proc_pid(pid));
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
	if (pread(own_fd, &c, 1, 10) != 1 || c != 'P')
		return 6; /* the second memfd is not the parent's any more */
	if (mem[0] != 'm' || mem[SIZE - 1] != 'M')
		return 3;
	if (memcmp(mem + 100, "parent", 6))
		return 4; /* the parent's write after restore is not seen */
	memcpy(mem + 200, "child", 5);
	return write(back, "d", 1) == 1 ? 0 : 5;
}

int main(int argc, char **argv)
{
	int go[2], back[2], fd, fd2;
	char c, path[64];
	pid_t kid;

	test_init(argc, argv);
	fd = memfd_create("zdtm-memfd-tree", 0);
	fd2 = memfd_create("zdtm-memfd-tree-fd", 0);
	if (fd < 0 || fd2 < 0 || ftruncate(fd, SIZE) || pipe(go) || pipe(back)) {
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
	if (kid == 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd2);
		own_fd = open(path, O_RDONLY);
		close(fd2);
		_exit(own_fd < 0 ? 7 : child(go[0], back[1]));
	}
	mem[SIZE - 1] = 'M'; /* after the fork: the child must see it too */

	test_daemon();
	test_waitsig();

	if (!maps_ino(getpid(), mem) || maps_ino(getpid(), mem) != maps_ino(kid, mem))
		fail("the parent and the child do not map the same memfd inode");
	memcpy(mem + 100, "parent", 6);
	if (pwrite(fd2, "P", 1, 10) != 1)
		fail_perror("can't write the second memfd");
	if (write(go[1], "g", 1) != 1 || read(back[0], &c, 1) != 1)
		fail("the child did not answer");
	else if (memcmp(mem + 200, "child", 5))
		fail("the child's write after restore is not seen by the parent");
	test_wait_child(kid, "child");
	if (!test_failed())
		pass();
	return test_failed();
}
