/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/premap.c - rebuild a task's private memory before it leaves criu's code ("premap").
 *
 * Runs in the forked task, before it forks its children: those start with its filled copies
 * and keep the ones whose pages they share (mem/cow.c). Shared mappings (files, shared
 * anonymous memory, SysV attaches) are prepared after the fork (rst_map_shared()).
 *
 * First every target range is reserved with PROT_NONE
 * placeholders over its free parts, so nothing criu maps from then on (including the
 * premapped copies and the restorer) can land there. Then each private VMA is mapped
 * somewhere else, read-write, and filled from pages-N.img: anonymous ones by UFFDIO_COPY
 * (mem/uffd-fill.c), file-backed ones (or all, without userfaultfd) with large preadv()
 * calls. The restorer later moves the copies to their final addresses.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "array.h"
#include "image.h"
#include "lazy.h"
#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "tree.h"
#include "abi/restorer.h"
#include "uffd-fill.h"
#include "vma-status.h"
#include "mem.h"
#include "page-chain.h"
#include "proc-parse.h"
#include "files.h"
#include "hugetlb.h"
#include "plugin.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static uint32_t special_of(const char *path)
{
	if (!path)
		return 0;
	if (!strcmp(path, "[vdso]"))
		return VMA_AREA_VDSO;
	if (!strcmp(path, "[vvar]") || !strcmp(path, "[vvar_vclock]"))
		return VMA_AREA_VVAR;
	if (!strcmp(path, "[vsyscall]"))
		return VMA_AREA_VSYSCALL;
	return 0;
}

const VmaEntry *mm_vma_at(const MmEntry *mm, uint64_t addr)
{
	size_t lo = 0, hi = mm->n_vmas;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < mm->vmas[mid]->start)
			hi = mid;
		else if (addr >= mm->vmas[mid]->end)
			lo = mid + 1;
		else
			return mm->vmas[mid];
	}
	return NULL;
}

int rst_read_self_maps(struct rst_self_map **out, size_t *nr)
{
	struct proc_vma_list maps;
	struct rst_self_map *arr;
	size_t i;
	int ret;

	ret = parse_proc_maps(0, &maps);
	if (ret)
		return ret;
	arr = calloc(maps.nr ? maps.nr : 1, sizeof(*arr));
	if (!arr) {
		free_proc_vma_list(&maps);
		return -ENOMEM;
	}
	for (i = 0; i < maps.nr; i++) {
		arr[i].start = maps.vmas[i].start;
		arr[i].end = maps.vmas[i].end;
		arr[i].special = special_of(maps.vmas[i].path);
	}
	*out = arr;
	*nr = maps.nr;
	free_proc_vma_list(&maps);
	return 0;
}

static int place_holder(uint64_t start, uint64_t end)
{
	void *p;

	p = mmap((void *)start, end - start, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED) {
		pr_perror("Can't reserve %#lx-%#lx for the task's memory", (long)start, (long)end);
		return -errno;
	}
	return 0;
}

/* Cover [start, end) minus criu's own mappings with placeholders. */
static int reserve_range(const struct rst_self_map *self, size_t nr_self, uint64_t start,
			 uint64_t end)
{
	size_t i;
	int ret;

	for (i = 0; i < nr_self && start < end; i++) {
		if (self[i].end <= start)
			continue;
		if (self[i].start >= end)
			break;
		if (self[i].start > start) {
			ret = place_holder(start, self[i].start);
			if (ret)
				return ret;
		}
		start = self[i].end;
	}
	if (start < end)
		return place_holder(start, end);
	return 0;
}

/* Reserve every target range, adjacent VMAs as one range. */
static int reserve_targets(const MmEntry *mm)
{
	struct rst_self_map *self;
	size_t nr_self, i = 0;
	int ret;

	ret = rst_read_self_maps(&self, &nr_self);
	if (ret)
		return ret;
	while (i < mm->n_vmas) {
		uint64_t start = mm->vmas[i]->start, end = mm->vmas[i]->end;

		for (i++; i < mm->n_vmas && mm->vmas[i]->start == end; i++)
			end = mm->vmas[i]->end;
		ret = reserve_range(self, nr_self, start, end);
		if (ret)
			break;
	}
	free(self);
	return ret;
}

