/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check/mm.c - probes of memory interfaces: write tracking, the AIO ring, userfaultfd,
 * mapping a vdso (64-bit and compat), and the PAGEMAP_SCAN ioctl.
 */
#include <asm/prctl.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memtrack.h"
#include "probes.h"

#define PG 4096ul

/* PAGEMAP_SCAN (Linux 6.7), newer than this system's headers */
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
struct page_region {
	uint64_t start, end, categories;
};
#define PAGEMAP_SCAN	    _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_PRESENT	    (1ull << 3)
#define PAGE_IS_GUARD	    (1ull << 8)
#define MADV_GUARD_INSTALL_ 102

/*
 * criu tracks writes with soft-dirty bits where the kernel has them (mem/track-sd.c), else
 * with userfaultfd WP_ASYNC and PAGEMAP_SCAN (mem/track-scan.c), which any 6.7+ kernel has;
 * CRIU_MEM_TRACK=pagemap-scan forces the latter. The line says which one a dump uses.
 */
const char *mem_tracking_kind(void)
{
	const char *force = getenv(MEMTRACK_ENV);
	bool scan = !memtrack_probe();
	uint64_t zero_pfn;
	bool soft_dirty = !memtrack_sd_probe(&zero_pfn);

	if (soft_dirty && !(scan && force && !strcmp(force, "pagemap-scan")))
		return scan ? "soft-dirty bits (/proc/PID/clear_refs and pagemap); PAGEMAP_SCAN "
			      "with userfaultfd write-protect (async) if " MEMTRACK_ENV
			      "=pagemap-scan"
			    : "soft-dirty bits (/proc/PID/clear_refs and pagemap)";
	if (scan && soft_dirty)
		return "PAGEMAP_SCAN with userfaultfd write-protect (async), as " MEMTRACK_ENV
		       " asks; the kernel's soft-dirty bits are not used";
	if (scan)
		return "PAGEMAP_SCAN with userfaultfd write-protect (async); this kernel has no "
		       "soft-dirty bits";
	return "none: neither soft-dirty bits nor userfaultfd write-protect with PAGEMAP_SCAN "
	       "(Linux 6.7+)";
}

const char *probe_mem_dirty_track(void)
{
	if (memtrack_any_probe())
		return "Dirty tracking is OFF (neither soft-dirty bits nor userfaultfd WP_ASYNC "
		       "with PAGEMAP_SCAN, Linux 6.7+). "
		       "Memory snapshot will not work.";
	return NULL;
}

/* The AIO ring's length, found in /proc/self/maps at ctx as "/[aio] (deleted)". */
static unsigned long aio_ring_len(unsigned long ctx)
{
	unsigned long start, end, len = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 && start == ctx &&
		    strstr(line, "/[aio] (deleted)"))
			len = end - start;
	if (f)
		fclose(f);
	return len;
}

const char *probe_aio_remap(void)
{
	aio_context_t ctx = 0;
	unsigned long len;
	void *to;
	long r = -1;

	if (syscall(SYS_io_setup, 16, &ctx) < 0)
		return "no AIO syscalls";
	len = aio_ring_len(ctx);
	to = len ? mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
		 : MAP_FAILED;
	if (to != MAP_FAILED &&
	    mremap((void *)ctx, len, len, MREMAP_FIXED | MREMAP_MAYMOVE, to) != MAP_FAILED) {
		ctx = (aio_context_t)to;
		r = syscall(SYS_io_getevents, ctx, 0, 1, NULL, NULL);
	}
	syscall(SYS_io_destroy, ctx);
	return r < 0 ? "an AIO ring doesn't work once moved (mremap)" : NULL;
}

static int open_uffd(void)
{
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK), dev;

	if (fd >= 0)
		return fd;
	dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -1;
	fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
	close(dev);
	return fd;
}

/* The features UFFDIO_API offers, or -1 without userfaultfd. */
static long long uffd_features(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = open_uffd();
	long long ret = -1;

	if (fd < 0)
		return -1;
	if (!ioctl(fd, UFFDIO_API, &api))
		ret = api.features;
	close(fd);
	return ret;
}

const char *probe_uffd(void)
{
	return uffd_features() < 0 ? "UFFD is not supported" : NULL;
}

