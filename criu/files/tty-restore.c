/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/tty-restore.c - terminals made again. Both sides of a pty are made in one task,
 * the owner of the pty's files (tree/fork.c gives all files of a pty one key): /dev/ptmx is
 * opened until the kernel hands out the dumped index, the bytes that were queued are
 * written back (tty-queue.c), its modes and its node's owner and mode are set through the
 * master, and no slave is opened that the task did not have. The owner hands the files to
 * the other tasks on transit fds. Once every fd is in place the lock, the exclusive mode
 * and a closed slave come back; a session leader makes the pty its terminal again and a
 * task of the foreground group takes the foreground, once that group exists. A slave whose
 * master is outside (a shell job's terminal) is opened again by its path.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "tree.h"
#include "tty-priv.h"

#define KERNEL_O_LARGEFILE 0100000 /* glibc calls it 0 on 64-bit; fdinfo shows the bit */
#define PTY_TRIES	   20	   /* ptmx rounds while a dead pty of the same index is freed */

/* A pty made again: criu holds its master until every fd is in place. */
struct tty_pair {
	unsigned int index;
	int master;
};

/* tty-info.img and tty-extra.img, read on first use, and the ptys this task made. */
struct tty_rst {
	TtyInfoEntry **infos;
	size_t nr_infos;
	TtyExtraEntry **extras;
	size_t nr_extras;
	struct tty_pair *pairs;
	size_t nr_pairs;
	bool loaded;
	int load_err;
};

static void tty_rst_fini(struct rst_fds *rf, void *priv, bool failed);

static const struct rst_fds_key tty_rst_key = {
	.name = "terminals",
	.size = sizeof(struct tty_rst),
	.fini = tty_rst_fini,
};

static int check_info(const TtyInfoEntry *ti)
{
	bool vt = ti->type == TTY_TYPE__VT || ti->type == TTY_TYPE__CONSOLE;

	if ((ti->pty && ti->pty->index >= PTY_INDEX_MAX) ||
	    (ti->termios && ti->termios->n_c_cc > NCCS) ||
	    (ti->termios_locked && ti->termios_locked->n_c_cc > NCCS) ||
	    (ti->type == TTY_TYPE__PTY && !ti->pty) ||
	    (vt && (!tty_is_vt_or_console(ti->rdev) ||
		    (ti->type == TTY_TYPE__CONSOLE) != (major(ti->rdev) == TTYAUX_MAJOR)))) {
		pr_err("tty-info.img: entry %u is malformed\n", ti->id);
		return -EINVAL;
	}
	return 0;
}

static int load_infos(struct tty_rst *tr, int dfd, const struct rst_ctx *ctx)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_TTY_INFO, O_RSTR, 0);
	TtyInfoEntry *ti;
	int ret;

	if (!img)
		return -EIO;
	while ((ret = pb_read_one_eof(img, &tty_info_entry__descriptor, (ProtobufCMessage **)&ti)) >
	       0) {
		if (ARRAY_ADD_ROOM(tr->infos, tr->nr_infos)) {
			protobuf_c_message_free_unpacked(&ti->base, NULL);
			ret = -ENOMEM;
			break;
		}
		tr->infos[tr->nr_infos++] = ti;
		/* the images' pids, in criu's view as the pstree's */
		ti->sid = rst_pid_from_img(ctx, ti->sid);
		ti->pgrp = rst_pid_from_img(ctx, ti->pgrp);
		ret = check_info(ti);
		if (ret)
			break;
	}
	close_image(img);
	return ret;
}

