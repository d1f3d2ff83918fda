/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/track-scan.c - the kernel side of write tracking (memtrack.h): PAGEMAP_SCAN over
 * /proc/PID/pagemap asks which pages of a range were written since they were last
 * write-protected (PAGE_IS_WRITTEN) and, in the same walk, protects them again
 * (PM_SCAN_WP_MATCHING). PM_SCAN_CHECK_WPASYNC makes the walk fail with EPERM on a VMA no
 * tracker covers (new since, or moved by mremap, which drops the registration): such a VMA
 * is saved in full. Also the cursor a dump walks a VMA's pages with, and criu check's probe.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "log.h"
#include "memtrack.h"
#include "vma-status.h"
#include "abi/uffd-wp.h"

#define SCAN_VEC 1024 /* regions per ioctl */
#define PG	 4096ul

bool memtrack_vma_candidate(const VmaEntry *v)
{
	if (v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR | VMA_AREA_VSYSCALL | VMA_AREA_AIORING))
		return false;
	if (v->flags & MAP_HUGETLB)
		return false; /* saved in full each time */
	return v->status & (VMA_ANON_PRIVATE | VMA_FILE_PRIVATE);
}

/*
 * cats: every page with something in it (present, swapped or a marker, written or not), with
 * those of its categories; 0: the written ones only (the kernel's fast path).
 */
static void scan_arg(struct pm_scan_arg *a, uint64_t start, uint64_t end, bool protect,
		     uint64_t cats, struct page_region *vec, size_t vec_len)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = PM_SCAN_CHECK_WPASYNC | (protect ? PM_SCAN_WP_MATCHING : 0);
	a->start = start;
	a->end = end;
	a->vec = (uintptr_t)vec;
	a->vec_len = vec_len;
	if (cats) {
		a->category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_WRITTEN;
		a->return_mask = cats;
	} else {
		a->category_mask = PAGE_IS_WRITTEN;
		a->return_mask = PAGE_IS_WRITTEN;
	}
}

static int add_region(struct memtrack_region **out, size_t *nr, const struct page_region *r)
{
	struct memtrack_region *last = *nr ? &(*out)[*nr - 1] : NULL;

	if (last && last->end == r->start && last->cats == r->categories) {
		last->end = r->end;
		return 0;
	}
	if (ARRAY_ADD_ROOM(*out, *nr))
		return -ENOMEM;
	(*out)[(*nr)++] = (struct memtrack_region){ r->start, r->end, r->categories };
	return 0;
}

int memtrack_scan(int pagemap_fd, uint64_t start, uint64_t end, bool protect, uint64_t cats,
		  struct memtrack_region **out, size_t *nr)
{
	struct page_region vec[SCAN_VEC];
	struct pm_scan_arg a;
	long n, i;
	int ret;

	*out = NULL;
	*nr = 0;
	while (start < end) {
		scan_arg(&a, start, end, protect, cats, vec, SCAN_VEC);
		n = ioctl(pagemap_fd, PAGEMAP_SCAN, &a);
		if (n < 0)
			return -errno; /* EPERM: not covered; the caller decides */
		for (i = 0; i < n; i++) {
			ret = add_region(out, nr, &vec[i]);
			if (ret)
				return ret;
		}
		if (a.walk_end <= start)
			return -EIO;
		start = a.walk_end;
	}
	return 0;
}

/* The walk stops at the first page: any page matches, and a VMA not covered fails first. */
bool memtrack_covered(int pagemap_fd, uint64_t start, uint64_t end)
{
	struct page_region one;
	struct pm_scan_arg a;

	scan_arg(&a, start, end, false, 0, &one, 1);
	a.category_mask = 0;
	a.max_pages = 1;
	return ioctl(pagemap_fd, PAGEMAP_SCAN, &a) >= 0;
}

/* The tracker's side: its written pages if it covered the VMA; protected again if it stays. */
static int scan_vma_begin(struct dump_ctx *dc, size_t vi, int pagemap_fd, struct memtrack_cursor *c)
{
	const struct memtrack_task *mt = &dc->mt;
	const VmaEntry *v = dc->mm.vmas[vi];
	bool protect = memtrack_keeps(dc->tree) && dc->tree->mt.kind == MEMTRACK_KIND__UFFD_WP;
	uint64_t cats;
	int ret;

	memset(c, 0, sizeof(*c));
	c->mt = mt;
	c->active = mt->continued && mt->vma_continued && mt->vma_continued[vi];
	if (mt->uffd < 0 || !memtrack_vma_candidate(v) || (!protect && !c->active))
		return 0;
	cats = !c->active			? 0
	       : (v->status & VMA_FILE_PRIVATE) ? MEMTRACK_CATS
						: MEMTRACK_CATS & ~MEMTRACK_FILE;
	ret = memtrack_scan(pagemap_fd, v->start, v->end, protect, cats, &c->reg, &c->nr_reg);
	if (!c->active || ret == -EPERM) {
		if (ret == -EPERM)
			pr_debug("%d: VMA %#llx-%#llx has no tracker: saved in full\n", dc->pid,
				 (unsigned long long)v->start, (unsigned long long)v->end);
		memtrack_vma_end(c); /* only the protection was wanted */
		return ret == -EPERM ? 0 : ret;
	}
	if (ret) {
		pr_err("Can't scan task %d's pages at %#llx-%#llx for writes (PAGEMAP_SCAN): %d\n",
		       dc->pid, (unsigned long long)v->start, (unsigned long long)v->end, ret);
		memtrack_vma_end(c);
		return ret;
	}
	while (c->pi < mt->nr_prev_pm &&
	       mt->prev_pm[c->pi]->vaddr + mt->prev_pm[c->pi]->nr_pages * PG <= v->start)
		c->pi++;
	return 0;
}

