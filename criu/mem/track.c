/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/track.c - the write trackers of a pre-dump chain (memtrack.h): the parent link and
 * memtrack.img, and each task's tracker: found again and checked, or made in the task by
 * remote syscalls (userfaultfd(), then moved up to a high fd number so that it stays out of
 * the task's way), its VMAs registered in write-protect mode by criu through its own copy
 * (pidfd_getfd). A dump that ends the chain closes the task's fd before the parasite comes:
 * the tracker lives on in criu's copy until the dump is over, then goes, leaving the task
 * as it was before the first pre-dump.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "compel/infect.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "memtrack.h"
#include "proc-parse.h"
#include "abi/uffd-wp.h"

#define TRACKER_FEATURES (UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED)
#define TRACKER_FD_BASE	 1000 /* below the usual 1024 limit, above what tasks use */
#define UFFD_LINK	 "anon_inode:[userfaultfd]"
#define UFFD_INITIALIZED (1ull << 31) /* the kernel's own mark in fdinfo's features */

bool memtrack_keeps(const struct dump_tree *dt)
{
	return dt->opts->command == CMD_PRE_DUMP || dt->opts->track_mem;
}

bool memtrack_in_chain(const struct dump_tree *dt)
{
	return memtrack_keeps(dt) || dt->mt.dfd >= 0;
}

/* "parent" -> --prev-images-dir, as CRIU links it; the parent must be a complete set. */
static int link_parent(struct dump_tree *dt)
{
	const char *prev = dt->opts->prev_images_dir;

	if (unlinkat(dt->dfd, CRIU_PARENT_LINK, 0) && errno != ENOENT) {
		pr_perror("Can't remove the old \"%s\" link of the images directory",
			  CRIU_PARENT_LINK);
		return -errno;
	}
	if (symlinkat(prev, dt->dfd, CRIU_PARENT_LINK)) {
		pr_perror("Can't link the images to their parent %s", prev);
		return -errno;
	}
	dt->mt.dfd = openat(dt->dfd, CRIU_PARENT_LINK, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dt->mt.dfd < 0) {
		pr_perror("Can't open the previous images %s (--prev-images-dir is relative to -D)",
			  prev);
		return -errno;
	}
	if (faccessat(dt->mt.dfd, "inventory.img", F_OK, 0)) {
		pr_err("%s: no inventory.img: not the images of a (pre-)dump that completed\n",
		       prev);
		return -ENOENT;
	}
	return 0;
}

int memtrack_tree_open(struct dump_tree *dt)
{
	MemtrackEntry *e;
	struct cr_img *img;
	int ret = 0;

	if (memtrack_keeps(dt) || dt->opts->prev_images_dir)
		ret = memtrack_choose_kind(&dt->mt);
	if (ret || !dt->opts->prev_images_dir)
		return ret;
	ret = link_parent(dt);
	if (ret)
		return ret;
	img = open_image_optional(dt->mt.dfd, CR_FD_MEMTRACK, 0);
	if (!img) {
		if (errno != ENOENT)
			return -EIO;
		pr_warn("The previous images left no write trackers: every page is dumped\n");
		return 0;
	}
	while ((ret = pb_read_one_eof(img, &memtrack_entry__descriptor, (ProtobufCMessage **)&e)) >
	       0) {
		if (ARRAY_ADD_ROOM(dt->mt.trackers, dt->mt.nr_trackers)) {
			memtrack_entry__free_unpacked(e, NULL);
			ret = -ENOMEM;
			break;
		}
		dt->mt.trackers[dt->mt.nr_trackers++] = e;
	}
	close_image(img);
	return ret < 0 ? ret : 0;
}

void memtrack_tree_close(struct dump_tree *dt)
{
	size_t i;

	for (i = 0; i < dt->mt.nr_trackers; i++)
		memtrack_entry__free_unpacked(dt->mt.trackers[i], NULL);
	free(dt->mt.trackers);
	dt->mt.trackers = NULL;
	dt->mt.nr_trackers = 0;
	if (dt->mt.dfd >= 0)
		close(dt->mt.dfd);
	dt->mt.dfd = -1;
}

static int tracker_features(pid_t pid, int fd, uint64_t *features);

/*
 * A tracker of ours: one memtrack.img lists (by its inode, in whichever task holds it: a
 * child forked since holds a copy), or one no image lists any more (the images were
 * removed, or this dump does not link to them), known by its fd number and its features.
 */
bool memtrack_fd_is_tracker(const struct dump_ctx *dc, int fd, const char *link,
			    const struct stat *st)
{
	const struct dump_tree *dt = dc->tree;
	uint64_t features;
	size_t i;

	if (strcmp(link, UFFD_LINK))
		return false;
	if (st->st_ino == dc->mt.ino && dc->mt.uffd >= 0)
		return true;
	for (i = 0; i < dt->mt.nr_trackers; i++)
		if (dt->mt.trackers[i]->kind == MEMTRACK_KIND__UFFD_WP &&
		    dt->mt.trackers[i]->ino == st->st_ino)
			return true;
	return fd >= TRACKER_FD_BASE && !tracker_features(dc->pid, fd, &features) &&
	       (features & ~UFFD_INITIALIZED) == TRACKER_FEATURES;
}

static int close_in_task(struct dump_ctx *dc, int fd)
{
	long res;
	int ret;

	ret = compel_syscall(dc->ctl, SYS_close, &res, fd, 0, 0, 0, 0, 0);
	if (ret || res) {
		pr_err("Can't close the write tracker (fd %d) in task %d: %d/%ld\n", fd, dc->pid,
		       ret, res);
		return ret ?: (int)res;
	}
	return 0;
}

/* The uffd features of fd of pid, from its fdinfo ("API:\t<api>:<features>:<ioctls>"). */
static int tracker_features(pid_t pid, int fd, uint64_t *features)
{
	unsigned long long api, f;
	char path[64], *text, *at;
	int ret = -EINVAL;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	text = read_proc_file(path, NULL);
	if (!text)
		return -EIO;
	at = strstr(text, "\nAPI:\t");
	if (at && sscanf(at + 6, "%llx:%llx", &api, &f) == 2) {
		*features = f;
		ret = 0;
	}
	free(text);
	return ret;
}

/* The task's fd is the tracker memtrack.img names: a userfaultfd, that inode, our features. */
static bool tracker_still_there(struct dump_ctx *dc, const MemtrackEntry *e, uint64_t *features)
{
	char path[64], link[64];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", dc->pid, e->fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0 || stat(path, &st))
		return false;
	link[n] = 0;
	if (strcmp(link, UFFD_LINK) || st.st_ino != e->ino)
		return false;
	if (tracker_features(dc->pid, e->fd, features))
		return false;
	return (*features & TRACKER_FEATURES) == TRACKER_FEATURES;
}

static const MemtrackEntry *prev_tracker(const struct dump_tree *dt, pid_t pid)
{
	size_t i;

	for (i = 0; i < dt->mt.nr_trackers; i++)
		if (dt->mt.trackers[i]->pid == (uint32_t)pid &&
		    dt->mt.trackers[i]->kind == MEMTRACK_KIND__UFFD_WP)
			return dt->mt.trackers[i];
	return NULL;
}

static int take_tracker(struct dump_ctx *dc, const MemtrackEntry *e)
{
	struct memtrack_task *mt = &dc->mt;
	uint64_t features;
	int fd;

	if (!tracker_still_there(dc, e, &features)) {
		pr_warn("Task %d: its write tracker (fd %d) is gone or changed: all of its memory "
			"is dumped\n",
			dc->pid, e->fd);
		return 0;
	}
	fd = task_fd_take(dc->pid, e->fd);
	if (fd < 0)
		return fd;
	mt->uffd = fd;
	mt->task_fd = e->fd;
	mt->ino = e->ino;
	mt->features = features & ~UFFD_INITIALIZED;
	mt->continued = true;
	return 0;
}

/* API and identity of a tracker criu now holds a copy of (fd, task_fd in the task). */
static int init_tracker(struct dump_ctx *dc, int fd)
{
	struct uffdio_api api = { .api = UFFD_API, .features = TRACKER_FEATURES };
	struct stat st;

	if (ioctl(fd, UFFDIO_API, &api)) {
		pr_perror("Task %d: the kernel refuses a write tracker (userfaultfd WP_ASYNC, "
			  "Linux 6.7+); criu check --feature mem_dirty_track tells",
			  dc->pid);
		return -errno;
	}
	if (fstat(fd, &st)) {
		pr_perror("Can't stat the write tracker of task %d", dc->pid);
		return -errno;
	}
	dc->mt.ino = st.st_ino;
	dc->mt.features = TRACKER_FEATURES; /* the API answers with all it supports */
	return 0;
}

static int make_tracker(struct dump_ctx *dc)
{
	struct memtrack_task *mt = &dc->mt;
	long fd, high;
	int ret;

	/*
	 * User-mode only: a task without CAP_SYS_PTRACE (a container's, with
	 * vm.unprivileged_userfaultfd 0) may make no other. Async write protection never
	 * hands a fault to the userfaultfd, kernel or user, so the tracking is the same.
	 */
	ret = compel_syscall(dc->ctl, SYS_userfaultfd, &fd,
			     O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY, 0, 0, 0, 0, 0);
	if (ret || fd < 0) {
		pr_err("Can't make a userfaultfd in task %d to track its writes: %d/%ld\n", dc->pid,
		       ret, fd);
		return ret ?: (int)fd;
	}
	ret = compel_syscall(dc->ctl, SYS_fcntl, &high, fd, F_DUPFD_CLOEXEC, TRACKER_FD_BASE, 0, 0,
			     0);
	if (!ret && high >= 0 && !close_in_task(dc, fd))
		fd = high;
	mt->task_fd = fd;
	mt->uffd = task_fd_take(dc->pid, fd);
	ret = mt->uffd < 0 ? mt->uffd : init_tracker(dc, mt->uffd);
	if (ret) {
		close_in_task(dc, fd);
		mt->task_fd = -1;
		return ret;
	}
	mt->made = true;
	pr_info("Task %d: write tracker made at fd %ld\n", dc->pid, fd);
	return 0;
}

/*
 * The task's userfaultfds: trackers of ours that this dump does not take up (strays) are
 * noted to be closed in the task; one of the task's own would fight ours for its VMAs, and
 * is refused where criu is to track (own_refused).
 */
static int walk_task_uffds(struct dump_ctx *dc, bool own_refused)
{
	char path[PATH_MAX], link[64];
	struct dirent *de;
	struct stat st;
	int ret = 0;
	ssize_t n;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", dc->pid);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", dc->pid, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0 || stat(path, &st))
			continue;
		link[n] = 0;
		if (strcmp(link, UFFD_LINK) || (dc->mt.uffd >= 0 && st.st_ino == dc->mt.ino))
			continue;
		if (memtrack_fd_is_tracker(dc, atoi(de->d_name), link, &st)) {
			if (dc->mt.nr_strays < MEMTRACK_MAX_STRAYS)
				dc->mt.strays[dc->mt.nr_strays++] = atoi(de->d_name);
		} else if (own_refused) {
			pr_err("Task %d uses a userfaultfd of its own (fd %s): criu can't track "
			       "the task's writes beside it (pre-dump, --track-mem), nor "
			       "checkpoint a userfaultfd yet\n",
			       dc->pid, de->d_name);
			ret = -EBUSY;
		}
	}
	closedir(d);
	return ret;
}

