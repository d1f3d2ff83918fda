/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memfill00: restore fills big anonymous areas its own fast way (UFFDIO_COPY); that must
 * not show. Contents survive, a page never touched stays unpopulated (memory use stays
 * what it was), VmFlags stay what they were (no "um" left by userfaultfd, no "hg"; "nh"
 * stays), and an area marked MADV_NOHUGEPAGE gets no huge page.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MIB	    (1UL << 20)
#define BIG_SIZE    (40 * MIB)
#define NOHUGE_SIZE (8 * MIB)
#define HOLE_OFF    (9 * MIB + 5 * 4096) /* one page never written, inside a window */

struct area {
	const char *name;
	uint8_t *p;
	size_t len;
	uint32_t seed;
	char vmflags[128];
};

static void fill(struct area *a)
{
	uint32_t *w = (uint32_t *)a->p;
	size_t i;

	for (i = 0; i < a->len / 4; i++)
		w[i] = a->seed * 0x9e3779b1u + (uint32_t)i;
}

/* smaps fields of the mapping that holds addr: VmFlags and AnonHugePages (kB). */
static int smaps_of(const void *addr, char *vmflags, size_t sz, long *huge_kb)
{
	unsigned long start, end, want = (unsigned long)addr;
	char line[512];
	int in = 0, found = 0;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = want >= start && want < end;
			continue;
		}
		if (!in)
			continue;
		if (!strncmp(line, "AnonHugePages:", 14))
			*huge_kb = strtol(line + 14, NULL, 10);
		if (!strncmp(line, "VmFlags:", 8)) {
			snprintf(vmflags, sz, "%.100s", line + 8);
			found = 1;
		}
	}
	fclose(f);
	return found ? 0 : -1;
}

/* Map len bytes align_off past a 2 MiB boundary. */
static int map_area(struct area *a, size_t len, size_t align_off, uint32_t seed)
{
	uint8_t *p;

	p = mmap(NULL, len + 4 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	a->p = (uint8_t *)(((unsigned long)p + 2 * MIB - 1) & ~(2 * MIB - 1)) + align_off;
	munmap(p, a->p - p);
	munmap(a->p + len, p + len + 4 * MIB - (a->p + len));
	a->len = len;
	a->seed = seed;
	return 0;
}

static int setup(struct area *big, struct area *nohuge)
{
	long kb;

	/* big starts one page past a boundary, so its first window is partial. */
	if (map_area(big, BIG_SIZE, 4096, 7) || map_area(nohuge, NOHUGE_SIZE, 0, 11))
		return -1;
	if (madvise(nohuge->p, nohuge->len, MADV_NOHUGEPAGE))
		return -1;
	fill(big);
	fill(nohuge);
	/* Give the hole back: the kernel frees it, as if it had never been written. */
	if (madvise(big->p + HOLE_OFF, 4096, MADV_DONTNEED))
		return -1;
	if (smaps_of(big->p, big->vmflags, sizeof(big->vmflags), &kb) ||
	    smaps_of(nohuge->p, nohuge->vmflags, sizeof(nohuge->vmflags), &kb))
		return -1;
	return 0;
}

static void check_contents(const struct area *a, size_t hole)
{
	const uint32_t *w = (const uint32_t *)a->p;
	size_t i;

	for (i = 0; i < a->len / 4; i++) {
		uint32_t want = a->seed * 0x9e3779b1u + (uint32_t)i;

		if (i * 4 >= hole && i * 4 < hole + 4096)
			want = 0;
		if (w[i] != want) {
			fail("%s: word %zu is %#x, expected %#x", a->name, i, w[i], want);
			return;
		}
	}
}

static void check_area(const struct area *a, long max_huge_kb)
{
	char flags[128];
	long kb = 0;

	if (smaps_of(a->p, flags, sizeof(flags), &kb)) {
		fail("%s: no mapping at %p after restore", a->name, a->p);
		return;
	}
	if (strcmp(flags, a->vmflags))
		fail("%s: VmFlags were \"%.40s\", now \"%.40s\"", a->name, a->vmflags, flags);
	if (kb > max_huge_kb)
		fail("%s: %ld kB in huge pages, at most %ld allowed", a->name, kb, max_huge_kb);
	test_msg("%s: %ld kB in huge pages after restore\n", a->name, kb);
}

int main(int argc, char **argv)
{
	struct area big = { .name = "big" }, nohuge = { .name = "nohuge" };
	unsigned char vec[1];

	test_init(argc, argv);
	if (setup(&big, &nohuge)) {
		fail_perror("can't set up the mappings");
		return 1;
	}

	test_daemon();
	test_waitsig();

	/* The hole must still be unpopulated (before reading it populates it). */
	if (mincore(big.p + HOLE_OFF, 4096, vec))
		fail_perror("mincore");
	else if (vec[0] & 1)
		fail("big: the page at %#lx was never written but is populated now",
		     (unsigned long)HOLE_OFF);
	check_contents(&big, HOLE_OFF);
	check_contents(&nohuge, (size_t)-4096);
	check_area(&big, BIG_SIZE / 1024);
	check_area(&nohuge, 0);
	if (!test_failed())
		pass();
	return test_failed();
}
