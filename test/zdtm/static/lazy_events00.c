/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lazy_events00: what a task does with its memory while it is still being restored lazily
 * (criu restore --lazy-pages) must see the dumped contents, as it would without lazy pages.
 * Five private areas of 256 pages, each filled with its own pattern before the dump. After
 * the restore, before the pages can all have arrived (test/others/lazy-pages.py slows the
 * background copy down): a forked child reads the first area; the second is dropped with
 * madvise(MADV_DONTNEED) and must read zero; the third is moved with mremap() and must read
 * its pattern at the new place; the fourth loses its first half to munmap() and keeps the
 * rest; the fifth is read in place. The areas are apart (a page of PROT_NONE between each)
 * so that each is a VMA of its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_AREAS   5
#define AREA_PAGES 256

static size_t page, area_len;

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t *w = (uint32_t *)p;
	size_t i;

	for (i = 0; i < len / 4; i++)
		w[i] = seed * 0x9e3779b1u + (uint32_t)i + 1;
}

/* 1 when len bytes at p hold fill()'s pattern, starting at word first */
static int holds(const char *what, const uint8_t *p, size_t len, uint32_t seed, size_t first)
{
	const uint32_t *w = (const uint32_t *)p;
	size_t i;

	for (i = 0; i < len / 4; i++) {
		uint32_t want = seed * 0x9e3779b1u + (uint32_t)(i + first) + 1;

		if (w[i] != want) {
			fail("%s: word %zu is %#x, expected %#x", what, i + first, w[i], want);
			return 0;
		}
	}
	return 1;
}

static int zeros(const char *what, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i]) {
			fail("%s: byte %zu is %#x after MADV_DONTNEED, expected 0", what, i, p[i]);
			return 0;
		}
	return 1;
}

static void check_in_child(uint8_t *a)
{
	pid_t pid = fork();

	if (pid < 0) {
		fail_perror("fork");
		return;
	}
	if (pid == 0)
		_exit(holds("area 0 in a forked child", a, area_len, 0, 0) ? 0 : 1);
	if (test_wait_child(pid, "the child that reads area 0"))
		fail("the forked child did not find area 0's contents");
}

static void check_all(uint8_t *areas[NR_AREAS])
{
	uint8_t *moved;

	check_in_child(areas[0]);
	if (madvise(areas[1], area_len, MADV_DONTNEED))
		fail_perror("madvise(MADV_DONTNEED)");
	else
		zeros("area 1", areas[1], area_len);
	moved = mremap(areas[2], area_len, area_len, MREMAP_MAYMOVE | MREMAP_FIXED,
		       areas[2] + 64 * area_len);
	if (moved == MAP_FAILED)
		fail_perror("mremap");
	else
		holds("area 2 after mremap", moved, area_len, 2, 0);
	if (munmap(areas[3], area_len / 2))
		fail_perror("munmap");
	else
		holds("area 3's second half after munmap of the first", areas[3] + area_len / 2,
		      area_len / 2, 3, area_len / 8);
	holds("area 4", areas[4], area_len, 4, 0);
	holds("area 0 in the parent", areas[0], area_len, 0, 0);
}

int main(int argc, char **argv)
{
	uint8_t *areas[NR_AREAS], *base;
	int i;

	test_init(argc, argv);
	page = sysconf(_SC_PAGESIZE);
	area_len = AREA_PAGES * page;
	/* room for the areas, a guard page after each, and the place area 2 moves to */
	base = mmap(NULL, 128 * area_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		fail_perror("mmap");
		return 1;
	}
	munmap(base + NR_AREAS * (area_len + page), 64 * area_len);
	for (i = 0; i < NR_AREAS; i++) {
		areas[i] = base + i * (area_len + page);
		if (mprotect(areas[i], area_len, PROT_READ | PROT_WRITE)) {
			fail_perror("mprotect");
			return 1;
		}
		fill(areas[i], area_len, i);
	}

	test_daemon();
	test_waitsig();

	check_all(areas);
	if (!test_failed())
		pass();
	return test_failed();
}
