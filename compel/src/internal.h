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

	/* Where remote syscalls run: a syscall instruction in the task's vdso. */
	unsigned long syscall_ip;
	unsigned long vdso_start;
	unsigned long empty_str; /* a zero byte in the task: the memfd's name */
	/*
	 * A task without [vdso]: a word of its own code at patch_addr is borrowed for each
	 * remote syscall (patch_word in it) and patch_orig put back right after; 0: no need.
	 */
	unsigned long patch_addr;
	unsigned long patch_orig, patch_word;

	/* Signals that arrived while we drove the task; queued again at cure. */
	siginfo_t noted[COMPEL_MAX_NOTED_SIGS];
	int nr_noted;

	/* Shared area (see compel/ctl-proto.h for its layout). */
	int remote_memfd;	   /* fd in the task until the remote mmap is done */
	unsigned long remote_base; /* 0: not mapped in the task */
	void *local;		   /* NULL: not mapped here */
	size_t map_size, hdr_off, stack_off;

	/* Control channel and parasite. */
	int listen_fd;
	int sock;
	bool parasite_running;	  /* started and not yet stopped by us */
	bool parasite_stopped;	  /* it is in a stop we caused or saw (trap, crash) */
	bool connected;		  /* handshake done, RPC allowed */
	unsigned int pending_cmd; /* command whose answer compel_rpc_sync() awaits */
	bool task_dead;
};

/* ---- log.c */
void compel_log(int level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define pr_err(fmt, ...)    compel_log(COMPEL_LOG_ERROR, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)   compel_log(COMPEL_LOG_WARN, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)   compel_log(COMPEL_LOG_INFO, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)  compel_log(COMPEL_LOG_DEBUG, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_perror(fmt, ...) pr_err(fmt ": %m\n", ##__VA_ARGS__)

/* ---- syscall.c: waiting for the task */
/* Record a signal that stopped the task so it can be queued again later. */
void compel_note_signal(struct compel_ctl *ctl);
/* Queue the noted signals again (the task must not be resumed by us afterwards). */
void compel_requeue_signals(struct compel_ctl *ctl);
/* waitpid(__WALL) retrying on EINTR; -ESRCH (task_dead set) if the task exited. */
int compel_wait(struct compel_ctl *ctl, int *status, int flags);

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
 * Check the running parasite once without blocking: 0 running, 1 stopped (at its int3), 2
 * crashed (logged), -errno.
 */
int compel_check_parasite(struct compel_ctl *ctl);

#endif /* COMPEL_INTERNAL_H */
