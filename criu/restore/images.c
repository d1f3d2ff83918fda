/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore/images.c - read every image a restore needs and check it before anything is
 * created, so that a bad images directory fails with a message naming the file and leaves
 * nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "task-state-image.h"
#include "image.h"
#include "imgset.h"
#include "hugetlb.h"
#include "page-chain.h"
#include "pagemap-flags.h"
#include "log.h"
#include "ns.h"
#include "files.h"
#include "internal.h"
#include "threads.h"
#include "vma-status.h"
#include "tree.h"
#include "mem.h"
#include "net-lock.h"

#define IMG_VERSION	  2
#define USER_TOP	  (1UL << 47)
#define RST_MAP_DROPPABLE 0x08 /* Linux 6.11: a map type, like MAP_PRIVATE */

/* Read all entries of an image into a growing array of message pointers. */
static int read_all(struct cr_img *img, const ProtobufCMessageDescriptor *desc, void ***arr,
		    size_t *nr)
{
	ProtobufCMessage *msg;
	int ret;

	*arr = NULL;
	*nr = 0;
	while ((ret = pb_read_one_eof(img, desc, &msg)) > 0) {
		if (ARRAY_ADD_ROOM(*arr, *nr)) {
			protobuf_c_message_free_unpacked(msg, NULL);
			pr_err("Out of memory reading %s\n", img_path(img));
			return -ENOMEM;
		}
		(*arr)[(*nr)++] = msg;
	}
	return ret;
}

static void free_all(void **arr, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		protobuf_c_message_free_unpacked(arr[i], NULL);
	free(arr);
}

/* Read exactly one message from an image file. */
static int read_single(int dfd, enum img_type type, unsigned long id,
		       const ProtobufCMessageDescriptor *desc, void *msgp)
{
	struct cr_img *img;
	int ret;

	img = open_image_at(dfd, type, O_RSTR, id);
	if (!img)
		return -errno ? -errno : -EIO;
	ret = pb_read_one(img, desc, (ProtobufCMessage **)msgp);
	close_image(img);
	return ret;
}

static int read_inventory(struct rst_ctx *ctx)
{
	InventoryEntry *inv;
	int ret;

	ret = read_single(ctx->dfd, CR_FD_INVENTORY, 0, &inventory_entry__descriptor, &inv);
	if (ret) {
		pr_err("inventory.img: can't read it; is %s a complete images directory?\n",
		       ctx->ro->images_dir);
		return ret;
	}
	ctx->inventory = inv;
	if (inv->img_version != IMG_VERSION) {
		pr_err("inventory.img: image version %u, this criu restores version %u only\n",
		       inv->img_version, IMG_VERSION);
		return -EINVAL;
	}
	if (inv->has_fdinfo_per_id && !inv->fdinfo_per_id) {
		pr_err("inventory.img: per-task fdinfo images are not supported\n");
		return -EINVAL;
	}
	/* the lock the dump left, removed once the tree is rebuilt or the restore fails */
	return netlock_restore_prepare(inv->has_network_lock_method, inv->network_lock_method,
				       inv->dump_criu_run_id);
}

/* Parents come before their children (CRIU's order); pids are unique. */
static int check_pstree_entry(const struct rst_ctx *ctx, size_t i)
{
	const PstreeEntry *e = ctx->pstree[i];
	bool parent = !e->ppid;
	size_t j;

	for (j = 0; j < i; j++) {
		if (ctx->pstree[j]->pid == e->pid) {
			pr_err("pstree.img: task %u appears twice\n", e->pid);
			return -EINVAL;
		}
		if (ctx->pstree[j]->pid == e->ppid)
			parent = true;
	}
	if (e->pid < 2 || !parent || (i && !e->ppid)) {
		pr_err("pstree.img: task %u has no parent before it (ppid %u)\n", e->pid, e->ppid);
		return -EINVAL;
	}
	return rst_check_pstree_threads(e);
}

