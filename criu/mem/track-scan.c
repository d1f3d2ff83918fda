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

static void scan_arg(struct pm_scan_arg *a, uint64_t start, uint64_t end, bool protect,
		     struct page_region *vec, size_t vec_len)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = PM_SCAN_CHECK_WPASYNC | (protect ? PM_SCAN_WP_MATCHING : 0);
	a->start = start;
	a->end = end;
	a->vec = (uintptr_t)vec;
	a->vec_len = vec_len;
	a->category_mask = PAGE_IS_WRITTEN;
	a->return_mask = PAGE_IS_WRITTEN;
}

static int add_region(uint64_t **out, size_t *nr, uint64_t start, uint64_t end)
{
	if (*nr && (*out)[2 * *nr - 1] == start) {
		(*out)[2 * *nr - 1] = end;
		return 0;
	}
	if (ARRAY_RESERVE(*out, 2 * *nr, 2))
		return -ENOMEM;
	(*out)[2 * *nr] = start;
	(*out)[2 * *nr + 1] = end;
	(*nr)++;
	return 0;
}

int memtrack_scan(int pagemap_fd, uint64_t start, uint64_t end, bool protect, uint64_t **out,
		  size_t *nr)
{
	struct page_region vec[SCAN_VEC];
	struct pm_scan_arg a;
	long n, i;
	int ret;

	*out = NULL;
	*nr = 0;
	while (start < end) {
		scan_arg(&a, start, end, protect, vec, SCAN_VEC);
		n = ioctl(pagemap_fd, PAGEMAP_SCAN, &a);
		if (n < 0)
			return -errno; /* EPERM: not covered; the caller decides */
		for (i = 0; i < n; i++) {
			ret = add_region(out, nr, vec[i].start, vec[i].end);
			if (ret)
				return ret;
		}
		if (a.walk_end <= start)
			return -EIO;
		start = a.walk_end;
	}
	return 0;
}

bool memtrack_covered(int pagemap_fd, uint64_t start, uint64_t end)
{
	struct page_region one;
	struct pm_scan_arg a;

	scan_arg(&a, start, end, false, &one, 1);
	a.max_pages = 1;
	return ioctl(pagemap_fd, PAGEMAP_SCAN, &a) >= 0;
}

int memtrack_vma_begin(struct dump_ctx *dc, size_t vi, int pagemap_fd, struct memtrack_cursor *c)
{
	const struct memtrack_task *mt = &dc->mt;
	const VmaEntry *v = dc->mm.vmas[vi];
	bool protect = memtrack_keeps(dc->tree);
	int ret;

	memset(c, 0, sizeof(*c));
	c->mt = mt;
	c->active = mt->continued && mt->vma_continued && mt->vma_continued[vi];
	if (mt->uffd < 0 || !memtrack_vma_candidate(v) || (!protect && !c->active))
		return 0;
	ret = memtrack_scan(pagemap_fd, v->start, v->end, protect, &c->written, &c->nr_written);
	if (ret == -EPERM) {
		pr_debug("%d: VMA %#llx-%#llx has no tracker: saved in full\n", dc->pid,
			 (unsigned long long)v->start, (unsigned long long)v->end);
		free(c->written);
		c->written = NULL;
		c->active = false;
		return 0;
	}
	if (ret) {
		pr_err("Can't scan task %d's pages at %#llx-%#llx for writes (PAGEMAP_SCAN): %d\n",
		       dc->pid, (unsigned long long)v->start, (unsigned long long)v->end, ret);
		return ret;
	}
	while (c->pi < mt->nr_prev_pm &&
	       mt->prev_pm[c->pi]->vaddr + mt->prev_pm[c->pi]->nr_pages * PG <= v->start)
		c->pi++;
	return 0;
}

bool memtrack_page_unchanged(struct memtrack_cursor *c, uint64_t addr)
{
	const struct memtrack_task *mt = c->mt;

	if (!c->active)
		return false;
	while (c->wi < c->nr_written && c->written[2 * c->wi + 1] <= addr)
		c->wi++;
	if (c->wi < c->nr_written && c->written[2 * c->wi] <= addr)
		return false;
	while (c->pi < mt->nr_prev_pm &&
	       mt->prev_pm[c->pi]->vaddr + mt->prev_pm[c->pi]->nr_pages * PG <= addr)
		c->pi++;
	return c->pi < mt->nr_prev_pm && mt->prev_pm[c->pi]->vaddr <= addr;
}

void memtrack_vma_end(struct memtrack_cursor *c)
{
	free(c->written);
	c->written = NULL;
}

/* A page of our own, tracked, written: the scan must say so; protected again: not any more. */
static int probe_scan(int uffd, char *page)
{
	struct uffdio_register reg = { .range = { (uintptr_t)page, PG },
				       .mode = UFFDIO_REGISTER_MODE_WP };
	uint64_t *w = NULL;
	size_t nr = 0;
	int fd, ret;

	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = memtrack_scan(fd, (uintptr_t)page, (uintptr_t)page + PG, true, &w, &nr);
	free(w);
	page[0] = 1;
	ret = ret ?: memtrack_scan(fd, (uintptr_t)page, (uintptr_t)page + PG, true, &w, &nr);
	if (!ret && nr != 1)
		ret = -ENOTSUP;
	free(w);
	ret = ret ?: memtrack_scan(fd, (uintptr_t)page, (uintptr_t)page + PG, false, &w, &nr);
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