/* The parent images' pagemap of the task: which pages they hold (their own or further up). */
static int load_prev_pagemap(struct dump_ctx *dc)
{
	struct memtrack_task *mt = &dc->mt;
	PagemapHead *head = NULL;
	PagemapEntry *pe;
	uint64_t prev_end = 0;
	struct cr_img *img;
	int ret;

	img = open_image_optional(dc->tree->mt.dfd, CR_FD_PAGEMAP, dc->img_pid);
	if (!img && errno == ENOENT)
		/* a page server in another directory has it: copy it next to the parent here */
		pr_warn("The parent images have no pagemap-%d.img: task %d is dumped in full\n",
			dc->img_pid, dc->pid);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	ret = pb_read_one(img, &pagemap_head__descriptor, (ProtobufCMessage **)&head);
	while (!ret && (ret = pb_read_one_eof(img, &pagemap_entry__descriptor,
					      (ProtobufCMessage **)&pe)) > 0) {
		ret = 0;
		pe->nr_pages = pe->has_nr_pages ? pe->nr_pages : pe->compat_nr_pages;
		if (pe->vaddr % 4096 || pe->vaddr < prev_end ||
		    ARRAY_ADD_ROOM(mt->prev_pm, mt->nr_prev_pm)) {
			pr_err("parent/pagemap-%d.img: bad or unsorted entry at %#llx\n", dc->pid,
			       (unsigned long long)pe->vaddr);
			pagemap_entry__free_unpacked(pe, NULL);
			ret = -EINVAL;
			break;
		}
		prev_end = pe->vaddr + pe->nr_pages * 4096;
		mt->prev_pm[mt->nr_prev_pm++] = pe;
	}
	if (head)
		pagemap_head__free_unpacked(head, NULL);
	close_image(img);
	return ret < 0 ? ret : 0;
}

