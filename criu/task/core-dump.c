/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/core-dump.c - the per-task images that describe the task itself (core, ids, fs) and the
 * per-dump ones (pstree, stats, inventory). inventory.img is written last by the caller:
 * a directory without it is an incomplete dump.
 */
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "task-state-image.h"
#include "cgroup.h"
#include "compel/infect.h"
#include "dump.h"
#include "fpu-image.h"
#include "image.h"
#include "fault.h"
#include "ns.h"
#include "log.h"
#include "net-lock.h"
#include "regs-image.h"
#include "threads.h"

#include "core.pb-c.h"
#include "fs.pb-c.h"
#include "inventory.pb-c.h"
#include "pstree.pb-c.h"
#include "stats.pb-c.h"

#define CRTOOLS_IMAGES_V1_1 2
#define SIGKILL_NR	    9
#define SIGSTOP_NR	    19

/*
 * Object ids of a task (kcmp ids in CRIU). No two tasks share a VM, fs or sighand (no
 * CLONE_VM/FS/SIGHAND children yet), so each task gets its own ids for them; tasks that share
 * an fd table (CLONE_FILES) all take the files id of the first of them (files/fdtable-dump.c).
 */
#define NR_TASK_IDS 4
/* 1 is criu's own (inventory.root_ids), as CRIU numbers them; the tasks' start at 2 */
#define CRIU_OWN_ID    1
#define VM_ID(dc)      ((dc)->idx * NR_TASK_IDS + 2)
#define FILES_ID(dc)   ((dc)->idx * NR_TASK_IDS + 3)
#define FS_ID(dc)      ((dc)->idx * NR_TASK_IDS + 4)
#define SIGHAND_ID(dc) ((dc)->idx * NR_TASK_IDS + 5)

static int write_one(struct dump_ctx *dc, enum img_type type, unsigned long id,
		     const ProtobufCMessage *msg)
{
	struct cr_img *img;
	int ret;

	img = open_image_at(dc->dfd, type, O_DUMP, id);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, msg);
	return close_image(img) ?: ret;
}

static int fill_ids(const struct dump_ctx *dc, TaskKobjIdsEntry *ids)
{
	task_kobj_ids_entry__init(ids);
	ids->vm_id = VM_ID(dc);
	ids->files_id = task_files_id(dc);
	ids->fs_id = FS_ID(dc);
	ids->sighand_id = SIGHAND_ID(dc);
	return ns_ids_fill(&dc->tree->ns, dc->pid, ids);
}

static void fill_sigactions(struct dump_ctx *dc, SaEntry *sa, SaEntry **sap, size_t *nr)
{
	int sig;

	*nr = 0;
	for (sig = 1; sig <= PARASITE_NSIG; sig++) {
		const struct parasite_sigaction *ps = &dc->pst.sigacts[sig - 1];
		SaEntry *e = &sa[*nr];

		if (sig == SIGKILL_NR || sig == SIGSTOP_NR)
			continue;
		sa_entry__init(e);
		e->sigaction = ps->handler;
		e->flags = ps->flags;
		e->restorer = ps->restorer;
		e->mask = ps->mask;
		sap[(*nr)++] = e;
	}
}

