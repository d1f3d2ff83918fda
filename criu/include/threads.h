/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threads.h - the threads of a dumped or restored task.
 *
 * Dump (criu/task/threads-dump.c): every thread of the task is seized (looping over
 * /proc/PID/task until a pass finds no new tid), then its registers, FPU state, signal
 * mask, rseq registration, robust list, name, scheduling and credentials are read with
 * ptrace and /proc. Its sigaltstack and clear_child_tid are asked with remote syscalls
 * run in that very thread (compel_syscall()), whose out-params land in the leader's
 * parasite args area (shared memory) while the leader's parasite sits idle; its private
 * pending signals are peeked after that. Each thread but the leader gets core-TID.img;
 * the leader's core gains its rseq.
 * Invariant: once threads_seize() returned, threads_release() must run on every path.
 *
 * Restore (criu/task/threads-restore.c and criu/pie/restorer-threads.c): the restorer clones
 * every other thread with its dumped tid; criu follows them with PTRACE_O_TRACECLONE.
 *
 * Images: rst_read_thread_cores() fills rst_task.tids[] and .thread_cores[] (the threads
 * besides the leader, in pstree order). Bootstrap: rst_threads_fill() lays out the
 * restorer's struct rst_thread array, frames and stacks in an area of
 * rst_threads_area_size() bytes. ptrace: the restorer stops once before it clones, and
 * criu adds PTRACE_O_TRACECLONE there (not earlier: criu's own helper threads in the task
 * must stay untraced); rst_threads_wait_restorer() (or a caller's own wait loop feeding
 * rst_threads_event()) follows each thread from birth to its stop before rt_sigreturn;
 * rst_threads_sigreturn() steps them over it, rst_threads_detach() lets them go, and
 * rst_threads_kill() kills the task and reaps every thread on failure.
 */
#ifndef CRIU_THREADS_H
#define CRIU_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.pb-c.h"
#include "pstree.pb-c.h"

struct dump_ctx;
struct dump_threads;

/* Seize the other threads of dc->pid (the leader is seized already). */
int threads_seize(struct dump_ctx *dc);
/* ptrace and /proc state of every thread; before the parasite runs. */
int threads_collect(struct dump_ctx *dc);
/*
 * Remote syscalls in each thread, then its private pending signals; after the leader's
 * parasite read the task state (and timers), while it waits for its next command.
 */
int threads_collect_remote(struct dump_ctx *dc);
/*
 * The leader's rseq area, which the kernel rewrites (CPU and concurrency ids) whenever the
 * leader, running the parasite, is scheduled again: 0, or -ENOENT without one.
 */
int threads_leader_rseq(const struct dump_ctx *dc, uint64_t *start, uint64_t *len);
/* A thread's infection context, to prepare the others from: NULL for a one-thread task. */
const struct compel_ctl *threads_any_ctl(const struct dump_ctx *dc);
/* The leader's core: its rseq registration. */
void threads_fill_leader_core(struct dump_ctx *dc, CoreEntry *core);
/* core-TID.img of every thread but the leader. */
int threads_write_cores(struct dump_ctx *dc);
/* Thread ids for pstree.img, the leader first; *nr gets their number. */
uint32_t *threads_ids(struct dump_ctx *dc, size_t *nr);
/* Put back what remote syscalls changed; the threads stay seized. */
int threads_cure(struct dump_ctx *dc);
/* A group stop a thread entered while compel drove it: its signal, or 0. */
int threads_group_stop_sig(const struct dump_ctx *dc);
/*
 * Let the threads go in mode (enum compel_release_mode) before the leader is released:
 * with KILL the whole task is killed here and every thread reaped.
 */
void threads_release(struct dump_ctx *dc, int mode);
void threads_free(struct dump_ctx *dc);

/* Restore: task/threads-restore.c */

struct rst_ctx;
struct rst_task;
struct rst_args;

int rst_check_pstree_threads(const PstreeEntry *e);
int rst_read_thread_cores(const struct rst_ctx *ctx, struct rst_task *t);
void rst_free_thread_cores(struct rst_task *t);

size_t rst_threads_area_size(const struct rst_task *t);
int rst_threads_fill(const struct rst_ctx *ctx, const struct rst_task *t, uint8_t *area,
		     struct rst_args *a);

enum { RST_THR_UNBORN, RST_THR_RUNNING, RST_THR_STOPPED };

struct rst_thread_wait {
	pid_t pid;	   /* the leader */
	const pid_t *tids; /* the other threads */
	size_t nr;
	long opts;	     /* the ptrace options the leader was seized with */
	bool tracing_clones; /* PTRACE_O_TRACECLONE added (in the leader's stop) */
	uint8_t *state;	     /* RST_THR_* per thread */
	size_t nr_stopped;
	bool leader_done; /* leader_status holds its last wait status */
	int leader_status;
	/* in the tree's user namespace: each clone after a stop of the leader (by_last_pid) */
	bool by_last_pid;
	bool parked;	      /* the leader waits in its stop before clone number clone_stops */
	bool clone_in_flight; /* it was let go to clone thread clone_stops - 1 */
	bool retrying;	      /* its clone got a wrong tid: it stops to clone the thread again */
	bool retry_pending;   /* stopped so, it waits for the stray thread to be gone */
	size_t clone_stops;
	unsigned int retries;
	pid_t stray; /* the thread the last try made with a wrong tid, made to exit */
	bool stray_gone;
};

/* Handle one wait status of a thread of w->pid; 0 or -errno (the restore failed). */
int rst_threads_event(struct rst_thread_wait *w, pid_t who, int status);
/* The leader reported (its stop or its failure) and, if it stopped, every thread too. */
bool rst_threads_all_stopped(const struct rst_thread_wait *w);
/*
 * A leader parked before a clone (by_last_pid): set ns_last_pid at every level for its next
 * thread, and let it clone. Only while nothing else of the tree forks (restore/restore.c).
 */
int rst_threads_clone_next(const struct rst_ctx *ctx, struct rst_thread_wait *w);
/* task/threads-lastpid.c, for rst_threads_event(): the leader's stop before a clone, its
 * clone event; a thread that the clone in flight made with a wrong tid, and its events. */
int rst_threads_before_clone(struct rst_thread_wait *w);
int rst_threads_cloned(struct rst_thread_wait *w);
bool rst_threads_is_stray(struct rst_thread_wait *w, pid_t who, int status);
int rst_threads_stray_event(struct rst_thread_wait *w, pid_t who, int status);
/*
 * task/threads-wake.c: the leader to clone (and criu) SCHED_FIFO from before the write of
 * ns_last_pid until the leader is let go (criu) and its clone event (the leader).
 */
void rst_clone_wake_raise(pid_t leader);
void rst_clone_wake_criu_back(void);
void rst_clone_wake_leader_back(void);
int rst_threads_wait_restorer(pid_t pid, const pid_t *tids, size_t nr, long opts,
			      int *leader_status);
int rst_threads_sigreturn(const pid_t *tids, size_t nr);
int rst_threads_detach(const pid_t *tids, size_t nr);
void rst_threads_kill(pid_t pid, const pid_t *tids, size_t nr);
/* The same for the init of the tree's pid namespace: reaps every tracee until it is gone. */
void rst_kill_pidns_init(pid_t pid);
/* Reap killed threads we trace in the order they die (task/threads-restore.c). */
void threads_reap_killed(const pid_t *tids, size_t nr);

#endif /* CRIU_THREADS_H */
