/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore-ctx.h - the restore context, handed down to every restore step in every folder.
 *
 * One struct rst_ctx per `criu restore`: the checked images and, per task, what the task
 * needs to rebuild itself. Everything in it is read-only once the images are read (see
 * restore/images.c), except the statistics. Code running in a forked task only touches its
 * own rst_task. The subsystems' restore steps are declared in their own headers (files.h,
 * mem.h, tree.h, threads.h, task-state.h); the driver's private parts in restore/internal.h.
 */
#ifndef CRIU_RESTORE_CTX_H
#define CRIU_RESTORE_CTX_H

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
#include "task-extra.pb-c.h"

#include "restore.h"

struct rst_fds;
struct usk_group;

#define RST_PAGE_SIZE 4096UL

/* PagemapEntry.flags */
#define RST_PE_PARENT  (1u << 0)
#define RST_PE_LAZY    (1u << 1)
#define RST_PE_PRESENT (1u << 2)
/*
 * Ours, in memory only: PE_PARENT in a set with a "parent" link means the parent images
 * (page-chain.h), not the parent task; restore/images.c turns it into this when it reads.
 */
#define RST_PE_CHAIN (1u << 31)

/* Is the entry's data in the task's pages file (not its parent's: mem/cow.c, page-chain.h)? */
static inline bool rst_pe_has_data(const PagemapEntry *pe)
{
	return !pe->has_flags || !(pe->flags & (RST_PE_PARENT | RST_PE_CHAIN));
}

struct rst_task {
	pid_t pid;
	PstreeEntry *pstree; /* owned by rst_ctx.pstree */
	TaskKobjIdsEntry *ids;
	CoreEntry *core;
	MmEntry *mm;
	TaskExtraEntry *extra; /* task-extra-PID.img (ours); NULL in a set CRIU wrote */
	FsEntry *fs;
	unsigned int pages_id;
	PagemapEntry **pagemap;
	size_t nr_pagemap;
	uint64_t nr_pages; /* pages in pages-<pages_id>.img */
	FdinfoEntry **fds; /* none if shares_files: the parent's are its own */
	size_t nr_fds;
	int max_fd;		  /* highest target fd, -1 if none */
	pid_t *tids;		  /* task/threads-restore.c: threads besides the leader */
	CoreEntry **thread_cores; /* their core-TID.img, same order */
	size_t nr_threads;
	bool helper;	   /* made up: stands in for a gone group or session leader */
	bool shares_files; /* forked with CLONE_FILES: its parent's fd table */
};

struct rst_stats {
	uint32_t forking_time; /* usec */
	uint32_t restore_time; /* usec */
	uint32_t resume_time;  /* usec: from the stopped tree to its tasks running */
	uint64_t pages_restored;
	uint64_t pages_skipped_cow; /* kept copy-on-write from a parent, not restored again */
	uint64_t pages_compared;    /* read and compared with the parent's copy (mem/cow.c) */
};

/* A file that several tasks use: opened once by its owner, inherited through a "transit" fd. */
struct rst_transit {
	uint32_t id; /* FileEntry id */
	pid_t owner; /* the lowest common ancestor of its users */
	int fd;	     /* transit fd number, the same in every task */
};

/* A file queued on a socket (SCM_RIGHTS): the task that refills the queue uses it too. */
struct rst_scm_use {
	uint32_t sk_id; /* the socket whose queue holds the file */
	uint32_t file_id;
	pid_t sender; /* the task that makes the socket; 0 until known */
};

/* A file whose owner (F_SETOWN) is a task of the tree: that task sets it (files/fown-claims.c). */
struct rst_fown_claim {
	const FileEntry *fe;
	pid_t task;
};

/* --inherit-fd fd[N]:KEY of a file: criu's fd N, held above the tasks' fds (files/inherit.c) */
#define RST_MAX_INHERIT 16
struct rst_inherit {
	const char *key;
	int fd;
};