/* tty-extra.img is ours: a set CRIU wrote has none, and its ptys keep devpts's defaults. */
static int load_extras(struct tty_rst *tr, int dfd)
{
	struct cr_img *img = open_image_optional(dfd, CR_FD_TTY_EXTRA, 0);
	TtyExtraEntry *x;
	int ret;

	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &tty_extra_entry__descriptor, (ProtobufCMessage **)&x)) >
	       0) {
		if (ARRAY_ADD_ROOM(tr->extras, tr->nr_extras)) {
			protobuf_c_message_free_unpacked(&x->base, NULL);
			ret = -ENOMEM;
			break;
		}
		tr->extras[tr->nr_extras++] = x;
		if (x->id % 2 || x->id / 2 >= PTY_INDEX_MAX) {
			pr_err("tty-extra.img: entry %u names no pty slave\n", x->id);
			ret = -EINVAL;
			break;
		}
	}
	close_image(img);
	return ret;
}

static void free_tables(struct tty_rst *tr)
{
	size_t i;

	for (i = 0; i < tr->nr_infos; i++)
		protobuf_c_message_free_unpacked(&tr->infos[i]->base, NULL);
	for (i = 0; i < tr->nr_extras; i++)
		protobuf_c_message_free_unpacked(&tr->extras[i]->base, NULL);
	free(tr->infos);
	free(tr->extras);
}

static struct tty_rst *tty_state(struct rst_fds *rf)
{
	struct tty_rst *tr = rst_fds_priv(rf, &tty_rst_key);

	if (!tr)
		return NULL;
	if (!tr->loaded) {
		tr->loaded = true;
		tr->load_err = load_infos(tr, rst_images_dfd(rf), rf->ctx)
				       ?: load_extras(tr, rst_images_dfd(rf));
	}
	return tr->load_err ? NULL : tr;
}

static const TtyInfoEntry *lookup_info(const struct tty_rst *tr, uint32_t id)
{
	size_t i;

	for (i = 0; tr && i < tr->nr_infos; i++)
		if (tr->infos[i]->id == id)
			return tr->infos[i];
	return NULL;
}

static const TtyInfoEntry *get_info(const struct tty_rst *tr, uint32_t id)
{
	const TtyInfoEntry *ti = lookup_info(tr, id);

	if (!ti)
		pr_err("tty-info.img has no terminal %u\n", id);
	return ti;
}

static const TtyExtraEntry *lookup_extra(const struct tty_rst *tr, unsigned int index)
{
	size_t i;

	for (i = 0; i < tr->nr_extras; i++)
		if (tr->extras[i]->id == tty_info_id(TTY_SLAVE, index))
			return tr->extras[i];
	return NULL;
}

void tty_termios_from(struct termios2 *t, const TermiosEntry *e)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->c_iflag = e->c_iflag;
	t->c_oflag = e->c_oflag;
	t->c_cflag = e->c_cflag;
	t->c_lflag = e->c_lflag;
	t->c_line = e->c_line;
	t->c_ispeed = e->c_ispeed;
	t->c_ospeed = e->c_ospeed;
	for (i = 0; i < e->n_c_cc; i++)
		t->c_cc[i] = e->c_cc[i];
}

static bool termios_is_zero(const struct termios2 *t)
{
	static const struct termios2 zero;

	return !memcmp(t, &zero, sizeof(zero));
}

/* termios, locked termios and window size of the slave, set through the master. */
int tty_set_modes(int mfd, const TtyInfoEntry *ti)
{
	struct termios2 t;
	struct termios lk;
	struct winsize ws;

	if (ti->termios) {
		tty_termios_from(&t, ti->termios);
		if (ioctl(mfd, TCSETS2, &t))
			goto err;
	}
	if (ti->termios_locked) {
		tty_termios_from(&t, ti->termios_locked);
		memcpy(&lk, &t, sizeof(lk));
		/* Needs CAP_SYS_ADMIN: only asked for when the task had locked something. */
		if (!termios_is_zero(&t) && ioctl(mfd, TIOCSLCKTRMIOS, &lk))
			goto err;
	}
	if (ti->winsize) {
		ws = (struct winsize){ ti->winsize->ws_row, ti->winsize->ws_col,
				       ti->winsize->ws_xpixel, ti->winsize->ws_ypixel };
		if (ioctl(mfd, TIOCSWINSZ, &ws))
			goto err;
	}
	return 0;
err:
	pr_perror("Can't set the modes of pty %u", ti->pty->index);
	return -errno;
}

