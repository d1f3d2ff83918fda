/* SPDX-License-Identifier: GPL-2.0 */
/*
 * predump_wprot00: a task's own write protection while criu tracks its writes (zdtm.py
 * --pre N, --snaps N). Like a garbage collector's write barrier, the test keeps some pages
 * of its heap read-only (mprotect) and catches the first write to each in a SIGSEGV
 * handler, which makes the page writable again and counts the fault. Every millisecond
 * until SIGTERM it writes a page or guards one again. criu's tracker (userfaultfd
 * write-protect) must neither add a fault, nor lose one, nor lose a write: after restore
 * each page holds its last write, the handler has seen exactly one fault per write to a
 * guarded page, and the protections are what the test left (a write to each guarded page
 * faults once more, one to any other page does not).
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG	 4096
#define NR_PAGES 128

struct state {
	uint32_t gen[NR_PAGES];
	uint8_t guarded[NR_PAGES];   /* read-only by the test's own mprotect */
	unsigned long faults_wanted; /* writes to guarded pages */
	unsigned long faults_seen;   /* SIGSEGVs the handler resolved */
	uint64_t rnd;
};

static uint8_t *heap;
static struct state *st; /* a mapping of its own, never guarded */

static void fill(uint8_t *p, uint32_t idx, uint32_t gen)
{
	uint64_t *w = (uint64_t *)p;
	size_t i;

	for (i = 0; i < PG / 8; i++)
		w[i] = ((uint64_t)idx << 40 | (uint64_t)gen << 16 | i) * 0x9e3779b97f4a7c15ull;
}

static int same(const uint8_t *p, uint32_t idx, uint32_t gen)
{
	uint8_t want[PG];

	fill(want, idx, gen);
	return !memcmp(p, want, PG);
}

/* The write barrier: a write to a guarded page of the heap unguards it; anything else dies. */
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	uint8_t *addr = si->si_addr;
	size_t idx = (size_t)(addr - heap) / PG;

	(void)sig;
	(void)uc;
	if (addr < heap || addr >= heap + NR_PAGES * PG || !st->guarded[idx] ||
	    mprotect(heap + idx * PG, PG, PROT_READ | PROT_WRITE)) {
		signal(SIGSEGV, SIG_DFL);
		return; /* the write faults again, and kills the test */
	}
	st->guarded[idx] = 0;
	st->faults_seen++;
}

static uint64_t next_rnd(void)
{
	st->rnd ^= st->rnd << 13;
	st->rnd ^= st->rnd >> 7;
	st->rnd ^= st->rnd << 17;
	return st->rnd;
}

static void write_page(uint32_t p)
{
	if (st->guarded[p])
		st->faults_wanted++;
	fill(heap + p * PG, p, ++st->gen[p]);
}

static int guard_page(uint32_t p)
{
	if (mprotect(heap + p * PG, PG, PROT_READ))
		return -1;
	st->guarded[p] = 1;
	return 0;
}

static int step(unsigned long n)
{
	uint32_t p = next_rnd() % NR_PAGES;

	if (n % 4 == 0)
		return st->guarded[p] ? 0 : guard_page(p);
	write_page(p);
	return 0;
}

static int check_all(void)
{
	unsigned long guarded = 0;
	int i, bad = 0;

	for (i = 0; i < NR_PAGES; i++)
		if (!same(heap + i * PG, i, st->gen[i])) {
			fail("page %d does not hold its write %u", i, st->gen[i]);
			bad++;
		}
	if (st->faults_seen != st->faults_wanted)
		return fail("%lu write faults seen, %lu writes to guarded pages", st->faults_seen,
			    st->faults_wanted),
		       1;
	/* every page once more: exactly the guarded ones fault */
	for (i = 0; i < NR_PAGES; i++) {
		guarded += st->guarded[i];
		write_page(i);
	}
	if (st->faults_seen != st->faults_wanted)
		return fail("after restore %lu write faults, %lu pages were guarded",
			    st->faults_seen - (st->faults_wanted - guarded), guarded),
		       1;
	test_msg("%lu write faults, %lu pages guarded at the end\n", st->faults_seen, guarded);
	return bad;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct timespec ms = { 0, 1000000 };
	unsigned long n = 0;
	int i;

	test_init(argc, argv);
	heap = mmap(NULL, NR_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    0);
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (heap == MAP_FAILED || st == MAP_FAILED)
		return fail_perror("mmap"), 1;
	if (sigaction(SIGSEGV, &sa, NULL))
		return fail_perror("sigaction"), 1;
	st->rnd = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < NR_PAGES; i++)
		fill(heap + i * PG, i, st->gen[i] = 1);
	for (i = 0; i < NR_PAGES; i += 2)
		if (guard_page(i))
			return fail_perror("mprotect"), 1;
	test_daemon();
	while (!test_sig_received) {
		if (step(n++))
			return fail_perror("step %lu", n), 1;
		nanosleep(&ms, NULL);
	}
	if (check_all())
		return 1;
	pass();
	return 0;
}