static int read_pstree(struct rst_ctx *ctx)
{
	struct cr_img *img;
	PstreeEntry *e;
	size_t i;
	int ret;

	img = open_image_at(ctx->dfd, CR_FD_PSTREE, O_RSTR, 0);
	if (!img)
		return -EIO;
	ret = read_all(img, &pstree_entry__descriptor, (void ***)&ctx->pstree, &ctx->nr_pstree);
	close_image(img);
	if (ret)
		return ret;
	if (ctx->nr_pstree == 0) {
		pr_err("pstree.img: no tasks in it\n");
		return -EINVAL;
	}
	/* pids inside the tree's pid namespace become criu's view (ns/pid-restore.c) */
	ret = rst_pidns_read_pstree(ctx);
	if (ret)
		return ret;
	e = ctx->pstree[0];
	if (e->pid < 2 || e->ppid != 0) {
		pr_err("pstree.img: bad root entry (pid %u, ppid %u)\n", e->pid, e->ppid);
		return -EINVAL;
	}
	for (i = 0; i < ctx->nr_pstree; i++) {
		ret = check_pstree_entry(ctx, i);
		if (ret)
			return ret;
	}
	return 0;
}

static int read_files(struct rst_ctx *ctx)
{
	struct cr_img *img;
	size_t i, j;
	int ret;

	img = open_image_at(ctx->dfd, CR_FD_FILES, O_RSTR, 0);
	if (!img)
		return -EIO;
	ret = read_all(img, &file_entry__descriptor, (void ***)&ctx->files, &ctx->nr_files);
	close_image(img);
	if (ret)
		return ret;
	for (i = 0; i < ctx->nr_files; i++) {
		FileEntry *f = ctx->files[i];

		ret = rst_check_file_entry(f);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			if (ctx->files[j]->id == f->id) {
				pr_err("files.img: file id %u appears twice\n", f->id);
				return -EINVAL;
			}
		}
	}
	return unix_rst_check_ext(ctx) ?: inet_rst_check_opts(ctx);
}

const RegFileEntry *rst_find_reg(const struct rst_ctx *ctx, uint32_t id)
{
	const FileEntry *fe = rst_find_file(ctx, id);

	return fe ? fe->reg : NULL;
}

static int check_core(const CoreEntry *core, pid_t pid)
{
	const ThreadInfoX86 *ti = core->thread_info;

	if (core->mtype != CORE_ENTRY__MARCH__X86_64 || !ti || !ti->gpregs || !ti->fpregs) {
		pr_err("core-%d.img: not an x86_64 task core (mtype %d)\n", pid, core->mtype);
		return -EINVAL;
	}
	if (ti->gpregs->has_mode && ti->gpregs->mode != USER_X86_REGS_MODE__NATIVE) {
		pr_err("core-%d.img: 32-bit (compat) tasks are not supported\n", pid);
		return -EOPNOTSUPP;
	}
	if (!core->tc || !core->tc->comm) {
		pr_err("core-%d.img: the task core (tc) is missing\n", pid);
		return -EINVAL;
	}
	if (core->tc->task_state != TASK_ALIVE && core->tc->task_state != TASK_STOPPED) {
		pr_err("core-%d.img: task state %u; only running or stopped tasks can be restored "
		       "yet\n",
		       pid, core->tc->task_state);
		return -EOPNOTSUPP;
	}
	if (ti->fpregs->n_st_space != 32 || ti->fpregs->n_xmm_space != 64) {
		pr_err("core-%d.img: the FPU registers are malformed\n", pid);
		return -EINVAL;
	}
	return 0;
}

/* vdso and vvar also carry VMA_ANON_PRIVATE (CRIU's bits), but are the kernel's to map */
static bool vma_premapped(const VmaEntry *v)
{
	return (v->status & (VMA_ANON_PRIVATE | VMA_FILE_PRIVATE)) &&
	       !(v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR));
}

/* A file mapping names a regular file, or a memfd for VMA_AREA_MEMFD. */
static bool vma_file_known(const struct rst_ctx *ctx, const VmaEntry *v)
{
	const FileEntry *fe;
	size_t i;

	if (!(v->status & VMA_AREA_MEMFD))
		return rst_find_reg(ctx, v->shmid) != NULL;
	for (i = 0; i < ctx->nr_files; i++) {
		fe = ctx->files[i];
		if (fe->id == v->shmid)
			return fe->type == FD_TYPES__MEMFD && fe->memfd;
	}
	return false;
}