/*
 * Which VMAs the tracker covered since the previous dump, asked before anything is
 * registered again: one it does not cover now (new, or moved) is saved in full.
 */
static int note_continued(struct dump_ctx *dc)
{
	struct memtrack_task *mt = &dc->mt;
	char path[64];
	size_t i;
	int fd;

	mt->vma_continued = calloc(dc->mm.n_vmas + 1, sizeof(bool));
	if (!mt->vma_continued)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", dc->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	for (i = 0; i < dc->mm.n_vmas; i++) {
		const VmaEntry *v = dc->mm.vmas[i];

		mt->vma_continued[i] =
			memtrack_vma_candidate(v) && memtrack_covered(fd, v->start, v->end);
	}
	close(fd);
	return 0;
}

/* Every VMA whose pages are saved; one the kernel refuses is saved in full each time. */
static void register_vmas(struct dump_ctx *dc)
{
	size_t i;

	for (i = 0; i < dc->mm.n_vmas; i++) {
		const VmaEntry *v = dc->mm.vmas[i];
		struct uffdio_register reg = { .range = { v->start, v->end - v->start },
					       .mode = UFFDIO_REGISTER_MODE_WP };

		if (!memtrack_vma_candidate(v))
			continue;
		if (ioctl(dc->mt.uffd, UFFDIO_REGISTER, &reg))
			pr_info("Task %d: VMA %#llx-%#llx can't be tracked (%d): saved in full\n",
				dc->pid, (unsigned long long)v->start, (unsigned long long)v->end,
				errno);
	}
}

