/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/chain.c - pages through the "parent" links of a chain of dumps (page-chain.h): each
 * level is a parent images directory with the task's pagemap and the offset of each entry's
 * data in its pages file (the running sum of the entries before it that hold data there).
 * Levels are read when a lookup first needs them. Also criu dedup: the pages a set holds
 * itself are not needed in its parents any more, so their copies there become holes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "image.h"
#include "log.h"
#include "page-chain.h"
#include "pagemap-flags.h"

#define PG 4096ull

struct page_chain_level {
	int dfd;
	PagemapEntry **pm;
	size_t nr;
	off_t *off; /* where entry i's data starts in the pages file; -1: a parent's */
	int pages_fd;
	char path[96];
};

static bool pe_chained(const PagemapEntry *pe)
{
	return (pe->has_flags && (pe->flags & PE_PARENT)) || (pe->has_in_parent && pe->in_parent);
}

bool page_chain_linked(int dfd)
{
	return !faccessat(dfd, "parent", F_OK, AT_SYMLINK_NOFOLLOW);
}

void page_chain_init(struct page_chain *pc, int dfd, pid_t pid)
{
	memset(pc, 0, sizeof(*pc));
	pc->dfd = dfd;
	pc->pid = pid;
}

static void level_fini(struct page_chain_level *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		pagemap_entry__free_unpacked(l->pm[i], NULL);
	free(l->pm);
	free(l->off);
	if (l->pages_fd >= 0)
		close(l->pages_fd);
	if (l->dfd >= 0)
		close(l->dfd);
}

void page_chain_fini(struct page_chain *pc)
{
	size_t i;

	for (i = 0; i < pc->nr; i++)
		level_fini(&pc->lv[i]);
	free(pc->lv);
	pc->lv = NULL;
	pc->nr = 0;
}

/* The level's entries, checked as the restore checks its own, and their data offsets. */
static int read_level_pagemap(struct page_chain *pc, struct page_chain_level *l, uint32_t *id)
{
	PagemapHead *head = NULL;
	uint64_t prev_end = 0;
	off_t data = 0;
	PagemapEntry *pe;
	struct cr_img *img;
	int ret;

	img = open_image_at(l->dfd, CR_FD_PAGEMAP, O_RSTR, pc->pid);
	if (!img)
		return -EIO;
	ret = pb_read_one(img, &pagemap_head__descriptor, (ProtobufCMessage **)&head);
	while (!ret && (ret = pb_read_one_eof(img, &pagemap_entry__descriptor,
					      (ProtobufCMessage **)&pe)) > 0) {
		ret = 0;
		pe->nr_pages = pagemap_nr_pages(pe);
		if (pe->vaddr % PG || pe->vaddr < prev_end || !pe->nr_pages ||
		    ARRAY_ADD_ROOM(l->pm, l->nr) || ARRAY_ADD_ROOM(l->off, l->nr)) {
			pr_err("pagemap-%d.img of parent images (level %zu): bad or unsorted entry "
			       "at %#llx\n",
			       pc->pid, pc->nr + 1, (unsigned long long)pe->vaddr);
			pagemap_entry__free_unpacked(pe, NULL);
			ret = -EINVAL;
			break;
		}
		prev_end = pe->vaddr + pe->nr_pages * PG;
		l->off[l->nr] = pe_chained(pe) ? -1 : data;
		if (!pe_chained(pe))
			data += pe->nr_pages * PG;
		l->pm[l->nr++] = pe;
	}
	if (head) {
		*id = head->pages_id;
		pagemap_head__free_unpacked(head, NULL);
	}
	close_image(img);
	return ret < 0 ? ret : 0;
}

