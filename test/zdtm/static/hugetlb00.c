/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hugetlb00: private anonymous hugetlb memory (mmap MAP_PRIVATE | MAP_ANONYMOUS |
 * MAP_HUGETLB, which maps shows as "/anon_hugepage (deleted)") keeps its data, its page
 * size and its reservation. Huge pages of ZDTM_HUGETLB_KB kB (2048 by default; hugetlb01
 * runs this test with 1 GiB pages). Before the dump some 4 KiB pieces of every huge page
 * but one get a pattern and the last huge page is made PROT_NONE (its data can't be read
 * by the task then). After restore: the area is hugetlb memory of the same page size, the
 * patterns are there, the task holds as many huge pages as before (HugetlbPages in status:
 * the untouched one was not allocated), and it can still write the untouched one: its
 * reservation came back too, so the write does not die of SIGBUS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

#define PG 4096UL

static unsigned long hp;	/* huge page size, bytes */
static unsigned long nr_hp;	/* huge pages in the area */
static unsigned long untouched; /* the huge page left alone before the dump */
static unsigned char *area;

/* Offsets of the 4 KiB pieces written in each huge page */
static unsigned long piece(unsigned long h, int k)
{
	unsigned long in[3] = { 0, hp / 2 + 3 * PG, hp - PG };

	return h * hp + in[k];
}

static unsigned char pattern(unsigned long off, unsigned long i)
{
	return (unsigned char)(0x11 + (off / PG) * 7 + i % 251);
}

static void write_piece(unsigned long off)
{
	unsigned long i;

	for (i = 0; i < PG; i++)
		area[off + i] = pattern(off, i);
}

static int piece_intact(unsigned long off)
{
	unsigned long i;

	for (i = 0; i < PG; i++)
		if (area[off + i] != pattern(off, i))
			return 0;
	return 1;
}

/* HugetlbPages of /proc/self/status, in kB, or -1 */
static long hugetlb_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "HugetlbPages: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void check_kind(const char *when)
{
	unsigned long kb = 0;
	char path[256] = "";
	int ht = test_hugetlb_vma(area, &kb, path, sizeof(path));

	if (ht != 1 || kb * 1024 != hp || strcmp(path, "/anon_hugepage (deleted)"))
		fail("%s: the area is not private hugetlb memory of %lu kB pages (ht %d, %lu kB, "
		     "\"%s\")",
		     when, hp / 1024, ht, kb, path);
}

static void check_data(const char *when)
{
	unsigned long h;
	int k;

	for (h = 0; h < nr_hp; h++) {
		if (h == untouched)
			continue;
		if (h == nr_hp - 1 && nr_hp > 1 && mprotect(area + h * hp, hp, PROT_READ)) {
			fail_perror("%s: can't make the last huge page readable", when);
			return;
		}
		for (k = 0; k < 3; k++)
			if (!piece_intact(piece(h, k)))
				fail("%s: huge page %lu lost its data at +%#lx", when, h,
				     piece(h, k) - h * hp);
		if (h == nr_hp - 1 && nr_hp > 1 && mprotect(area + h * hp, hp, PROT_NONE))
			fail_perror("%s: can't make the last huge page PROT_NONE again", when);
	}
}

static void setup(void)
{
	const char *env = getenv("ZDTM_HUGETLB_KB");
	unsigned long kb = env ? strtoul(env, NULL, 10) : 2048, h;
	int k;

	hp = kb * 1024;
	nr_hp = hp >= (1UL << 30) ? 1 : 4;
	untouched = nr_hp > 1 ? 2 : nr_hp;
	test_hugetlb_reserve(kb, nr_hp);
	area = mmap(NULL, nr_hp * hp, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			    (__builtin_ctzl(hp) << MAP_HUGE_SHIFT),
		    -1, 0);
	if (area == MAP_FAILED)
		test_skip("can't map %lu huge pages of %lu kB: %s", nr_hp, kb, strerror(errno));
	for (h = 0; h < nr_hp; h++)
		for (k = 0; h != untouched && k < 3; k++)
			write_piece(piece(h, k));
	if (nr_hp > 1 && mprotect(area + (nr_hp - 1) * hp, hp, PROT_NONE))
		fail_perror("can't make the last huge page PROT_NONE");
}

int main(int argc, char **argv)
{
	long before, after;

	test_init(argc, argv);
	setup();
	check_kind("before the dump");
	check_data("before the dump");
	before = hugetlb_kb();
	if (before != (long)((nr_hp - (untouched < nr_hp)) * hp / 1024))
		fail("the task holds %ld kB of huge pages before the dump", before);
	if (test_failed())
		return 1;

	test_daemon();
	test_waitsig();

	check_kind("after restore");
	check_data("after restore");
	after = hugetlb_kb();
	if (after != before)
		fail("the task holds %ld kB of huge pages after restore, %ld before", after,
		     before);
	if (untouched < nr_hp) {
		/* its reservation is back: this write gets a huge page from the pool */
		write_piece(piece(untouched, 1));
		if (!piece_intact(piece(untouched, 1)) || hugetlb_kb() != after + (long)hp / 1024)
			fail("writing the untouched huge page after restore went wrong");
	}
	if (!test_failed())
		pass();
	return test_failed();
}
