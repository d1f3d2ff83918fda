/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/attrs-dump.c - dump of CPU affinity and I/O priority (read from outside by tid), and
 * the image fields for them, the timer slack and the membarrier registrations.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "proc-parse.h"
#include "task-attrs.h"

#define IOPRIO_WHO_PROCESS 1

/* Which parts of the address space a core dump holds: one hex number, per mm. */
static int read_coredump_filter(pid_t tid, uint32_t *filter)
{
	char path[64], *buf, *end;
	unsigned long v;

	snprintf(path, sizeof(path), "/proc/%d/coredump_filter", tid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -EIO;
	errno = 0;
	v = strtoul(buf, &end, 16);
	if (errno || end == buf || v > UINT32_MAX) {
		pr_err("Can't read the core dump filter of task %d: '%s'\n", tid, buf);
		free(buf);
		return -EINVAL;
	}
	free(buf);
	*filter = v;
	return 0;
}

int task_attrs_collect(pid_t tid, struct task_attrs *a)
{
	long ret;

	/* the raw syscall says how many bytes the kernel's mask has; glibc's wrapper hides it */
	ret = syscall(SYS_sched_getaffinity, tid, sizeof(a->affinity), a->affinity);
	if (ret < 0) {
		pr_perror("Can't read the CPU affinity of task %d", tid);
		return -errno;
	}
	/* the kernel's mask may be NR_CPUS wide: keep the words up to the last CPU set */
	a->nr_affinity = (ret + sizeof(uint64_t) - 1) / sizeof(uint64_t);
	while (a->nr_affinity > 1 && !a->affinity[a->nr_affinity - 1])
		a->nr_affinity--;
	ret = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, tid);
	if (ret < 0) {
		pr_perror("Can't read the I/O priority of task %d", tid);
		return -errno;
	}
	a->ioprio = ret;
	return read_coredump_filter(tid, &a->coredump_filter);
}

void task_attrs_fill(const struct task_attrs *a, TaskCoreEntry *tc)
{
	if (a->membarrier_mask) {
		tc->has_membarrier_registration_mask = 1;
		tc->membarrier_registration_mask = a->membarrier_mask;
	}
}

void task_attrs_fill_extra(struct task_attrs *a, TaskExtraEntry *ex)
{
	ex->n_cpu_affinity = a->nr_affinity;
	ex->cpu_affinity = a->affinity;
	ex->has_ioprio = 1;
	ex->ioprio = a->ioprio;
	ex->has_timerslack_ns = 1;
	ex->timerslack_ns = a->timerslack_ns;
	ex->has_coredump_filter = 1;
	ex->coredump_filter = a->coredump_filter;
}
