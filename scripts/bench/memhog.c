/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memhog.c - a workload for bench and the big-memory test: fills N MiB of anonymous memory
 * with pseudo-random bytes, writes its pid to a file once ready, and on SIGTERM recomputes a
 * checksum of every byte and exits 0 only if it matches the one taken before the checkpoint.
 * usage: memhog MIB PIDFILE; with MEMHOG_HUGETLB set in the environment the memory is hugetlb
 * memory of the default huge page size (the kernel's pool must hold it).
 * SIGUSR1 (for pre-dump chains): writes one word in every MEMHOG_DIRTY_STRIDE-th page (100 by
 * default: 1% of the pages), takes the checksum again, and writes the number of pages it
 * wrote to PIDFILE.dirtied.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile sig_atomic_t got_term, got_usr1;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static uint64_t checksum(const uint64_t *p, size_t words)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < words; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* SIGUSR1: a new word in every stride-th page; the new checksum, or 0 if the note failed */
static uint64_t dirty_pages(uint64_t *mem, size_t size, const char *pidfile)
{
	const char *env = getenv("MEMHOG_DIRTY_STRIDE");
	size_t stride = env ? strtoul(env, NULL, 10) : 100, pg, n = 0;
	char path[4096];
	FILE *f;

	if (!stride)
		stride = 100;
	for (pg = 0; pg < size / 4096; pg += stride, n++)
		mem[pg * 512] = ~mem[pg * 512] + pg;
	snprintf(path, sizeof(path), "%s.dirtied", pidfile);
	f = fopen(path, "w");
	if (!f)
		return 0;
	fprintf(f, "%zu\n", n);
	fclose(f);
	return checksum(mem, size / 8);
}

int main(int argc, char **argv)
{
	uint64_t *mem, x = 0x9e3779b97f4a7c15ull, sum;
	size_t size, words, i;
	sigset_t none, term;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: memhog MIB PIDFILE\n");
		return 2;
	}
	size = strtoul(argv[1], NULL, 10) << 20;
	words = size / 8;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | (getenv("MEMHOG_HUGETLB") ? MAP_HUGETLB : 0), -1,
		   0);
	if (mem == MAP_FAILED)
		return 2;
	for (i = 0; i < words; i++) { /* xorshift64: fast, and incompressible enough */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		mem[i] = x;
	}
	sum = checksum(mem, words);
	/*
	 * SIGTERM stays blocked outside sigsuspend(): one that came between the check of
	 * got_term and the call would otherwise leave us waiting forever.
	 */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGUSR1);
	sigprocmask(SIG_BLOCK, &term, NULL);
	signal(SIGTERM, on_term);
	signal(SIGUSR1, on_usr1);
	f = fopen(argv[2], "w");
	if (!f)
		return 2;
	fprintf(f, "%d\n", getpid());
	fclose(f);
	sigemptyset(&none);
	while (!got_term) {
		sigsuspend(&none);
		if (got_usr1) {
			got_usr1 = 0;
			sum = dirty_pages(mem, size, argv[2]);
			if (!sum)
				return 2;
		}
	}
	if (checksum(mem, words) != sum) {
		fprintf(stderr, "memhog: memory changed across checkpoint/restore\n");
		return 1;
	}
	return 0;
}