static int open_level(struct page_chain *pc)
{
	int from = pc->nr ? pc->lv[pc->nr - 1].dfd : pc->dfd;
	struct page_chain_level *l;
	char name[64];
	uint32_t id = 0;
	int ret;

	if (pc->nr == PAGE_CHAIN_MAX || ARRAY_ADD_ROOM(pc->lv, pc->nr)) {
		pr_err("Too many parent images (a loop of \"parent\" links?)\n");
		return -ELOOP;
	}
	l = &pc->lv[pc->nr];
	memset(l, 0, sizeof(*l));
	l->pages_fd = -1;
	if (!pc->nr && pc->self)
		l->dfd = fcntl(pc->dfd, F_DUPFD_CLOEXEC, 0);
	else
		l->dfd = openat(from, "parent", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->dfd < 0) {
		pr_perror("pagemap-%d.img has pages in the parent images, but the \"parent\" link "
			  "(level %zu) does not lead to them",
			  pc->pid, pc->nr + 1);
		return -ENOENT;
	}
	ret = read_level_pagemap(pc, l, &id);
	img_name(CR_FD_PAGES, id, name, sizeof(name));
	snprintf(l->path, sizeof(l->path), "%s (parent images, level %zu)", name, pc->nr + 1);
	if (!ret) {
		l->pages_fd = openat(l->dfd, name, (pc->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
		if (l->pages_fd < 0) {
			pr_perror("Can't open %s", l->path);
			ret = -errno;
		}
	}
	pc->nr++; /* level_fini() cleans it up whatever happened */
	return ret;
}

/* Index of l's entry holding addr, or -1. */
static long level_entry(const struct page_chain_level *l, uint64_t addr)
{
	size_t lo = 0, hi = l->nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < l->pm[mid]->vaddr)
			hi = mid;
		else if (addr >= l->pm[mid]->vaddr + l->pm[mid]->nr_pages * PG)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

/* As page_chain_find(), but a page no level has is -ENOENT, unsaid. */
static int chain_find(struct page_chain *pc, size_t from, uint64_t addr, uint64_t max, int *fd,
		      const char **path, off_t *off, uint64_t *len)
{
	size_t lvl;

	for (lvl = from;; lvl++) {
		struct page_chain_level *l;
		uint64_t end;
		long i;
		int ret;

		if (lvl == pc->nr) {
			ret = open_level(pc);
			if (ret)
				return ret;
		}
		l = &pc->lv[lvl];
		i = level_entry(l, addr);
		if (i < 0)
			return -ENOENT;
		end = l->pm[i]->vaddr + l->pm[i]->nr_pages * PG;
		if (end - addr < max)
			max = end - addr;
		if (l->off[i] < 0)
			continue; /* further up */
		*fd = l->pages_fd;
		*path = l->path;
		*off = l->off[i] + (addr - l->pm[i]->vaddr);
		*len = max;
		return 0;
	}
}

int page_chain_find(struct page_chain *pc, size_t from, uint64_t addr, uint64_t max, int *fd,
		    const char **path, off_t *off, uint64_t *len)
{
	int ret = chain_find(pc, from, addr, max, fd, path, off, len);

	if (ret == -ENOENT && pc->self)
		pr_err("Task %d: no page at %#llx in these images or their parents\n", pc->pid,
		       (unsigned long long)addr);
	else if (ret == -ENOENT)
		pr_err("Task %d: the page at %#llx is in the parent images, but no pagemap-%d.img "
		       "there has it\n",
		       pc->pid, (unsigned long long)addr, pc->pid);
	return ret;
}

/* Punch the parents' copies of [addr, end), which the set holds itself. */
static int dedup_range(struct page_chain *pc, uint64_t addr, uint64_t end, uint64_t *punched)
{
	const char *path;
	uint64_t len;
	off_t off;
	int fd, ret;

	while (addr < end) {
		ret = chain_find(pc, 0, addr, end - addr, &fd, &path, &off, &len);
		if (ret == -ENOENT) {
			addr += PG; /* new since the parent: nothing there */
			continue;
		}
		if (ret)
			return ret;
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len)) {
			pr_perror("Can't punch %llu bytes out of %s", (unsigned long long)len,
				  path);
			return -errno;
		}
		*punched += len / PG;
		addr += len;
	}
	return 0;
}

static int dedup_task(int dfd, pid_t pid)
{
	struct page_chain pc;
	uint64_t punched = 0;
	PagemapHead *head = NULL;
	PagemapEntry *pe;
	struct cr_img *img;
	int ret;

	img = open_image_at(dfd, CR_FD_PAGEMAP, O_RSTR, pid);
	if (!img)
		return -EIO;
	page_chain_init(&pc, dfd, pid);
	pc.writable = true;
	ret = pb_read_one(img, &pagemap_head__descriptor, (ProtobufCMessage **)&head);
	while (!ret && (ret = pb_read_one_eof(img, &pagemap_entry__descriptor,
					      (ProtobufCMessage **)&pe)) > 0) {
		ret = pe_chained(pe) ? 0
				     : dedup_range(&pc, pe->vaddr,
						   pe->vaddr + pagemap_nr_pages(pe) * PG, &punched);
		pagemap_entry__free_unpacked(pe, NULL);
	}
	if (head)
		pagemap_head__free_unpacked(head, NULL);
	page_chain_fini(&pc);
	close_image(img);
	if (ret >= 0)
		pr_info("dedup: %llu pages of task %d punched out of the parent images\n",
			(unsigned long long)punched, pid);
	return ret < 0 ? ret : 0;
}

int cr_dedup(int dfd)
{
	struct dirent *de;
	int ret = 0, n, pid;
	DIR *d;

	if (!page_chain_linked(dfd)) {
		pr_info("dedup: no parent images (\"parent\" link): nothing to do\n");
		return 0;
	}
	d = fdopendir(dup(dfd));
	if (!d) {
		pr_perror("Can't read the images directory");
		return -errno;
	}
	while (!ret && (de = readdir(d)))
		if (sscanf(de->d_name, "pagemap-%d.img%n", &pid, &n) == 1 && !de->d_name[n])
			ret = dedup_task(dfd, pid);
	closedir(d);
	return ret;
}
