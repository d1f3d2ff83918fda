/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/attrs-dump.c - dump of CPU affinity and I/O priority (read from outside by tid), and
 * the image fields for them, the timer slack and the membarrier registrations.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "task-attrs.h"

#define IOPRIO_WHO_PROCESS 1

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
	return 0;
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
}
