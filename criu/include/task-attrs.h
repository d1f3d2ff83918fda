/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task-attrs.h - per-thread scheduling attributes that CRIU's core image lacks or keeps
 * apart: CPU affinity, I/O priority, timer slack (in task-extra-PID.img, ours), and the mm's
 * membarrier registrations (in CRIU's task_core_entry).
 * Dump reads affinity and ioprio from outside (by tid); timer slack and membarrier come
 * from the parasite (struct parasite_task_extra).
 */
#ifndef CRIU_TASK_ATTRS_H
#define CRIU_TASK_ATTRS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.pb-c.h"
#include "task-extra.pb-c.h"

#define TASK_AFFINITY_WORDS 16 /* 1024 CPUs */

struct task_attrs {
	uint64_t affinity[TASK_AFFINITY_WORDS];
	size_t nr_affinity; /* words the kernel filled */
	uint32_t ioprio;
	uint64_t timerslack_ns;
	uint32_t membarrier_mask;
	uint32_t coredump_filter;
};

/* dump: what can be read from outside the thread */
int task_attrs_collect(pid_t tid, struct task_attrs *a);
/* dump: the membarrier registrations go in CRIU's core, the rest in task-extra-PID.img */
void task_attrs_fill(const struct task_attrs *a, TaskCoreEntry *tc);
/* dump: a's arrays must outlive ex */
void task_attrs_fill_extra(struct task_attrs *a, TaskExtraEntry *ex);

/*
 * restore, in the forked task after its pages are in: apply what the images hold. ex is
 * NULL for an image set without task-extra-PID.img (CRIU's): those attributes stay criu's.
 */
int rst_apply_task_attrs(const TaskCoreEntry *tc, const ThreadCoreEntry *th,
			 const TaskExtraEntry *ex);

#endif /* CRIU_TASK_ATTRS_H */
