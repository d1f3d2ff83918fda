/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dump.h - the dump of a process: its context, handed down to every dump step.
 * A step returns 0 or -errno and logs its own error; cr_dump_tasks() unwinds so that a
 * failed dump leaves the task running (or stopped, with -s) exactly as before.
 */
#ifndef CRIU_DUMP_H
#define CRIU_DUMP_H

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

struct dump_ctx {
	const struct cr_options *opts;
	int dfd;			/* images directory */
	pid_t pid;
	int seize_state;		/* enum compel_task_state, 0 before seize */
	struct compel_ctl *ctl;
	struct proc_stat stat;
	struct proc_vma_list maps;
	struct parasite_task_state pst;
	uint64_t brk;			/* current program break */
	uint32_t exe_id, cwd_id, root_id;
	struct file_table files;
	struct fd_table fdt;
	struct files_dump_state fstate;
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
void free_file_tables(struct dump_ctx *dc);

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
int write_sysv_shm(struct dump_ctx *dc);
void sysv_dump_fini(struct files_dump_state *fs);

/* dump-pages.c */
int dump_task_pages(struct dump_ctx *dc);

/* task-tree.c */
int check_task_sessions(const struct dump_ctx *dc);

/* dump-core.c */
int write_core_images(struct dump_ctx *dc);
int write_stats_image(struct dump_ctx *dc);
int write_inventory(struct dump_ctx *dc);
uint32_t task_files_id(void);

#endif /* CRIU_DUMP_H */
