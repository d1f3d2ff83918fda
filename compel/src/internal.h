/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - libcompel's private state and helpers shared by its source files.
 * struct compel_ctl holds everything compel_prepare() saved and every resource compel_infect()
 * created, so that compel_cure() can undo whatever exists at any stage.
 */
#ifndef COMPEL_INTERNAL_H
#define COMPEL_INTERNAL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "compel/ctl-proto.h"
#include "compel/infect.h"

#define COMPEL_DEFAULT_TIMEOUT_MS 10000
#define COMPEL_MAX_NOTED_SIGS	  32
#define COMPEL_PAGE_SIZE	  4096ul
#define COMPEL_ROUND_UP(x, a)	  (((x) + (a)-1) & ~((a)-1))

/*
 * How the task gets back to itself if criu dies at any instant (guard.c): signal frames on
 * the task's stack and two instructions in the task (see arch/x86/src/cure-frame.c).
 */
struct compel_guard {
	unsigned long unmap_insn;     /* "syscall; (register clears;) ret" */
	unsigned long sigreturn_insn; /* rt_sigreturn */
	unsigned long frame_sp;	      /* F0: the task as it was */
	unsigned long unmap_sp;	      /* FU: munmap of [unmap_start, +unmap_len), then F0 */
	unsigned long frames_base;    /* what was written below the task's stack pointer */
	size_t frames_len;
	unsigned long unmap_start, unmap_len;
	bool armed; /* frames written: remote syscalls and the parasite end through them */
	/* the mapping that holds the stack pointer, once looked up (0, 0: not yet) */
	unsigned long stack_vma_start, stack_vma_end;
};

struct compel_ctl {
	pid_t pid; /* the thread we drive */
	pid_t tgid;
	int timeout_ms;

	/* Saved by compel_prepare(), put back by compel_cure(). */
	struct user_regs_struct orig_regs;
	void *xsave;
	size_t xsave_size;
	unsigned int xsave_note; /* NT_X86_XSTATE, or NT_PRFPREG without xsave */
	uint64_t sigmask;
	bool regs_dirty; /* remote work changed the registers */
	bool fpu_dirty;	 /* parasite code ran: xsave state may differ */
	bool mask_dirty; /* the signal mask is not the task's own */
	struct compel_guard guard;

	/*
	 * Where unguarded remote syscalls run: a syscall instruction in the task's vdso, else
	 * in its own code (guard.c); vdso_start 0: the task has no vdso.
	 */
	unsigned long syscall_ip;
	unsigned long vdso_start;
	size_t vdso_size;
	/*
	 * A task without [vdso] or any "syscall" of its own that compel can find: a word of
	 * its code at patch_addr is borrowed for each unguarded remote syscall (patch_word in
	 * it) and patch_orig put back right after; 0: no need (see arch/x86/src/vdso.c).
	 */
	unsigned long patch_addr;
	unsigned long patch_orig, patch_word;

	/* Signals that arrived while we drove the task; queued again at cure. */
	siginfo_t noted[COMPEL_MAX_NOTED_SIGS];
	int nr_noted;
	int group_stop_sig; /* a group stop the task entered meanwhile: its signal, or 0 */

	/* Shared area (see compel/ctl-proto.h for its layout). */
	unsigned long remote_base;		       /* 0: not mapped in the task */
	void *local;				       /* NULL: not mapped here */
	size_t map_size, hdr_off, stack_off, tail_off; /* tail_off 0: no tail page */

	/* Control channel and parasite. */
	int listen_fd;
	int sock;
	bool parasite_started;	  /* it ran: it removes itself when it ends */
	bool parasite_running;	  /* started and not yet stopped by us */
	bool parasite_stopped;	  /* it is in a stop we caused or saw (interrupt, crash) */
	bool parasite_crashed;	  /* it died of a signal: we remove it */
	bool connected;		  /* handshake done, RPC allowed */
	unsigned int pending_cmd; /* command whose answer compel_rpc_sync() awaits */
	bool task_dead;
};

static inline struct compel_ctl_hdr *ctl_hdr(const struct compel_ctl *ctl)
{
	return (struct compel_ctl_hdr *)((char *)ctl->local + ctl->hdr_off);
}