/* A socket mapping's file: a packet socket's rings (net/packet/ring.c). */
static bool vma_socket_known(const struct rst_ctx *ctx, const VmaEntry *v)
{
	size_t i;

	for (i = 0; i < ctx->nr_files; i++)
		if (ctx->files[i]->id == v->shmid)
			return ctx->files[i]->type == FD_TYPES__PACKETSK && ctx->files[i]->psk;
	return false;
}

static int check_vma(const struct rst_ctx *ctx, const VmaEntry *v, const VmaEntry *prev, pid_t pid)
{
	const uint32_t kinds = VMA_ANON_PRIVATE | VMA_FILE_PRIVATE | VMA_FILE_SHARED |
			       VMA_AREA_VDSO | VMA_AREA_VVAR | VMA_ANON_SHARED | VMA_AREA_SYSVIPC |
			       VMA_AREA_SOCKET;
	uint32_t kind = v->status & kinds;

	/* CRIU marks the vdso and vvar private anonymous too: their own bit names them */
	if (kind & (VMA_AREA_VDSO | VMA_AREA_VVAR))
		kind &= ~VMA_ANON_PRIVATE;

	if (v->start >= v->end || v->end > USER_TOP || (v->start | v->end) % RST_PAGE_SIZE ||
	    (prev && prev->end > v->start)) {
		pr_err("mm-%d.img: bad or unsorted VMA %#lx-%#lx\n", pid, (long)v->start,
		       (long)v->end);
		return -EINVAL;
	}
	if (v->has_madv && (v->madv & VMA_MADV_OURS)) {
		pr_err("mm-%d.img: VMA %#lx-%#lx has madvise bits %#llx, which no advice has\n",
		       pid, (long)v->start, (long)v->end,
		       (unsigned long long)(v->madv & VMA_MADV_OURS));
		return -EINVAL;
	}
	if (!(v->status & VMA_AREA_REGULAR) || __builtin_popcount(kind) != 1) {
		pr_err("mm-%d.img: VMA %#lx-%#lx has status %#x, which this criu can't restore\n",
		       pid, (long)v->start, (long)v->end, v->status);
		return -EOPNOTSUPP;
	}
	/* private: MAP_PRIVATE, or MAP_DROPPABLE (Linux 6.11) for anonymous memory */
	if ((kind == VMA_ANON_PRIVATE || kind == VMA_FILE_PRIVATE) &&
	    (v->flags & MAP_TYPE) != MAP_PRIVATE &&
	    (kind != VMA_ANON_PRIVATE || (v->flags & MAP_TYPE) != RST_MAP_DROPPABLE)) {
		pr_err("mm-%d.img: private VMA %#lx-%#lx has map type %#x\n", pid, (long)v->start,
		       (long)v->end, v->flags & MAP_TYPE);
		return -EINVAL;
	}
	if (kind == VMA_ANON_SHARED && (!(v->flags & MAP_SHARED) || v->pgoff % RST_PAGE_SIZE)) {
		pr_err("mm-%d.img: shared anonymous VMA %#lx-%#lx lacks MAP_SHARED or has a "
		       "bad offset\n",
		       pid, (long)v->start, (long)v->end);
		return -EINVAL;
	}
	if ((kind == VMA_FILE_PRIVATE || kind == VMA_FILE_SHARED) &&
	    (!vma_file_known(ctx, v) || v->pgoff % RST_PAGE_SIZE)) {
		pr_err("mm-%d.img: VMA %#lx-%#lx maps file id %lu, missing in files.img\n", pid,
		       (long)v->start, (long)v->end, (unsigned long)v->shmid);
		return -EINVAL;
	}
	if (kind == VMA_AREA_SOCKET &&
	    (!(v->flags & MAP_SHARED) || v->pgoff || !vma_socket_known(ctx, v))) {
		pr_err("mm-%d.img: VMA %#lx-%#lx maps packet socket file id %lu, which files.img "
		       "lacks, or is not shared at offset 0\n",
		       pid, (long)v->start, (long)v->end, (unsigned long)v->shmid);
		return -EINVAL;
	}
	if (v->flags & MAP_HUGETLB)
		return rst_check_hugetlb_vma(v, pid);
	return 0;
}

