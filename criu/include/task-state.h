/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task-state.h - what a task carries besides memory and files: pending signals, timers,
 * credentials, seccomp, rlimits, scheduling and prctl attributes.
 *
 * Dump (criu/task/state-dump.c): task_state_collect_proc() runs while the task is seized and
 * before the parasite (ptrace and /proc only: pending signals are peeked before any
 * injected syscall could dequeue them); task_state_collect_parasite() asks the parasite;
 * task_state_fill_core() puts it all into the core entry and writes seccomp.img.
 * Restore (criu/task/state-restore.c): rst_fill_task_state() turns the images into the
 * restorer's struct rst_task_state (include/abi/restorer-task.h), applied by
 * criu/pie/restorer-task.c.
 */
#ifndef CRIU_TASK_STATE_H
#define CRIU_TASK_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.pb-c.h"
#include "siginfo.pb-c.h"

struct dump_ctx;
struct task_state;

int task_state_collect_proc(struct dump_ctx *dc);
int task_state_collect_parasite(struct dump_ctx *dc);
int task_state_collect_signals(struct dump_ctx *dc);
/* Wraps n raw siginfos as a queue entry; sie and ptrs are the caller's, n long each. */
#define SIGINFO_SIZE 128
void task_state_pack_queue(SignalQueueEntry *q, SiginfoEntry *sie, SiginfoEntry **ptrs,
			   uint8_t (*raw)[SIGINFO_SIZE], size_t n);
int task_state_fill_core(struct dump_ctx *dc, CoreEntry *core);
struct proc_status;
/*
 * A task's or thread's ids, capability sets (their 32-bit halves in caps) and groups from
 * its status into c; the rest of c (securebits, no_new_privs) is the caller's.
 */
void task_creds_from_status(const struct proc_status *st, uint32_t caps[5][2], CredsEntry *c);
void task_state_free(struct dump_ctx *dc);
/* What the parasite read (NULL before it ran): criu/task/audit-dump.c checks some of it. */
struct parasite_task_extra;
const struct parasite_task_extra *task_state_extra(const struct dump_ctx *dc);
/* Was the task a child subreaper (known once the parasite ran)? */
/* Write task-extra-PID.img (ours): attributes and the whole auxv. Returns 0 or -errno. */
int task_state_write_extra(struct dump_ctx *dc);
bool task_state_is_subreaper(const struct dump_ctx *dc);

struct rst_ctx;
struct rst_task;
struct rst_task_state;

/* In the forked task, before the jump: fills ts and sets what /proc sets (oom, loginuid). */
/* The task's loginuid as the image has it, where it differs from ours. 0 or -errno, said. */
int rst_set_loginuid(const struct rst_task *t);
int rst_fill_task_state(const struct rst_ctx *ctx, const struct rst_task *t,
			struct rst_task_state *ts);
/* A thread's credentials from its core image (threads that differ from the leader). */
struct rst_creds;
int rst_creds_from_image(const CredsEntry *ce, struct rst_creds *c, pid_t pid);
/* ptrace options the restored task is seized with (seccomp must not hit the restorer). */
long rst_task_seize_opts(const struct rst_task *t);
/*
 * Around criu's removal of the restorer: block every signal of the stopped task so that
 * signals restored as pending are not delivered before the program runs, then put the
 * program's mask back. Returns 0 or -errno.
 */
int rst_hold_signals(pid_t pid, uint64_t *saved);
int rst_release_signals(pid_t pid, uint64_t saved);

#endif /* CRIU_TASK_STATE_H */