/*
 * Premap read-write only what will be written (dumped pages) or is writable anyway: the
 * kernel marks a private mapping accountable (smaps "ac") once it was writable, and a
 * never-written read-only area must not come back marked.
 */
static int premap_prot(const VmaEntry *v, bool has_pages)
{
	/* hugetlb memory is never accountable; a run of it (hugetlb_run()) may need writing */
	return has_pages || (v->prot & PROT_WRITE) || (v->flags & MAP_HUGETLB)
		       ? PROT_READ | PROT_WRITE
		       : PROT_READ;
}

/*
 * MAP_PRIVATE, or MAP_DROPPABLE for a droppable area (mmap's map type); hugetlb memory with
 * its page size (mmap then places it on a boundary of that size, as mremap wants it).
 */
static int premap_flags(const VmaEntry *v)
{
	return (v->flags & MAP_TYPE) |
	       (v->flags & (MAP_GROWSDOWN | MAP_NORESERVE | MAP_HUGETLB | HUGETLB_SIZE_BITS));
}

/* Private memory criu premaps; vdso and vvar (CRIU marks them private too) are the kernel's. */
static bool vma_private(const VmaEntry *v)
{
	return (v->status & (VMA_ANON_PRIVATE | VMA_FILE_PRIVATE)) &&
	       !(v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR));
}

static bool premap_anon(const VmaEntry *v)
{
	return vma_private(v) && !(v->status & (VMA_FILE_PRIVATE | VMA_AREA_SYSVIPC));
}

/*
 * Private anonymous hugetlb VMAs are pieces of one file (its offset shows in maps) when
 * they follow each other in memory and in the file: one premap, at that offset, gives them
 * back with their offsets. Any other hugetlb mapping is a file of its own.
 */
static size_t hugetlb_run(const MmEntry *mm, const struct rst_mem *mem, size_t i)
{
	const VmaEntry *first = mm->vmas[i], *prev = first;
	size_t n = 1;

	while (i + n < mm->n_vmas) {
		const VmaEntry *v = mm->vmas[i + n];

		if (!premap_anon(v) || mem->cow[i + n] || v->flags != first->flags ||
		    v->start != prev->end || v->pgoff != prev->pgoff + (prev->end - prev->start))
			break;
		prev = v;
		n++;
	}
	return n;
}

/*
 * How many VMAs from i on can share one anonymous premap: adjacent, with the same premap
 * protection and flags, none kept from the parent (mem/cow.c). Mapped as one, they are one
 * anon_vma with contiguous offsets, so the kernel merges the pieces again once they are
 * moved home and their final state matches; mapped apart, each piece stays a VMA of its
 * own forever (a heap restored N times would be N VMAs).
 */
static size_t anon_run(const MmEntry *mm, const struct rst_mem *mem, size_t i,
		       const bool *has_pages)
{
	const VmaEntry *first = mm->vmas[i];
	size_t n = 1;

	if (!premap_anon(first))
		return 1;
	if (first->flags & MAP_HUGETLB)
		return hugetlb_run(mm, mem, i);
	while (i + n < mm->n_vmas) {
		const VmaEntry *v = mm->vmas[i + n];

		if (!premap_anon(v) || mem->cow[i + n] || v->start != mm->vmas[i + n - 1]->end ||
		    premap_prot(v, has_pages[i + n]) != premap_prot(first, has_pages[i]) ||
		    premap_flags(v) != premap_flags(first))
			break;
		n++;
	}
	return n;
}