int memtrack_task_find(struct dump_ctx *dc)
{
	const MemtrackEntry *e = prev_tracker(dc->tree, dc->pid);
	int ret = e ? take_tracker(dc, e) : 0;

	return ret ?: walk_task_uffds(dc, false);
}

/* Trackers of earlier chains (or a parent's, inherited): closed in the task. */
static int close_strays(struct dump_ctx *dc)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < dc->mt.nr_strays; i++) {
		pr_info("Task %d: fd %d is an old write tracker of criu's: closed\n", dc->pid,
			dc->mt.strays[i]);
		ret = close_in_task(dc, dc->mt.strays[i]);
	}
	dc->mt.nr_strays = 0;
	return ret;
}

int memtrack_task_prepare(struct dump_ctx *dc)
{
	struct memtrack_task *mt = &dc->mt;
	int ret = 0;

	memtrack_sd_find(dc);
	if (mt->continued || mt->sd_continued)
		ret = load_prev_pagemap(dc) ?: (mt->continued ? note_continued(dc) : 0);
	ret = ret ?: close_strays(dc);
	if (ret)
		return ret;
	if (!memtrack_keeps(dc->tree) || dc->tree->mt.kind != MEMTRACK_KIND__UFFD_WP) {
		/*
		 * The end of the chain, or soft-dirty bits from now on: criu's copy is the
		 * last, the task is left without one.
		 */
		if (mt->task_fd >= 0)
			ret = close_in_task(dc, mt->task_fd);
		mt->task_fd = -1;
		return ret;
	}
	dc->mt.nr_strays = 0;
	ret = walk_task_uffds(dc, true) ?: close_strays(dc);
	if (!ret && mt->uffd < 0)
		ret = make_tracker(dc);
	if (!ret)
		register_vmas(dc);
	return ret;
}

/*
 * The tasks are cured: a remote close re-arms compel's guard, which the second cure puts
 * back. A tracker an earlier pre-dump made stays, as it was before this dump.
 */
void memtrack_tree_undo(struct dump_tree *dt)
{
	size_t i;

	for (i = 0; i < dt->nr_tasks; i++) {
		struct dump_ctx *dc = dt->tasks[i];

		if (!dc->mt.made || dc->mt.task_fd < 0 || !dc->ctl || dc->cure_failed)
			continue;
		if (close_in_task(dc, dc->mt.task_fd) || compel_cure(dc->ctl)) {
			pr_err("Task %d keeps the write tracker (fd %d) of the failed dump\n",
			       dc->pid, dc->mt.task_fd);
			continue;
		}
		pr_info("Task %d: the write tracker of the failed dump is closed\n", dc->pid);
		dc->mt.task_fd = -1;
		dc->mt.made = false;
	}
}

void memtrack_task_fini(struct dump_ctx *dc)
{
	struct memtrack_task *mt = &dc->mt;
	size_t i;

	if (mt->uffd >= 0)
		close(mt->uffd);
	mt->uffd = -1;
	for (i = 0; i < mt->nr_prev_pm; i++)
		pagemap_entry__free_unpacked(mt->prev_pm[i], NULL);
	free(mt->prev_pm);
	mt->prev_pm = NULL;
	mt->nr_prev_pm = 0;
	free(mt->vma_continued);
	mt->vma_continued = NULL;
}

int memtrack_write(struct dump_tree *dt)
{
	struct cr_img *img;
	size_t i;
	int ret = 0;

	if (!memtrack_keeps(dt))
		return 0;
	img = open_image_at(dt->dfd, CR_FD_MEMTRACK, O_DUMP, 0);
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < dt->nr_tasks; i++) {
		const struct memtrack_task *mt = &dt->tasks[i]->mt;
		MemtrackEntry e = MEMTRACK_ENTRY__INIT;

		ret = memtrack_sd_write(dt->tasks[i], img);
		if (ret || mt->uffd < 0 || mt->task_fd < 0)
			continue;
		e.pid = dt->tasks[i]->pid;
		e.fd = mt->task_fd;
		e.ino = mt->ino;
		e.features = mt->features;
		ret = pb_write_one(img, &e.base);
	}
	return close_image(img) ?: ret;
}