static int check_mm(const struct rst_ctx *ctx, const MmEntry *mm, pid_t pid)
{
	size_t i;
	int ret;

	for (i = 0; i < mm->n_vmas; i++) {
		ret = check_vma(ctx, mm->vmas[i], i ? mm->vmas[i - 1] : NULL, pid);
		if (ret)
			return ret;
	}
	if (mm->n_mm_saved_auxv > RST_AUXV_WORDS || mm->n_mm_saved_auxv % 2) {
		pr_err("mm-%d.img: saved auxv has %zu words\n", pid, mm->n_mm_saved_auxv);
		return -EINVAL;
	}
	if (!rst_find_reg(ctx, mm->exe_file_id)) {
		pr_err("mm-%d.img: exe file id %u is missing in files.img\n", pid, mm->exe_file_id);
		return -EINVAL;
	}
	return 0;
}

/* With a "parent" link, PE_PARENT (or 3.x's in_parent) is a page of the parent images. */
static void rst_pe_to_chain(PagemapEntry *pe)
{
	if ((pe->has_flags && (pe->flags & RST_PE_PARENT)) ||
	    (pe->has_in_parent && pe->in_parent)) {
		pe->has_flags = 1;
		pe->flags = RST_PE_CHAIN;
		pe->has_in_parent = 0;
	}
}

/* Every page with data must land in a premapped VMA; entries may span adjacent VMAs. */
static int check_pagemap_entry(const struct rst_task *t, const PagemapEntry *pe, uint64_t prev_end)
{
	uint64_t addr = pe->vaddr, end;
	uint32_t flags = pe->has_flags ? pe->flags : RST_PE_PRESENT;

	/*
	 * PE_PARENT: the parent task's pages (mem/cow.c checks them once every task is read).
	 * CRIU marks pages it could serve lazily PE_LAZY; with PE_PRESENT they are here too.
	 */
	if ((flags != RST_PE_PRESENT && flags != (RST_PE_PRESENT | RST_PE_LAZY) &&
	     flags != RST_PE_PARENT && flags != RST_PE_CHAIN) ||
	    (pe->has_in_parent && pe->in_parent)) {
		pr_err("pagemap-%d.img: entry at %#lx has flags %#x: only present pages, pages "
		       "shared with the parent task and pages of parent images are supported; "
		       "dump without --lazy-pages\n",
		       t->pid, (long)pe->vaddr, flags);
		return -EOPNOTSUPP;
	}
	end = addr + pe->nr_pages * RST_PAGE_SIZE;
	if (addr % RST_PAGE_SIZE || !pe->nr_pages || pe->nr_pages > USER_TOP / RST_PAGE_SIZE ||
	    addr < prev_end || end > USER_TOP) {
		pr_err("pagemap-%d.img: bad or unsorted entry %#lx (%llu pages)\n", t->pid,
		       (long)addr, (unsigned long long)pe->nr_pages);
		return -EINVAL;
	}
	while (addr < end) {
		const VmaEntry *v = mm_vma_at(t->mm, addr);

		/* the vdso's saved pages are skipped at restore: this kernel's vdso goes there */
		if (!v || (!vma_premapped(v) && !(v->status & VMA_AREA_VDSO))) {
			pr_err("pagemap-%d.img: pages at %#lx are not in a private VMA of "
			       "mm-%d.img\n",
			       t->pid, (long)addr, t->pid);
			return -EINVAL;
		}
		addr = v->end;
	}
	return 0;
}