/* VMA i, or with len the run of VMAs from i that len covers, premapped as one mapping. */
static int premap_one(const struct rst_ctx *ctx, const VmaEntry *v, struct rst_vma *rv,
		      bool has_pages, uint64_t len)
{
	int flags = premap_flags(v);
	int prot = premap_prot(v, has_pages);
	int open_flags = v->has_fdflags ? (int)v->fdflags : O_RDONLY;
	uint64_t pgoff = v->pgoff;
	int fd = -1;
	void *p;

	if (v->status & VMA_FILE_PRIVATE) {
		fd = (v->status & VMA_EXT_PLUGIN)
			     ? plugin_device_vma_fd(ctx, v, open_flags, &pgoff, "device mapping")
			     : rst_open_reg(ctx, v->shmid, open_flags, "private file mapping");
		if (fd < 0)
			return fd;
	} else {
		flags |= MAP_ANONYMOUS;
	}
	/* anonymous hugetlb memory has a file too, mapped at the offset it had */
	p = mmap(NULL, len, prot, flags, fd, fd >= 0 || (flags & MAP_HUGETLB) ? pgoff : 0);
	if (p == MAP_FAILED) {
		pr_perror("Can't premap %#lx-%#lx%s", (long)v->start, (long)(v->start + len),
			  (flags & MAP_HUGETLB)
				  ? " (hugetlb: are there enough free huge pages? see "
				    "/proc/sys/vm/nr_hugepages)"
				  : "");
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	if (fd >= 0)
		close(fd);
	rv->kind = RST_VMA_PREMAPPED;
	rv->premap = (uint64_t)(unsigned long)p;
	return 0;
}

static void plan_vma(const VmaEntry *v, struct rst_vma *rv)
{
	rv->start = v->start;
	rv->end = v->end;
	rv->pgoff = v->pgoff;
	rv->prot = v->prot;
	rv->flags = v->flags;
	rv->madv = v->has_madv ? v->madv : 0;
	rv->fd = -1;
	if (v->status & VMA_AREA_VDSO)
		rv->kind = RST_VMA_VDSO;
	else if (v->status & VMA_AREA_VVAR)
		rv->kind = RST_VMA_VVAR;
}

/*
 * The file id's fd in the task's table (its files are made by now), or in its parent's if it
 * shares that: a copy above every task fd, for the restorer to map (it closes it).
 */
static int task_file_fd(const struct rst_ctx *ctx, const struct rst_task *t, uint32_t id,
			const char *what)
{
	size_t i, depth;
	int fd;

	for (depth = 0; t && depth <= ctx->nr_tasks; depth++) {
		for (i = 0; i < t->nr_fds; i++) {
			if (t->fds[i]->id != id)
				continue;
			fd = fcntl(t->fds[i]->fd, F_DUPFD_CLOEXEC, ctx->fd_top + 1);
			if (fd < 0)
				pr_perror("Can't take fd %d for a %s", t->fds[i]->fd, what);
			return fd < 0 ? -errno : fd;
		}
		if (!t->shares_files)
			break;
		t = rst_task_by_pid(ctx, t->pstree->ppid);
	}
	pr_err("A %s: file id %u is no fd of the task that maps it\n", what, id);
	return -ENOENT;
}

/* After the fork: shared mappings, each an fd the restorer maps in place, or an attach. */
static int prepare_shared(const struct rst_ctx *ctx, const struct rst_task *t, const VmaEntry *v,
			  struct rst_vma *rv)
{
	if (v->status & VMA_AREA_SYSVIPC)
		return rst_sysv_premap(v, rv);
	rv->kind = RST_VMA_FILE_SHARED;
	if (v->status & VMA_AREA_SOCKET) {
		rv->fd = task_file_fd(ctx, t, v->shmid, "packet socket mapping");
		return rv->fd < 0 ? rv->fd : 0;
	}
	if (v->status & VMA_ANON_SHARED) {
		rv->flags &= ~MAP_ANONYMOUS; /* mapped from the region's shmem file */
		rv->fd = rst_anon_shared_fd(ctx, t, v);
		return rv->fd < 0 ? rv->fd : 0;
	}
	if (v->status & VMA_EXT_PLUGIN)
		rv->fd = plugin_device_vma_fd(ctx, v, v->has_fdflags ? (int)v->fdflags : O_RDONLY,
					      &rv->pgoff, "shared device mapping");
	else
		rv->fd = rst_open_reg(ctx, v->shmid, v->has_fdflags ? (int)v->fdflags : O_RDONLY,
				      "shared file mapping");
	return rv->fd < 0 ? rv->fd : 0;
}

/* Which VMAs get dumped pages; pagemap entries are sorted, so is the walk. */
static bool *vmas_with_pages(const struct rst_task *t)
{
	const MmEntry *mm = t->mm;
	bool *has = calloc(mm->n_vmas ? mm->n_vmas : 1, sizeof(bool));
	size_t i, v = 0;

	for (i = 0; has && i < t->nr_pagemap; i++) {
		uint64_t start = t->pagemap[i]->vaddr;
		uint64_t end = start + (uint64_t)t->pagemap[i]->nr_pages * RST_PAGE_SIZE;

		while (v < mm->n_vmas && mm->vmas[v]->end <= start)
			v++;
		for (; v < mm->n_vmas && mm->vmas[v]->start < end; v++)
			has[v] = true;
		if (v)
			v--; /* the next entry may start in the same VMA */
	}
	return has;
}

/* Lay out the address space: keep what we share with the parent, reserve the targets. */
static int lay_out(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem)
{
	int ret;

	ret = rst_cow_adopt(ctx, t, mem);
	ret = ret ?: reserve_targets(t->mm);
	if (ret)
		return ret;
	ret = rst_cow_relocate(t, mem);
	/* a copy moved off a target range left a hole there */
	return ret > 0 ? reserve_targets(t->mm) : ret;
}

/* VMAs [i, i + n) of one anon_run(): one mapping, each VMA its slice of it. */
static int premap_run(const struct rst_ctx *ctx, const MmEntry *mm, struct rst_mem *mem,
		      const bool *has_pages, size_t i, size_t n)
{
	uint64_t base;
	size_t k;
	int ret;

	ret = premap_one(ctx, mm->vmas[i], &mem->vmas[i], has_pages[i],
			 mm->vmas[i + n - 1]->end - mm->vmas[i]->start);
	if (ret)
		return ret;
	base = mem->vmas[i].premap;
	for (k = i + 1; k < i + n; k++) {
		mem->vmas[k].kind = RST_VMA_PREMAPPED;
		mem->vmas[k].premap = base + (mm->vmas[k]->start - mm->vmas[i]->start);
	}
	return 0;
}

int rst_premap(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem)
{
	const MmEntry *mm = t->mm;
	bool *has_pages;
	size_t i, n;
	int ret;

	mem->nr_vmas = mm->n_vmas;
	mem->vmas = calloc(mm->n_vmas ? mm->n_vmas : 1, sizeof(*mem->vmas));
	mem->cow = calloc(mm->n_vmas ? mm->n_vmas : 1, 1);
	if (!mem->vmas || !mem->cow)
		return -ENOMEM;
	for (i = 0; i < mm->n_vmas; i++)
		plan_vma(mm->vmas[i], &mem->vmas[i]);
	ret = lay_out(ctx, t, mem);
	if (ret)
		return ret;
	has_pages = vmas_with_pages(t);
	if (!has_pages)
		return -ENOMEM;
	for (i = 0; !ret && i < mm->n_vmas; i += n) {
		n = 1;
		if (!vma_private(mm->vmas[i]) || mem->cow[i])
			continue;
		n = anon_run(mm, mem, i, has_pages);
		ret = premap_run(ctx, mm, mem, has_pages, i, n);
	}
	free(has_pages);
	return ret;
}

int rst_map_shared(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem)
{
	const MmEntry *mm = t->mm;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < mm->n_vmas; i++)
		if (!vma_private(mm->vmas[i]) && !mem->vmas[i].kind)
			ret = prepare_shared(ctx, t, mm->vmas[i], &mem->vmas[i]);
	rst_shmem_fini();
	return ret;
}