/* ---- log.c */
void compel_log(int level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define pr_err(fmt, ...)    compel_log(COMPEL_LOG_ERROR, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)   compel_log(COMPEL_LOG_WARN, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)   compel_log(COMPEL_LOG_INFO, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)  compel_log(COMPEL_LOG_DEBUG, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_perror(fmt, ...) pr_err(fmt ": %m\n", ##__VA_ARGS__)
/* A named instant for the hook of compel_set_point_hook(). */
void compel_point(const char *name);

/* ---- syscall.c: waiting for the task */
/* Record a signal that stopped the task so it can be queued again later. */
void compel_note_signal(struct compel_ctl *ctl);
/*
 * A PTRACE_EVENT_STOP while we drive the task: a group stop (a stop signal went through;
 * SIGSTOP can't be blocked) reports its signal, which is kept for compel_group_stop_sig().
 */
void compel_note_event_stop(struct compel_ctl *ctl, int status);
/* Queue the noted signals again (the task must not be resumed by us afterwards). */
void compel_requeue_signals(struct compel_ctl *ctl);
/* waitpid(__WALL) retrying on EINTR; -ESRCH (task_dead set) if the task exited. */
int compel_wait(struct compel_ctl *ctl, int *status, int flags);
/* compel_wait() with a deadline (CLOCK_MONOTONIC ms): -ETIMEDOUT past it. */
int compel_wait_until(struct compel_ctl *ctl, int *status, long deadline_ms);
long compel_now_ms(void);
/*
 * Start a remote syscall and leave the task at its exit stop, *ret its result. Guarded, the
 * task returns from it through the frame at ret_sp if criu dies (0: the F0 frame).
 */
int compel_syscall_begin(struct compel_ctl *ctl, long nr, long *ret, const unsigned long args[6],
			 unsigned long ret_sp, const char *entry_point);
/* Resume to the next syscall stop; signals as compel_note_signal() says. */
int compel_step_syscall(struct compel_ctl *ctl);

/* ---- guard.c */
/* Find what the guard needs in the task; -errno only where infecting it can't be safe. */
int compel_guard_prepare(struct compel_ctl *ctl);
/* What each thread needs checked for itself (the rest is the address space's). */
int compel_guard_check_thread(struct compel_ctl *ctl);
/* (Re)write the frames for the current registers and area; not armed if impossible. */
int compel_guard_arm(struct compel_ctl *ctl);
/* Put back the signal mask, FPU state and registers, the registers last (the commit). */
int compel_put_back(struct compel_ctl *ctl);
/* Block every signal while we drive the task (the frames put its own mask back). */
int compel_block_signals(struct compel_ctl *ctl);

/* ---- shmem.c */
int compel_shmem_create(struct compel_ctl *ctl, size_t size);
void compel_shmem_local_unmap(struct compel_ctl *ctl);
int compel_blob_load(struct compel_ctl *ctl, const struct compel_blob_desc *blob);

/* ---- rpc.c */
int compel_ctl_listen(struct compel_ctl *ctl, struct compel_ctl_hdr *hdr);
int compel_ctl_accept(struct compel_ctl *ctl, int log_fd);
int compel_ctl_fini(struct compel_ctl *ctl);
void compel_ctl_close(struct compel_ctl *ctl);
/*
 * Wait while the parasite runs: 0 when fd is readable, -ECONNRESET/-ETIMEDOUT (logged, with
 * what the parasite failed to do: "connect", "answer") otherwise.
 */
int compel_wait_readable(struct compel_ctl *ctl, int fd, const char *what);
/*
 * Check the running parasite once without blocking: 0 running, 1 not running (stopped by
 * us), 2 crashed (logged), -errno.
 */
int compel_check_parasite(struct compel_ctl *ctl);
void compel_report_crash(struct compel_ctl *ctl, int sig);

/* ---- cure.c */
/* A signal stop while the parasite may run: the signal to resume with, or -1 (a crash). */
int compel_parasite_signal(struct compel_ctl *ctl, int sig);

#endif /* COMPEL_INTERNAL_H */
