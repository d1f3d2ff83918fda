/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/inotify.c - inotify instances and their watches. fdinfo lists each watch with its
 * number (wd), mask and a file handle of the watched inode; restore finds the inode again
 * with open_by_handle_at(2) (no path needed, so renamed files are still found) and adds the
 * watches in wd order. The kernel hands out wds cyclically, one above the last, so a gap
 * left by a removed watch is recreated by adding and removing a stand-in watch; a wd that
 * still comes out different fails the restore. Events queued at dump are not kept.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "array.h"
#include "files.h"
#include "log.h"

#include "fsnotify.pb-c.h"

#define FH_WORDS     16 /* fh_entry carries at least this many u64 */
#define FH_MAX_BYTES (FH_WORDS * 8)

static bool inotify_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:inotify");
}

int fsnotify_parse_handle(const char *s, FhEntry *fh)
{
	uint8_t bytes[FH_MAX_BYTES] = {};
	unsigned int i, v;

	if (fh->bytes > FH_MAX_BYTES)
		return -EINVAL;
	for (i = 0; i < fh->bytes; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		bytes[i] = v;
	}
	fh->n_handle = FH_WORDS;
	fh->handle = calloc(FH_WORDS, sizeof(uint64_t));
	if (!fh->handle)
		return -ENOMEM;
	memcpy(fh->handle, bytes, sizeof(bytes));
	return 0;
}

/* One "inotify wd:..." line of fdinfo (numbers in hex) into a new watch entry. */
static int parse_wd(const char *line, InotifyWdEntry **out)
{
	InotifyWdEntry *w = malloc(sizeof(*w));
	FhEntry *fh = malloc(sizeof(*fh));
	unsigned int wd, sdev, mask, ign, bytes, type;
	unsigned long ino;
	int n = 0;

	if (!w || !fh) {
		free(w);
		free(fh);
		return -ENOMEM;
	}
	inotify_wd_entry__init(w);
	fh_entry__init(fh);
	w->f_handle = fh;
	*out = w;
	if (sscanf(line,
		   "inotify wd:%x ino:%lx sdev:%x mask:%x ignored_mask:%x "
		   "fhandle-bytes:%x fhandle-type:%x f_handle:%n",
		   &wd, &ino, &sdev, &mask, &ign, &bytes, &type, &n) != 7 ||
	    !n)
		return -EINVAL;
	w->wd = wd;
	w->i_ino = ino;
	w->s_dev = sdev;
	w->mask = mask;
	w->ignored_mask = ign;
	fh->bytes = bytes;
	fh->type = type;
	return fsnotify_parse_handle(line + n, fh);
}

static int add_wd(InotifyFileEntry *e, InotifyWdEntry *w)
{
	if (ARRAY_ADD_ROOM(e->wd, e->n_wd))
		return -ENOMEM;
	e->wd[e->n_wd++] = w;
	return 0;
}

static int cmp_wd(const void *a, const void *b)
{
	uint32_t x = (*(InotifyWdEntry *const *)a)->wd, y = (*(InotifyWdEntry *const *)b)->wd;

	return x < y ? -1 : x > y;
}

static int inotify_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	InotifyFileEntry *e = malloc(sizeof(*e));
	const char *line;
	int ret = 0;

	(void)dc;
	if (!e)
		return -ENOMEM;
	inotify_file_entry__init(e);
	fe->ify = e;
	e->id = fe->id;
	e->flags = p->flags;
	e->fown = p->fown;
	for (line = strstr(p->fdinfo, "inotify wd:"); line && !ret;
	     line = strstr(line + 1, "\ninotify wd:")) {
		InotifyWdEntry *w = NULL;

		line += *line == '\n';
		ret = parse_wd(line, &w);
		if (ret == -EINVAL)
			pr_err("fd %d of task %d: an inotify watch has no file handle in fdinfo "
			       "(\"%.*s\"): its file can't be found again\n",
			       p->fd, p->pid, (int)strcspn(line, "\n"), line);
		if (!ret) {
			w->id = fe->id;
			ret = add_wd(e, w);
		} else if (w)
			protobuf_c_message_free_unpacked(&w->base, NULL);
	}
	/* fdinfo lists the newest first; restore adds them in wd order */
	if (e->n_wd)
		qsort(e->wd, e->n_wd, sizeof(e->wd[0]), cmp_wd);
	pr_debug("fd %d: inotify with %zu watches\n", p->fd, e->n_wd);
	return ret;
}

static FownEntry *inotify_fown(const FileEntry *fe)
{
	return fe->ify ? fe->ify->fown : NULL;
}

static int inotify_check(const FileEntry *fe)
{
	size_t i;

	if (!fe->ify || fe->ify->id != fe->id || !fe->ify->fown)
		goto bad;
	for (i = 0; i < fe->ify->n_wd; i++) {
		const FhEntry *fh = fe->ify->wd[i]->f_handle;

		if (!fh || fh->bytes > FH_MAX_BYTES || fh->n_handle * 8 < fh->bytes ||
		    !fe->ify->wd[i]->wd || (i && fe->ify->wd[i]->wd <= fe->ify->wd[i - 1]->wd))
			goto bad;
	}
	return 0;
bad:
	pr_err("files.img: file id %u has a bad inotify entry\n", fe->id);
	return -EINVAL;
}