static int check_pages_size(const struct rst_ctx *ctx, struct rst_task *t)
{
	struct cr_img *img;
	struct stat st;
	int ret = 0;

	img = open_image_at(ctx->dfd, CR_FD_PAGES, O_RSTR, t->pages_id);
	if (!img)
		return -EIO;
	if (fstat(img_raw_fd(img), &st)) {
		pr_perror("Can't stat %s", img_path(img));
		ret = -errno;
	} else if ((uint64_t)st.st_size < t->nr_pages * RST_PAGE_SIZE) {
		pr_err("%s: %lu bytes, but pagemap-%d.img lists %lu pages\n", img_path(img),
		       (unsigned long)st.st_size, t->pid, (unsigned long)t->nr_pages);
		ret = -EINVAL;
	}
	close_image(img);
	return ret;
}

static int read_pagemap(const struct rst_ctx *ctx, struct rst_task *t)
{
	PagemapHead *head = NULL;
	struct cr_img *img;
	uint64_t prev_end = 0;
	size_t i;
	int ret;

	img = open_image_at(ctx->dfd, CR_FD_PAGEMAP, O_RSTR, rst_img_pid(ctx, t->pid));
	if (!img)
		return -EIO;
	ret = pb_read_one(img, &pagemap_head__descriptor, (ProtobufCMessage **)&head);
	if (!ret)
		ret = read_all(img, &pagemap_entry__descriptor, (void ***)&t->pagemap,
			       &t->nr_pagemap);
	close_image(img);
	if (ret)
		goto out;
	t->pages_id = head->pages_id;
	for (i = 0; i < t->nr_pagemap; i++) {
		if (page_chain_linked(ctx->dfd))
			rst_pe_to_chain(t->pagemap[i]);
		/* one count for the rest of the restore: 4.2's nr_pages, or 3.x's field */
		t->pagemap[i]->nr_pages = pagemap_nr_pages(t->pagemap[i]);
		t->pagemap[i]->has_nr_pages = 1;
		ret = check_pagemap_entry(t, t->pagemap[i], prev_end);
		if (ret)
			goto out;
		prev_end = t->pagemap[i]->vaddr + (uint64_t)t->pagemap[i]->nr_pages * RST_PAGE_SIZE;
		if (rst_pe_has_data(t->pagemap[i]))
			t->nr_pages += t->pagemap[i]->nr_pages;
	}
	ret = check_pages_size(ctx, t);
out:
	if (head)
		protobuf_c_message_free_unpacked(&head->base, NULL);
	return ret;
}

static int read_fdinfo(const struct rst_ctx *ctx, struct rst_task *t)
{
	struct cr_img *img;
	size_t i, j;
	int ret;

	img = open_image_at(ctx->dfd, CR_FD_FDINFO, O_RSTR, t->ids->files_id);
	if (!img)
		return -EIO;
	ret = read_all(img, &fdinfo_entry__descriptor, (void ***)&t->fds, &t->nr_fds);
	close_image(img);
	if (ret)
		return ret;
	t->max_fd = -1;
	for (i = 0; i < t->nr_fds; i++) {
		FdinfoEntry *e = t->fds[i];
		const FileEntry *fe = rst_find_file(ctx, e->id);

		if (!fe || fe->type != e->type || e->fd > 1u << 20) {
			pr_err("fdinfo-%u.img: fd %u (type %d, file id %u) can't be restored\n",
			       t->ids->files_id, e->fd, e->type, e->id);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (t->fds[j]->fd == e->fd) {
				pr_err("fdinfo-%u.img: fd %u appears twice\n", t->ids->files_id,
				       e->fd);
				return -EINVAL;
			}
		}
		if ((int)e->fd > t->max_fd)
			t->max_fd = e->fd;
	}
	return 0;
}

static int read_fs(const struct rst_ctx *ctx, struct rst_task *t)
{
	int ret;

	ret = read_single(ctx->dfd, CR_FD_FS, rst_img_pid(ctx, t->pid), &fs_entry__descriptor,
			  &t->fs);
	if (ret)
		return ret;
	if (!rst_find_reg(ctx, t->fs->cwd_id) || !rst_find_reg(ctx, t->fs->root_id)) {
		pr_err("fs-%d.img: cwd (id %u) or root (id %u) is missing in files.img\n", t->pid,
		       t->fs->cwd_id, t->fs->root_id);
		return -EINVAL;
	}
	return 0;
}

