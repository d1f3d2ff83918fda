/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/fsnotify.c - the watched file of an inotify watch or a fanotify inode mark, found
 * again where the task sees it. fdinfo gives a file handle of its inode: the dump checks that
 * it opens (through a mount of the task's own mount namespace), and the restore opens it
 * from a mount of the restored task's namespace. A task in a mount namespace of its own may
 * be restored where the handle can't serve: its tmpfs is made anew (new device, new
 * handles), its root given by --root may be a copy (other inodes); so its watched files' paths
 * are saved too, as the task sees them (--force-irmap saves them for every task). The
 * restore opens the path in the task, in its own mount namespace, when the handle fails or
 * names a file out of the task's sight.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <linux/magic.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "log.h"
#include "proc-fdinfo.h"
#include "proc-mountinfo.h"

#include "fsnotify.pb-c.h"

#define FH_WORDS     16 /* fh_entry carries at least this many u64 */
#define FH_MAX_BYTES (FH_WORDS * 8)

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

bool fsnotify_handle_fits(const FhEntry *fh)
{
	return fh && fh->bytes <= FH_MAX_BYTES && fh->n_handle * 8 >= fh->bytes;
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
 * None is no error of its own: the caller tries the path, or says what it looked for.
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
		pr_debug("No mount of device %u:%u to open a file handle on\n", maj, min);
	return fd;
}

int fsnotify_open_handle(pid_t pid, uint32_t s_dev, const FhEntry *f_handle)
{
	struct {
		struct file_handle h;
		uint8_t bytes[FH_MAX_BYTES];
	} fh;
	int mfd, fd;

	if (!fsnotify_handle_fits(f_handle))
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

static bool own_mntns(pid_t pid)
{
	struct stat own, its;
	char ns[64];

	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", pid);
	return !stat("/proc/self/ns/mnt", &own) && !stat(ns, &its) && own.st_ino != its.st_ino;
}

static bool on_tmpfs(int fd)
{
	struct statfs sfs;

	return !fstatfs(fd, &sfs) && sfs.f_type == TMPFS_MAGIC;
}

/*
 * The path of fd (opened through pid's mounts) as pid sees it: a path of a file on a mount
 * of another mount namespace reads as it is there. It must name that file there.
 */
static int save_path(pid_t pid, int fd, const struct stat *st, FhEntry *fh)
{
	char link[32], path[PATH_MAX], there[PATH_MAX + 32];
	struct stat its;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/')
		return -ENOENT;
	path[n] = 0;
	snprintf(there, sizeof(there), "/proc/%d/root%s", pid, path);
	if (stat(there, &its) || its.st_dev != st->st_dev || its.st_ino != st->st_ino)
		return -ENOENT;
	fh->path = strdup(path);
	return fh->path ? 0 : -ENOMEM;
}

int fsnotify_dump_watched(struct dump_ctx *dc, pid_t pid, uint32_t s_dev, FhEntry *fh,
			  const char *what)
{
	struct stat st;
	int fd, ret = 0;

	fd = fsnotify_open_handle(pid, s_dev, fh);
	if (fd == -ENOENT) {
		pr_err("%s is on a file of device %u:%u whose file handle can't be opened again: "
		       "no mount of the task's mount namespace shows that file system (another "
		       "mount covers it, or it was unmounted lazily): not supported yet\n",
		       what, s_dev >> 20, s_dev & 0xfffff);
		return -EOPNOTSUPP;
	} else if (fd < 0) {
		pr_err("%s is on a file of device %u:%u whose file handle can't be opened again "
		       "(%s; a filesystem without export operations, such as sysfs or procfs?): "
		       "not supported yet\n",
		       what, s_dev >> 20, s_dev & 0xfffff, strerror(-fd));
		return -EOPNOTSUPP;
	}
	if (fstat(fd, &st) || (!S_ISDIR(st.st_mode) && st.st_nlink == 0)) {
		pr_err("%s is on inode %llu, which was deleted: watches on deleted files are not "
		       "supported yet\n",
		       what, (unsigned long long)st.st_ino);
		ret = -EOPNOTSUPP;
		goto out_close;
	}
	/* a task of its own mount namespace may be restored under --root: on another copy */
	if (!dc->opts->force_irmap && !own_mntns(pid))
		goto out_close;
	ret = save_path(pid, fd, &st, fh);
	/* a tmpfs of the namespace is made anew at restore: its handles name nothing then */
	if (ret == -ENOENT && own_mntns(pid) && on_tmpfs(fd)) {
		pr_err("%s is on inode %llu of a tmpfs of the task's mount namespace, which has "
		       "no path there to find it by once the tmpfs is made again: not supported "
		       "yet\n",
		       what, (unsigned long long)st.st_ino);
		ret = -EOPNOTSUPP;
	} else if (ret == -ENOENT) {
		ret = 0; /* the handle alone: it finds the file wherever its file system is */
	}
out_close:
	close(fd);
	return ret;
}

/* Whether the task sees fd's file at the path the kernel gives for it (its root, mounts). */
static bool in_sight(int fd)
{
	char link[32], path[PATH_MAX];
	struct stat st, at;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || path[0] != '/')
		return false;
	path[n] = 0;
	return !fstat(fd, &st) && !stat(path, &at) && st.st_dev == at.st_dev &&
	       st.st_ino == at.st_ino;
}

/*
 * The saved path, opened in the task's mount namespace. Another inode there is the file when
 * the dumped one can't be the task's: its file system is not mounted there (a tmpfs made
 * anew, a root given as a copy on another one: err is -ENOENT), the task can't see it (a
 * copy on the same file system: err is 0), or it is on a tmpfs made anew (whose device
 * number may be the old one's again: err is -ESTALE).
 */
static int open_watched_path(const FhEntry *fh, uint64_t i_ino, int err)
{
	struct stat st;
	int fd;

	fd = open(fh->path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (st.st_ino != i_ino && err && err != -ENOENT && !on_tmpfs(fd))) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

int fsnotify_open_watched(uint32_t s_dev, uint64_t i_ino, const FhEntry *fh, const char *what)
{
	int fd = fsnotify_open_handle(0, s_dev, fh), pfd;

	if (fh->path && (fd < 0 || !in_sight(fd))) {
		pfd = open_watched_path(fh, i_ino, fd < 0 ? fd : 0);
		if (pfd >= 0 && fd >= 0) {
			pr_info("%s: inode %" PRIu64
				" is out of the task's sight, %s is its file\n",
				what, i_ino, fh->path);
			close(fd);
		}
		fd = pfd >= 0 ? pfd : fd;
	}
	if (fd < 0) {
		errno = -fd;
		pr_perror("Can't find the file (inode %" PRIu64
			  "%s%s) of %s again; was it removed?",
			  i_ino, fh->path ? ", path " : "", fh->path ?: "", what);
	}
	return fd;
}