int memtrack_vma_begin(struct dump_ctx *dc, size_t vi, int pagemap_fd, struct memtrack_cursor *c)
{
	int ret = scan_vma_begin(dc, vi, pagemap_fd, c);

	if (ret || c->active || !dc->mt.sd_continued)
		return ret;
	return memtrack_sd_vma_begin(dc, vi, pagemap_fd, c);
}

uint64_t memtrack_parent_span(struct memtrack_cursor *c, uint64_t addr, uint64_t end, bool *in)
{
	const struct memtrack_task *mt = c->mt;
	const PagemapEntry *pe;

	while (c->pi < mt->nr_prev_pm &&
	       mt->prev_pm[c->pi]->vaddr + mt->prev_pm[c->pi]->nr_pages * PG <= addr)
		c->pi++;
	pe = c->pi < mt->nr_prev_pm ? mt->prev_pm[c->pi] : NULL;
	*in = pe && pe->vaddr <= addr;
	if (*in)
		return pe->vaddr + pe->nr_pages * PG < end ? pe->vaddr + pe->nr_pages * PG : end;
	return pe && pe->vaddr < end ? pe->vaddr : end;
}

void memtrack_vma_end(struct memtrack_cursor *c)
{
	free(c->reg);
	c->reg = NULL;
	c->nr_reg = 0;
	c->active = false;
}

static enum memtrack_span span_kind(uint64_t cats, bool file_private, bool in_parent)
{
	bool unchanged = in_parent && !(cats & MEMTRACK_WRITTEN);

	/* the write tracker's markers read as swapped too: pagemap tells them apart */
	if ((cats & MEMTRACK_SWAPPED) || !(cats & MEMTRACK_PRESENT))
		return unchanged ? MEMTRACK_SPAN_PAGEMAP_PARENT : MEMTRACK_SPAN_PAGEMAP;
	if (file_private && (cats & MEMTRACK_FILE))
		return MEMTRACK_SPAN_FILE;
	return unchanged ? MEMTRACK_SPAN_PARENT : MEMTRACK_SPAN_SAVE;
}

/*
 * The cursor's regions say where pages are and which were written: a page nobody wrote
 * that the parent holds is PE_PARENT, any other with data is saved.
 */
int memtrack_walk(struct memtrack_cursor *c, bool file_private, memtrack_span_fn fn, void *arg)
{
	uint64_t addr, to, cats;
	bool in_parent;
	size_t i;
	int ret;

	for (i = 0; i < c->nr_reg; i++) {
		cats = c->reg[i].cats;
		for (addr = c->reg[i].start; addr < c->reg[i].end; addr = to) {
			to = memtrack_parent_span(c, addr, c->reg[i].end, &in_parent);
			ret = fn(arg, addr, to, span_kind(cats, file_private, in_parent));
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* A page of our own, tracked, written: the scan must say so; protected again: not any more. */
static int probe_scan(int uffd, char *page)
{
	struct uffdio_register reg = { .range = { (uintptr_t)page, PG },
				       .mode = UFFDIO_REGISTER_MODE_WP };
	struct memtrack_region *w = NULL;
	size_t nr = 0;
	int fd, ret;

	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = memtrack_scan(fd, (uintptr_t)page, (uintptr_t)page + PG, true, 0, &w, &nr);
	free(w);
	page[0] = 1;
	ret = ret ?: memtrack_scan(fd, (uintptr_t)page, (uintptr_t)page + PG, true, 0, &w, &nr);
	if (!ret && nr != 1)
		ret = -ENOTSUP;
	free(w);
	ret = ret ?: memtrack_scan(fd, (uintptr_t)page, (uintptr_t)page + PG, false, 0, &w, &nr);
	if (!ret && nr != 0)
		ret = -ENOTSUP;
	free(w);
	close(fd);
	return ret;
}

int memtrack_probe(void)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED };
	char *page;
	int uffd, ret;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		return -errno;
	ret = ioctl(uffd, UFFDIO_API, &api) ? -errno : 0;
	page = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		ret = ret ?: -errno;
	else {
		page[0] = 0;
		ret = ret ?: probe_scan(uffd, page);
		munmap(page, PG);
	}
	close(uffd);
	return ret;
}
