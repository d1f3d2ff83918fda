/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore-internal.h - the restore context shared by criu/cr-restore.c and its helpers
 * (restore-images.c, restore-files.c, restore-mem.c, restore-blob.c).
 *
 * One struct rst_ctx per `criu restore`: the checked images and, per task, what the task
 * needs to rebuild itself. Everything in it is read-only once rst_read_images() returned 0,
 * except the statistics. Code running in a forked task only touches its own rst_task.
 */
#ifndef CRIU_RESTORE_INTERNAL_H
#define CRIU_RESTORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fs.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"
#include "regfile.pb-c.h"

#include "restore.h"
#include "restorer.h"

struct rst_fds;
struct usk_group;

#define RST_PAGE_SIZE 4096UL

/* PagemapEntry.flags */
#define RST_PE_PARENT	(1u << 0)
#define RST_PE_LAZY	(1u << 1)
#define RST_PE_PRESENT	(1u << 2)

struct rst_task {
	pid_t pid;
	PstreeEntry *pstree;		/* owned by rst_ctx.pstree */
	TaskKobjIdsEntry *ids;
	CoreEntry *core;
	MmEntry *mm;
	FsEntry *fs;
	unsigned int pages_id;
	PagemapEntry **pagemap;
	size_t nr_pagemap;
	uint64_t nr_pages;		/* pages in pages-<pages_id>.img */
	FdinfoEntry **fds;		/* none if shares_files: the parent's are its own */
	size_t nr_fds;
	int max_fd;			/* highest target fd, -1 if none */
	pid_t *tids;			/* restore-threads.c: threads besides the leader */
	CoreEntry **thread_cores;	/* their core-TID.img, same order */
	size_t nr_threads;
	bool helper;			/* made up: stands in for a gone group or session leader */
	bool shares_files;		/* forked with CLONE_FILES: its parent's fd table */
};

struct rst_stats {
	uint32_t forking_time;		/* usec */
	uint32_t restore_time;		/* usec */
	uint64_t pages_restored;
};

/* A file that several tasks use: opened once by its owner, inherited through a "transit" fd. */
struct rst_transit {
	uint32_t id;			/* FileEntry id */
	pid_t owner;			/* the lowest common ancestor of its users */
	int fd;				/* transit fd number, the same in every task */
};

/* A file queued on a socket (SCM_RIGHTS): the task that refills the queue uses it too. */
struct rst_scm_use {
	uint32_t sk_id;			/* the socket whose queue holds the file */
	uint32_t file_id;
	pid_t sender;			/* the task that makes the socket; 0 until known */
};

/* A file whose owner (F_SETOWN) is a task of the tree: that task sets it (restore-fown.c). */
struct rst_fown_claim {
	const FileEntry *fe;
	pid_t task;
};

struct rst_ctx {
	const struct restore_opts *ro;
	struct rst_transit *transit;	/* restore-fork.c */
	size_t nr_transit;
	struct rst_fown_claim *fown_claims;	/* restore-fown.c */
	size_t nr_fown_claims;
	struct rst_scm_use *scm_uses;	/* restore-fork.c, from sk-queues.img */
	size_t nr_scm_uses;
	struct usk_group *usk_groups;	/* files-unix-group.c: per unix socket, by inode */
	size_t nr_usk_groups;
	int transit_base;		/* above every task's fds; transit fds start here */
	int fd_top;			/* top fd of any task's files; criu's fds go above */
	pid_t shell_pgid;		/* criu's group: a shell job's outside group maps to it */
	int dfd;			/* images directory */
	InventoryEntry *inventory;
	PstreeEntry **pstree;
	size_t nr_pstree;
	FileEntry **files;
	size_t nr_files;
	struct rst_task *tasks;
	size_t nr_tasks;
	struct rst_stats stats;
};

/* restore-images.c */
int rst_read_images(struct rst_ctx *ctx);
void rst_free_images(struct rst_ctx *ctx);
const RegFileEntry *rst_find_reg(const struct rst_ctx *ctx, uint32_t id);

/* restore-fown.c */
const FownEntry *rst_file_fown(const FileEntry *fe);
int rst_plan_fown_claims(struct rst_ctx *ctx);
/* The task that sets fe's owner itself, or 0: then whoever opens it sets it. */
pid_t rst_fown_claimer(const struct rst_ctx *ctx, const FileEntry *fe);
/* In the forked task, once its fds and transit fds are there. */
int rst_claim_fowns(const struct rst_ctx *ctx, const struct rst_task *t);

/* restore-files.c: run in the forked task; keep[] are criu's fds to leave alone. */
int rst_close_foreign_fds(const int *keep, int nr_keep);
int rst_restore_fds(const struct rst_ctx *ctx, const struct rst_task *t);
int rst_restore_cwd(const struct rst_ctx *ctx, const struct rst_task *t);
int rst_restore_root(const struct rst_ctx *ctx, const struct rst_task *t);
/* Open a file behind a mapping or the exe; checks it is the dumped file. Returns fd/-errno. */
int rst_open_reg(const struct rst_ctx *ctx, uint32_t id, int flags, const char *what);

