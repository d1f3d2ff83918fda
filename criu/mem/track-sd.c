/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/track-sd.c - write tracking with the kernel's soft-dirty bits (memtrack.h), where the
 * kernel has them (CONFIG_MEM_SOFT_DIRTY). Writing "4" to /proc/PID/clear_refs clears the
 * bit of every page of the task and write-protects it; the next write to the page sets it
 * again, as does anything that puts a new page there (a new or moved VMA shows all of its
 * pages set: VM_SOFTDIRTY). A dump in a chain clears the bits once it has the task's pages,
 * the tree still frozen, and leaves nothing in the task; the next dump reads pagemap bit 55
 * of each page. One exception: a read fault in anonymous memory after MADV_DONTNEED maps the
 * zero page (or the huge zero page) with no bit set, though the page is no longer what the
 * parent holds: such a page is saved as written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "image.h"
#include "log.h"
#include "memtrack.h"
#include "vma-status.h"

#define PG	      4096ul
#define PM_PRESENT    (1ull << 63)
#define PM_SWAP	      (1ull << 62)
#define PM_FILE	      (1ull << 61) /* a file page, or one not anonymous: the huge zero page */
#define PM_SOFT_DIRTY (1ull << 55)
#define PM_PFN	      ((1ull << 55) - 1)
#define SD_CHUNK      1024 /* pagemap words per pread */
#define SD_CLEAR      "4"  /* clear_refs: the soft-dirty bits */

static int write_clear_refs(pid_t pid)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/clear_refs", pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, SD_CLEAR, 1);
	close(fd);
	return n == 1 ? 0 : n < 0 ? -errno : -EIO;
}

static uint64_t self_pme(const void *addr)
{
	uint64_t pme = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &pme, sizeof(pme), (uintptr_t)addr / PG * 8) != sizeof(pme))
		pme = 0;
	close(fd);
	return pme;
}

/* In a child (clear_refs write-protects all of its memory): cleared, written, set. */
static int sd_child(void)
{
	volatile char *p =
		mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	p[0] = 1;
	if (write_clear_refs(getpid()) || (self_pme((void *)p) & PM_SOFT_DIRTY))
		return 1; /* still set: the bit means nothing here */
	p[0] = 2;
	return self_pme((void *)p) & PM_SOFT_DIRTY ? 0 : 1;
}

/* The zero page's frame, as a read fault of fresh anonymous memory maps it; 0: not shown. */
static uint64_t zero_page_pfn(void)
{
	volatile char *p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t pme;

	if (p == MAP_FAILED)
		return 0;
	(void)p[0];
	pme = self_pme((void *)p);
	munmap((void *)p, PG);
	return pme & PM_PRESENT ? pme & PM_PFN : 0;
}

int memtrack_sd_probe(uint64_t *zero_pfn)
{
	int status;
	pid_t pid;

	*zero_pfn = zero_page_pfn();
	if (!*zero_pfn)
		return -EPERM; /* PFNs hidden: the zero page can't be told */
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(sd_child());
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -ENOTSUP;
}

int memtrack_any_probe(void)
{
	uint64_t zero_pfn;

	return memtrack_probe() && memtrack_sd_probe(&zero_pfn) ? -ENOTSUP : 0;
}

int memtrack_choose_kind(struct memtrack_prev *mp)
{
	const char *force = getenv(MEMTRACK_ENV);

	mp->soft_dirty = !memtrack_sd_probe(&mp->zero_pfn);
	if (force && !strcmp(force, "pagemap-scan"))
		mp->kind = MEMTRACK_KIND__UFFD_WP;
	else if (force && strcmp(force, "soft-dirty")) {
		pr_err("%s=%s: not a kind of memory tracking (pagemap-scan, soft-dirty)\n",
		       MEMTRACK_ENV, force);
		return -EINVAL;
	} else if (force && !mp->soft_dirty) {
		pr_err("%s=soft-dirty, but this kernel keeps no soft-dirty bits "
		       "(CONFIG_MEM_SOFT_DIRTY), or hides page frames: unset it\n",
		       MEMTRACK_ENV);
		return -ENOTSUP;
	} else
		mp->kind = mp->soft_dirty ? MEMTRACK_KIND__SOFT_DIRTY : MEMTRACK_KIND__UFFD_WP;
	pr_info("Memory tracking: %s\n",
		mp->kind == MEMTRACK_KIND__SOFT_DIRTY ? "soft-dirty bits" : "PAGEMAP_SCAN");
	return 0;
}

