/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/fanotify.c - fanotify groups and their marks. fdinfo gives the group's init flags
 * and event_f_flags, and each mark: an inode mark with a file handle of its inode (found
 * again as inotify watches are: files/fsnotify.c), or a mount mark with the mount's
 * id (found again in /proc/self/mountinfo). Filesystem marks are refused. Events queued at
 * dump are not kept, as with inotify.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "array.h"
#include "files.h"
#include "log.h"
#include "ns.h"
#include "proc-fdinfo.h"
#include "proc-mountinfo.h"

#include "fsnotify.pb-c.h"

#ifndef FAN_MARK_EVICTABLE
#define FAN_MARK_EVICTABLE 0x00000200
#endif
#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE 0x00000400
#endif

static bool fanotify_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:[fanotify]");
}

static int add_mark(FanotifyFileEntry *e, FanotifyMarkEntry *m)
{
	if (ARRAY_ADD_ROOM(e->mark, e->n_mark))
		return -ENOMEM;
	e->mark[e->n_mark++] = m;
	return 0;
}

/* An inode mark (found again by its file handle, or path) or a mount mark (by its id). */
static int fill_mark(struct dump_ctx *dc, const struct fd_parms *p,
		     const struct fdinfo_fanotify_mark *fm, FanotifyMarkEntry *m)
{
	char what[96];

	m->mflags = fm->mflags;
	m->mask = fm->mask;
	m->ignored_mask = fm->ignored_mask;
	if (fm->kind == FDINFO_FAN_MOUNT) {
		m->type = MARK_TYPE__MOUNT;
		m->me = calloc(1, sizeof(*m->me));
		if (!m->me)
			return -ENOMEM;
		fanotify_mount_mark_entry__init(m->me);
		m->me->mnt_id = fm->mnt_id;
		return 0;
	}
	if (!fm->fh.bytes) {
		pr_err("fd %d of task %d: fanotify inode mark (inode %#llx) has no file handle in "
		       "fdinfo: its file can't be found again\n",
		       p->fd, p->pid, (unsigned long long)fm->ino);
		return -EOPNOTSUPP;
	}
	m->type = MARK_TYPE__INODE;
	m->s_dev = fm->sdev;
	m->ie = calloc(1, sizeof(*m->ie));
	if (!m->ie)
		return -ENOMEM;
	fanotify_inode_mark_entry__init(m->ie);
	m->ie->i_ino = fm->ino;
	m->ie->f_handle = fsnotify_new_handle(&fm->fh);
	if (!m->ie->f_handle)
		return -ENOMEM;
	snprintf(what, sizeof(what), "fd %d of task %d: fanotify inode mark (inode %#llx)", p->fd,
		 p->pid, (unsigned long long)fm->ino);
	return fsnotify_dump_watched(dc, p->pid, m->s_dev, m->ie->f_handle, what);
}

static int dump_mark(struct dump_ctx *dc, const struct fd_parms *p,
		     const struct fdinfo_fanotify_mark *fm, FanotifyFileEntry *e)
{
	FanotifyMarkEntry *m;
	int ret;

	if (fm->kind == FDINFO_FAN_SB) {
		pr_err("fd %d of task %d: fanotify mark on device %#x is a filesystem mark: "
		       "checkpointing it is not supported yet\n",
		       p->fd, p->pid, fm->sdev);
		return -EOPNOTSUPP;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	fanotify_mark_entry__init(m);
	m->id = e->id;
	ret = fill_mark(dc, p, fm, m) ?: add_mark(e, m);
	if (ret)
		protobuf_c_message_free_unpacked(&m->base, NULL);
	return ret;
}

static int fanotify_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	FanotifyFileEntry *e = malloc(sizeof(*e));
	struct fdinfo_fanotify f;
	size_t i;
	int ret;

	if (!e)
		return -ENOMEM;
	fanotify_file_entry__init(e);
	fe->ffy = e;
	e->id = fe->id;
	e->flags = p->flags;
	e->fown = p->fown;
	ret = parse_fdinfo_fanotify(p->fdinfo, p->fdinfo_path, &f);
	if (ret)
		return ret;
	e->faflags = f.flags;
	e->evflags = f.event_flags;
	for (i = 0; !ret && i < f.nr; i++)
		ret = dump_mark(dc, p, &f.marks[i], e);
	free(f.marks);
	pr_debug("fd %d: fanotify with %zu marks\n", p->fd, e->n_mark);
	return ret;
}

static FownEntry *fanotify_fown(const FileEntry *fe)
{
	return fe->ffy ? fe->ffy->fown : NULL;
}