static void close_all(int *fds, int nr)
{
	while (nr-- > 0)
		close(fds[nr]);
}

/*
 * /dev/ptmx hands out the lowest free index: open it until it is ours, keeping the lower
 * ones open meanwhile. A pty of the same index that is still being freed (the dumped task
 * just died) shows as a higher index: wait a little for it and try again.
 */
static int ptmx_round(unsigned int index, int *extra)
{
	unsigned int got, nr = 0;
	int fd, ret;

	for (;;) {
		fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, TIOCGPTN, &got)) {
			ret = -errno;
			pr_perror("Can't open /dev/ptmx for pty %u", index);
			if (fd >= 0)
				close(fd);
			break;
		}
		if (got == index) {
			ret = fd;
			break;
		}
		/* Only index lower ones exist: one more, or a higher one, means ours is taken. */
		if (got > index || nr == index) {
			close(fd);
			ret = -EAGAIN;
			break;
		}
		extra[nr++] = fd;
	}
	close_all(extra, nr);
	return ret;
}

int tty_open_ptmx_at(unsigned int index)
{
	int *extra = malloc((index + 1) * sizeof(int)), try, fd = -EAGAIN;

	if (!extra)
		return -ENOMEM;
	for (try = 0; try < PTY_TRIES && fd == -EAGAIN; try++) {
		if (try)
			usleep(50000);
		fd = ptmx_round(index, extra);
	}
	free(extra);
	if (fd == -EAGAIN) {
		pr_err("pty index %u is in use (/dev/pts/%u exists): close what holds it and "
		       "restore again\n",
		       index, index);
		return -EBUSY;
	}
	return fd;
}

static int setup_pair(struct rst_fds *rf, struct tty_pair *tp, const struct tty_rst *tr)
{
	const TtyInfoEntry *mi = get_info(tr, tty_info_id(TTY_MASTER, tp->index));
	const TtyInfoEntry *si = get_info(tr, tty_info_id(TTY_SLAVE, tp->index));
	const TtyExtraEntry *x = lookup_extra(tr, tp->index);
	int zero = 0, pkt;

	if (!mi || !si)
		return -EINVAL;
	/* Unlocked for the task's slave fds; tty_restore_done() locks it again if it was. */
	if (ioctl(tp->master, TIOCSPTLCK, &zero)) {
		pr_perror("Can't unlock pty %u", tp->index);
		return -errno;
	}
	if (tty_queue_restore(rf, tp->index, tp->master, si))
		return -EIO;
	pkt = mi->packet_mode;
	if (pkt && ioctl(tp->master, TIOCPKT, &pkt)) {
		pr_perror("Can't set packet mode on pty %u", tp->index);
		return -errno;
	}
	/* No slave is opened for this: a slave never opened stays so, as at dump. */
	return tty_set_modes(tp->master, si) ?: (x ? tty_restore_node(x) : 0);
}

static struct tty_pair *get_pair(struct rst_fds *rf, unsigned int index)
{
	struct tty_rst *tr = tty_state(rf);
	struct tty_pair *tp;
	size_t i;

	if (!tr)
		return NULL;
	for (i = 0; i < tr->nr_pairs; i++)
		if (tr->pairs[i].index == index)
			return &tr->pairs[i];
	if (ARRAY_ADD_ROOM(tr->pairs, tr->nr_pairs))
		return NULL;
	tp = &tr->pairs[tr->nr_pairs++];
	*tp = (struct tty_pair){ index, -1 };
	tp->master = tty_open_ptmx_at(index);
	if (tp->master >= 0)
		tp->master = rst_hold_fd(rf, tp->master);
	if (tp->master < 0 || setup_pair(rf, tp, tr))
		return NULL;
	pr_info("pty %u made again\n", index);
	return tp;
}