const char *probe_uffd_noncoop(void)
{
	const long long want = UFFD_FEATURE_EVENT_FORK | UFFD_FEATURE_EVENT_REMAP |
			       UFFD_FEATURE_EVENT_UNMAP | UFFD_FEATURE_EVENT_REMOVE;
	long long have = uffd_features();

	if (have < 0 || (have & want) != want)
		return "Userfaultfd doesn't support non-cooperative mode";
	return NULL;
}

/* Unmap [vdso] and every [vvar*] area; the vdso's old address, or 0. */
static unsigned long unmap_vdso(void)
{
	unsigned long start, end, vdso = 0;
	unsigned long areas[8][2];
	int n = 0, i;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	while (f && n < 8 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if (!strstr(line, "[vdso]") && !strstr(line, "[vvar"))
			continue;
		if (strstr(line, "[vdso]"))
			vdso = start;
		areas[n][0] = start;
		areas[n++][1] = end - start;
	}
	if (f)
		fclose(f);
	for (i = 0; i < n; i++)
		if (munmap((void *)areas[i][0], areas[i][1]))
			return 0;
	return vdso;
}

/* In a child: map a new vdso with arch_prctl, as CRIU's restore does. No vdso calls after. */
static int map_vdso64_child(void)
{
	unsigned long at = unmap_vdso();

	return at && syscall(SYS_arch_prctl, ARCH_MAP_VDSO_64, at) >= 0 ? 0 : -1;
}

static void __attribute__((noreturn)) no_compat_gate(int sig)
{
	(void)sig;
	_exit(1);
}

static int map_vdso32_child(void)
{
	struct sigaction sa = { .sa_handler = no_compat_gate };
	unsigned long at;
	long pid;

	/*
	 * A kernel without 32-bit emulation (ia32_emulation=0) answers int $0x80 with SIGSEGV:
	 * a "no", not a crash for a sanitizer to report.
	 */
	if (sigaction(SIGSEGV, &sa, NULL))
		return -1;
	at = unmap_vdso();
	if (!at || syscall(SYS_arch_prctl, ARCH_MAP_VDSO_32, at) < 0)
		return -1;
	/* and the 32-bit syscall gate works: getpid is 20 there */
	asm volatile("int $0x80" : "=a"(pid) : "a"(20L) : "memory");
	return pid == getpid() ? 0 : -1;
}

const char *probe_can_map_vdso(void)
{
	return probe_in_child(map_vdso64_child) ? "arch_prctl(ARCH_MAP_VDSO_64) doesn't work"
						: NULL;
}

const char *probe_compat_cr(void)
{
	return probe_in_child(map_vdso32_child)
		       ? "compat (32-bit) tasks: no ARCH_MAP_VDSO_32 or no ia32 syscalls"
		       : NULL;
}

static int pagemap_scan(void *addr, size_t len, uint64_t category, struct page_region *out,
			size_t nr_out)
{
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.start = (uintptr_t)addr,
		.end = (uintptr_t)addr + len,
		.vec = (uintptr_t)out,
		.vec_len = nr_out,
		.category_anyof_mask = category,
		.return_mask = category,
	};
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = ioctl(fd, PAGEMAP_SCAN, &a);
	close(fd);
	return ret;
}

const char *probe_pagemap_scan(void)
{
	struct page_region r[4];
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int n;

	if (p == MAP_FAILED)
		return "can't map memory";
	p[0] = 1;
	n = pagemap_scan(p, 2 * PG, PAGE_IS_PRESENT, r, 4);
	munmap(p, 2 * PG);
	if (n != 1 || r[0].start != (uintptr_t)p || r[0].end != (uintptr_t)p + PG)
		return "the PAGEMAP_SCAN ioctl is not supported";
	return NULL;
}

const char *probe_pagemap_scan_guard_pages(void)
{
	struct page_region r[4];
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int n = -1;

	if (p == MAP_FAILED)
		return "can't map memory";
	if (!madvise(p + PG, PG, MADV_GUARD_INSTALL_))
		n = pagemap_scan(p, 3 * PG, PAGE_IS_GUARD, r, 4);
	munmap(p, 3 * PG);
	if (n != 1 || r[0].start != (uintptr_t)p + PG || r[0].end != (uintptr_t)p + 2 * PG)
		return "PAGEMAP_SCAN doesn't report guard pages (MADV_GUARD_INSTALL)";
	return NULL;
}