/* A directory on the filesystem with this (kernel-encoded) device: open_by_handle_at's key. */
static int open_mount_of(uint32_t sdev)
{
	unsigned int maj, min;
	char line[4096], mnt[4096];
	int fd = -1;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		pr_perror("Can't open /proc/self/mountinfo");
		return -errno;
	}
	while (fd < 0 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mnt) != 3)
			continue;
		if (maj == sdev >> 20 && min == (sdev & 0xfffff))
			fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	fclose(f);
	if (fd < 0)
		pr_err("No mount of device %u:%u to find inotify watches on\n", sdev >> 20,
		       sdev & 0xfffff);
	return fd < 0 ? -ENOENT : fd;
}

int fsnotify_open_handle(uint32_t s_dev, const FhEntry *f_handle)
{
	struct {
		struct file_handle h;
		uint8_t bytes[FH_MAX_BYTES];
	} fh;
	int mfd, fd;

	if (f_handle->bytes > FH_MAX_BYTES || f_handle->n_handle * 8 < f_handle->bytes)
		return -EINVAL;
	mfd = open_mount_of(s_dev);
	if (mfd < 0)
		return mfd;
	fh.h.handle_bytes = f_handle->bytes;
	fh.h.handle_type = f_handle->type;
	memcpy(fh.h.f_handle, f_handle->handle, f_handle->bytes);
	fd = open_by_handle_at(mfd, &fh.h, O_PATH | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	close(mfd);
	return fd;
}

static int open_watched(const InotifyWdEntry *w)
{
	int fd = fsnotify_open_handle(w->s_dev, w->f_handle);

	if (fd < 0) {
		errno = -fd;
		pr_perror("Can't find the file (inode %" PRIu64 ") of inotify watch %u again; "
			  "was it removed?",
			  w->i_ino, w->wd);
	}
	return fd;
}

static int add_watch(int ifd, int fd, uint32_t mask)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return inotify_add_watch(ifd, path, mask);
}

/* Burn watch numbers below want with a stand-in inode, added and removed at once. */
static int skip_wds_to(int ifd, uint32_t want, int *dummy)
{
	int wd;

	if (*dummy < 0) {
		*dummy = memfd_create("criu-inotify-gap", MFD_CLOEXEC);
		if (*dummy < 0) {
			pr_perror("Can't create a stand-in file for inotify watch gaps");
			return -errno;
		}
	}
	for (;;) {
		wd = add_watch(ifd, *dummy, IN_ATTRIB);
		if (wd < 0) {
			pr_perror("Can't add a stand-in inotify watch");
			return -errno;
		}
		inotify_rm_watch(ifd, wd);
		if ((uint32_t)wd + 1 >= want)
			return 0;
	}
}

static int restore_watch(int ifd, const InotifyWdEntry *w, uint32_t next, int *dummy)
{
	int fd, wd, ret = 0;

	if (w->wd > next && (ret = skip_wds_to(ifd, w->wd, dummy)))
		return ret;
	fd = open_watched(w);
	if (fd < 0)
		return fd;
	wd = add_watch(ifd, fd, w->mask & ~IN_DONT_FOLLOW);
	if (wd < 0) {
		ret = -errno;
		pr_perror("Can't add inotify watch %u (mask %#x)", w->wd, w->mask);
	} else if ((uint32_t)wd != w->wd) {
		pr_err("inotify watch %u came back as %d (the file is watched twice?)\n", w->wd,
		       wd);
		ret = -EEXIST;
	}
	close(fd);
	return ret;
}

/* Stand-in watches left IN_IGNORED events behind: the program must not see them. */
static int drain_events(int ifd)
{
	char buf[4096];
	int fl = fcntl(ifd, F_GETFL);

	if (fl < 0 || fcntl(ifd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	while (read(ifd, buf, sizeof(buf)) > 0)
		;
	return fcntl(ifd, F_SETFL, fl) ? -errno : 0;
}

static int inotify_open(struct rst_fds *rf, const FileEntry *fe)
{
	const InotifyFileEntry *e = fe->ify;
	int ifd, dummy = -1, ret = 0;
	uint32_t next = 1;
	char what[32];
	size_t i;

	(void)rf;
	ifd = inotify_init1(IN_CLOEXEC);
	if (ifd < 0) {
		pr_perror("Can't create an inotify instance");
		return -errno;
	}
	for (i = 0; !ret && i < e->n_wd; i++) {
		ret = restore_watch(ifd, e->wd[i], next, &dummy);
		next = e->wd[i]->wd + 1;
	}
	if (dummy >= 0) {
		close(dummy);
		ret = ret ?: drain_events(ifd);
	}
	snprintf(what, sizeof(what), "inotify file id %u", fe->id);
	ret = ret ?: rst_set_fl(ifd, e->flags, what);
	if (ret) {
		close(ifd);
		return ret;
	}
	return ifd;
}

const struct fd_handler inotify_handler = {
	.type = FD_TYPES__INOTIFY,
	.name = "inotify",
	.match = inotify_match,
	.dump = inotify_dump,
	.check = inotify_check,
	.open = inotify_open,
	.fown = inotify_fown,
};