static int fanotify_check(const FileEntry *fe)
{
	const FanotifyFileEntry *e = fe->ffy;
	size_t i;

	if (!e || e->id != fe->id || !e->fown)
		goto bad;
	for (i = 0; i < e->n_mark; i++) {
		const FanotifyMarkEntry *m = e->mark[i];

		if ((m->type == MARK_TYPE__INODE &&
		     (!m->ie || !fsnotify_handle_fits(m->ie->f_handle))) ||
		    (m->type == MARK_TYPE__MOUNT && !m->me) ||
		    (m->type != MARK_TYPE__INODE && m->type != MARK_TYPE__MOUNT))
			goto bad;
	}
	return 0;
bad:
	pr_err("files.img: file id %u has a bad fanotify entry\n", fe->id);
	return -EINVAL;
}

/* The mount point of mount id, as criu sees it. */
static char *mount_path(uint32_t mnt_id)
{
	const struct proc_mount *m;
	struct proc_mount_list ml;
	char *path = NULL;

	if (parse_mountinfo(0, &ml))
		return NULL;
	mnt_id = rst_mnt_id_now(mnt_id); /* a restored mount namespace's mounts have new ids */
	m = mnt_id <= INT32_MAX ? mountinfo_by_id(&ml, mnt_id) : NULL;
	if (m) {
		path = strdup(m->mountpoint);
		if (!path)
			pr_err("Out of memory\n");
	} else {
		pr_err("No mount with id %u for a fanotify mount mark\n", mnt_id);
	}
	free_mountinfo(&ml);
	return path;
}

static int mark_one(int gfd, unsigned int flags, uint64_t mask, int fd, const char *path)
{
	if (fanotify_mark(gfd, FAN_MARK_ADD | flags, mask, fd, path)) {
		pr_perror("Can't add fanotify mark (flags %#x, mask %#" PRIx64 ") on %s", flags,
			  mask, path ? path : "a file found by handle");
		return -errno;
	}
	return 0;
}

/* The mask and the ignored mask, on an object named by fd (inode) or by path (mount). */
static int restore_mark(int gfd, const FanotifyMarkEntry *m, int fd, const char *path)
{
	unsigned int flags = m->type == MARK_TYPE__MOUNT ? FAN_MARK_MOUNT : 0;
	unsigned int ign = (m->mflags & FAN_MARK_IGNORE) ? FAN_MARK_IGNORE : FAN_MARK_IGNORED_MASK;
	int ret = 0;

	flags |= m->mflags & FAN_MARK_EVICTABLE;
	if (m->mask)
		ret = mark_one(gfd, flags, m->mask, fd, path);
	if (!ret && m->ignored_mask)
		ret = mark_one(gfd, flags | ign | (m->mflags & FAN_MARK_IGNORED_SURV_MODIFY),
			       m->ignored_mask, fd, path);
	return ret;
}

static int restore_marks(int gfd, const FanotifyFileEntry *e)
{
	size_t i;
	int ret = 0;

	/* fdinfo lists the newest mark first: add them oldest first to keep that order. */
	for (i = e->n_mark; !ret && i-- > 0;) {
		const FanotifyMarkEntry *m = e->mark[i];
		char *path, link[32];
		int fd;

		if (m->type == MARK_TYPE__MOUNT) {
			path = mount_path(m->me->mnt_id);
			ret = path ? restore_mark(gfd, m, AT_FDCWD, path) : -ENOENT;
			free(path);
			continue;
		}
		fd = fsnotify_open_watched(m->s_dev, m->ie->i_ino, m->ie->f_handle,
					   "a fanotify inode mark");
		if (fd < 0)
			return fd;
		/* fanotify_mark() takes no O_PATH fd itself, but follows its /proc link. */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ret = restore_mark(gfd, m, AT_FDCWD, link);
		close(fd);
	}
	return ret;
}

static int fanotify_open(struct rst_fds *rf, const FileEntry *fe)
{
	const FanotifyFileEntry *e = fe->ffy;
	char what[32];
	int gfd, ret;

	(void)rf;
	/* The group keeps FAN_CLOEXEC and FAN_NONBLOCK as given (fdinfo shows them). */
	gfd = fanotify_init(e->faflags, e->evflags);
	if (gfd < 0) {
		pr_perror("Can't create a fanotify group (flags %#x, event flags %#x)", e->faflags,
			  e->evflags);
		return -errno;
	}
	snprintf(what, sizeof(what), "fanotify file id %u", fe->id);
	ret = restore_marks(gfd, e) ?: rst_set_fl(gfd, e->flags, what);
	if (ret) {
		close(gfd);
		return ret;
	}
	return gfd;
}

const struct fd_handler fanotify_handler = {
	.type = FD_TYPES__FANOTIFY,
	.name = "fanotify",
	.match = fanotify_match,
	.dump = fanotify_dump,
	.check = fanotify_check,
	.open = fanotify_open,
	.fown = fanotify_fown,
};