static int open_slave(const struct tty_pair *tp, uint32_t flags)
{
	char path[32];
	int fd;

	flags &= O_ACCMODE | O_NONBLOCK | KERNEL_O_LARGEFILE;
	/* open() sets O_LARGEFILE, TIOCGPTPEER does not: use the way the task did. */
	if (flags & KERNEL_O_LARGEFILE) {
		snprintf(path, sizeof(path), "/dev/pts/%u", tp->index);
		fd = open(path, (flags & ~KERNEL_O_LARGEFILE) | O_NOCTTY | O_CLOEXEC);
	} else {
		fd = ioctl(tp->master, TIOCGPTPEER, flags | O_NOCTTY | O_CLOEXEC);
	}
	if (fd < 0) {
		pr_perror("Can't open the slave of pty %u again", tp->index);
		return -errno;
	}
	return fd;
}

/* A shell job's terminal: the same pty, still held by the shell, opened by its path. */
static int open_unpaired(const TtyInfoEntry *ti, uint32_t flags)
{
	char path[32];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/dev/pts/%u", ti->pty->index);
	fd = open(path, (flags & (O_ACCMODE | O_NONBLOCK)) | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open %s, the terminal the job was started from; it must still "
			  "be open",
			  path);
		return -errno;
	}
	if (fstat(fd, &st) || st.st_rdev != ti->rdev) {
		pr_err("%s is not the terminal of the dump (device %u:%u)\n", path, major(ti->rdev),
		       minor(ti->rdev));
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* Does a file of the image set lie on the slave of pty index? */
static bool slave_in_tree(const struct rst_ctx *ctx, unsigned int index)
{
	size_t i;

	for (i = 0; i < ctx->nr_files; i++)
		if (ctx->files[i]->type == FD_TYPES__TTY && ctx->files[i]->tty &&
		    ctx->files[i]->tty->tty_info_id == tty_info_id(TTY_SLAVE, index))
			return true;
	return false;
}

/*
 * The session this task leads had pty index as its terminal: it is again, through the
 * task's own fd of it (a master's TIOCSCTTY acts on the slave). The foreground stays the
 * task's group unless tty_restore_foreground() gives it to another.
 */
static int take_ctty(struct rst_fds *rf, const struct tty_rst *tr)
{
	pid_t pid = rf->t->pid, sid = 0;
	size_t i;
	int fd;

	for (i = 0; i < rf->t->nr_fds; i++) {
		const FileEntry *fe = rst_find_file(rf->ctx, rf->t->fds[i]->id);
		int index = tty_file_pty(fe);
		const TtyInfoEntry *si;

		si = index < 0 ? NULL : lookup_info(tr, tty_info_id(TTY_SLAVE, index));
		if (!si || (pid_t)si->sid != pid)
			continue;
		fd = rst_borrow_file(rf, fe->id);
		if (fd < 0)
			return fd;
		/* the task sees sessions by their pid in its own pid namespace */
		if (!ioctl(fd, TIOCGSID, &sid) && sid == rst_pid_here(rf->ctx, pid))
			return 0; /* done already */
		if (getsid(0) != rst_pid_here(rf->ctx, pid) || ioctl(fd, TIOCSCTTY, 0)) {
			pr_perror("Can't make pty %d the terminal of session %d again", index, pid);
			return -EPERM;
		}
		pr_info("pty %d is the terminal of session %d again\n", index, pid);
		return 0;
	}
	return 0;
}

static int tty_open_info(struct rst_fds *rf, const TtyInfoEntry *ti, uint32_t flags)
{
	struct tty_pair *tp;
	int fd;

	if (ti->type == TTY_TYPE__VT || ti->type == TTY_TYPE__CONSOLE)
		return tty_open_vt(ti, flags);
	if (ti->type == TTY_TYPE__CTTY) {
		/* the session's terminal first, if the fd of it comes later */
		fd = take_ctty(rf, tty_state(rf));
		fd = fd ?: open("/dev/tty", (flags & (O_ACCMODE | O_NONBLOCK)) | O_CLOEXEC);
		if (fd < 0)
			pr_perror("Can't open /dev/tty again");
		return fd < 0 ? -errno : fd;
	}
	if (ti->rdev != makedev(TTYAUX_MAJOR, 2) &&
	    !lookup_info(rst_fds_priv_find(rf, &tty_rst_key),
			 tty_info_id(TTY_MASTER, ti->pty->index)))
		return rf->ctx->ro->orphan_pts_master ? tty_open_orphan(rf, ti, flags)
						      : open_unpaired(ti, flags);
	tp = get_pair(rf, ti->pty->index);
	if (!tp)
		return -EIO;
	if (ti->rdev == makedev(TTYAUX_MAJOR, 2)) {
		/* The held master is the task's open file: hand out a dup of it. */
		fd = fcntl(tp->master, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			pr_perror("Can't dup the master of pty %u", tp->index);
		return fd < 0 ? -errno : fd;
	}
	return open_slave(tp, flags);
}

static int tty_open(struct rst_fds *rf, const FileEntry *fe)
{
	const TtyFileEntry *e = fe->tty;
	struct tty_rst *tr = tty_state(rf);
	const TtyInfoEntry *ti = tr ? get_info(tr, e->tty_info_id) : NULL;
	int fd;

	if (!ti)
		return -EIO;
	if (ti->type == TTY_TYPE__UNKNOWN || ti->type == TTY_TYPE__EXT_TTY ||
	    ti->type == TTY_TYPE__SERIAL) {
		pr_err("file id %u: terminal %u is of type %d, which this criu can't restore\n",
		       fe->id, ti->id, ti->type);
		return -EOPNOTSUPP;
	}
	fd = tty_open_info(rf, ti, e->flags);
	if (fd >= 0 && rst_set_fl(fd, e->flags, "tty")) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* A slave that was closed once: open and close one, so the master reads EIO again. */
static int close_slave_again(const struct tty_pair *tp)
{
	int fd = ioctl(tp->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0) {
		pr_perror("Can't close the slave of pty %u again", tp->index);
		return -errno;
	}
	close(fd);
	return 0;
}

/* Exclusive mode is the slave's own: set through a slave of the tree's, still open. */
static int set_exclusive(const struct tty_pair *tp)
{
	int fd = ioctl(tp->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC), ret = 0;

	if (fd < 0 || ioctl(fd, TIOCEXCL)) {
		ret = -errno;
		pr_perror("Can't make pty %u exclusive again", tp->index);
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Lock, exclusive mode and a closed slave last: the task's slaves had to be opened first. */
static int finish_pair(struct rst_fds *rf, const struct tty_rst *tr, const struct tty_pair *tp)
{
	const TtyInfoEntry *si = lookup_info(tr, tty_info_id(TTY_SLAVE, tp->index));
	const TtyInfoEntry *mi = lookup_info(tr, tty_info_id(TTY_MASTER, tp->index));
	const TtyExtraEntry *x = lookup_extra(tr, tp->index);
	bool in_tree = slave_in_tree(rf->ctx, tp->index);
	int one = 1, ret = 0;

	if (x && x->slave_closed && !in_tree)
		ret = close_slave_again(tp);
	if (!ret && si->exclusive && in_tree)
		ret = set_exclusive(tp);
	if (!ret && mi->locked && ioctl(tp->master, TIOCSPTLCK, &one)) {
		ret = -errno;
		pr_perror("Can't lock pty %u again", tp->index);
	}
	return ret;
}

/* Does the task hold an fd on a pty (its own, or one handed down by the pty's owner)? */
static bool holds_pty(const struct rst_fds *rf)
{
	size_t i;

	for (i = 0; i < rf->t->nr_fds; i++)
		if (tty_file_pty(rst_find_file(rf->ctx, rf->t->fds[i]->id)) >= 0)
			return true;
	return false;
}

int tty_restore_done(struct rst_fds *rf)
{
	struct tty_rst *tr = rst_fds_priv_find(rf, &tty_rst_key);
	size_t i;
	int ret = 0;

	if (!tr && !holds_pty(rf))
		return 0;
	tr = tty_state(rf);
	if (!tr)
		return -EIO;
	for (i = 0; !ret && i < tr->nr_pairs; i++)
		ret = finish_pair(rf, tr, &tr->pairs[i]);
	return ret ?: take_ctty(rf, tr);
}

int tty_file_pty(const FileEntry *fe)
{
	if (!fe || fe->type != FD_TYPES__TTY || !fe->tty ||
	    fe->tty->tty_info_id / 2 >= PTY_INDEX_MAX)
		return -1;
	return fe->tty->tty_info_id / 2;
}

static void tty_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct tty_rst *tr = priv;
	size_t i;

	for (i = 0; i < tr->nr_pairs; i++)
		if (tr->pairs[i].master >= 0)
			close(tr->pairs[i].master);
	free_tables(tr);
	free(tr->pairs);
}

static FownEntry *tty_fown(const FileEntry *fe)
{
	return fe->tty ? fe->tty->fown : NULL;
}

static int tty_check(const FileEntry *fe)
{
	if (!fe->tty || fe->tty->id != fe->id || !fe->tty->fown) {
		pr_err("files.img: file id %u has a bad tty entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

/* The first task of the tree in group pgid of session sid that can act for it. */
static bool acts_for_group(const struct rst_ctx *ctx, const struct rst_task *t)
{
	size_t i;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *o = &ctx->tasks[i];

		if (!rst_task_has_restorer(o) || o->pstree->pgid != t->pstree->pgid ||
		    o->pstree->sid != t->pstree->sid)
			continue;
		return o == t;
	}
	return false;
}

/*
 * A pty's foreground group other than its session leader's: a task of that group gives it
 * the foreground once the group exists, through its own controlling terminal. It is in the
 * background until then, so SIGTTOU is held back for the call.
 */
static int give_foreground(const struct rst_ctx *ctx, const struct rst_task *t,
			   const TtyInfoEntry *si)
{
	pid_t pgrp = rst_pid_here(ctx, si->pgrp); /* as the task sees it */
	sigset_t ttou, old;
	int fd, ret = 0;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Task %d can't open its terminal, pty %u, to take the foreground", t->pid,
			  si->pty->index);
		return -errno;
	}
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	if (ioctl(fd, TIOCSPGRP, &pgrp)) {
		ret = -errno;
		pr_perror("Can't give pty %u's foreground to group %d again", si->pty->index, pgrp);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fd);
	return ret;
}

int tty_restore_foreground(const struct rst_ctx *ctx, const struct rst_task *t)
{
	struct tty_rst tr = {};
	struct cr_img *img;
	size_t i;
	int ret;

	if (t->helper || t->pstree->pgid == t->pstree->sid || !acts_for_group(ctx, t))
		return 0;
	img = open_image_optional(ctx->dfd, CR_FD_TTY_INFO, 0);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	close_image(img);
	ret = load_infos(&tr, ctx->dfd, ctx);
	for (i = 0; !ret && i < tr.nr_infos; i++) {
		const TtyInfoEntry *si = tr.infos[i];

		if (si->type == TTY_TYPE__PTY && si->id == tty_info_id(TTY_SLAVE, si->pty->index) &&
		    si->sid == t->pstree->sid && si->pgrp == t->pstree->pgid)
			ret = give_foreground(ctx, t, si);
	}
	free_tables(&tr);
	return ret;
}

const struct fd_handler tty_handler = {
	.type = FD_TYPES__TTY,
	.name = "tty",
	.match = tty_match,
	.dump = tty_dump,
	.check = tty_check,
	.open = tty_open,
	.fown = tty_fown,
};
