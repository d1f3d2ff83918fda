/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/cow-compare.c - a child's pages that carry data in full (images CRIU writes, or ours
 * with --cow-pages full) shared again with its parent where their content is the same.
 *
 * The child kept its parent's filled copy of the VMA (mem/cow.c, RST_COW_COMPARE). Each of
 * its pages is read from the pages file, as it would be anyway, and compared with the page
 * the parent has there: an equal page stays the parent's (CRIU's pages_skipped_cow), the
 * others are written over the copy (pages_restored). Only pages the parent's pagemap lists
 * are read in the copy: those are in place, the rest of it was dropped or never filled (a
 * read there would fault on the userfaultfd registered over the copy).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "restore-ctx.h"
#include "uffd-fill.h"
#include "mem.h"

struct compare_run {
	struct rst_mem *mem;
	int uffd;
	char *dst;	 /* the chunk in the copy */
	const char *buf; /* its pages as the image has them */
	size_t from;	 /* first byte of the pending run to write, or SIZE_MAX */
	uint64_t compared, shared, written;
};

static uint64_t pe_end(const PagemapEntry *pe)
{
	return pe->vaddr + (uint64_t)pe->nr_pages * RST_PAGE_SIZE;
}

/* From addr (below end): does p list it, and up to where does that answer hold? */
static uint64_t listed_until(const struct rst_task *p, uint64_t addr, uint64_t end, bool *listed)
{
	size_t lo = 0, hi = p->nr_pagemap;

	while (lo < hi) { /* the first entry ending above addr */
		size_t mid = (lo + hi) / 2;

		if (pe_end(p->pagemap[mid]) <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*listed = lo < p->nr_pagemap && p->pagemap[lo]->vaddr <= addr;
	if (lo < p->nr_pagemap)
		end = *listed ? (pe_end(p->pagemap[lo]) < end ? pe_end(p->pagemap[lo]) : end)
			      : (p->pagemap[lo]->vaddr < end ? p->pagemap[lo]->vaddr : end);
	return end;
}

/*
 * Write the pending run [from, to) of the chunk. With userfaultfd the parent's pages there
 * are dropped first and the new ones installed by UFFDIO_COPY (no copy-on-write fault per
 * page); without, memcpy breaks the sharing page by page.
 */
static int write_run(struct compare_run *r, size_t to)
{
	size_t from = r->from, len = to - from;

	if (from == SIZE_MAX || !len)
		return 0;
	r->from = SIZE_MAX;
	r->written += len / RST_PAGE_SIZE;
	if (r->uffd < 0) {
		memcpy(r->dst + from, r->buf + from, len);
		return 0;
	}
	if (madvise(r->dst + from, len, MADV_DONTNEED)) {
		pr_perror("Can't drop the parent's pages at %p+%#zx", r->dst + from, len);
		return -errno;
	}
	return rst_uffd_copy(r->uffd, r->dst + from, r->buf + from, len);
}

/* The chunk [0, len) at addr: compare what the parent has, write the rest. */
static int compare_chunk(struct compare_run *r, uint64_t addr, size_t len)
{
	const struct rst_task *p = r->mem->cow_parent;
	size_t at = 0, k;
	bool listed;
	int ret;

	r->from = SIZE_MAX;
	while (at < len) {
		size_t to = listed_until(p, addr + at, addr + len, &listed) - addr;

		if (!listed) {
			if (r->from == SIZE_MAX)
				r->from = at;
			at = to;
			continue;
		}
		for (k = at; k < to; k += RST_PAGE_SIZE) {
			r->compared++;
			if (memcmp(r->dst + k, r->buf + k, RST_PAGE_SIZE)) {
				if (r->from == SIZE_MAX)
					r->from = k;
				continue;
			}
			r->shared++;
			ret = write_run(r, k);
			if (ret)
				return ret;
		}
		at = to;
	}
	return write_run(r, len);
}

int rst_cow_compare_fill(struct rst_mem *mem, int uffd, int fd, const char *path, void *buf,
			 size_t buf_size, const struct rst_cow_piece *p)
{
	struct compare_run r = { .mem = mem, .uffd = uffd, .buf = buf };
	size_t done = 0;
	int ret = 0;

	while (!ret && done < p->len) {
		size_t n = p->len - done < buf_size ? p->len - done : buf_size;

		r.dst = (char *)p->dst + done;
		ret = rst_read_pages(fd, path, buf, n, p->off + done);
		ret = ret ?: compare_chunk(&r, p->addr + done, n);
		done += n;
	}
	__atomic_fetch_add(&mem->pages_compared, r.compared, __ATOMIC_RELAXED);
	__atomic_fetch_add(&mem->pages_shared, r.shared, __ATOMIC_RELAXED);
	__atomic_fetch_add(&mem->pages_restored, r.written, __ATOMIC_RELAXED);
	return ret;
}
