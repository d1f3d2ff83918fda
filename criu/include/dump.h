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
#include "opts.h"
#include "parasite-proto.h"
#include "proc-parse.h"
#include "task-state.h"

#include "fdinfo.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "regfile.pb-c.h"

struct compel_ctl;
struct dump_threads;

/* Every file the images refer to (fds, cwd, root, exe, file mappings): files.img. */
struct file_table {
	FileEntry **files;
	size_t nr, cap;
	uint32_t next_id;
};

struct fd_table {
	FdinfoEntry *fds;
	size_t nr, cap;
};

struct dump_stats {
	uint64_t freezing_us, frozen_us, memdump_us, memwrite_us;
	uint64_t pages_scanned, pages_written;
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
	size_t nr, cap;
};

struct dump_ctx;

/* The distinct fd tables met so far, each by its first task, in kcmp order. */
struct fd_tables {
	struct dump_ctx **owners;
	size_t nr, cap;
};

/* The per-dump part: what all tasks of the tree share (dump-tree.c builds it). */
struct dump_tree {
	const struct cr_options *opts;
	int dfd;			/* images directory */
	struct file_table files;	/* files.img, ids shared by all tasks */
	struct files_dump_state fstate;
	struct fd_walk seen_fds;	/* open file descriptions met in any task (kcmp) */
	struct fd_tables fd_tables;	/* dump-fdtable.c */
	struct dump_ctx **tasks;	/* parents before children; tasks[0] is the root */
	size_t nr_tasks, cap_tasks;
	struct dump_stats stats;
};

/* The per-task part; opts and dfd are copies of the tree's. */
struct dump_ctx {
	const struct cr_options *opts;
	int dfd;			/* images directory */
	struct dump_tree *tree;
	unsigned int idx;		/* position in tree->tasks: makes the task's object ids */
	pid_t pid;
	pid_t ppid;			/* 0 for the root */
	int seize_state;		/* enum compel_task_state, 0 before seize */
	bool cure_failed;		/* stays seized: releasing it would let the parasite run */
	struct compel_ctl *ctl;
	struct proc_stat stat;
	struct proc_vma_list maps;
	struct parasite_task_state pst;
	uint64_t brk;			/* current program break */
	uint32_t exe_id, cwd_id, root_id;
	struct file_table *files;	/* &tree->files */
	struct fd_table fdt;		/* empty when files_owner dumps the table */
	struct dump_ctx *files_owner;	/* first task with this fd table, NULL if it is us */
	struct files_dump_state *fstate;	/* &tree->fstate */
	MmEntry mm;
	VmaEntry *vmas;			/* storage for mm.vmas */
	VmaEntry **vma_ptrs;
	uint64_t *auxv;
	struct dump_stats stats;
	struct task_state *ts;		/* task-dump.c: signals, creds, timers, ... */
	struct dump_threads *thr;	/* task-threads.c: every thread, the leader first */
};

int cr_dump_tasks(const struct cr_options *o, int images_dfd, int work_dfd);

/* dump-files.c */
FileEntry *files_new(struct file_table *ft, FdTypes type);
int files_add(struct file_table *ft, const char *path, uint32_t flags, uint64_t pos,
	      const struct stat *st, uint32_t *id);
int collect_task_files(struct dump_ctx *dc);
int write_files_images(struct dump_ctx *dc);
int write_file_entries(struct dump_tree *dt);
void free_file_tables(struct dump_ctx *dc);
void free_tree_files(struct dump_tree *dt);

/* dump-fdtable.c: tasks sharing an fd table (CLONE_FILES) */
int dump_find_fd_table(struct dump_ctx *dc);
void dump_fd_tables_free(struct dump_tree *dt);
/* The task whose fds stand for dc's table: dc itself unless it shares an earlier one's. */
static inline const struct dump_ctx *dump_files_owner(const struct dump_ctx *dc)
{
	return dc->files_owner ? dc->files_owner : dc;
}

/* dump-mm.c */
int collect_task_mm(struct dump_ctx *dc);
int write_mm_image(struct dump_ctx *dc);
void free_task_mm(struct dump_ctx *dc);

/* shmem.c: shared anonymous memory ("/dev/zero (deleted)" in maps) */
bool vma_is_anon_shared(const struct proc_vma *pv);
int dump_anon_shared_vma(struct dump_ctx *dc, const struct proc_vma *pv, VmaEntry *v);
void shmem_dump_fini(struct files_dump_state *fs);

/* sysv-shm.c: SysV shm segments the task attached or created (ipcns-shm-1.img) */
bool vma_is_sysv_shm(const struct proc_vma *pv);
int dump_sysv_vma(struct dump_ctx *dc, const struct proc_vma *pv, VmaEntry *v);
int write_sysv_shm(struct dump_tree *dt);
void sysv_dump_fini(struct files_dump_state *fs);

/* dump-pages.c */
int dump_task_pages(struct dump_ctx *dc);

/* task-tree.c */
int check_task_sessions(const struct dump_ctx *dc);
/* Every task's session and group must be in the tree (or be the shell's with -j). */
int check_tree_sessions(const struct dump_tree *dt);

/* dump-tree.c: seize the root and every descendant until the set is stable */
int dump_tree_seize(struct dump_tree *dt, pid_t root);
/* Refuse the shapes this criu can't dump yet (threads); one place to lift it. */
void dump_tree_release(struct dump_tree *dt, int mode);
void dump_tree_free(struct dump_tree *dt);
int write_pstree(struct dump_tree *dt);
int write_zombie_core(struct dump_ctx *dc);

/* dump-core.c */
int write_core_images(struct dump_ctx *dc);
int write_stats_image(struct dump_tree *dt);
int write_inventory(struct dump_tree *dt);
uint32_t task_files_id(const struct dump_ctx *dc);

#endif /* CRIU_DUMP_H */
