/* SPDX-License-Identifier: GPL-2.0 */
/*
 * infect.h - seize a task, run syscalls and a parasite blob inside it, cure it.
 *
 * Invariants: every function returns 0 (or a value >= 0) on success and -errno on failure,
 * and logs its own errors through the callback set with compel_set_log(). A task that was
 * seized stays seized (and stopped) until compel_release_task(); compel_cure() puts back
 * everything compel_prepare() saved, so a failed dump can always cure and release.
 * May call: ptrace, /proc/PID/{maps,task,map_files}, process_vm_writev below the task's
 * stack pointer (the frames that return it to itself, see src/guard.c), process_vm_readv
 * of a few bytes of its code (to check the instructions found in its files), and, only for
 * a task with neither a vdso nor a syscall instruction of its own, PEEK/POKE of one word
 * of its code (borrowed for each unguarded remote syscall, put back right after). Never
 * reads task memory with /proc/PID/mem.
 */
#ifndef COMPEL_INFECT_H
#define COMPEL_INFECT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "compel/blob.h"

/* ---- logging --------------------------------------------------------------------------- */

enum compel_log_level { COMPEL_LOG_ERROR = 1, COMPEL_LOG_WARN, COMPEL_LOG_INFO, COMPEL_LOG_DEBUG };

/* file/line of the compel source that logs; the sink decides the format. */
typedef void (*compel_log_fn)(int level, const char *file, int line, const char *fmt, va_list ap);
void compel_set_log(compel_log_fn fn);

/*
 * Called at each named instant where a death of criu must leave the task whole (tests make
 * criu die there; see criu/fault.c): "infect-frames", "infect-mmap-entry", "infect-mmap",
 * "parasite-start", "parasite-running", "syscall", "cure-fini", "cure-unmap", "put-back".
 */
typedef void (*compel_point_fn)(const char *point);
void compel_set_point_hook(compel_point_fn fn);

/* ---- seize and release ----------------------------------------------------------------- */

enum compel_task_state {
	COMPEL_TASK_ALIVE = 1, /* was running (or sleeping) */
	COMPEL_TASK_STOPPED,   /* was in group stop (SIGSTOP and friends) */
	COMPEL_TASK_ZOMBIE,
	COMPEL_TASK_DEAD,
};

/*
 * PTRACE_SEIZE + PTRACE_INTERRUPT, wait for the stop, consume a pending group stop.
 * Returns an enum compel_task_state (> 0) or -errno. Sets PTRACE_O_SUSPEND_SECCOMP and
 * PTRACE_O_TRACESYSGOOD.
 */
int compel_seize_task(pid_t pid);
/* The same; for COMPEL_TASK_STOPPED *stop_sig is the signal that stopped it, else 0. */
int compel_seize_task_sig(pid_t pid, int *stop_sig);
/* How long a seize waits for the task's stop (default COMPEL_DEFAULT_TIMEOUT_MS): a task
 * that can't stop (vfork()'s parent) fails the seize with -ETIMEDOUT, said. */
void compel_set_seize_timeout(int ms);
/*
 * PTRACE_SEIZE + PTRACE_INTERRUPT only, for a task that can't stop yet (frozen by a cgroup v1
 * freezer): compel_seize_task*() takes it over later, without interrupting it again, and
 * waits for its stop. 0 or -errno (said).
 */
int compel_seize_nowait(pid_t pid);
/* Is pid already our tracee (seized by compel_seize_nowait())? */
bool compel_seized_by_us(pid_t pid);

enum compel_release_mode {
	COMPEL_RELEASE_RUN,  /* detach; the task runs on (or stays stopped if it was) */
	COMPEL_RELEASE_STOP, /* detach leaving the task in group stop */
	COMPEL_RELEASE_KILL, /* SIGKILL, then detach/reap as the kernel allows */
};
/* orig_state: what compel_seize_task() returned, so a task stopped before stays stopped. */
int compel_release_task(pid_t pid, int orig_state, enum compel_release_mode mode);

/* ---- the infection context --------------------------------------------------------------- */

struct compel_ctl;

