/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dump.h - the dump of a process: its context, handed down to every dump step.
 * A step returns 0 or -errno and logs its own error; cr_dump_tasks() unwinds so that a
 * failed dump leaves the task running (or stopped, with -s) exactly as before.
 */
#ifndef CRIU_DUMP_H
#define CRIU_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fault.h"
#include "files.h"
#include "memtrack.h"
#include "opts.h"
#include "abi/parasite-proto.h"
#include "ns-ids.h"
#include "proc-parse.h"
#include "task-state.h"

#include "fdinfo.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "regfile.pb-c.h"

struct compel_ctl;
struct ps_client;
struct dump_threads;
struct cg_dump;

/* Every file the images refer to (fds, cwd, root, exe, file mappings): files.img. */
struct file_table {
	FileEntry **files;
	size_t nr;
	uint32_t next_id;
};

struct fd_table {
	FdinfoEntry *fds;
	size_t nr;
};

/* What stats-dump reports (CRIU's dump_stats_entry), counted where it happens. */
struct dump_stats {
	uint64_t freezing_us, frozen_us, memdump_us, memwrite_us;
	uint64_t pages_scanned, pages_written;	   /* task memory, in pages-N.img */
	uint64_t page_pipes, page_pipe_bufs;	   /* page transfers set up, pipes they used */
	uint64_t shpages_scanned, shpages_written; /* shared memory (memfd, shmem) */
	uint64_t pages_skipped_parent;		   /* shared with the parent: in its images only */
};

/* An fd seen so far in any dumped task: what a later dup (or inherited copy) would share. */
struct seen_fd {
	dev_t dev;
	ino_t ino;
	pid_t pid;
	int fd;
	uint32_t id;
	FdTypes type;
};

struct fd_walk {
	struct seen_fd *seen;
	size_t nr;
};

struct dump_ctx;

/* The distinct kernel objects of one kind met so far (fd tables, mms), each by its first
 * task, in kcmp order (dump/kcmp-set.c). */
struct kcmp_set {
	struct dump_ctx **owners;
	size_t nr;
};

/* The per-dump part: what all tasks of the tree share (tree/seize.c builds it). */
struct dump_tree {
	const struct cr_options *opts;
	int dfd;		 /* images directory */
	int work_dfd;		 /* -W: stats-dump goes here */
	struct file_table files; /* files.img, ids shared by all tasks */
	struct files_dump_state fstate;
	struct fd_walk seen_fds;   /* open file descriptions met in any task (kcmp) */
	struct kcmp_set fd_tables; /* files/fdtable-dump.c */
	struct kcmp_set mms;	   /* dump/kcmp-set.c: no two tasks may share one */
	struct dump_ctx **tasks;   /* parents before children; tasks[0] is the root */
	size_t nr_tasks;
	struct dump_stats stats;
	struct ns_ids ns;	 /* namespace ids, CRIU's numbering (ns-ids.h) */
	struct memtrack_prev mt; /* the previous dump of a chain (mem/track.c) */
	struct cg_dump *cg;	 /* criu/cgroup/dump.c; NULL with --manage-cgroups=ignore */
	struct ps_client *ps;	 /* --page-server: where the pages go (page-server.h), or NULL */
	bool told_network_lock;	 /* "network-lock" ran: "network-unlock" if it runs on */
};

/* The per-task part; opts and dfd are copies of the tree's. */
struct dump_ctx {
	const struct cr_options *opts;
	int dfd; /* images directory */
	struct dump_tree *tree;
	unsigned int idx; /* position in tree->tasks: makes the task's object ids */
	pid_t pid;
	pid_t img_pid;	  /* its name in the images: its pid in the tree's pid namespace */
	pid_t ppid;	  /* 0 for the root */
	int seize_state;  /* enum compel_task_state, 0 before seize */
	int stop_signo;	  /* stopped (at seize, or by a stop signal queued since): which */
	bool cure_failed; /* stays seized: releasing it would let the parasite run */
	struct compel_ctl *ctl;
	struct proc_stat stat;
	struct proc_vma_list maps;
	struct parasite_task_state pst;
	uint64_t brk; /* current program break */
	uint32_t exe_id, cwd_id, root_id;
	struct file_table *files;	 /* &tree->files */
	struct fd_table fdt;		 /* empty when files_owner dumps the table */
	struct dump_ctx *files_owner;	 /* first task with this fd table, NULL if it is us */
	struct files_dump_state *fstate; /* &tree->fstate */
	MmEntry mm;
	VmaEntry *vmas; /* storage for mm.vmas */
	VmaEntry **vma_ptrs;
	uint64_t *auxv; /* all of /proc/PID/auxv, nr_auxv words; mm keeps at most 44 */
	size_t nr_auxv;
	struct dump_stats stats;
	bool cow_pages_found;	   /* mem/pages-dump.c: every page shared with the parent found */
	struct task_state *ts;	   /* task/state-dump.c: signals, creds, timers, ... */
	struct dump_threads *thr;  /* task/threads-dump.c: every thread, the leader first */
	struct memtrack_task mt;   /* mem/track.c: its write tracker */
	struct pages_later *later; /* mem/pages-read.c: pages read once the tree runs again */
	uint32_t cg_set;	   /* cgroup.img's set of the task, 0 if none (criu/cgroup/) */
};

int cr_dump_tasks(const struct cr_options *o, int images_dfd, int work_dfd);

/* The task whose fds stand for dc's table: dc itself unless it shares an earlier one's. */
static inline const struct dump_ctx *dump_files_owner(const struct dump_ctx *dc)
{
	return dc->files_owner ? dc->files_owner : dc;
}

/* task/core-dump.c: core, ids and fs of a task; pstree, stats and inventory */
int write_core_images(struct dump_ctx *dc);
int write_zombie_core(struct dump_ctx *dc);
int write_pstree(struct dump_tree *dt);
int write_stats_image(struct dump_tree *dt);
int write_inventory(struct dump_tree *dt);
uint32_t task_files_id(const struct dump_ctx *dc);

/* dump/kcmp-set.c: the task of ks whose object (kcmp type) is dc's, or NULL with *pos where
 * dc's goes; then kcmp_set_add(). dump_check_own_mm() refuses a task sharing another's mm. */
struct dump_ctx *kcmp_set_find(const struct kcmp_set *ks, int type, const struct dump_ctx *dc,
			       size_t *pos, int *err);
int kcmp_set_add(struct kcmp_set *ks, struct dump_ctx *dc, size_t pos);
void kcmp_set_free(struct kcmp_set *ks);
int dump_check_own_mm(struct dump_ctx *dc);

#endif /* CRIU_DUMP_H */
