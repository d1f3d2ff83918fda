/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/inotify.c - inotify instances and their watches. fdinfo lists each watch with its
 * number (wd), mask and a file handle of the watched inode; restore finds the inode again
 * with open_by_handle_at(2) (no path needed, so renamed files are still found) and adds the
 * watches in wd order. The kernel hands out wds cyclically, one above the last, so a gap
 * left by a removed watch is recreated by adding and removing a stand-in watch; a wd that
 * still comes out different fails the restore. Events queued at dump are not kept. A watch
 * whose handle can't be opened at dump (sysfs, procfs: no export operations) or whose file
 * was deleted is refused; --force-irmap also saves the path, tried if the handle fails.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "log.h"
#include "proc-fdinfo.h"
#include "proc-mountinfo.h"

#include "fsnotify.pb-c.h"

#define FH_WORDS     16 /* fh_entry carries at least this many u64 */
#define FH_MAX_BYTES (FH_WORDS * 8)

static bool inotify_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:inotify");
}

FhEntry *fsnotify_new_handle(const struct fdinfo_fhandle *f)
{
	FhEntry *fh = malloc(sizeof(*fh));

	if (!fh)
		return NULL;
	fh_entry__init(fh);
	fh->bytes = f->bytes;
	fh->type = f->type;
	fh->n_handle = FH_WORDS;
	fh->handle = calloc(FH_WORDS, sizeof(uint64_t));
	if (!fh->handle) {
		free(fh);
		return NULL;
	}
	memcpy(fh->handle, f->handle, f->bytes);
	return fh;
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

/*
 * A tmpfs of a task's own mount namespace is made anew at restore, its files from its saved
 * contents: their handles are stale then, and the watch finds its file by its path. A path
 * of a file in another mount namespace reads as it is there.
 */
static bool remade_at_restore(pid_t pid, int fd)
{
	struct stat own, its;
	struct statfs sfs;
	char ns[64];

	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", pid);
	if (stat("/proc/self/ns/mnt", &own) || stat(ns, &its) || own.st_ino == its.st_ino)
		return false;
	return !fstatfs(fd, &sfs) && sfs.f_type == TMPFS_MAGIC;
}

/*
 * Restore finds the watched file by its handle: it must open now, and not be a deleted file
 * (whose inode is gone once the task is). --force-irmap also saves the path it has now.
 */
static int check_watched(struct dump_ctx *dc, const struct fd_parms *p, InotifyWdEntry *w)
{
	char link[32], path[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd, ret = 0;

	fd = fsnotify_open_handle(p->pid, w->s_dev, w->f_handle);
	if (fd < 0) {
		pr_err("fd %d of task %d: inotify watch %u is on inode %" PRIu64 " of device "
		       "%u:%u, whose file handle can't be opened again (%s; a filesystem without "
		       "export operations, such as sysfs or procfs?): not supported yet\n",
		       p->fd, p->pid, w->wd, w->i_ino, w->s_dev >> 20, w->s_dev & 0xfffff,
		       strerror(-fd));
		return -EOPNOTSUPP;
	}
	if (fstat(fd, &st) || (!S_ISDIR(st.st_mode) && st.st_nlink == 0)) {
		pr_err("fd %d of task %d: inotify watch %u is on inode %" PRIu64 ", which was "
		       "deleted: watches on deleted files are not supported yet\n",
		       p->fd, p->pid, w->wd, w->i_ino);
		ret = -EOPNOTSUPP;
		goto out_close;
	}
	if (!dc->opts->force_irmap && !remade_at_restore(p->pid, fd))
		goto out_close;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n > 0 && path[0] == '/') {
		path[n] = 0;
		w->f_handle->path = strdup(path);
		ret = w->f_handle->path ? 0 : -ENOMEM;
	}
out_close:
	close(fd);
	return ret;
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

		if (!fh || fh->bytes > FH_MAX_BYTES || fh->n_handle * 8 < fh->bytes ||
		    !fe->ify->wd[i]->wd || (i && fe->ify->wd[i]->wd <= fe->ify->wd[i - 1]->wd))
			goto bad;
	}
	return 0;
bad:
	pr_err("files.img: file id %u has a bad inotify entry\n", fe->id);
	return -EINVAL;
}

/* A mount of ml on the filesystem of device maj:min, opened from pid's root (0: ours). */
static int open_first_mount(pid_t pid, const struct proc_mount_list *ml, unsigned int maj,
			    unsigned int min)
{
	char path[PATH_MAX];
	struct stat st;
	size_t i;
	int fd;

	for (i = 0; i < ml->nr; i++) {
		if (ml->m[i].maj != maj || ml->m[i].min != min)
			continue;
		if (pid)
			snprintf(path, sizeof(path), "/proc/%d/root%s", pid, ml->m[i].mountpoint);
		else
			snprintf(path, sizeof(path), "%s", ml->m[i].mountpoint);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* not a mount over it, of another filesystem */
		if (!fstat(fd, &st) && st.st_dev == makedev(maj, min))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/*
 * A directory on the filesystem with this (kernel-encoded) device, open_by_handle_at's key:
 * a mount of pid's mount namespace (at dump, the task's; 0 at restore, the task itself).
 */
static int open_mount_of(pid_t pid, uint32_t sdev)
{
	unsigned int maj = sdev >> 20, min = sdev & 0xfffff;
	struct proc_mount_list ml;
	int fd, ret;

	ret = parse_mountinfo(pid, &ml);
	if (ret)
		return ret;
	fd = open_first_mount(pid, &ml, maj, min);
	free_mountinfo(&ml);
	if (fd < 0)
		pr_err("No mount of device %u:%u to find inotify watches on\n", maj, min);
	return fd;
}

int fsnotify_open_handle(pid_t pid, uint32_t s_dev, const FhEntry *f_handle)
{
	struct {
		struct file_handle h;
		uint8_t bytes[FH_MAX_BYTES];
	} fh;
	int mfd, fd;

	if (f_handle->bytes > FH_MAX_BYTES || f_handle->n_handle * 8 < f_handle->bytes)
		return -EINVAL;
	mfd = open_mount_of(pid, s_dev);
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

/* --force-irmap saved the path too: the file there, if it is the watched inode. */
static int open_watched_path(const InotifyWdEntry *w)
{
	struct statfs sfs;
	struct stat st;
	int fd;

	if (!w->f_handle->path)
		return -ENOENT;
	fd = open(w->f_handle->path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* a tmpfs is made anew (remade_at_restore()): its inode numbers are new too */
	if (fstat(fd, &st) || fstatfs(fd, &sfs) ||
	    (st.st_ino != w->i_ino && sfs.f_type != TMPFS_MAGIC)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static int open_watched(const InotifyWdEntry *w)
{
	int fd = fsnotify_open_handle(0, w->s_dev, w->f_handle);

	if (fd < 0 && w->f_handle->path) {
		int pfd = open_watched_path(w);

		fd = pfd >= 0 ? pfd : fd;
	}

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
