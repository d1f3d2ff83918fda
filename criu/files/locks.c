/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/locks.c - file locks held by the dumped task. /proc/PID/fdinfo/N lists the locks
 * that belong to that open file ("lock:" lines: flock, POSIX and OFD locks, leases); with
 * --file-locks each becomes a FileLockEntry in filelocks.img, and restore takes it again on
 * the same fd once every fd is in place. Without the option such a task is refused, with the
 * words users know from CRIU.
 *
 * A POSIX lock belongs to the process: the kernel drops it when the process closes ANY fd of
 * that file, so locks are taken last, after all fds of the task are installed. fdinfo shows
 * it only to its own process: an open file shared with another process (over fork) is read
 * again there for its POSIX locks.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "ns.h"
#include "log.h"
#include "proc-fdinfo.h"
#include "restore-ctx.h"
#include "abi/restorer-task.h"

#include "file-lock.pb-c.h"

/* FileLockEntry.flag, as CRIU writes it */
#define FL_POSIX 1
#define FL_FLOCK 2
#define FL_OFD	 4
#define FL_LEASE 8

/* FileLockEntry.type of a lease the kernel is breaking */
#define LEASE_BREAKING 4

/* The dump's: every lock found, written to filelocks.img once all tasks are seen. */
struct lock_set {
	FileLockEntry *e;
	size_t nr;
};

static void lock_set_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	free(((struct lock_set *)priv)->e);
}

static const struct files_dump_key lock_set_key = {
	.name = "file locks",
	.size = sizeof(struct lock_set),
	.fini = lock_set_fini,
};

/* One lock of fdinfo into e: -EOPNOTSUPP for what criu can't take again. */
static int lock_entry(const struct fdinfo_lock *k, FileLockEntry *e)
{
	static const uint32_t flags[] = { [FDINFO_LOCK_POSIX] = FL_POSIX,
					  [FDINFO_LOCK_FLOCK] = FL_FLOCK,
					  [FDINFO_LOCK_OFD] = FL_OFD,
					  [FDINFO_LOCK_LEASE] = FL_LEASE };

	file_lock_entry__init(e);
	if (k->kind == FDINFO_LOCK_OTHER || k->type == FDINFO_LOCK_TYPE_OTHER)
		return -EOPNOTSUPP;
	/* A lease being broken (or one we broke ourselves) is in flux: no stable state. */
	if (k->kind == FDINFO_LOCK_LEASE ? k->mode != FDINFO_LOCK_ACTIVE
					 : k->mode != FDINFO_LOCK_ADVISORY)
		return -EOPNOTSUPP;
	e->flag = flags[k->kind];
	e->type = k->type == FDINFO_LOCK_READ ? F_RDLCK : F_WRLCK;
	e->start = k->start;
	e->len = k->end < 0 ? 0 : k->end - k->start + 1;
	return 0;
}

static int lock_set_add(struct files_dump_state *fs, const FileLockEntry *e)
{
	struct lock_set *ls = files_dump_priv(fs, &lock_set_key);

	if (!ls || ARRAY_ADD_ROOM(ls->e, ls->nr))
		return -ENOMEM;
	ls->e[ls->nr++] = *e;
	return 0;
}

int dump_fd_locks(struct dump_ctx *dc, const struct fd_parms *p, bool posix_only)
{
	struct fdinfo_lock *locks;
	FileLockEntry e;
	size_t nr, i;
	int ret;

	if (!fdinfo_has_locks(p->fdinfo))
		return 0;
	if (!dc->opts->file_locks) {
		pr_info("fd %d of task %d holds a lock\n", p->fd, p->pid);
		pr_err("Some file locks are hold by dumping tasks! You can try --file-locks to "
		       "dump them\n");
		return -EOPNOTSUPP;
	}
	ret = parse_fdinfo_locks(p->fdinfo, p->fdinfo_path, &locks, &nr);
	for (i = 0; !ret && i < nr; i++) {
		ret = lock_entry(&locks[i], &e);
		if (!ret && posix_only && e.flag != FL_POSIX)
			continue; /* the open file's own: seen with its first fd */
		if (ret) {
			pr_err("fd %d of task %d (%s) holds a lock criu can't restore "
			       "(lock:%.*s): only flock, POSIX, OFD locks and active leases are "
			       "supported\n",
			       p->fd, p->pid, p->link, locks[i].len, locks[i].text);
			break;
		}
		e.pid = p->pid;
		e.fd = p->fd;
		pr_info("fd %d: lock flag %u type %u start %" PRId64 " len %" PRId64 "\n", p->fd,
			e.flag, e.type, e.start, e.len);
		ret = lock_set_add(dc->fstate, &e);
	}
	free(locks);
	return ret;
}

