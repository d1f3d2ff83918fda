/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shm01: memfd mappings. A memfd mapped MAP_SHARED with its fd still open must stay one
 * file with the fd (writes through either side show on the other); a memfd whose fd was
 * closed, mapped shared in two VMAs (split by mprotect), must keep its content and stay
 * one inode behind both VMAs, shared with a child forked after restore; a MAP_PRIVATE
 * mapping of a memfd keeps its own changed page while the memfd keeps its bytes.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG 4096

static unsigned long map_ino(void *addr)
{
	unsigned long start, end, off, ino = 0;
	char line[512], perms[8], dev[16];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx %15s %lu", &start, &end, perms, &off, dev,
			   &ino) == 6 &&
		    (unsigned long)addr >= start && (unsigned long)addr < end)
			break;
		ino = 0;
	}
	if (f)
		fclose(f);
	return ino;
}

static unsigned char *map_memfd(const char *name, int pages, int flags, int *fdp)
{
	int fd = memfd_create(name, 0);
	void *p;

	if (fd < 0 || ftruncate(fd, pages * PG))
		return NULL;
	p = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, flags, fd, 0);
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	unsigned char *a, *b, *c, buf[4];
	int afd, cfd, status;
	pid_t pid;

	test_init(argc, argv);
	a = map_memfd("shm01-a", 1, MAP_SHARED, &afd);
	b = map_memfd("shm01-b", 2, MAP_SHARED, NULL);
	c = map_memfd("shm01-c", 1, MAP_SHARED, &cfd);
	if (!a || !b || !c) {
		fail_perror("can't map the memfds");
		return 1;
	}
	memcpy(a, "aaa", 3);
	memset(b, 'b', 2 * PG);
	memcpy(c, "ccc", 3);
	munmap(c, PG);
	c = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, cfd, 0);
	if (c == MAP_FAILED || mprotect(b + PG, PG, PROT_READ)) {
		fail_perror("can't remap or split");
		return 1;
	}
	c[0] = 'P';

	test_daemon();
	test_waitsig();

	a[1] = 'M';
	if (pwrite(afd, "F", 1, 2) != 1 || pread(afd, buf, 3, 0) != 3 || memcmp(buf, "aMF", 3) ||
	    a[2] != 'F') {
		fail("the shared memfd mapping and its fd are not one file");
		return 1;
	}
	if (b[0] != 'b' || b[2 * PG - 1] != 'b' || !map_ino(b) || map_ino(b) != map_ino(b + PG)) {
		fail("the fd-less memfd lost its content or is not one inode");
		return 1;
	}
	if (c[0] != 'P' || c[1] != 'c' || pread(cfd, buf, 3, 0) != 3 || memcmp(buf, "ccc", 3)) {
		fail("the private memfd mapping or the memfd changed");
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		b[5] = 'K';
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || b[5] != 'K') {
		fail("a child does not share the memfd mapping");
		return 1;
	}
	pass();
	return 0;
}
