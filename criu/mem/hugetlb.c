/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/hugetlb.c - hugetlb memory (see hugetlb.h): page sizes and their flags, which hugetlb
 * mappings the dump takes, their content in and out of the images, and the restore's
 * check of a hugetlb VMA. The VMAs themselves are private anonymous memory, shared
 * anonymous memory (mem/shmem.c), memfd (files/memfd.c) or SysV (mem/sysv-shm.c) mappings
 * with the hugetlb flags: those files do the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "dump.h"
#include "hugetlb.h"
#include "image.h"
#include "log.h"
#include "pagemap-flags.h"
#include "proc-parse.h"
#include "vma-status.h"

#include "pagemap.pb-c.h"

#define PG	   4096ull
#define READ_CHUNK (2ull << 20) /* bytes read at a time, whatever the page size */

uint32_t hugetlb_size_flag(uint64_t page_size)
{
	return (uint32_t)__builtin_ctzll(page_size) << HUGETLB_SHIFT;
}

/* "Hugepagesize:" of /proc/meminfo: the size MAP_HUGETLB without size bits gets */
static uint64_t default_page_size(void)
{
	char line[128];
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Hugepagesize: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb << 10;
}

uint64_t hugetlb_flag_page_size(uint32_t flags)
{
	uint32_t shift = (flags & HUGETLB_SIZE_BITS) >> HUGETLB_SHIFT;

	return shift ? 1ull << shift : default_page_size();
}

bool hugetlb_size_supported(uint64_t page_size)
{
	char path[96];

	if (page_size <= PG || (page_size & (page_size - 1)))
		return false;
	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%llukB",
		 (unsigned long long)(page_size >> 10));
	return !access(path, F_OK);
}

int64_t hugetlb_fd_page_size(int fd)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(fd, &sfs) || fstat(fd, &st)) {
		pr_perror("Can't tell whether fd %d is on hugetlbfs", fd);
		return -errno;
	}
	/* hugetlbfs gives its files the huge page size as their block size */
	return sfs.f_type == HUGETLBFS_MAGIC ? (int64_t)st.st_blksize : 0;
}

/* ---- dump ---- */

bool vma_is_anon_hugetlb(const struct proc_vma *pv)
{
	return (pv->vmflags & PROC_VMF_HUGETLB) && pv->deleted && pv->path &&
	       !strcmp(pv->path, "/anon_hugepage");
}

int hugetlb_vma_check(const struct proc_vma *pv)
{
	const char *path = pv->path ? pv->path : "(no file)";

	if (!vma_is_anon_hugetlb(pv) &&
	    !(pv->deleted && pv->path &&
	      (!strncmp(path, "/memfd:", 7) || !strncmp(path, "/SYSV", 5)))) {
		pr_err("Mapping %llx-%llx of %s is a hugetlbfs file mapping: not supported yet "
		       "(anonymous, memfd and SysV hugetlb memory are)\n",
		       (unsigned long long)pv->start, (unsigned long long)pv->end, path);
		return -EOPNOTSUPP;
	}
	if (!hugetlb_size_supported(pv->page_size) || (pv->start | pv->end) % pv->page_size) {
		pr_err("Mapping %llx-%llx of %s is hugetlb memory with pages of %llu bytes (smaps "
		       "KernelPageSize), which it is not aligned to or this kernel lacks\n",
		       (unsigned long long)pv->start, (unsigned long long)pv->end, path,
		       (unsigned long long)pv->page_size);
		return -EINVAL;
	}
	return 0;
}

static bool page_is_zero(const unsigned char *p)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < PG / sizeof(*w); i++)
		if (w[i])
			return false;
	return true;
}

/* Read len bytes at off, all of them: a short read is an error here. */
static int read_all(int fd, void *buf, size_t len, uint64_t off, const char *what)
{
	ssize_t n;

	while (len) {
		n = pread(fd, buf, len, off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			pr_perror("Can't read %s at %#" PRIx64, what, off);
			return n < 0 ? -errno : -EIO;
		}
		buf = (char *)buf + n;
		len -= n;
		off += n;
	}
	return 0;
}

struct content_run {
	uint64_t start, nr; /* pages with data, from file offset start */
};

static int end_run(struct cr_img *pm, struct content_run *r)
{
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;

	if (!r->nr)
		return 0;
	pe.vaddr = r->start;
	pagemap_set_nr_pages(&pe, r->nr);
	pe.has_flags = 1;
	pe.flags = PE_PRESENT;
	r->nr = 0;
	return pb_write_one(pm, &pe.base);
}

/*
 * The pages of buf (len bytes at file offset off) with data go to pages, their runs to pm;
 * a run may go on from the chunk before. True in *data if any page had data; *written
 * counts the pages written.
 */
static int write_chunk(struct cr_img *pm, struct cr_img *pages, const unsigned char *buf,
		       uint64_t off, size_t len, struct content_run *r, bool *data,
		       uint64_t *written)
{
	size_t k, n = len / PG, first = n; /* first page of the run in this chunk; n: none */
	int ret = 0;

	for (k = 0; !ret && k < n; k++) {
		if (!page_is_zero(buf + k * PG)) {
			if (!r->nr)
				r->start = off + k * PG;
			if (first == n)
				first = k;
			r->nr++;
			*data = true;
			continue;
		}
		if (first < n) {
			ret = img_write_buf(pages, buf + first * PG, (k - first) * PG);
			*written += k - first;
		}
		first = n;
		ret = ret ?: end_run(pm, r);
	}
	if (!ret && first < n) {
		ret = img_write_buf(pages, buf + first * PG, (n - first) * PG);
		*written += n - first;
	}
	return ret;
}

