/* SPDX-License-Identifier: GPL-2.0 */
/*
 * predump_nocap00: a task without CAP_SYS_PTRACE, as in every container runc or podman
 * starts, pre-dumped (zdtm.py --pre N). criu makes its write tracker (a userfaultfd) by a
 * syscall in the task, which the kernel refuses with EPERM to a task lacking CAP_SYS_PTRACE
 * while vm.unprivileged_userfaultfd is 0, unless the tracker is user-mode only. Until
 * SIGTERM the test keeps writing its pages, each with a pattern of its index and a
 * generation kept in a mapping of its own; after restore every page must hold what its
 * generation says, and the capability must still be missing.
 */
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PG	 4096
#define NR_PAGES 64
#define BIT(c)	 (1ull << (c))

static uint8_t *pages;
static uint32_t *gen;

static void fill(uint8_t *p, uint32_t idx, uint32_t g)
{
	uint64_t *w = (uint64_t *)p;
	size_t i;

	for (i = 0; i < PG / 8; i++)
		w[i] = ((uint64_t)idx << 40 | (uint64_t)g << 16 | i) * 0x9e3779b97f4a7c15ull;
}

static int drop_ptrace_cap(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint64_t e, p;

	if (syscall(SYS_capget, &h, d))
		return -1;
	e = (d[0].effective | (uint64_t)d[1].effective << 32) & ~BIT(CAP_SYS_PTRACE);
	p = (d[0].permitted | (uint64_t)d[1].permitted << 32) & ~BIT(CAP_SYS_PTRACE);
	d[0].effective = e;
	d[1].effective = e >> 32;
	d[0].permitted = p;
	d[1].permitted = p >> 32;
	return syscall(SYS_capset, &h, d);
}

static int has_ptrace_cap(void)
{
	char line[128];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return !!(eff & BIT(CAP_SYS_PTRACE));
}

static void check_pages(void)
{
	uint8_t want[PG];
	int i;

	for (i = 0; i < NR_PAGES; i++) {
		fill(want, i, gen[i]);
		if (memcmp(pages + i * PG, want, PG)) {
			fail("page %d does not hold generation %u", i, gen[i]);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	struct timespec ms = { 0, 1000000 };
	uint32_t n = 0;
	int i;

	test_init(argc, argv);
	pages = mmap(NULL, NR_PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		     0);
	gen = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED || gen == MAP_FAILED) {
		fail_perror("mmap");
		return 1;
	}
	for (i = 0; i < NR_PAGES; i++)
		fill(pages + i * PG, i, gen[i] = 1);
	if (drop_ptrace_cap() || has_ptrace_cap() != 0) {
		fail_perror("can't drop CAP_SYS_PTRACE");
		return 1;
	}
	test_daemon();
	while (!test_sig_received) {
		i = n++ % NR_PAGES;
		fill(pages + i * PG, i, ++gen[i]);
		nanosleep(&ms, NULL);
	}
	check_pages();
	if (has_ptrace_cap() != 0)
		fail("CAP_SYS_PTRACE is back in the effective set");
	if (!test_failed())
		pass();
	return test_failed();
}
