/* SPDX-License-Identifier: GPL-2.0 */
/*
 * predump_churn00: memory that keeps changing while a chain of dumps is taken (zdtm.py
 * --pre N, --snaps N): every millisecond until SIGTERM the test writes a page, drops one
 * (MADV_DONTNEED: it must read back as zeros), moves a region over another with mremap (the
 * moved pages carry write-protect bits from before, at an address whose old content the
 * parent images hold), unmaps a region and maps a new one in its place, and forks a child
 * that keeps a copy of the pages as they were. Each page holds a pattern of its index and
 * generation; the generations live in a separate mapping. After restore every page must
 * hold exactly what its generation says, in the test and in its child.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG	  4096
#define NR_PAGES  256
#define REGION	  8 /* pages of each moved or remapped region */
#define NR_REGION 4

struct state {
	uint32_t gen[NR_PAGES]; /* 0: dropped, reads as zeros */
	uint32_t region_gen[NR_REGION];
	uint32_t region_id[NR_REGION]; /* ids of its pages: region_id + page */
	uint32_t next_id;
	uint8_t *region[NR_REGION];
	uint64_t rnd;
	pid_t child;
};

static uint8_t *pages;
static struct state *st; /* a mapping of its own */

static uint64_t next_rnd(void)
{
	st->rnd ^= st->rnd << 13;
	st->rnd ^= st->rnd >> 7;
	st->rnd ^= st->rnd << 17;
	return st->rnd;
}

static void fill(uint8_t *p, uint32_t id, uint32_t gen)
{
	uint64_t *w = (uint64_t *)p;
	size_t i;

	for (i = 0; i < PG / 8; i++)
		w[i] = gen ? ((uint64_t)id << 40 | (uint64_t)gen << 16 | i) * 0x9e3779b97f4a7c15ull
			   : 0;
}

static int same(const uint8_t *p, uint32_t id, uint32_t gen)
{
	uint8_t want[PG];

	fill(want, id, gen);
	return !memcmp(p, want, PG);
}

static void fill_region(int r)
{
	int i;

	for (i = 0; i < REGION; i++)
		fill(st->region[r] + i * PG, st->region_id[r] + i, st->region_gen[r]);
}

/* Region a goes where region b was (its pages moved, b's gone); a new a is made. */
static int move_region(int a, int b)
{
	void *to = mremap(st->region[a], REGION * PG, REGION * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
			  st->region[b]);

	if (to == MAP_FAILED)
		return -1;
	/* b's address now holds a's pages, as they were */
	st->region_id[b] = st->region_id[a];
	st->region_gen[b] = st->region_gen[a];
	st->region[a] =
		mmap(NULL, REGION * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st->region[a] == MAP_FAILED)
		return -1;
	st->region_id[a] = st->next_id;
	st->next_id += REGION;
	st->region_gen[a] = 1;
	fill_region(a);
	return 0;
}

/* Unmap region r and map a new one at the same address. */
static int remap_region(int r)
{
	void *at = st->region[r];

	if (munmap(at, REGION * PG))
		return -1;
	st->region[r] = mmap(at, REGION * PG, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (st->region[r] == MAP_FAILED)
		return -1;
	st->region_gen[r]++;
	fill_region(r);
	return 0;
}

static int check_all(const char *who)
{
	int i, j, bad = 0;

	for (i = 0; i < NR_PAGES; i++)
		if (!same(pages + i * PG, i, st->gen[i])) {
			fail("%s: page %d is not generation %u", who, i, st->gen[i]);
			bad++;
		}
	for (i = 0; i < NR_REGION; i++)
		for (j = 0; j < REGION; j++)
			if (!same(st->region[i] + j * PG, st->region_id[i] + j,
				  st->region_gen[i])) {
				fail("%s: region %d page %d is not generation %u", who, i, j,
				     st->region_gen[i]);
				bad++;
			}
	return bad;
}

/* A child that keeps the state of its fork and checks it on SIGTERM. */
static int fork_child(void)
{
	pid_t pid;

	if (st->child > 0) {
		kill(st->child, SIGKILL);
		waitpid(st->child, NULL, 0);
	}
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct timespec tick = { 0, 10000000 };

		st->child = 0;
		/* polled: a SIGTERM between the test and a pause() would be waited for forever */
		while (!test_sig_received)
			nanosleep(&tick, NULL);
		_exit(check_all("child") ? 1 : 0);
	}
	st->child = pid;
	return 0;
}

static int step(unsigned long n)
{
	uint32_t p = next_rnd() % NR_PAGES;

	if (n % 64 == 63)
		return fork_child();
	if (n % 16 == 5)
		return move_region(p % NR_REGION,
				   (p + 1 + next_rnd() % (NR_REGION - 1)) % NR_REGION);
	if (n % 16 == 11)
		return remap_region(next_rnd() % NR_REGION);
	if (n % 8 == 3) {
		st->gen[p] = 0;
		return madvise(pages + p * PG, PG, MADV_DONTNEED);
	}
	fill(pages + p * PG, p, ++st->gen[p]);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec ms = { 0, 1000000 };
	unsigned long n = 0;
	int i, status;

	test_init(argc, argv);
	pages = mmap(NULL, NR_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		     0);
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || st == MAP_FAILED)
		return fail_perror("mmap"), 1;
	st->rnd = 0x2545f4914f6cdd1dull;
	st->next_id = 1000 + NR_REGION * REGION;
	for (i = 0; i < NR_PAGES; i++)
		fill(pages + i * PG, i, st->gen[i] = 1);
	for (i = 0; i < NR_REGION; i++) {
		st->region[i] = mmap(NULL, REGION * PG, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (st->region[i] == MAP_FAILED)
			return fail_perror("mmap"), 1;
		st->region_gen[i] = 1;
		st->region_id[i] = 1000 + i * REGION;
		fill_region(i);
	}
	test_daemon();
	while (!test_sig_received) {
		if (step(n++))
			return fail_perror("step %lu", n), 1;
		nanosleep(&ms, NULL);
	}
	if (check_all("test"))
		return 1;
	if (st->child > 0) {
		kill(st->child, SIGTERM);
		if (waitpid(st->child, &status, 0) != st->child || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return fail("the child found its memory changed (status %#x)", status), 1;
	}
	pass();
	return 0;
}