/*
 * Save the registers (GP, xsave area, fs/gs base are in the GP set), the blocked signal
 * mask, and find a syscall instruction in one of the task's executable mappings. The task
 * must be seized and stopped.
 */
struct compel_ctl *compel_prepare(pid_t pid);
/*
 * The same for another thread of sibling's thread group: what depends only on the shared
 * address space (where the syscall and guard instructions are) is taken from sibling
 * instead of reading /proc/PID/maps again for each thread.
 */
struct compel_ctl *compel_prepare_thread(pid_t tid, const struct compel_ctl *sibling);
void compel_free(struct compel_ctl *ctl);

pid_t compel_pid(const struct compel_ctl *ctl);
/* Registers as they were at compel_prepare(). */
const struct user_regs_struct *compel_orig_regs(const struct compel_ctl *ctl);
/* xsave area in the standard (non-compacted) layout, as PTRACE_GETREGSET NT_X86_XSTATE gives. */
const void *compel_orig_xsave(const struct compel_ctl *ctl, size_t *size);
uint64_t compel_orig_sigmask(const struct compel_ctl *ctl);
/*
 * How long RPC waits for the parasite before giving up, and the parasite for criu before it
 * leaves the task by itself (default 10000 ms; <= 0: default).
 */
void compel_set_timeout(struct compel_ctl *ctl, int ms);

/*
 * Run one syscall in the task. *ret gets the syscall's return value (may be -errno of the
 * task's syscall); the function's own return is 0 or -errno for ptrace failures.
 */
int compel_syscall(struct compel_ctl *ctl, long nr, long *ret, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, unsigned long a5, unsigned long a6);

/* ---- the parasite ------------------------------------------------------------------------ */

struct compel_infect_opts {
	size_t args_size; /* bytes of the args area shared with the parasite */
	int log_fd;	  /* criu's log fd, handed to the parasite (-1: no log) */
	int log_level;	  /* enum compel_log_level */
};

/*
 * Load `blob` into shared memory mapped both here and in the task, start it on its own
 * stack with every signal blocked, and connect the control socket. On return the parasite
 * waits for commands. On failure, call compel_cure() to undo what was done. Should criu
 * die or say nothing for the timeout (compel_set_timeout()), the parasite removes itself
 * and the task runs on as it was (see compel/ctl-proto.h).
 */
int compel_infect(struct compel_ctl *ctl, const struct compel_blob_desc *blob,
		  const struct compel_infect_opts *opts);

/* criu's view of the args area; the parasite sees the same bytes. */
void *compel_parasite_args(struct compel_ctl *ctl);
/* The address of the args area inside the task. */
unsigned long compel_parasite_args_remote(const struct compel_ctl *ctl);

/*
 * The fd numbers the parasite holds in the task (control socket, log fd or -1) while it
 * runs, so that a dump of the task's fds can leave them out.
 */
int compel_parasite_fds(const struct compel_ctl *ctl, int *sock, int *log_fd);

/* Commands below COMPEL_CMD_USER are compel's own. */
#define COMPEL_CMD_FINI 1
#define COMPEL_CMD_USER 64

/* Send cmd, wait for the parasite's answer. Returns the handler's return (0 or -errno). */
int compel_rpc_call_sync(struct compel_ctl *ctl, unsigned int cmd);
/* Split form: call, do other work (send fds, drain pipes), then sync for the answer. */
int compel_rpc_call(struct compel_ctl *ctl, unsigned int cmd);
int compel_rpc_sync(struct compel_ctl *ctl);

int compel_send_fds(struct compel_ctl *ctl, const int *fds, int nr);
int compel_recv_fds(struct compel_ctl *ctl, int *fds, int nr);

/*
 * The signal of a group stop the task entered while compel drove it (SIGSTOP can't be
 * blocked, so it goes through: the task is stopped by it once released), or 0.
 */
int compel_group_stop_sig(const struct compel_ctl *ctl);

/*
 * Let the parasite (if infected) remove itself, then put back the signal mask, FPU state
 * and registers. The task stays seized and stopped. Safe to call at any stage after
 * compel_prepare(), also after the parasite left by itself.
 */
int compel_cure(struct compel_ctl *ctl);

#endif /* COMPEL_INFECT_H */
