/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cowhog.c - the copy-on-write bench workload: fills N MiB of anonymous memory with
 * pseudo-random bytes, then forks K children that never touch it, so the K + 1 processes
 * share every page. The parent writes its pid to a file once all are ready. On SIGTERM it
 * passes the signal on; each process recomputes the checksum of the memory, and the parent
 * exits 0 only if its own and every child's matched the one taken before the checkpoint.
 * usage: cowhog MIB NKIDS PIDFILE
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_KIDS 64

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static uint64_t checksum(const uint64_t *p, size_t words)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < words; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

/* SIGTERM is blocked outside sigsuspend(), so none is lost before the wait. */
static void wait_term(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!got_term)
		sigsuspend(&none);
}

int main(int argc, char **argv)
{
	uint64_t *mem, x = 0x9e3779b97f4a7c15ull, sum;
	pid_t kids[MAX_KIDS];
	size_t size, words, i;
	int nkids, k, ok = 1, status, ready[2];
	sigset_t term;
	char c;
	FILE *f;

	if (argc != 4 || (nkids = atoi(argv[2])) < 0 || nkids > MAX_KIDS) {
		fprintf(stderr, "usage: cowhog MIB NKIDS PIDFILE\n");
		return 2;
	}
	size = strtoul(argv[1], NULL, 10) << 20;
	words = size / 8;
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || pipe(ready))
		return 2;
	for (i = 0; i < words; i++) { /* xorshift64, as memhog */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		mem[i] = x;
	}
	sum = checksum(mem, words);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	signal(SIGTERM, on_term);
	for (k = 0; k < nkids; k++) {
		kids[k] = fork();
		if (kids[k] < 0)
			return 2;
		if (kids[k] == 0) {
			close(ready[0]);
			if (write(ready[1], "r", 1) != 1)
				_exit(2);
			close(ready[1]);
			wait_term();
			_exit(checksum(mem, words) == sum ? 0 : 1);
		}
	}
	close(ready[1]);
	for (k = 0; k < nkids; k++)
		if (read(ready[0], &c, 1) != 1)
			return 2;
	close(ready[0]);
	f = fopen(argv[3], "w");
	if (!f)
		return 2;
	fprintf(f, "%d\n", getpid());
	fclose(f);
	wait_term();
	for (k = 0; k < nkids; k++) {
		kill(kids[k], SIGTERM);
		if (waitpid(kids[k], &status, 0) != kids[k] || status)
			ok = 0;
	}
	if (checksum(mem, words) != sum)
		ok = 0;
	if (!ok)
		fprintf(stderr, "cowhog: memory changed across checkpoint/restore\n");
	return ok ? 0 : 1;
}