int write_file_locks(struct dump_tree *dt)
{
	struct lock_set *ls = files_dump_priv_find(&dt->fstate, &lock_set_key);
	struct cr_img *img;
	size_t i;
	int ret = 0;

	if (!ls || !ls->nr)
		return 0;
	img = open_image_at(dt->dfd, CR_FD_FILE_LOCKS, O_DUMP, 0);
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < ls->nr; i++) {
		ls->e[i].pid = ns_dump_img_pid(dt, ls->e[i].pid); /* as the images name it */
		ret = pb_write_one(img, &ls->e[i].base);
	}
	return close_image(img) ?: ret;
}

/* ---- restore ---- */

static int take_flock(const FileLockEntry *e)
{
	if (flock(e->fd, (e->type == F_WRLCK ? LOCK_EX : LOCK_SH) | LOCK_NB))
		return -errno;
	return 0;
}

/* The task's POSIX locks, which its restorer takes again (rst_posix_locks_fill()). */
static struct rst_posix_lock posix_again[RST_MAX_POSIX_LOCKS];
static uint32_t nr_posix_again;

/* POSIX and OFD locks: one fcntl with the saved range. */
static int take_range_lock(const FileLockEntry *e, int cmd)
{
	struct flock fl = {
		.l_type = e->type,
		.l_whence = SEEK_SET,
		.l_start = e->start,
		.l_len = e->len,
	};

	if (fcntl(e->fd, cmd, &fl))
		return -errno;
	return 0;
}

/*
 * A POSIX lock is taken here, where a conflict can still be told clearly, and again by the
 * restorer: the fds it maps shared files through are closed after this, and any close of
 * a file drops the process's POSIX locks on it (SQLite's WAL index is locked and mapped).
 */
static int take_posix_lock(const FileLockEntry *e)
{
	struct rst_posix_lock *l;
	int ret;

	if (nr_posix_again == RST_MAX_POSIX_LOCKS) {
		pr_err("Task holds more than %d POSIX locks: not supported yet\n",
		       RST_MAX_POSIX_LOCKS);
		return -EOPNOTSUPP;
	}
	ret = take_range_lock(e, F_SETLK);
	if (ret)
		return ret;
	l = &posix_again[nr_posix_again++];
	memset(l, 0, sizeof(*l));
	l->type = (int16_t)e->type;
	l->whence = SEEK_SET;
	l->start = e->start;
	l->len = e->len;
	l->fd = e->fd;
	return 0;
}

void rst_posix_locks_fill(struct rst_task_state *ts)
{
	memcpy(ts->posix_locks, posix_again, nr_posix_again * sizeof(posix_again[0]));
	ts->nr_posix_locks = nr_posix_again;
}

static int take_lease(const FileLockEntry *e)
{
	if (fcntl(e->fd, F_SETLEASE, e->type))
		return -errno;
	return 0;
}

static int take_lock(const FileLockEntry *e)
{
	static const char *const names[] = { [FL_POSIX] = "POSIX lock",
					     [FL_FLOCK] = "flock",
					     [FL_OFD] = "OFD lock",
					     [FL_LEASE] = "lease" };
	int ret;

	switch (e->flag) {
	case FL_POSIX:
		ret = take_posix_lock(e);
		break;
	case FL_FLOCK:
		ret = take_flock(e);
		break;
	case FL_OFD:
		ret = take_range_lock(e, F_OFD_SETLK);
		break;
	case FL_LEASE:
		ret = take_lease(e);
		break;
	default:
		pr_err("filelocks.img: lock on fd %d has unknown kind %u\n", e->fd, e->flag);
		return -EINVAL;
	}
	if (ret) {
		errno = -ret;
		pr_perror("Can't take the %s (type %u, %" PRId64 "+%" PRId64 ") on fd %d back; "
			  "does another process hold a conflicting one now?",
			  names[e->flag], e->type, e->start, e->len, e->fd);
	}
	return ret;
}

static int check_lock_entry(const FileLockEntry *e, const struct rst_task *t)
{
	size_t i;

	if (e->type & ~1u) {
		pr_err("filelocks.img: lock on fd %d of task %d has type %u, which can't be "
		       "restored (a lease being broken?)\n",
		       e->fd, e->pid, e->type);
		return -EOPNOTSUPP;
	}
	for (i = 0; i < t->nr_fds; i++)
		if (t->fds[i]->fd == (uint32_t)e->fd)
			return 0;
	pr_err("filelocks.img: lock on fd %d of task %d, which has no such fd\n", e->fd, e->pid);
	return -EINVAL;
}

int rst_restore_file_locks(const struct rst_ctx *ctx, const struct rst_task *t)
{
	FileLockEntry *e;
	struct cr_img *img;
	int ret, nr = 0;

	img = open_image_optional(ctx->dfd, CR_FD_FILE_LOCKS, 0);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &file_lock_entry__descriptor, (ProtobufCMessage **)&e)) >
	       0) {
		ret = 0;
		if (e->pid == rst_img_pid(ctx, t->pid)) {
			ret = check_lock_entry(e, t) ?: take_lock(e);
			nr++;
		}
		protobuf_c_message_free_unpacked(&e->base, NULL);
		if (ret)
			break;
	}
	close_image(img);
	if (!ret && nr)
		pr_info("took %d file locks back\n", nr);
	return ret;
}
