/* SPDX-License-Identifier: GPL-2.0 */
/*
 * abi/restorer-threads.h - what the restorer needs to bring back the threads of a task besides
 * its leader. Filled by criu/task/threads-restore.c inside the bootstrap area, used by
 * criu/pie/restorer-threads.c. Plain data only (shared by criu and the blob).
 *
 * The leader clones each thread with its dumped tid on the thread's own stack (inside the
 * bootstrap area, unmapped by criu once every thread has passed its rt_sigreturn). A thread
 * sets its own state, counts itself in `ready`, stops with SIGSTOP and rt_sigreturns on
 * its own frame; the leader waits until every thread is ready before its final steps.
 */
#ifndef CRIU_RESTORER_THREADS_H
#define CRIU_RESTORER_THREADS_H

#include <stdint.h>

#include "restorer-task.h"

#define RST_THREAD_MAX_SIGNALS 64
#define RST_THREAD_STACK       (32UL << 10)

struct rst_rseq {
	uint64_t ptr; /* 0: not registered */
	uint32_t len;
	uint32_t sig;
};

/* criu's pid namespace and the 32 the kernel may nest below it */
#define RST_THREAD_PID_LEVELS 33

struct rst_thread {
	int32_t tid;	   /* as the task sees it: in the tree's pid namespace, if it has one */
	int32_t has_creds; /* 0: the leader's credentials (rst_task_state.creds) */
	uint64_t fs_base;
	uint64_t gs_base;
	uint64_t clear_tid_addr;
	uint64_t robust_list;
	uint64_t robust_list_len;
	struct rst_rseq rseq;
	char comm[16];
	uint64_t sigframe;  /* %rsp = sigframe + 8 at the rt_sigreturn */
	uint64_t resume_ip; /* where the thread goes on: rst_resumes_into_syscall() */
	uint64_t stack_top;
	uint32_t nr_sig; /* private pending signals */
	int32_t has_sched;
	int32_t sched_policy;
	int32_t sched_prio;
	int32_t nice;
	uint32_t nr_levels; /* of levels[]: 1 in criu's pid namespace, more below it */
	int32_t levels[RST_THREAD_PID_LEVELS]; /* clone3's set_tid: tid first, criu's last */
	uint8_t siginfo[RST_THREAD_MAX_SIGNALS][RST_SIGINFO_SIZE];
	struct rst_creds creds;
};

struct rst_threads {
	uint32_t nr;	  /* threads besides the leader */
	uint32_t ready;	  /* futex word: threads done with their setup */
	uint64_t threads; /* struct rst_thread[nr] */
	struct rst_rseq leader_rseq;
	/*
	 * In the tree's user namespace, where set_tid is refused: the leader stops before each
	 * clone, criu sets ns_last_pid of every level to the thread's tid - 1, and the clone
	 * takes no set_tid (task/threads-restore.c, ns/userns-threads.c).
	 */
	uint32_t by_last_pid;
	uint32_t pad;
};

/* r15 at a by_last_pid clone's return: criu made the thread exit, clone it again */
#define RST_CLONE_AGAIN 0x6167616e69616761ULL

#endif /* CRIU_RESTORER_THREADS_H */
