/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chaos-mem.c - the memory-heavy workload of the chaos test (chaos.py): MiB of anonymous
 * memory filled with a pattern, two copies of an integer and of a floating-point chain
 * (one kept in registers, one in memory) that must stay equal, SIGUSR2 blocked. On
 * SIGUSR1 it checks all of it, its signal mask included, and writes
 * "REQ ok|bad PROGRESS [why]" to DIR/status-PID, where REQ is read from DIR/req.
 *
 * With "novdso" it unmaps its [vdso] first (nothing here calls into it): compel must then
 * find what it needs in the C library.
 *
 * Usage: chaos-mem DIR MiB HARNESS-PID [novdso] (it exits when the harness is gone)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t asked;
static volatile uint64_t mem_chain, progress;
static volatile double mem_fchain;
static const char *dir;
static uint64_t *area;
static size_t nwords;
static char broken[128];

static uint64_t pattern(size_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ull;

	return x ^ (x >> 29) ^ 0x5bd1e995ull;
}

static void on_usr1(int sig)
{
	(void)sig;
	asked = 1;
}

static void check_memory(void)
{
	size_t i;

	for (i = 0; i < nwords; i++) {
		if (area[i] != pattern(i)) {
			snprintf(broken, sizeof(broken), "word %zu is %#lx", i,
				 (unsigned long)area[i]);
			return;
		}
	}
}

static void check_mask(void)
{
	sigset_t cur;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	if (!sigismember(&cur, SIGUSR2) || sigismember(&cur, SIGUSR1) || sigismember(&cur, SIGTERM))
		snprintf(broken, sizeof(broken), "signal mask changed");
}

static void answer(void)
{
	char path[256], tmp[256], buf[256];
	int fd, n, req = 0;

	snprintf(path, sizeof(path), "%s/req", dir);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		req = atoi(buf);
		close(fd);
	}
	if (!broken[0])
		check_memory();
	if (!broken[0])
		check_mask();
	n = snprintf(buf, sizeof(buf), "%d %s %lu %s\n", req, broken[0] ? "bad" : "ok",
		     (unsigned long)progress, broken);
	snprintf(tmp, sizeof(tmp), "%s/.status-%d", dir, getpid());
	snprintf(path, sizeof(path), "%s/status-%d", dir, getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, buf, n) != n || close(fd) || rename(tmp, path))
		exit(3);
}

static int unmap_vdso(void)
{
	unsigned long start, end;
	char line[512];
	int ret = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &start, &end) == 2)
			ret = munmap((void *)start, end - start);
	if (f)
		fclose(f);
	return ret;
}

/* Both chains step together; a register or FPU value not put back makes them part. */
static void work(void)
{
	uint64_t chain = mem_chain;
	double fchain = mem_fchain;
	int i;

	for (i = 0; i < 20000; i++) {
		chain = chain * 6364136223846793005ull + 1442695040888963407ull;
		mem_chain = mem_chain * 6364136223846793005ull + 1442695040888963407ull;
		fchain = fchain * 1.0000001 + 0.5;
		mem_fchain = mem_fchain * 1.0000001 + 0.5;
	}
	if (chain != mem_chain && !broken[0])
		snprintf(broken, sizeof(broken), "integer chain parted");
	if (fchain != mem_fchain && !broken[0])
		snprintf(broken, sizeof(broken), "floating-point chain parted");
	if (fchain > 1e12)
		mem_fchain = 1.0;
	progress++;
}

int main(int argc, char **argv)
{
	struct timespec nap = { 0, 500000 };
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t block;
	pid_t harness;
	size_t i;

	if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "novdso")))
		return 2;
	if (argc == 5 && unmap_vdso())
		return 2;
	harness = atoi(argv[3]);
	dir = argv[1];
	nwords = (size_t)atoi(argv[2]) << 17;
	area = mmap(NULL, nwords * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return 2;
	for (i = 0; i < nwords; i++)
		area[i] = pattern(i);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	mem_chain = 1;
	mem_fchain = 1.0;
	for (;;) {
		work();
		if (progress % 4 == 0 && nanosleep(&nap, NULL) && errno != EINTR)
			snprintf(broken, sizeof(broken), "nanosleep: %s", strerror(errno));
		if (asked) {
			asked = 0;
			answer();
		}
		if (progress % 256 == 0 && kill(harness, 0) && errno == ESRCH)
			return 0;
	}
}