static int write_core(struct dump_ctx *dc)
{
	static struct fpu_image_storage fpstor;
	SaEntry sa[PARASITE_NSIG], *sap[PARASITE_NSIG];
	CoreEntry core = CORE_ENTRY__INIT;
	ThreadInfoX86 ti = THREAD_INFO_X86__INIT;
	UserX86RegsEntry gpregs;
	UserX86FpregsEntry fpregs;
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;
	ThreadCoreEntry thc = THREAD_CORE_ENTRY__INIT;
	ThreadSasEntry sas = THREAD_SAS_ENTRY__INIT;
	const void *xsave;
	size_t xsize;
	int ret;

	regs_to_image(&gpregs, compel_orig_regs(dc->ctl));
	xsave = compel_orig_xsave(dc->ctl, &xsize);
	ret = fpu_image_from_xsave(&fpregs, &fpstor, xsave, xsize);
	if (ret)
		return ret;
	ti.clear_tid_addr = dc->pst.clear_tid_addr;
	ti.gpregs = &gpregs;
	ti.fpregs = &fpregs;

	tc.task_state = TASK_ALIVE;
	/* in group stop, or about to enter it (a stop signal queued): back stopped, same signal */
	if (dc->stop_signo) {
		tc.task_state = TASK_STOPPED;
		tc.has_stop_signo = 1;
		tc.stop_signo = dc->stop_signo;
	}
	tc.personality = dc->pst.personality;
	tc.flags = dc->stat.flags;
	tc.blk_sigset = compel_orig_sigmask(dc->ctl);
	tc.comm = dc->stat.comm;
	fill_sigactions(dc, sa, sap, &tc.n_sigactions);
	tc.sigactions = sap;

	thc.futex_rla = dc->pst.robust_list;
	thc.futex_rla_len = dc->pst.robust_list_len;
	thc.has_blk_sigset = 1;
	thc.blk_sigset = tc.blk_sigset;
	sas.ss_sp = dc->pst.sas_sp;
	sas.ss_size = dc->pst.sas_size;
	sas.ss_flags = dc->pst.sas_flags;
	thc.sas = &sas;

	core.mtype = CORE_ENTRY__MARCH__X86_64;
	core.thread_info = &ti;
	core.tc = &tc;
	core.thread_core = &thc;
	ret = task_state_fill_core(dc, &core);
	if (ret)
		return ret;
	threads_fill_leader_core(dc, &core);
	cg_fill_core(dc, &core);
	return write_one(dc, CR_FD_CORE, dc->img_pid, &core.base);
}

static int write_task_ids_fs(struct dump_ctx *dc)
{
	TaskKobjIdsEntry ids;
	FsEntry fs = FS_ENTRY__INIT;
	int ret;

	ret = fill_ids(dc, &ids);
	ret = ret ?: write_one(dc, CR_FD_IDS, dc->img_pid, &ids.base);
	if (ret)
		return ret;
	fs.cwd_id = dc->cwd_id;
	fs.root_id = dc->root_id;
	fs.has_umask = 1;
	fs.umask = dc->pst.umask;
	return write_one(dc, CR_FD_FS, dc->img_pid, &fs.base);
}

/*
 * A zombie has no parasite and no memory: its core says it is dead and how it died
 * (exit_code is the wait status from /proc/PID/stat).
 */
int write_zombie_core(struct dump_ctx *dc)
{
	CoreEntry core = CORE_ENTRY__INIT;
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;

	tc.task_state = TASK_ZOMBIE;
	tc.exit_code = dc->stat.exit_code;
	tc.flags = dc->stat.flags;
	tc.comm = dc->stat.comm;
	core.mtype = CORE_ENTRY__MARCH__X86_64;
	core.tc = &tc;
	return write_one(dc, CR_FD_CORE, dc->img_pid, &core.base);
}

int write_core_images(struct dump_ctx *dc)
{
	return write_core(dc) ?: task_state_write_extra(dc) ?: threads_write_cores(dc) ?:
	       write_task_ids_fs(dc);
}

static void img_tids(const struct dump_tree *dt, uint32_t *tids, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		tids[i] = ns_dump_img_pid(dt, tids[i]);
}

/* One entry per task, parents before children, as CRIU orders them. */
int write_pstree(struct dump_tree *dt)
{
	struct cr_img *img;
	size_t i;
	int ret = 0;

	img = open_image_at(dt->dfd, CR_FD_PSTREE, O_DUMP, 0);
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < dt->nr_tasks; i++) {
		struct dump_ctx *dc = dt->tasks[i];
		PstreeEntry pe = PSTREE_ENTRY__INIT;
		uint32_t tid = dc->img_pid;

		/* in a pid namespace of its own, as CRIU: the pids the tasks see there */
		pe.pid = dc->img_pid;
		pe.ppid = dc->ppid ? ns_dump_img_pid(dt, dc->ppid) : 0;
		pe.pgid = ns_dump_img_pid(dt, dc->stat.pgid);
		pe.sid = ns_dump_img_pid(dt, dc->stat.sid);
		/* a zombie has no threads to list but itself */
		pe.n_threads = 1;
		pe.threads = &tid;
		if (dc->thr)
			pe.threads = threads_ids(dc, &pe.n_threads);
		if (!pe.threads) {
			ret = -ENOMEM;
			break;
		}
		if (dc->thr)
			img_tids(dt, pe.threads, pe.n_threads);
		ret = pb_write_one(img, &pe.base);
	}
	return close_image(img) ?: ret;
}

