/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/inotify.c - inotify instances and their watches. fdinfo lists each watch with its
 * number (wd), mask and a file handle of the watched inode; restore finds the inode again
 * with open_by_handle_at(2) (no path needed, so renamed files are still found) and adds the
 * watches in wd order. The kernel hands out wds cyclically, one above the last, so a gap
 * left by a removed watch is recreated by adding and removing a stand-in watch; a wd that
 * still comes out different fails the restore. Events queued at dump are not kept. A watch
 * whose handle can't be opened at dump (sysfs, procfs: no export operations) or whose file
 * was deleted is refused. Where the handle won't do at restore (a tmpfs of the tree's own
 * mount namespace, made anew) or with --force-irmap, the path is saved too (files/fsnotify.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "log.h"
#include "proc-fdinfo.h"

#include "fsnotify.pb-c.h"

static bool inotify_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:inotify");
}

/* One watch of fdinfo into a new entry. */
static InotifyWdEntry *new_wd(const struct fdinfo_inotify_wd *iw, uint32_t id)
{
	InotifyWdEntry *w = malloc(sizeof(*w));

	if (!w)
		return NULL;
	inotify_wd_entry__init(w);
	w->id = id;
	w->wd = iw->wd;
	w->i_ino = iw->ino;
	w->s_dev = iw->sdev;
	w->mask = iw->mask;
	w->ignored_mask = iw->ignored_mask;
	w->f_handle = fsnotify_new_handle(&iw->fh);
	if (!w->f_handle) {
		free(w);
		return NULL;
	}
	return w;
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

/* Restore finds the watched file by its handle, or by its path: it must be found now. */
static int check_watched(struct dump_ctx *dc, const struct fd_parms *p, InotifyWdEntry *w)
{
	char what[64];

	snprintf(what, sizeof(what), "fd %d of task %d: inotify watch %u", p->fd, p->pid, w->wd);
	return fsnotify_dump_watched(dc, p->pid, w->s_dev, w->f_handle, what);
}

static int inotify_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	InotifyFileEntry *e = malloc(sizeof(*e));
	struct fdinfo_inotify_wd *wds;
	size_t nr, i;
	int ret;

	if (!e)
		return -ENOMEM;
	inotify_file_entry__init(e);
	fe->ify = e;
	e->id = fe->id;
	e->flags = p->flags;
	e->fown = p->fown;
	ret = parse_fdinfo_inotify(p->fdinfo, p->fdinfo_path, &wds, &nr);
	if (ret)
		return ret;
	for (i = 0; !ret && i < nr; i++) {
		InotifyWdEntry *w;

		if (!wds[i].fh.bytes) {
			pr_err("fd %d of task %d: inotify watch %u has no file handle in fdinfo: "
			       "its file can't be found again\n",
			       p->fd, p->pid, wds[i].wd);
			ret = -EOPNOTSUPP;
			break;
		}
		w = new_wd(&wds[i], fe->id);
		ret = w ? check_watched(dc, p, w) : -ENOMEM;
		ret = ret ?: add_wd(e, w);
		if (ret && w)
			protobuf_c_message_free_unpacked(&w->base, NULL);
	}
	free(wds);
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

		if (!fsnotify_handle_fits(fh) || !fe->ify->wd[i]->wd ||
		    (i && fe->ify->wd[i]->wd <= fe->ify->wd[i - 1]->wd))
			goto bad;
	}
	return 0;
bad:
	pr_err("files.img: file id %u has a bad inotify entry\n", fe->id);
	return -EINVAL;
}

static int open_watched(const InotifyWdEntry *w)
{
	char what[32];

	snprintf(what, sizeof(what), "inotify watch %u", w->wd);
	return fsnotify_open_watched(w->s_dev, w->i_ino, w->f_handle, what);
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