struct rst_ctx {
	const struct restore_opts *ro;
	struct rst_inherit inherit[RST_MAX_INHERIT];
	size_t nr_inherit;
	int orphan_sk[2]; /* orphan_pts_master: criu's end, the tasks' end (files/tty-orphan.c) */
	struct rst_transit *transit; /* tree/fork.c */
	size_t nr_transit;
	struct rst_fown_claim *fown_claims; /* files/fown-claims.c */
	size_t nr_fown_claims;
	struct rst_scm_use *scm_uses; /* tree/fork.c, from sk-queues.img */
	size_t nr_scm_uses;
	struct usk_group *usk_groups; /* net/unix/group.c: per unix socket, by inode */
	size_t nr_usk_groups;
	int transit_base; /* above every task's fds; transit fds start here */
	int fd_top;	  /* top fd of any task's files; criu's fds go above */
	pid_t shell_pgid; /* criu's group: a shell job's outside group maps to it */
	pid_t criu_pid;	  /* criu: its own namespaces are /proc/criu_pid/ns/ to the tasks */
	int dfd;	  /* images directory */
	InventoryEntry *inventory;
	PstreeEntry **pstree;
	size_t nr_pstree;
	FileEntry **files;
	size_t nr_files;
	struct rst_task *tasks;
	size_t nr_tasks;
	struct rst_fds *premade_remaps; /* files/remap.c: ghosts and links criu made for all */
	struct rst_stats stats;
	struct rst_ns *ns;	  /* ns/ns-restore.c: the tree's own namespaces, NULL if none */
	struct rst_ns_pids *pids; /* ns/pid-restore.c: its pids at each level, or NULL */
	struct rst_cg *cg;	  /* cgroup/restore.c: cgroup.img and the cgroups made, or NULL */
	int lazy_sk;		  /* --lazy-pages: the link to criu lazy-pages (lazy.h), or -1 */
};

/*
 * files/remap.c, in criu around the tree's restore: every deleted file (ghost) and every
 * link_remap name is made once before the first fork, so that the tasks that share a
 * deleted file open one inode, and removed once every task opened its files (restored:
 * the link_remap files go too).
 */
int rst_remaps_premake(struct rst_ctx *ctx);
void rst_remaps_unmake(struct rst_ctx *ctx, bool restored);

/*
 * files/inherit.c: in criu, after the transit plan, hold the inherited fds that files of
 * the images use; closed by rst_inherit_close() in criu and in each task once its fds and
 * children are made. rst_inherit_open(): in the task, a new fd on the inherited file that
 * stands for fe, -ENOENT if none does, or -errno.
 */
int rst_inherit_prepare(struct rst_ctx *ctx);
void rst_inherit_close(const struct rst_ctx *ctx);
int rst_inherit_open(const struct rst_ctx *ctx, const FileEntry *fe);
/* Is --inherit-fd given for key (a file's, e.g. socket:[INO])? */
bool rst_inherit_given(const struct restore_opts *ro, const char *key);

/*
 * files/tty-orphan.c, in criu: with orphan_pts_master, the socket the tasks send the new
 * masters of ptys whose master was outside on (after the transit plan); the masters that
 * came handed to ro->orphan_master_hook (after the tree is made); both ends closed.
 */
int rst_orphan_pts_prepare(struct rst_ctx *ctx);
int rst_orphan_pts_pass(struct rst_ctx *ctx);
void rst_orphan_pts_close(const struct rst_ctx *ctx);

/* restore/images.c: the regular file entry with this id, or NULL */
const RegFileEntry *rst_find_reg(const struct rst_ctx *ctx, uint32_t id);

/* restore/restore.c */
struct rst_channel;
/*
 * Before any fork: every pid and tid of the images is free, waiting a little for dead tasks
 * that still hold one (tree/pids-free.c). 0 or -EEXIST, said.
 */
int rst_wait_pids_free(const struct rst_ctx *ctx);
/*
 * Does a live task hold pid in criu's namespace (not a dead one waiting for its reaper)?
 * Its name goes to comm (len bytes) then.
 */
bool rst_pid_held_live(pid_t pid, char *comm, size_t len);
/*
 * Create task t with its dumped pid; the child rebuilds itself and never returns. A child
 * sharing its parent's fd table writes a byte to up_fd once it forked its own children.
 */
pid_t rst_fork_with_pid(const struct rst_ctx *ctx, const struct rst_task *t,
			const struct rst_channel *ch, int up_fd);

#endif /* CRIU_RESTORE_CTX_H */