void memtrack_sd_find(struct dump_ctx *dc)
{
	const struct memtrack_prev *mp = &dc->tree->mt;
	const MemtrackEntry *e = NULL;
	size_t i;

	for (i = 0; !e && i < mp->nr_trackers; i++)
		if (mp->trackers[i]->pid == (uint32_t)dc->pid &&
		    mp->trackers[i]->kind == MEMTRACK_KIND__SOFT_DIRTY)
			e = mp->trackers[i];
	if (!e)
		return;
	if (!mp->soft_dirty)
		pr_warn("Task %d: its pages were tracked by soft-dirty bits, which the kernel "
			"does not keep now: all of its memory is dumped\n",
			dc->pid);
	else if (!e->has_start_time || e->start_time != dc->stat.start_time)
		pr_warn("Task %d is not the task of that pid the previous dump tracked: all of "
			"its memory is dumped\n",
			dc->pid);
	else
		dc->mt.sd_continued = true;
}

/* One page's categories (MEMTRACK_*), 0: nothing there. */
static uint64_t sd_page_cats(uint64_t pme, bool file_private, uint64_t zero_pfn)
{
	uint64_t cats;

	/* a hole shows bit 55 where the VMA is new (VM_SOFTDIRTY): nothing to save there */
	if (pme & PM_SWAP)
		cats = MEMTRACK_SWAPPED; /* or a marker: pagemap is read again */
	else if (pme & PM_PRESENT)
		cats = MEMTRACK_PRESENT;
	else
		return 0;
	if (pme & PM_SOFT_DIRTY)
		cats |= MEMTRACK_WRITTEN;
	if (!(pme & PM_PRESENT))
		return cats;
	if ((pme & PM_FILE) && file_private)
		cats |= MEMTRACK_FILE; /* the file's own page, not a copy the task wrote */
	else if ((pme & PM_FILE) || (pme & PM_PFN) == zero_pfn)
		cats |= MEMTRACK_WRITTEN; /* a zero page where the parent may hold data */
	return cats;
}

int memtrack_sd_regions(const uint64_t *pme, size_t nr, uint64_t addr, bool file_private,
			uint64_t zero_pfn, struct memtrack_region **out, size_t *nr_out)
{
	struct memtrack_region *last;
	uint64_t cats;
	size_t i;

	for (i = 0; i < nr; i++, addr += PG) {
		cats = sd_page_cats(pme[i], file_private, zero_pfn);
		if (!cats)
			continue;
		last = *nr_out ? &(*out)[*nr_out - 1] : NULL;
		if (last && last->end == addr && last->cats == cats) {
			last->end += PG;
			continue;
		}
		if (ARRAY_ADD_ROOM(*out, *nr_out))
			return -ENOMEM;
		(*out)[(*nr_out)++] = (struct memtrack_region){ addr, addr + PG, cats };
	}
	return 0;
}

int memtrack_sd_vma_begin(struct dump_ctx *dc, size_t vi, int pagemap_fd, struct memtrack_cursor *c)
{
	const VmaEntry *v = dc->mm.vmas[vi];
	bool file_private = v->status & VMA_FILE_PRIVATE;
	uint64_t buf[SD_CHUNK], addr;
	size_t nr;
	int ret = 0;

	if (!memtrack_vma_candidate(v))
		return 0;
	for (addr = v->start; !ret && addr < v->end; addr += nr * PG) {
		nr = (v->end - addr) / PG < SD_CHUNK ? (v->end - addr) / PG : SD_CHUNK;
		if (pread(pagemap_fd, buf, nr * 8, addr / PG * 8) != (ssize_t)(nr * 8)) {
			pr_perror("Can't read the soft-dirty bits of task %d at %#llx", dc->pid,
				  (unsigned long long)addr);
			ret = -EIO;
			break;
		}
		ret = memtrack_sd_regions(buf, nr, addr, file_private, dc->tree->mt.zero_pfn,
					  &c->reg, &c->nr_reg);
	}
	if (ret) {
		memtrack_vma_end(c);
		return ret;
	}
	c->active = true;
	return 0;
}

int memtrack_task_arm(struct dump_ctx *dc)
{
	int ret;

	if (!memtrack_keeps(dc->tree) || dc->tree->mt.kind != MEMTRACK_KIND__SOFT_DIRTY)
		return 0;
	ret = write_clear_refs(dc->pid);
	if (ret) {
		pr_err("Can't clear the soft-dirty bits of task %d (/proc/%d/clear_refs): %s; "
		       "%s=pagemap-scan tracks with PAGEMAP_SCAN instead\n",
		       dc->pid, dc->pid, strerror(-ret), MEMTRACK_ENV);
		return ret;
	}
	dc->mt.sd_armed = true;
	return 0;
}

int memtrack_sd_write(const struct dump_ctx *dc, struct cr_img *img)
{
	MemtrackEntry e = MEMTRACK_ENTRY__INIT;

	if (!dc->mt.sd_armed)
		return 0;
	e.pid = dc->pid;
	e.fd = -1;
	e.has_kind = true;
	e.kind = MEMTRACK_KIND__SOFT_DIRTY;
	e.has_start_time = true;
	e.start_time = dc->stat.start_time;
	return pb_write_one(img, &e.base);
}
