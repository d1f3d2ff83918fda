/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore/internal.h - what the restore driver's files share among themselves (restore.c,
 * images.c, blob.c) and nobody else: reading the images, the forked task's report and its
 * jump into the restorer blob. Everything other folders need is in restore-ctx.h.
 */
#ifndef CRIU_RESTORE_INTERNAL_H
#define CRIU_RESTORE_INTERNAL_H

#include "restore-ctx.h"
#include "abi/restorer.h"

struct rst_mem;

/* images.c */
int rst_read_images(struct rst_ctx *ctx);
void rst_free_images(struct rst_ctx *ctx);

/* What the forked task tells criu just before it jumps into the restorer. */
struct rst_report {
	uint64_t area_start; /* bootstrap area: blob, args, frame, stack */
	uint64_t area_size;
	uint64_t pages_restored;
	uint64_t pages_shared;	 /* kept copy-on-write from the parent */
	uint64_t pages_compared; /* compared with the parent's copy (mem/cow-compare.c) */
	int64_t pid;		 /* which task: one pipe serves the whole tree */
};

/*
 * blob.c: never returns on success (the task becomes the dumped program). The
 * report goes to report_fd, which is closed before the jump.
 */
/* unhook.c: waitpid() through EINTR; why a task stopped or ended; the restorer taken out of
 * a task stopped before its rt_sigreturn, with its threads (tids), the program resumed */
int rst_wait_task(pid_t pid, int *status);
void rst_explain_status(pid_t pid, int status, const char *when);
int rst_remove_restorer(pid_t pid, const pid_t *tids, size_t nr, const struct rst_report *rep);
int rst_jump_to_restorer(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem,
			 int report_fd);

/* restore.c */
uint64_t rst_now_usec(void);

/* outputs.c: the pidfile (created before anything is restored) and stats-restore */
int rst_open_pidfile(const char *path);
int rst_write_pidfile(int fd, const char *path, pid_t pid);
int rst_write_stats(const struct rst_ctx *ctx);

#endif /* CRIU_RESTORE_INTERNAL_H */
