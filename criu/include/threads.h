/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threads.h - the threads of a dumped or restored task.
 *
 * Dump (criu/task-threads.c): every thread of the task is seized (looping over
 * /proc/PID/task until a pass finds no new tid), then its registers, FPU state, signal
 * mask, rseq registration, robust list, name, scheduling and credentials are read with
 * ptrace and /proc. Its sigaltstack and clear_child_tid are asked with remote syscalls
 * run in that very thread (compel_syscall()), whose out-params land in the leader's
 * parasite args area (shared memory) while the leader's parasite sits idle; its private
 * pending signals are peeked after that. Each thread but the leader gets core-TID.img;
 * the leader's core gains its rseq.
 * Invariant: once threads_seize() returned, threads_release() must run on every path.
 *
 * Restore (criu/restore-threads.c and criu/pie/restorer-threads.c): the restorer clones
 * every other thread with its dumped tid; criu follows them with PTRACE_O_TRACECLONE.
 */
#ifndef CRIU_THREADS_H
#define CRIU_THREADS_H

#include <stddef.h>
#include <sys/types.h>

#include "core.pb-c.h"

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
/* The leader's core: its rseq registration. */
void threads_fill_leader_core(struct dump_ctx *dc, CoreEntry *core);
/* core-TID.img of every thread but the leader. */
int threads_write_cores(struct dump_ctx *dc);
/* Thread ids for pstree.img, the leader first; *nr gets their number. */
uint32_t *threads_ids(struct dump_ctx *dc, size_t *nr);
/* Put back what remote syscalls changed; the threads stay seized. */
int threads_cure(struct dump_ctx *dc);
/*
 * Let the threads go in mode (enum compel_release_mode) before the leader is released:
 * with KILL the whole task is killed here and every thread reaped.
 */
void threads_release(struct dump_ctx *dc, int mode);
void threads_free(struct dump_ctx *dc);

#endif /* CRIU_THREADS_H */
