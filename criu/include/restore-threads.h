/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore-threads.h - criu's side of restoring a task's threads (criu/restore-threads.c).
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
#ifndef CRIU_RESTORE_THREADS_H
#define CRIU_RESTORE_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pstree.pb-c.h"

struct rst_ctx;
struct rst_task;
struct rst_args;

int rst_check_pstree_threads(const PstreeEntry *e);
int rst_read_thread_cores(const struct rst_ctx *ctx, struct rst_task *t);
void rst_free_thread_cores(struct rst_task *t);

size_t rst_threads_area_size(const struct rst_task *t);
int rst_threads_fill(const struct rst_task *t, uint8_t *area, struct rst_args *a);

enum { RST_THR_UNBORN, RST_THR_RUNNING, RST_THR_STOPPED };

struct rst_thread_wait {
	pid_t pid;			/* the leader */
	const pid_t *tids;		/* the other threads */
	size_t nr;
	long opts;			/* the ptrace options the leader was seized with */
	bool tracing_clones;		/* PTRACE_O_TRACECLONE added (in the leader's stop) */
	uint8_t *state;			/* RST_THR_* per thread */
	size_t nr_stopped;
	bool leader_done;		/* leader_status holds its last wait status */
	int leader_status;
};

/* Handle one wait status of a thread of w->pid; 0 or -errno (the restore failed). */
int rst_threads_event(struct rst_thread_wait *w, pid_t who, int status);
/* The leader reported (its stop or its failure) and, if it stopped, every thread too. */
bool rst_threads_all_stopped(const struct rst_thread_wait *w);
int rst_threads_wait_restorer(pid_t pid, const pid_t *tids, size_t nr, long opts,
			      int *leader_status);
int rst_threads_sigreturn(const pid_t *tids, size_t nr);
int rst_threads_detach(const pid_t *tids, size_t nr);
void rst_threads_kill(pid_t pid, const pid_t *tids, size_t nr);

#endif /* CRIU_RESTORE_THREADS_H */