static void add_stats(struct dump_stats *sum, const struct dump_stats *s)
{
	sum->memdump_us += s->memdump_us;
	sum->memwrite_us += s->memwrite_us;
	sum->pages_scanned += s->pages_scanned;
	sum->pages_written += s->pages_written;
	sum->page_pipes += s->page_pipes;
	sum->page_pipe_bufs += s->page_pipe_bufs;
	sum->shpages_scanned += s->shpages_scanned;
	sum->shpages_written += s->shpages_written;
	sum->pages_skipped_parent += s->pages_skipped_parent;
}

/*
 * Every field CRIU 4.2 writes. No parent images (pre-dump), lazy pages or irmap exist yet,
 * so what they count is truly 0. stats-dump goes to the work directory, as CRIU puts it.
 */
int write_stats_image(struct dump_tree *dt)
{
	StatsEntry st = STATS_ENTRY__INIT;
	DumpStatsEntry ds = DUMP_STATS_ENTRY__INIT;
	struct dump_stats sum = dt->stats;
	struct cr_img *img;
	size_t i;
	int ret;

	for (i = 0; i < dt->nr_tasks; i++)
		add_stats(&sum, &dt->tasks[i]->stats);
	ds.freezing_time = sum.freezing_us;
	ds.frozen_time = sum.frozen_us;
	ds.memdump_time = sum.memdump_us;
	ds.memwrite_time = sum.memwrite_us;
	ds.has_irmap_resolve = true;
	ds.irmap_resolve = 0;
	ds.pages_scanned = sum.pages_scanned;
	ds.pages_skipped_parent = sum.pages_skipped_parent;
	ds.pages_written = sum.pages_written;
	ds.pages_lazy = 0;
	ds.has_page_pipes = ds.has_page_pipe_bufs = true;
	ds.page_pipes = sum.page_pipes;
	ds.page_pipe_bufs = sum.page_pipe_bufs;
	ds.has_shpages_scanned = ds.has_shpages_skipped_parent = ds.has_shpages_written = true;
	ds.shpages_scanned = sum.shpages_scanned;
	ds.shpages_skipped_parent = 0;
	ds.shpages_written = sum.shpages_written;
	st.dump = &ds;
	img = open_image_at(dt->work_dfd, CR_FD_STATS_DUMP, O_DUMP, 0);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &st.base);
	ret = close_image(img) ?: ret;
	/* in the work dir, outside the image set's own close hooks */
	return ret ?: (fault_injected("after-image:stats-dump") ? -EIO : 0);
}

int write_inventory(struct dump_tree *dt)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	TaskKobjIdsEntry ids;
	struct timespec ts;
	int ret;

	/* criu's own ids, as CRIU writes them: the tasks' differ where they are not shared */
	task_kobj_ids_entry__init(&ids);
	ids.vm_id = ids.files_id = ids.fs_id = ids.sighand_id = CRIU_OWN_ID;
	ret = ns_ids_fill(&dt->ns, getpid(), &ids);
	if (ret)
		return ret;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	inv.img_version = CRTOOLS_IMAGES_V1_1;
	inv.has_fdinfo_per_id = 1;
	inv.fdinfo_per_id = 1;
	inv.has_ns_per_id = 1;
	inv.ns_per_id = 1;
	inv.root_ids = &ids;
	inv.has_lsmtype = 1;
	inv.lsmtype = LSMTYPE__NO_LSM;
	inv.has_dump_uptime = 1;
	inv.dump_uptime = ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
	/* restore removes the lock this dump left by these (CRIU's restore too) */
	inv.has_network_lock_method = 1;
	inv.network_lock_method = netlock_method();
	inv.dump_criu_run_id = (char *)netlock_run_id();
	return write_one(dt->tasks[0], CR_FD_INVENTORY, 0, &inv.base);
}

uint32_t task_files_id(const struct dump_ctx *dc)
{
	return FILES_ID(dump_files_owner(dc));
}
