/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/cow.c - private anonymous pages that a parent and its child still share copy-on-write
 * (nobody wrote them since the fork).
 *
 * Dump: a child's page is its parent's when both map the same page frame (or swap slot) at
 * the same address, in VMAs that match (vma_cow_match()). The page is saved once, in the
 * parent's images; the child's pagemap lists it with PE_PARENT and no data. CRIU 4.2 reads
 * PE_PARENT as "in the parent snapshot directory" and, with none, refuses the images rather
 * than restore the child wrong; so restore refuses PE_PARENT next to a snapshot link.
 *
 * Restore: a task premaps and fills its private memory before it forks, so each child starts
 * with its parent's filled copies. A child VMA that matches its parent's keeps the parent's
 * copy when the two have pages in common: it drops the pages it does not have
 * (MADV_DONTNEED) and writes its own over the copy; it unmaps the parent's other copies
 * before it lays out its own memory. Which pages are the parent's: with PE_PARENT pages in
 * the VMA (our images), those; else (images CRIU writes, or ours with --cow-pages full)
 * every page whose content equals the parent's copy, as CRIU finds them (cow-compare.c).
 * Documentation/cow-images.md tells why the two forms and how they fit with CRIU's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "compel/infect.h"
#include "dump.h"
#include "log.h"
#include "pagemap-flags.h"
#include "restore-ctx.h"
#include "abi/restorer.h"
#include "tree.h"
#include "vma-status.h"
#include "mem.h"

#define PM_PRESENT	 (1ull << 63)
#define PM_SWAP		 (1ull << 62)
#define PM_FRAME	 ((1ull << 55) - 1) /* page frame, or swap type and offset */
#define CRIU_PARENT_LINK "parent"	    /* CRIU's link to the previous snapshot's images */

bool vma_cow_match(const VmaEntry *p, const VmaEntry *c)
{
	/* vdso and vvar are the kernel's own pages, the same in every task */
	const uint32_t not_cow =
		VMA_FILE_PRIVATE | VMA_AREA_AIORING | VMA_AREA_VDSO | VMA_AREA_VVAR;

	/*
	 * A droppable area is wiped at fork: nothing in it is ever shared. Private hugetlb
	 * pages shared with the parent are dumped as the child's own (not yet otherwise).
	 */
	return p->start == c->start && p->end == c->end && p->prot == c->prot &&
	       p->flags == c->flags && p->status == c->status && (c->status & VMA_ANON_PRIVATE) &&
	       !(c->status & not_cow) && (c->flags & MAP_TYPE) == MAP_PRIVATE &&
	       !(c->flags & MAP_HUGETLB);
}

/* The VMA of mm that starts at start, or NULL; vmas are sorted. */
static const VmaEntry *vma_at(const MmEntry *mm, uint64_t start, size_t *idx)
{
	size_t lo = 0, hi = mm ? mm->n_vmas : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (start < mm->vmas[mid]->start) {
			hi = mid;
		} else if (start > mm->vmas[mid]->start) {
			lo = mid + 1;
		} else {
			if (idx)
				*idx = mid;
			return mm->vmas[mid];
		}
	}
	return NULL;
}

/* ---- dump ---- */

bool pme_same_page(uint64_t a, uint64_t b)
{
	uint64_t kind = PM_PRESENT | PM_SWAP;

	/* without CAP_SYS_ADMIN the frames read as 0: nothing is known to be shared then */
	return (a & kind) && (a & kind) == (b & kind) && (a & PM_FRAME) &&
	       (a & PM_FRAME) == (b & PM_FRAME);
}

bool pme_frame_hidden(uint64_t pme)
{
	return (pme & PM_PRESENT) && !(pme & PM_FRAME);
}

int dump_cow_open(struct dump_ctx *dc, struct dump_cow *cow)
{
	char path[64];
	size_t i;

	cow->mm = NULL;
	cow->pagemap_fd = -1;
	/* --cow-pages full: every page in the child's own images, as CRIU writes them */
	if (dc->opts && dc->opts->cow_pages == COW_PAGES_FULL)
		return 0;
	for (i = 0; i < dc->tree->nr_tasks && dc->ppid; i++) {
		const struct dump_ctx *p = dc->tree->tasks[i];

		if (p->pid == dc->ppid && p->seize_state != COMPEL_TASK_ZOMBIE && p->mm.n_vmas)
			cow->mm = &p->mm;
	}
	if (!cow->mm)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", dc->ppid);
	cow->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (cow->pagemap_fd < 0) {
		pr_perror("Can't open %s to find the pages task %d shares with it", path, dc->pid);
		return -errno;
	}
	return 0;
}

