/* SPDX-License-Identifier: GPL-2.0 */
/*
 * novdso00: a task that unmapped its [vdso] (NOVDSO=vdso, the default) or the vdso with
 * all its vvar pages (NOVDSO=all) can be checkpointed, and comes back the same: no [vdso]
 * (and no [vvar*] in the second case) appears in its maps, and its code is unchanged
 * (compel may borrow a few bytes of it to run syscalls, but must put them back). From the
 * unmap on, time is read with raw syscalls only: libc's calls would jump into the vdso.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MAX_CODE  32
#define HEAD_SIZE 64

/* The first bytes of every private executable mapping: where compel may borrow some. */
static struct {
	unsigned char *at;
	unsigned char head[HEAD_SIZE];
} code[MAX_CODE];
static int nr_code;

static int save_code(void)
{
	char line[512], perms[5];
	unsigned long start, end;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && nr_code < MAX_CODE) {
		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3 || perms[0] != 'r' ||
		    perms[2] != 'x' || perms[3] != 'p')
			continue;
		code[nr_code].at = (unsigned char *)start;
		memcpy(code[nr_code].head, (void *)start, HEAD_SIZE);
		nr_code++;
	}
	fclose(f);
	return nr_code ? 0 : -1;
}

/* Count (and with unmap set, unmap) the mappings whose name starts with prefix. */
static int special_maps(const char *prefix, int unmap)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		char *name = strchr(line, '[');

		if (!name || strncmp(name, prefix, strlen(prefix)) ||
		    sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		n++;
		if (unmap && munmap((void *)start, end - start)) {
			n = -1;
			break;
		}
	}
	fclose(f);
	return n;
}

static int all(void)
{
	const char *which = getenv("NOVDSO");

	return which && !strcmp(which, "all");
}

static int setup(void)
{
	if (special_maps("[vdso]", 1) != 1 || (all() && special_maps("[vvar", 1) < 1))
		return -1;
	return save_code();
}

static void check(void)
{
	struct timespec ts;
	int i;

	if (special_maps("[vdso]", 0) != 0)
		fail("a [vdso] is mapped");
	if (all() && special_maps("[vvar", 0) != 0)
		fail("[vvar] pages are mapped");
	if (!all() && special_maps("[vvar", 0) < 1)
		fail("the [vvar] pages are gone");
	for (i = 0; i < nr_code; i++)
		if (memcmp(code[i].at, code[i].head, HEAD_SIZE))
			fail("the code at %p changed", (void *)code[i].at);
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts))
		fail_perror("clock_gettime");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