/* A live parent, read before t (pstree lists parents first), with the same fd table. */
static bool shares_parent_files(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const struct rst_task *p;

	for (p = ctx->tasks; p < t; p++)
		if (p->pid == (pid_t)t->pstree->ppid)
			return p->ids && p->ids->files_id == t->ids->files_id;
	return false;
}

/*
 * A shared table comes back by forking with CLONE_FILES, so each sharer's parent must be
 * in it too; two tasks with one table and no such chain (siblings) can't be restored.
 */
static int check_shared_tables(const struct rst_ctx *ctx)
{
	size_t i, j;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *t = &ctx->tasks[i];

		if (!t->ids || t->shares_files)
			continue;
		for (j = i + 1; j < ctx->nr_tasks; j++) {
			const struct rst_task *o = &ctx->tasks[j];

			if (!o->ids || o->shares_files || o->ids->files_id != t->ids->files_id)
				continue;
			pr_err("Tasks %d and %d have a shared fd table (CLONE_FILES, files id %u) "
			       "but are not parent and child: not supported\n",
			       t->pid, o->pid, t->ids->files_id);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/* The VMAs task-extra-PID.img lists get bit in their in-memory madv (vma-status.h). */
static int mark_vmas(struct rst_task *t, const uint64_t *starts, size_t nr, uint64_t bit,
		     const char *what)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		VmaEntry *v = (VmaEntry *)mm_vma_at(t->mm, starts[i]);

		if (!v || v->start != starts[i]) {
			pr_err("task-extra-%d.img: no VMA of mm-%d.img starts at %#llx, %s\n",
			       t->pid, t->pid, (unsigned long long)starts[i], what);
			return -EINVAL;
		}
		v->madv |= bit;
		v->has_madv = 1;
	}
	return 0;
}

/* task-extra-PID.img is ours: a set CRIU wrote has none, and restores without it. */
static int read_extra(const struct rst_ctx *ctx, struct rst_task *t)
{
	struct cr_img *img;
	int ret;

	img = open_image_optional(ctx->dfd, CR_FD_TASK_EXTRA, rst_img_pid(ctx, t->pid));
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	ret = pb_read_one(img, &task_extra_entry__descriptor, (ProtobufCMessage **)&t->extra);
	close_image(img);
	if (ret)
		return ret;
	if (t->extra->n_auxv > RST_AUXV_WORDS || t->extra->n_auxv % 2) {
		pr_err("task-extra-%d.img: saved auxv has %zu words\n", t->pid, t->extra->n_auxv);
		return -EINVAL;
	}
	return mark_vmas(t, t->extra->vma_lock_onfault, t->extra->n_vma_lock_onfault,
			 VMA_MADV_LOCK_ONFAULT, "locked on fault")
		       ?: mark_vmas(t, t->extra->vma_sealed, t->extra->n_vma_sealed,
				    VMA_MADV_SEALED, "sealed");
}

static int read_task(const struct rst_ctx *ctx, struct rst_task *t)
{
	int ret;

	t->max_fd = -1;
	ret = read_single(ctx->dfd, CR_FD_CORE, rst_img_pid(ctx, t->pid), &core_entry__descriptor,
			  &t->core);
	if (ret)
		return ret;
	/* a zombie is only its exit status: no ids, memory or files */
	if (rst_task_is_zombie(t))
		return 0;
	ret = read_single(ctx->dfd, CR_FD_IDS, rst_img_pid(ctx, t->pid),
			  &task_kobj_ids_entry__descriptor, &t->ids);
	if (ret)
		return ret;
	ret = check_core(t->core, t->pid);
	if (ret)
		return ret;
	ret = read_single(ctx->dfd, CR_FD_MM, rst_img_pid(ctx, t->pid), &mm_entry__descriptor,
			  &t->mm);
	if (ret)
		return ret;
	ret = check_mm(ctx, t->mm, t->pid);
	if (ret)
		return ret;
	ret = read_extra(ctx, t);
	if (ret)
		return ret;
	ret = read_pagemap(ctx, t);
	if (ret)
		return ret;
	ret = read_fs(ctx, t);
	if (ret)
		return ret;
	ret = rst_read_thread_cores(ctx, t);
	if (ret)
		return ret;
	t->shares_files = shares_parent_files(ctx, t);
	if (t->shares_files) {
		pr_info("Task %d shares its parent's fd table (files id %u)\n", t->pid,
			t->ids->files_id);
		return 0; /* the parent restores the table's fds */
	}
	return read_fdinfo(ctx, t);
}

