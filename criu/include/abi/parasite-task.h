/* SPDX-License-Identifier: GPL-2.0 */
/*
 * abi/parasite-task.h - the args of PARASITE_CMD_DUMP_TASK_EXTRA: the per-task state that only
 * the task itself can read (timers, rlimits, prctl and scheduler settings). Plain data,
 * shared by criu (criu/task/state-dump.c) and the parasite (criu/pie/parasite-task.c).
 *
 * criu fills posix[].id and nr_posix from /proc/PID/timers before the call; the parasite
 * fills everything else. On return, a posix[] entry with id == -1 was gone.
 */
#ifndef CRIU_PARASITE_TASK_H
#define CRIU_PARASITE_TASK_H

#include <stdint.h>

#define PARASITE_NR_ITIMERS 3  /* ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
#define PARASITE_NR_RLIMITS 16 /* RLIM_NLIMITS on Linux */
#define PARASITE_MAX_TIMERS 64

/* interval (i*) and time left (v*), as getitimer() tells */
struct parasite_itimer {
	uint64_t isec, iusec;
	uint64_t vsec, vusec;
};

struct parasite_posix_timer {
	int32_t id; /* in */
	int32_t overrun;
	uint64_t isec, insec; /* interval */
	uint64_t vsec, vnsec; /* time left */
};

struct parasite_rlimit {
	uint64_t cur;
	uint64_t max;
};

struct parasite_task_extra {
	struct parasite_itimer itimers[PARASITE_NR_ITIMERS];
	uint32_t nr_posix; /* in */
	uint32_t securebits;
	struct parasite_posix_timer posix[PARASITE_MAX_TIMERS];
	struct parasite_rlimit rlimits[PARASITE_NR_RLIMITS];
	uint32_t pdeath_sig;
	int32_t dumpable;
	int32_t thp_disabled;
	int32_t child_subreaper;
	int32_t no_new_privs;
	int32_t sched_policy;
	int32_t sched_prio;
	int32_t nice;
	uint32_t membarrier_mask; /* MEMBARRIER_CMD_GET_REGISTRATIONS, 0 if unknown */
	uint64_t timerslack_ns;
	/* checked, not saved yet (criu/task/audit-dump.c): the dump refuses other values */
	int32_t mempolicy; /* get_mempolicy() mode; 0: MPOL_DEFAULT */
};

/*
 * PARASITE_CMD_VMA_POLICIES: the NUMA policy mode of the mapping at each addr
 * (get_mempolicy(MPOL_F_ADDR)), instead of a walk of /proc/PID/numa_maps, which reads every
 * page table of the task while it is frozen. ENOSYS (no NUMA): 0 for all.
 */
#define PARASITE_MAX_POLICY_VMAS 2048

struct parasite_vma_policies {
	uint32_t nr;
	uint32_t pad;
	uint64_t addr[PARASITE_MAX_POLICY_VMAS];
	int32_t mode[PARASITE_MAX_POLICY_VMAS]; /* 0: MPOL_DEFAULT */
};

/* The parasite's handlers (criu/pie/parasite-task.c). */
int parasite_dump_task_extra(struct parasite_task_extra *x);
int parasite_vma_policies(struct parasite_vma_policies *p);

#endif /* CRIU_PARASITE_TASK_H */