/* restore-mem.c */
struct rst_self_map {
	uint64_t start;
	uint64_t end;
	unsigned int special;		/* VMA_AREA_VDSO / _VVAR / _VSYSCALL, or 0 */
};
int rst_read_self_maps(struct rst_self_map **out, size_t *nr);
struct rst_mem {
	struct rst_vma *vmas;		/* one per target VMA, in image order */
	size_t nr_vmas;
	uint64_t pages_restored;
};
int rst_premap(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem);
int rst_fill_pages(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem);

/* shmem.c: an fd of the shared anonymous region a VMA maps (made on first use) */
int rst_anon_shared_fd(const struct rst_ctx *ctx, const struct rst_task *t, const VmaEntry *v);
void rst_shmem_fini(void);
/* sysv-shm.c: the segments back in place; then an attach for a SysV VMA, to be moved */
int rst_sysv_shm(const struct rst_ctx *ctx);
int rst_sysv_premap(const VmaEntry *v, struct rst_vma *rv);

/* What the forked task tells criu just before it jumps into the restorer. */
struct rst_report {
	uint64_t area_start;		/* bootstrap area: blob, args, frame, stack */
	uint64_t area_size;
	uint64_t pages_restored;
	int64_t pid;			/* which task: one pipe serves the whole tree */
};

/*
 * restore-blob.c: never returns on success (the task becomes the dumped program). The
 * report goes to report_fd, which is closed before the jump.
 */
int rst_jump_to_restorer(const struct rst_ctx *ctx, const struct rst_task *t,
			 struct rst_mem *mem, int report_fd);

/* restore-tree.c: in the forked task, before it rebuilds itself */
int rst_restore_session(const struct rst_ctx *ctx, const struct rst_task *t);
/* criu, before detaching: a task dumped in group stop gets its stop signal back */
int rst_stop_if_stopped(const struct rst_task *t);

/* cr-restore.c */
uint64_t rst_now_usec(void);
struct rst_channel;
/*
 * Create task t with its dumped pid; the child rebuilds itself and never returns. A child
 * sharing its parent's fd table writes a byte to up_fd once it forked its own children.
 */
pid_t rst_fork_with_pid(const struct rst_ctx *ctx, const struct rst_task *t,
			const struct rst_channel *ch, int up_fd);

/* restore-fork.c: the tree. rst_plan_transit() runs in criu, the rest in the tasks. */
bool rst_task_is_zombie(const struct rst_task *t);
/* Does it run the restorer (criu waits for it, removes it, detaches)? Not zombies, helpers. */
bool rst_task_has_restorer(const struct rst_task *t);
int rst_plan_transit(struct rst_ctx *ctx);
/* The inherited transit fd that carries file id into task t, or -1. */
int rst_transit_fd(const struct rst_ctx *ctx, const struct rst_task *t, uint32_t id);
/* In the owner, inside rst_restore_fds(): open the files its descendants will share. */
int rst_open_transit(struct rst_fds *rf);
/* Close what the parent left in the task, but keep[] and the transit fds. */
int rst_close_inherited(const struct rst_ctx *ctx, const int *keep, int nr_keep);
/* Fork t's children, let its zombies die, drop the transit fds, join its group. */
int rst_fork_children(const struct rst_ctx *ctx, const struct rst_task *t,
		      const struct rst_channel *ch, int up_fd);
/* A zombie: set its group, then die as it died. */
void __attribute__((noreturn)) rst_become_zombie(const struct rst_ctx *ctx,
						 const struct rst_task *t);
int rst_join_group(const struct rst_ctx *ctx, const struct rst_task *t);

/*
 * restore-helpers.c: helper tasks for groups and sessions whose leader is not in the images.
 * rst_add_helpers() runs in criu once the images are read; the rest in the tasks.
 */
int rst_add_helpers(struct rst_ctx *ctx);
const struct rst_task *rst_task_by_pid(const struct rst_ctx *ctx, pid_t pid);
bool rst_is_session_helper(const struct rst_task *t);
/* Who forks t: its parent, or the helper of its session if the parent is in another one. */
pid_t rst_forker(const struct rst_ctx *ctx, const struct rst_task *t);
/* Before t forks a session helper: t adopts what the helper leaves when it exits. */
int rst_become_reaper(const struct rst_ctx *ctx, const struct rst_task *t);
/* A helper: fork the session's members (session helper), wait for the group, exit. */
void __attribute__((noreturn)) rst_be_helper(const struct rst_ctx *ctx, const struct rst_task *t,
					     const struct rst_channel *ch);

#endif /* CRIU_RESTORE_INTERNAL_H */