/* Huge pages the file holds (st_blocks): once that many held data, the rest are holes. */
static int64_t held_pages(int fd, uint64_t page_size)
{
	struct stat st;

	if (fstat(fd, &st)) {
		pr_perror("Can't stat a hugetlbfs file");
		return -errno;
	}
	return (int64_t)((uint64_t)st.st_blocks * 512 / page_size);
}

int hugetlb_write_content(struct cr_img *pm, struct cr_img *pages, int fd, uint64_t size,
			  struct dump_stats *st)
{
	int64_t page_size = hugetlb_fd_page_size(fd), held = 0, seen = 0;
	struct content_run run = { 0, 0 };
	unsigned char *buf = NULL;
	bool data = false; /* the current huge page had data */
	uint64_t off, chunk;
	int ret;

	if (page_size <= 0)
		return page_size ? (int)page_size : -EINVAL;
	held = held_pages(fd, page_size);
	/* a chunk lies in one huge page */
	chunk = (uint64_t)page_size < READ_CHUNK ? (uint64_t)page_size : READ_CHUNK;
	buf = held > 0 ? malloc(chunk) : NULL;
	ret = held < 0 ? (int)held : (held && !buf ? -ENOMEM : 0);
	for (off = 0; !ret && off < size && !(off % page_size == 0 && seen >= held); off += chunk) {
		bool had = false;

		if (off % page_size == 0)
			data = false;
		/* hugetlbfs reads a page it does not hold as zeros, allocating nothing */
		ret = read_all(fd, buf, chunk, off, "a hugetlbfs file");
		if (!ret)
			ret = write_chunk(pm, pages, buf, off, chunk, &run, &had,
					  &st->shpages_written);
		if (had && !data) {
			data = true;
			seen++; /* data in this huge page: it is one the file holds */
		}
	}
	ret = ret ?: end_run(pm, &run);
	free(buf);
	return ret;
}

/* ---- restore ---- */

/* Read nr pages of the pages file and drop them: nothing maps them any more. */
static int skip_pages(struct cr_img *pages, uint64_t nr)
{
	static unsigned char scratch[PG];
	int ret = 0;

	while (!ret && nr--)
		ret = img_read_buf(pages, scratch, PG);
	return ret;
}

int hugetlb_fill(struct cr_img *pm, struct cr_img *pages, int fd, uint64_t size)
{
	unsigned char *map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	PagemapEntry *pe;
	int ret;

	if (map == MAP_FAILED) {
		pr_perror("Can't map %" PRIu64 " bytes of hugetlb memory to fill it (are there "
			  "enough free huge pages? see /proc/sys/vm/nr_hugepages)",
			  size);
		return -errno;
	}
	while ((ret = pb_read_one_eof(pm, &pagemap_entry__descriptor, (ProtobufCMessage **)&pe)) >
	       0) {
		uint64_t nr = pagemap_nr_pages(pe), at = pe->vaddr, in = 0;

		protobuf_c_message_free_unpacked(&pe->base, NULL);
		if (at % PG || nr > UINT64_MAX / PG || at > UINT64_MAX - nr * PG) {
			pr_err("%s: bad entry at %#" PRIx64 " (%" PRIu64 " pages)\n", img_path(pm),
			       at, nr);
			ret = -EINVAL;
			break;
		}
		/*
		 * Pages past size: a shared region whose end no task maps any more (its file
		 * was larger); no task can reach them, they are dropped.
		 */
		if (at < size)
			in = (size - at) / PG < nr ? (size - at) / PG : nr;
		/* the copy faults the huge pages in: hugetlbfs has no write() */
		ret = in ? img_read_buf(pages, map + at, in * PG) : 0;
		ret = ret ?: skip_pages(pages, nr - in);
		if (ret)
			break;
	}
	munmap(map, size);
	return ret;
}

static bool kind_allowed(const VmaEntry *v)
{
	if (v->status & (VMA_AREA_VDSO | VMA_AREA_VVAR | VMA_AREA_AIORING))
		return false;
	if (v->status & (VMA_ANON_PRIVATE | VMA_ANON_SHARED | VMA_AREA_SYSVIPC))
		return true;
	return (v->status & VMA_AREA_MEMFD) && (v->status & (VMA_FILE_SHARED | VMA_FILE_PRIVATE));
}

int rst_check_hugetlb_vma(const VmaEntry *v, pid_t pid)
{
	uint64_t ps = hugetlb_flag_page_size(v->flags);

	if (!kind_allowed(v)) {
		pr_err("mm-%d.img: VMA %#lx-%#lx (status %#x) is hugetlb memory of a kind this "
		       "criu can't restore\n",
		       pid, (long)v->start, (long)v->end, v->status);
		return -EOPNOTSUPP;
	}
	if (!hugetlb_size_supported(ps)) {
		pr_err("mm-%d.img: VMA %#lx-%#lx is hugetlb memory of %" PRIu64 " kB pages, which "
		       "this kernel does not have\n",
		       pid, (long)v->start, (long)v->end, ps >> 10);
		return -EOPNOTSUPP;
	}
	if ((v->start | v->end | v->pgoff) % ps) {
		pr_err("mm-%d.img: hugetlb VMA %#lx-%#lx (offset %#lx) is not aligned to its "
		       "%" PRIu64 " kB pages\n",
		       pid, (long)v->start, (long)v->end, (long)v->pgoff, ps >> 10);
		return -EINVAL;
	}
	return 0;
}