/* A set is complete when inventory.img is there, and intact when its sums check out. */
static int check_image_set(const struct rst_ctx *ctx)
{
	if (faccessat(ctx->dfd, "inventory.img", F_OK, 0)) {
		if (errno != ENOENT) {
			pr_perror("inventory.img: can't reach it in %s", ctx->ro->images_dir);
			return -EIO;
		}
		pr_err("No inventory.img in %s: the dump did not complete (it failed or was "
		       "killed), so these images are not a set that can be restored\n",
		       ctx->ro->images_dir);
		return -ENOENT;
	}
	return imgset_verify(ctx->dfd, ctx->ro->skip_checksums, ctx->ro->lazy_pages);
}

int rst_read_images(struct rst_ctx *ctx)
{
	size_t i;
	int ret;

	ret = check_image_set(ctx);
	if (ret)
		return ret;
	ret = read_inventory(ctx);
	if (ret)
		return ret;
	ret = read_pstree(ctx);
	if (ret)
		return ret;
	ret = read_files(ctx);
	if (ret)
		return ret;
	/* grown later by rst_add_helpers(): through the array helper from the start */
	if (ARRAY_RESERVE(ctx->tasks, 0, ctx->nr_pstree))
		return -ENOMEM;
	memset(ctx->tasks, 0, ctx->nr_pstree * sizeof(*ctx->tasks));
	ctx->nr_tasks = ctx->nr_pstree;
	for (i = 0; i < ctx->nr_tasks; i++) {
		ctx->tasks[i].pid = ctx->pstree[i]->pid;
		ctx->tasks[i].pstree = ctx->pstree[i];
		ret = read_task(ctx, &ctx->tasks[i]);
		if (ret)
			return ret;
	}
	ret = check_shared_tables(ctx);
	ret = ret ?: rst_check_cow(ctx);
	return ret ?: rst_add_helpers(ctx);
}

static void free_task(struct rst_task *t)
{
	if (t->ids)
		protobuf_c_message_free_unpacked(&t->ids->base, NULL);
	if (t->core)
		protobuf_c_message_free_unpacked(&t->core->base, NULL);
	if (t->mm)
		protobuf_c_message_free_unpacked(&t->mm->base, NULL);
	if (t->fs)
		protobuf_c_message_free_unpacked(&t->fs->base, NULL);
	if (t->extra)
		protobuf_c_message_free_unpacked(&t->extra->base, NULL);
	free_all((void **)t->pagemap, t->nr_pagemap);
	free_all((void **)t->fds, t->nr_fds);
	rst_free_thread_cores(t);
}

void rst_free_images(struct rst_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nr_tasks; i++) {
		free_task(&ctx->tasks[i]);
		if (ctx->tasks[i].helper)
			free(ctx->tasks[i].pstree); /* made up by rst_add_helpers() */
	}
	free(ctx->tasks);
	free_all((void **)ctx->files, ctx->nr_files);
	free_all((void **)ctx->pstree, ctx->nr_pstree);
	rst_pidns_free(ctx->pids);
	ctx->pids = NULL;
	if (ctx->inventory)
		protobuf_c_message_free_unpacked(&ctx->inventory->base, NULL);
	imgset_forget();
}

int cr_check_images(const struct restore_opts *ro)
{
	struct rst_ctx ctx = { .ro = ro, .dfd = ro->images_dfd };
	int ret = rst_read_images(&ctx);

	rst_free_images(&ctx);
	return ret;
}
