/* SPDX-License-Identifier: GPL-2.0 */
/*
 * abi/restorer-task.h - the per-task state the restorer blob applies last, just before
 * rt_sigreturn: pending signals, timers, rlimits, scheduling, prctl flags, seccomp and
 * credentials. Filled by criu/task/state-restore.c, applied by criu/pie/restorer-task.c.
 * Plain data only (shared by criu and the blob); a has_* of 0 leaves that part alone.
 */
#ifndef CRIU_RESTORER_TASK_H
#define CRIU_RESTORER_TASK_H

#include <stdint.h>

#define RST_SIGINFO_SIZE     128
#define RST_MAX_SIGNALS	     128
#define RST_MAX_GROUPS	     256
#define RST_MAX_TIMERS	     64
#define RST_NR_ITIMERS	     3
#define RST_NR_RLIMITS	     16
#define RST_MAX_FILTERS	     32
#define RST_MAX_FILTER_INSNS 8192
#define RST_MAX_POSIX_LOCKS  256

struct rst_itimer {
	uint64_t isec, iusec; /* interval */
	uint64_t vsec, vusec; /* time left */
};

struct rst_posix_timer {
	int32_t id;
	int32_t clock_id;
	int32_t signo;
	int32_t notify; /* SIGEV_* */
	int32_t notify_tid;
	int32_t pad;
	uint64_t sival;
	uint64_t isec, insec;
	uint64_t vsec, vnsec;
};

/* the kernel's struct flock on x86_64, with the fd it is taken on */
struct rst_posix_lock {
	int16_t type, whence;
	int32_t pad;
	int64_t start, len;
	int32_t pid, pad2;
	int32_t fd, pad3;
};

struct rst_rlimit {
	uint64_t cur, max;
};

struct rst_creds {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint32_t nr_groups;
	uint32_t secbits;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t cap_last_cap; /* of this kernel: the bounding set is walked up to it */
	uint32_t no_new_privs;
	uint32_t keep_groups; /* set by criu before the task entered its user namespace */
	uint32_t groups[RST_MAX_GROUPS];
};

struct rst_task_state {
	/* signals: [0, nr_sig_p) go to the thread, the next nr_sig_s to the process */
	uint32_t nr_sig_p, nr_sig_s;
	uint8_t siginfo[RST_MAX_SIGNALS][RST_SIGINFO_SIZE];

	uint32_t has_timers;
	uint32_t nr_posix;
	struct rst_itimer itimers[RST_NR_ITIMERS];
	struct rst_posix_timer posix[RST_MAX_TIMERS];

	uint32_t has_rlimits;
	uint32_t has_sched;
	struct rst_rlimit rlimits[RST_NR_RLIMITS];
	int32_t sched_policy, sched_prio, nice;

	int32_t pdeath_sig;	 /* -1: leave */
	int32_t child_subreaper; /* -1: leave */
	int32_t dumpable;	 /* -1: leave */
	int32_t thp_disabled;	 /* -1: leave */

	uint32_t has_creds;
	struct rst_creds creds;

	uint32_t seccomp_mode;		      /* SECCOMP_MODE_*: 1 strict, 2 filters below */
	uint32_t nr_filters;		      /* oldest first */
	uint32_t filter_len[RST_MAX_FILTERS]; /* instructions */
	uint32_t filter_flags[RST_MAX_FILTERS];
	uint64_t insns[RST_MAX_FILTER_INSNS]; /* struct sock_filter, 8 bytes each */

	/* POSIX locks, taken again once the restorer closed its mapping fds (a close drops them) */
	uint32_t nr_posix_locks;
	struct rst_posix_lock posix_locks[RST_MAX_POSIX_LOCKS];
};

/* The blob's side (criu/pie/restorer-task.c): 0, or -errno after logging what failed. */
int rst_retake_posix_locks(const struct rst_task_state *ts);
int rst_apply_task_state(const struct rst_task_state *ts, int pid);
/* A thread's share of it: seccomp filters, then own (NULL: the task's) credentials. */
int rst_apply_thread_state(const struct rst_task_state *ts, const struct rst_creds *own);

#endif /* CRIU_RESTORER_TASK_H */
