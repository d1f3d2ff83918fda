/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/attrs-restore.c - CPU affinity, I/O priority, timer slack and membarrier registrations,
 * set by the forked task on itself once its pages are in (a narrow affinity would slow the
 * page fill down). What already matches criu's own value is left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "task-attrs.h"

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_RT	   1
#define IOPRIO_CLASS_BE	   2
#define IOPRIO_CLASS_IDLE  3

/*
 * The registration commands, which are also the bits MEMBARRIER_CMD_GET_REGISTRATIONS reports
 * (the uapi header's values: GLOBAL_EXPEDITED (1 << 1) is the barrier, not its registration).
 */
static const uint32_t membarrier_registrations[] = {
	MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED,
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
	MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ,
};

static int apply_affinity(const TaskExtraEntry *th)
{
	uint64_t cur[TASK_AFFINITY_WORDS] = {}, want[TASK_AFFINITY_WORDS] = {};
	size_t len = th->n_cpu_affinity * sizeof(uint64_t);

	if (!th->n_cpu_affinity)
		return 0;
	if (th->n_cpu_affinity > TASK_AFFINITY_WORDS) {
		pr_err("The CPU affinity in the image has %zu words, more than %d\n",
		       th->n_cpu_affinity, TASK_AFFINITY_WORDS);
		return -EINVAL;
	}
	memcpy(want, th->cpu_affinity, len);
	if (syscall(SYS_sched_getaffinity, 0, sizeof(cur), cur) >= 0 &&
	    !memcmp(cur, want, sizeof(want)))
		return 0;
	if (!syscall(SYS_sched_setaffinity, 0, len, th->cpu_affinity))
		return 0;
	if (errno == EINVAL) {
		/* another machine: none of the dumped CPUs is here; running anywhere is better */
		pr_warn("None of the CPUs in the dumped affinity mask is online; the task keeps "
			"criu's affinity\n");
		return 0;
	}
	pr_perror("Can't set the CPU affinity");
	return -errno;
}

/* What ioprio_get() reports for a task that never set one: derived from policy and nice. */
static uint32_t derived_ioprio(const ThreadCoreEntry *th)
{
	uint32_t class = IOPRIO_CLASS_BE, policy = th->sched_policy & ~SCHED_RESET_ON_FORK;
	int nice = th->has_sched_nice ? th->sched_nice : 0;

	if (policy == SCHED_IDLE)
		class = IOPRIO_CLASS_IDLE;
	else if (policy == SCHED_FIFO || policy == SCHED_RR)
		class = IOPRIO_CLASS_RT;
	return class << IOPRIO_CLASS_SHIFT | (uint32_t)(nice + 20) / 5;
}

static int apply_ioprio(const TaskExtraEntry *ex, const ThreadCoreEntry *th)
{
	if (!ex->has_ioprio || !ex->ioprio || ex->ioprio == derived_ioprio(th))
		return 0;
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, ex->ioprio)) {
		pr_perror("Can't set the I/O priority %#x (class %u)", ex->ioprio,
			  ex->ioprio >> IOPRIO_CLASS_SHIFT);
		return -errno;
	}
	return 0;
}

static int apply_timerslack(const TaskExtraEntry *th)
{
	long cur = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);

	if (!th->has_timerslack_ns || !th->timerslack_ns || cur == (long)th->timerslack_ns)
		return 0;
	if (prctl(PR_SET_TIMERSLACK, th->timerslack_ns, 0, 0, 0)) {
		pr_perror("Can't set the timer slack to %llu ns",
			  (unsigned long long)th->timerslack_ns);
		return -errno;
	}
	return 0;
}

/*
 * The filter belongs to the address space and is inherited by fork: compare with what this
 * task has now (its parent's, maybe), not with a default.
 */
static int apply_coredump_filter(const TaskExtraEntry *ex)
{
	char now[32] = "", want[32];
	ssize_t n;
	int fd, ret = 0;

	if (!ex->has_coredump_filter)
		return 0;
	fd = open("/proc/self/coredump_filter", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open /proc/self/coredump_filter");
		return -errno;
	}
	n = read(fd, now, sizeof(now) - 1);
	if (n > 0 && strtoul(now, NULL, 16) == ex->coredump_filter)
		goto out_close;
	n = snprintf(want, sizeof(want), "0x%x", ex->coredump_filter);
	if (pwrite(fd, want, n, 0) != n) {
		pr_perror("Can't set the core dump filter to %s", want);
		ret = errno ? -errno : -EIO;
	}
out_close:
	close(fd);
	return ret;
}

static int apply_membarrier(const TaskCoreEntry *tc)
{
	uint32_t left = tc->has_membarrier_registration_mask ? tc->membarrier_registration_mask : 0;
	size_t i;

	for (i = 0; i < sizeof(membarrier_registrations) / sizeof(membarrier_registrations[0]);
	     i++) {
		if (!(left & membarrier_registrations[i]))
			continue;
		if (syscall(SYS_membarrier, membarrier_registrations[i], 0, 0)) {
			pr_perror("Can't register for membarrier command %#x",
				  membarrier_registrations[i]);
			return -errno;
		}
		left &= ~membarrier_registrations[i];
	}
	if (left) {
		pr_err("Unknown membarrier registrations %#x in the image: this criu can't "
		       "restore them\n",
		       left);
		return -EINVAL;
	}
	return 0;
}

int rst_apply_task_attrs(const TaskCoreEntry *tc, const ThreadCoreEntry *th,
			 const TaskExtraEntry *ex)
{
	int ret = apply_membarrier(tc);

	if (ret || !ex)
		return ret;
	return apply_timerslack(ex) ?: apply_ioprio(ex, th) ?: apply_affinity(ex) ?:
	       apply_coredump_filter(ex);
}
