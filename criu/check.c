/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check.c - "criu check": first what dump and restore cannot do without, each probe using the
 * kernel interface the way criu does; then, when asked, CRIU's extra and experimental groups
 * (check/features.c).
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"
#include "check/probes.h"
#include "log.h"
#include "plugin.h"

#define PR_SET_MM_MAP_SIZE_ 15

struct required {
	const char *name;
	probe_fn probe;
};

static const char *probe_mm_map(void)
{
	unsigned int size = 0;

	if (prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE_, (unsigned long)&size, 0, 0) || !size)
		return "needs CONFIG_CHECKPOINT_RESTORE";
	return NULL;
}

static const char *probe_memfd(void)
{
	int fd = syscall(SYS_memfd_create, "criu-check", MFD_CLOEXEC);

	if (fd < 0)
		return "needs kernel >= 3.17";
	close(fd);
	return NULL;
}

/* vmsplice of our own page into a pipe, the way the parasite moves memory. */
static const char *probe_vmsplice(void)
{
	static char page[4096] __attribute__((aligned(4096))) = "x";
	struct iovec iov = { page, sizeof(page) };
	int p[2];
	ssize_t n;

	if (pipe(p))
		return "can't create a pipe";
	n = vmsplice(p[1], &iov, 1, 0);
	close(p[0]);
	close(p[1]);
	return n == (ssize_t)sizeof(page) ? NULL : "vmsplice of a page failed";
}

static const char *probe_map_files(void)
{
	return access("/proc/self/map_files", R_OK) ? "needs CONFIG_CHECKPOINT_RESTORE" : NULL;
}

static const char *probe_pagemap(void)
{
	static volatile char touched = 1;
	uint64_t pme = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return "needs CONFIG_PROC_PAGE_MONITOR";
	n = pread(fd, &pme, 8, ((unsigned long)&touched / 4096) * 8);
	close(fd);
	return n == 8 && (pme >> 63) ? NULL : "pagemap doesn't show present pages";
}

static const struct required required[] = {
	{ "ptrace seize with PTRACE_O_SUSPEND_SECCOMP", probe_seccomp_suspend },
	{ "clone3 with set_tid", probe_clone3_set_tid },
	{ "prctl(PR_SET_MM_MAP)", probe_mm_map },
	{ "memfd_create", probe_memfd },
	{ "vmsplice into a pipe", probe_vmsplice },
	{ "/proc/PID/map_files", probe_map_files },
	{ "/proc/PID/pagemap", probe_pagemap },
};

static int check_required(void)
{
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const char *why = required[i].probe();

		if (!why) {
			pr_info("%s: ok\n", required[i].name);
			continue;
		}
		pr_err("Missing: %s (%s); dump and restore need it\n", required[i].name, why);
		bad++;
	}
	return bad ? -1 : 0;
}

int cr_check(const struct cr_options *o)
{
	int ret;

	if (o->feature)
		return check_one_feature(o->feature);
	if (cr_plugins_report(o->libdir))
		return -1;
	if (check_required()) {
		pr_warn("Does not look good.\n");
		return -1;
	}
	ret = check_feature_group(o->check_extra, o->check_experimental);
	if (ret)
		pr_msg("Looks good but some kernel features are missing\n"
		       "which, depending on your process tree, may cause\n"
		       "dump or restore failure.\n");
	else
		pr_msg("Looks good.\n");
	pr_msg("Memory tracking (pre-dump): %s\n", mem_tracking_kind());
	return ret;
}