const VmaEntry *dump_cow_vma(const struct dump_cow *cow, const VmaEntry *v)
{
	const VmaEntry *p = vma_at(cow->mm, v->start, NULL);

	return p && vma_cow_match(p, v) ? p : NULL;
}

void dump_cow_close(struct dump_cow *cow)
{
	if (cow->pagemap_fd >= 0)
		close(cow->pagemap_fd);
	cow->pagemap_fd = -1;
}

/* ---- restore: the images ---- */

static bool pe_in_parent(const PagemapEntry *pe)
{
	return pe->has_flags && (pe->flags & PE_PARENT);
}

static uint64_t pe_end(const PagemapEntry *pe)
{
	return pe->vaddr + (uint64_t)pe->nr_pages * RST_PAGE_SIZE;
}

/* Index of t's first pagemap entry that ends above addr (entries are sorted). */
static size_t first_entry_above(const struct rst_task *t, uint64_t addr)
{
	size_t lo = 0, hi = t->nr_pagemap;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (pe_end(t->pagemap[mid]) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does t's pagemap give [addr, end) a page each (its own or its parent's)? */
static bool pages_listed(const struct rst_task *t, uint64_t addr, uint64_t end)
{
	size_t i;

	for (i = first_entry_above(t, addr); i < t->nr_pagemap && addr < end; i++) {
		if (t->pagemap[i]->vaddr > addr)
			return false;
		addr = pe_end(t->pagemap[i]);
	}
	return addr >= end;
}

static int check_entry(const struct rst_task *t, const struct rst_task *p, const PagemapEntry *pe)
{
	uint64_t addr = pe->vaddr, end = pe_end(pe);

	while (addr < end) {
		const VmaEntry *v = mm_vma_at(t->mm, addr), *pv;
		uint64_t to;

		pv = v && p && p->mm ? vma_at(p->mm, v->start, NULL) : NULL;
		if (!pv || !vma_cow_match(pv, v)) {
			pr_err("pagemap-%d.img: pages at %#lx are marked as its parent's "
			       "(PE_PARENT), but the parent has no matching mapping there: the "
			       "images do not belong together\n",
			       t->pid, (long)addr);
			return -EINVAL;
		}
		to = end < v->end ? end : v->end;
		if (!pages_listed(p, addr, to)) {
			pr_err("pagemap-%d.img: pages at %#lx-%#lx are marked as its parent's "
			       "(PE_PARENT), but pagemap-%d.img has no such pages: the images do "
			       "not belong together\n",
			       t->pid, (long)addr, (long)to, p->pid);
			return -EINVAL;
		}
		addr = to;
	}
	return 0;
}

int rst_check_cow(const struct rst_ctx *ctx)
{
	bool snapshot = !faccessat(ctx->dfd, CRIU_PARENT_LINK, F_OK, AT_SYMLINK_NOFOLLOW);
	size_t i, j;
	int ret;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *t = &ctx->tasks[i], *p;

		for (j = 0; j < t->nr_pagemap; j++) {
			if (!pe_in_parent(t->pagemap[j]))
				continue;
			if (snapshot) {
				pr_err("pagemap-%d.img: pages in a parent snapshot (incremental "
				       "dump, the \"%s\" link) are not supported yet\n",
				       t->pid, CRIU_PARENT_LINK);
				return -EOPNOTSUPP;
			}
			p = rst_task_by_pid(ctx, t->pstree->ppid);
			ret = check_entry(t, p && !rst_task_is_zombie(p) ? p : NULL, t->pagemap[j]);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- restore: in the task, before and after it lays out its memory ---- */

/* What this task's parent premapped, as the fork left it here (through any helper). */
static struct {
	const struct rst_task *task;
	const struct rst_mem *mem;
} handed;

void rst_cow_hand_down(const struct rst_task *t, const struct rst_mem *mem)
{
	handed.task = t;
	handed.mem = mem;
}

enum listed { LISTED_ANY, LISTED_DATA, LISTED_PARENT };

/* Does t's pagemap list a page in [start, end): any, one with data, one of its parent's? */
static bool lists_pages(const struct rst_task *t, uint64_t start, uint64_t end, enum listed which)
{
	size_t i;

	for (i = first_entry_above(t, start); i < t->nr_pagemap && t->pagemap[i]->vaddr < end;
	     i++) {
		const PagemapEntry *pe = t->pagemap[i];

		/* a page of parent images (page-chain.h) is data too, read from there */
		if (which == LISTED_ANY ||
		    (which == LISTED_DATA ? rst_pe_has_data(pe) || (pe->flags & RST_PE_CHAIN)
					  : pe_in_parent(pe)))
			return true;
	}
	return false;
}

/* The parent's premapped copy of a VMA matching v, its index in handed.mem, or -1. */
static ssize_t parent_copy(const struct rst_task *t, const VmaEntry *v)
{
	const struct rst_task *p = handed.task;
	const VmaEntry *pv;
	size_t pi;

	if (!handed.mem || !p || p->pid != (pid_t)t->pstree->ppid)
		return -1;
	pv = vma_at(p->mm, v->start, &pi);
	if (!pv || !vma_cow_match(pv, v) || handed.mem->vmas[pi].kind != RST_VMA_PREMAPPED)
		return -1;
	return pi;
}

/* Do a and b run the same program (one file, or two entries of one path)? */
static bool same_exe(const struct rst_ctx *ctx, const MmEntry *a, const MmEntry *b)
{
	const RegFileEntry *ra, *rb;

	if (a->exe_file_id == b->exe_file_id)
		return true;
	ra = rst_find_reg(ctx, a->exe_file_id);
	rb = rst_find_reg(ctx, b->exe_file_id);
	return ra && rb && !strcmp(ra->name, rb->name);
}

/* Did the dump find t's shared pages already (ours, --cow-pages once)? Then none is compared. */
static bool found_at_dump(const struct rst_task *t)
{
	return t->extra && t->extra->has_cow_pages_found && t->extra->cow_pages_found;
}

/*
 * Which of the parent's copies t keeps for v (RST_COW_*, its index in *pi), or -EINVAL when
 * v has PE_PARENT pages and no such copy. Without PE_PARENT, as CRIU: only where both run
 * the same program, and both have pages in v, may a page be shared.
 */
static int kept_copy(const struct rst_ctx *ctx, const struct rst_task *t, const VmaEntry *v,
		     ssize_t *pi)
{
	*pi = parent_copy(t, v);
	if (lists_pages(t, v->start, v->end, LISTED_PARENT)) {
		if (*pi >= 0)
			return RST_COW_LISTED;
		pr_err("Task %d can't find its parent's copy of %#lx-%#lx, whose pages it shares\n",
		       t->pid, (long)v->start, (long)v->end);
		return -EINVAL;
	}
	if (*pi < 0 || found_at_dump(t) || !same_exe(ctx, t->mm, handed.task->mm) ||
	    !lists_pages(t, v->start, v->end, LISTED_DATA) ||
	    !lists_pages(handed.task, v->start, v->end, LISTED_ANY))
		return RST_COW_NONE;
	return RST_COW_COMPARE;
}

int rst_cow_adopt(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem)
{
	const struct rst_mem *pm = handed.mem;
	bool *kept = pm ? calloc(pm->nr_vmas + 1, sizeof(bool)) : NULL;
	ssize_t pi;
	size_t i;
	int how;

	if (pm && !kept)
		return -ENOMEM;
	for (i = 0; i < mem->nr_vmas; i++) {
		how = kept_copy(ctx, t, t->mm->vmas[i], &pi);
		if (how < 0) {
			free(kept);
			return how;
		}
		if (how == RST_COW_NONE)
			continue;
		kept[pi] = true;
		mem->cow[i] = how;
		mem->vmas[i].kind = RST_VMA_PREMAPPED;
		mem->vmas[i].premap = pm->vmas[pi].premap;
		mem->cow_parent = handed.task;
	}
	/* the parent's other copies are not ours: out of the way before we lay out ours */
	for (i = 0; pm && i < pm->nr_vmas; i++)
		if (pm->vmas[i].kind == RST_VMA_PREMAPPED && !kept[i])
			munmap((void *)(unsigned long)pm->vmas[i].premap,
			       pm->vmas[i].end - pm->vmas[i].start);
	free(kept);
	handed.mem = NULL; /* gone from here on; ours is handed down in its turn */
	return 0;
}

static bool overlaps_target(const MmEntry *mm, uint64_t start, uint64_t end)
{
	size_t i;

	for (i = 0; i < mm->n_vmas; i++)
		if (mm->vmas[i]->start < end && mm->vmas[i]->end > start)
			return true;
	return false;
}

/*
 * A kept copy lies where the parent had room, which may be where this task has a mapping:
 * the restorer would move another area onto it before moving it home. Move it first.
 * Returns 1 if one moved: its old place needs reserving then.
 */
int rst_cow_relocate(const struct rst_task *t, struct rst_mem *mem)
{
	int moved = 0;
	size_t i;

	for (i = 0; i < mem->nr_vmas; i++) {
		struct rst_vma *v = &mem->vmas[i];
		uint64_t len = v->end - v->start;
		void *to, *p;

		if (!mem->cow[i] || !overlaps_target(t->mm, v->premap, v->premap + len))
			continue;
		to = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		p = to == MAP_FAILED ? MAP_FAILED
				     : mremap((void *)(unsigned long)v->premap, len, len,
					      MREMAP_MAYMOVE | MREMAP_FIXED, to);
		if (p == MAP_FAILED) {
			pr_perror("Can't move the copy of %#lx-%#lx shared with the parent",
				  (long)v->start, (long)v->end);
			return -errno;
		}
		v->premap = (uint64_t)(unsigned long)p;
		moved = 1;
	}
	return moved;
}

static int drop_range(const struct rst_vma *v, uint64_t from, uint64_t to, uint64_t *nr)
{
	if (from >= to)
		return 0;
	if (madvise((void *)(unsigned long)(v->premap + (from - v->start)), to - from,
		    MADV_DONTNEED)) {
		pr_perror("Can't drop the parent's pages at %#lx-%#lx", (long)from, (long)to);
		return -errno;
	}
	*nr += (to - from) / RST_PAGE_SIZE;
	return 0;
}

/*
 * In each kept copy only the pages that may be the parent's stay: those listed as the
 * parent's (RST_COW_LISTED), or any page t has (RST_COW_COMPARE: compared in the fill).
 */
int rst_cow_drop_unshared(const struct rst_task *t, struct rst_mem *mem)
{
	uint64_t dropped = 0;
	size_t i, j = 0;
	int ret = 0;

	for (i = 0; !ret && i < mem->nr_vmas; i++) {
		const struct rst_vma *v = &mem->vmas[i];
		uint64_t at = v->start;

		if (!mem->cow[i])
			continue;
		while (j < t->nr_pagemap && pe_end(t->pagemap[j]) <= v->start)
			j++;
		for (; !ret && j < t->nr_pagemap && t->pagemap[j]->vaddr < v->end; j++) {
			const PagemapEntry *pe = t->pagemap[j];
			uint64_t s = pe->vaddr > v->start ? pe->vaddr : v->start;
			uint64_t e = pe_end(pe) < v->end ? pe_end(pe) : v->end;

			if (mem->cow[i] == RST_COW_LISTED && !pe_in_parent(pe))
				continue;
			ret = drop_range(v, at, s, &dropped);
			if (pe_in_parent(pe))
				mem->pages_shared += (e - s) / RST_PAGE_SIZE;
			at = e;
			if (pe_end(pe) > v->end)
				break; /* it goes on into the next VMA */
		}
		ret = ret ?: drop_range(v, at, v->end, &dropped);
	}
	if (!ret && mem->pages_shared)
		pr_info("%lu pages still shared with the parent, %lu of its pages dropped\n",
			(unsigned long)mem->pages_shared, (unsigned long)dropped);
	return ret;
}