/* Index of the VMA holding addr; pagemap entries were checked to lie in premapped ones. */
static size_t vma_index(const struct rst_mem *mem, uint64_t addr)
{
	size_t lo = 0, hi = mem->nr_vmas;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < mem->vmas[mid].start)
			hi = mid;
		else if (addr >= mem->vmas[mid].end)
			lo = mid + 1;
		else
			return mid;
	}
	return 0;
}

/*
 * Fault the destination in first, in one call per run: the copy then runs without a page
 * fault per page, which about halves the fill time on a VM. Only dumped ranges are touched,
 * so the task's memory use stays what it was. Older kernels lack it: just go on.
 */
static void populate(const struct iovec *iov, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		madvise(iov[i].iov_base, iov[i].iov_len, MADV_POPULATE_WRITE);
}

/* Read nr iovecs' worth from the pages file at *off, retrying short reads. */
static int read_batch(int fd, const char *path, struct iovec *iov, int nr, off_t *off)
{
	populate(iov, nr);
	while (nr > 0) {
		ssize_t n = preadv(fd, iov, nr, *off);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			pr_perror("%s: can't read pages at offset %ld", path, (long)*off);
			return n < 0 ? -errno : -EIO;
		}
		*off += n;
		while (nr > 0 && (size_t)n >= iov->iov_len) {
			n -= iov->iov_len;
			iov++;
			nr--;
		}
		if (nr > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return 0;
}

/* A piece of the pages file and where it goes; the fill is a list of these. */
struct fill_seg {
	void *dst;
	int fd;		  /* the pages file: the task's own, or a parent's (page-chain.h) */
	const char *path; /* its name, for messages */
	off_t off;
	size_t len;
	size_t vma;    /* index of the target VMA it lies in */
	bool anon;     /* private anonymous: UFFDIO_COPY may fill it */
	bool compare;  /* in a copy kept from the parent, compared with it (mem/cow-compare.c) */
	uint64_t addr; /* target address of dst */
};

struct fill_work {
	int fd; /* the task's own pages file, -1 if it has none */
	const char *path;
	struct page_chain *chain; /* pages of the parent images */
	int uffd;		  /* -1: preadv only */
	struct rst_mem *mem;
	bool compare; /* some segments are compared: every filler needs a buffer */
	struct fill_seg *segs;
	size_t nr_segs;
	size_t next; /* next segment to take, shared by the fillers */
	int ret;
	pid_t helper_tid; /* the helper thread's, set by it */
};

#define FILL_SEG_MAX (16ul << 20)

/*
 * Register the premapped copy of every VMA that gets pages copied in with UFFDIO_COPY.
 * Without userfaultfd (or if registering fails) everything goes through preadv().
 */
static void uffd_setup(struct fill_work *w, const struct rst_mem *mem)
{
	size_t i, last = (size_t)-1;

	w->uffd = rst_uffd_open();
	for (i = 0; w->uffd >= 0 && i < w->nr_segs; i++) {
		const struct rst_vma *v = &mem->vmas[w->segs[i].vma];

		if (!w->segs[i].anon || w->segs[i].vma == last)
			continue;
		last = w->segs[i].vma;
		if (rst_uffd_register(w->uffd, (void *)(unsigned long)v->premap,
				      v->end - v->start)) {
			close(w->uffd);
			w->uffd = -1;
		}
	}
}

static int fill_one(struct fill_work *w, struct rst_uffd_stage *st, const struct fill_seg *s)
{
	struct iovec iov = { s->dst, s->len };
	off_t off = s->off;

	if (s->compare) {
		struct rst_cow_piece p = { s->dst, s->addr, off, s->len };

		return rst_cow_compare_fill(w->mem, w->uffd, s->fd, s->path, st->buf, st->size, &p);
	}
	if (w->uffd >= 0 && s->anon)
		return rst_uffd_fill(w->uffd, st, s->fd, s->path, s->dst, off, s->len);
	return read_batch(s->fd, s->path, &iov, 1, &off);
}

static void *filler(void *arg)
{
	struct rst_uffd_stage st = {};
	struct fill_work *w = arg;
	size_t i;
	int ret;

	ret = w->uffd >= 0 || w->compare ? rst_uffd_stage_init(&st) : 0;
	while (!ret && (i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->nr_segs)
		ret = fill_one(w, &st, &w->segs[i]);
	if (ret) {
		__atomic_store_n(&w->ret, ret, __ATOMIC_RELAXED);
		__atomic_store_n(&w->next, w->nr_segs, __ATOMIC_RELAXED);
	}
	rst_uffd_stage_fini(&st);
	return NULL;
}

static int add_seg(struct fill_work *w, const struct fill_seg *seg)
{
	struct fill_seg *last = w->nr_segs ? &w->segs[w->nr_segs - 1] : NULL;

	if (last && last->vma == seg->vma && (char *)last->dst + last->len == seg->dst &&
	    last->fd == seg->fd && last->off + (off_t)last->len == seg->off &&
	    last->len + seg->len <= FILL_SEG_MAX) {
		last->len += seg->len;
		return 0;
	}
	if (ARRAY_ADD_ROOM(w->segs, w->nr_segs))
		return -ENOMEM;
	w->segs[w->nr_segs++] = *seg;
	return 0;
}

/*
 * userfaultfd refuses droppable areas (MAP_DROPPABLE) and copies hugetlb memory only by
 * whole huge pages: those are read into
 */
static bool anon_private(const VmaEntry *v)
{
	return (v->status & VMA_ANON_PRIVATE) && !(v->status & VMA_FILE_PRIVATE) &&
	       (v->flags & MAP_TYPE) == MAP_PRIVATE && !(v->flags & MAP_HUGETLB);
}

/* Where the piece [addr, chunk_end) comes from: the own pages file, or the parents'. */
static int seg_source(struct fill_work *w, const PagemapEntry *pe, struct fill_seg *seg,
		      uint64_t addr, uint64_t *chunk_end, off_t *off)
{
	uint64_t len;
	int ret;

	if (rst_pe_has_data(pe)) {
		seg->fd = w->fd;
		seg->path = w->path;
		seg->off = *off;
		*off += *chunk_end - addr;
		return 0;
	}
	ret = page_chain_find(w->chain, 0, addr, *chunk_end - addr, &seg->fd, &seg->path, &seg->off,
			      &len);
	*chunk_end = addr + len;
	return ret;
}

/* Cut every pagemap entry into segments of at most FILL_SEG_MAX inside one VMA. */
static int plan_fill(struct fill_work *w, const struct rst_task *t, struct rst_mem *mem)
{
	size_t i;
	off_t off = 0;
	int ret;

	for (i = 0; i < t->nr_pagemap; i++) {
		uint64_t addr = t->pagemap[i]->vaddr;
		uint64_t end = addr + (uint64_t)t->pagemap[i]->nr_pages * RST_PAGE_SIZE;

		if (!rst_pe_has_data(t->pagemap[i]) && !(t->pagemap[i]->flags & RST_PE_CHAIN))
			continue; /* the parent task's, already in place */
		while (addr < end) {
			size_t vi = vma_index(mem, addr);
			const struct rst_vma *v = &mem->vmas[vi];
			uint64_t chunk_end = end < v->end ? end : v->end;
			struct fill_seg seg = {};

			if (chunk_end - addr > FILL_SEG_MAX)
				chunk_end = addr + FILL_SEG_MAX;
			/*
			 * The dumped vdso's pages: this kernel's vdso is moved there. A lazy
			 * VMA's: criu lazy-pages fills them (lazy.h).
			 */
			if (v->kind == RST_VMA_VDSO || (v->madv & RST_MADV_LAZY)) {
				if (rst_pe_has_data(t->pagemap[i]))
					off += chunk_end - addr;
				addr = chunk_end;
				continue;
			}
			ret = seg_source(w, t->pagemap[i], &seg, addr, &chunk_end, &off);
			if (ret)
				return ret;
			seg = (struct fill_seg){
				.dst = (void *)(unsigned long)(v->premap + (addr - v->start)),
				.fd = seg.fd,
				.path = seg.path,
				.off = seg.off,
				.len = chunk_end - addr,
				.vma = vi,
				.anon = anon_private(t->mm->vmas[vi]),
				.compare = mem->cow[vi] == RST_COW_COMPARE,
				.addr = addr,
			};
			ret = add_seg(w, &seg);
			if (ret)
				return ret;
			w->compare |= seg.compare;
			/* compared pages count as restored only where they differ */
			if (!seg.compare)
				mem->pages_restored += seg.len / RST_PAGE_SIZE;
			addr = chunk_end;
		}
	}
	return 0;
}

/*
 * Filling memory is most of a restore's time, and it runs faster on two cores than on one:
 * a helper thread takes segments alongside the task itself. The thread is joined (gone)
 * before the task goes on to the restorer.
 */
static void *helper_filler(void *arg)
{
	struct fill_work *w = arg;

	__atomic_store_n(&w->helper_tid, gettid(), __ATOMIC_RELEASE);
	return filler(w);
}

/*
 * pthread_join() returns when the kernel clears the thread's tid word, before the thread's
 * pid is released. The task's own threads are made next with their tids (clone3 set_tid),
 * and one of them may need this pid: wait until the kernel no longer finds the thread.
 */
static void wait_helper_released(const struct fill_work *w)
{
	pid_t tid = __atomic_load_n(&w->helper_tid, __ATOMIC_ACQUIRE);
	int i;

	for (i = 0; tid > 0 && i < 100000; i++) {
		if (syscall(SYS_tgkill, getpid(), tid, 0) && errno == ESRCH)
			return;
		sched_yield();
	}
	if (tid > 0)
		pr_warn("The page filler thread %d is still not released\n", tid);
}

static int fill_from(int fd, const char *path, struct page_chain *pc, const struct rst_task *t,
		     struct rst_mem *mem)
{
	struct fill_work w = { .fd = fd, .path = path, .chain = pc, .uffd = -1, .mem = mem };
	pthread_t helper;
	int ret, threaded = 0, held;

	ret = plan_fill(&w, t, mem);
	if (ret)
		goto out_free;
	uffd_setup(&w, mem);
	if (w.nr_segs > 1) {
		/* its pid would be one a steered clone wants (userns-inside.c) */
		held = rst_ns_pid_lock();
		threaded = !pthread_create(&helper, NULL, helper_filler, &w);
		rst_ns_pid_unlock(held);
	}
	filler(&w);
	if (threaded) {
		pthread_join(helper, NULL);
		wait_helper_released(&w);
	}
	ret = w.ret;
	if (w.uffd >= 0)
		close(w.uffd); /* unregisters: the task must not keep any trace of it */
out_free:
	free(w.segs);
	return ret;
}

int rst_fill_pages(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem)
{
	struct cr_img *img = NULL;
	struct page_chain pc;
	int ret;

	ret = rst_cow_drop_unshared(t, mem);
	if (ret || !t->nr_pagemap)
		return ret;
	rst_lazy_mark(ctx, t, mem);
	if (t->nr_pages) {
		img = open_image_at(ctx->dfd, CR_FD_PAGES, O_RSTR, t->pages_id);
		if (!img)
			return -EIO;
	}
	page_chain_init(&pc, ctx->dfd, rst_img_pid(ctx, t->pid));
	ret = fill_from(img ? img_raw_fd(img) : -1, img ? img_path(img) : NULL, &pc, t, mem);
	page_chain_fini(&pc);
	if (img)
		close_image(img);
	if (!ret)
		pr_info("restored %lu pages\n", (unsigned long)mem->pages_restored);
	return ret;
}
