/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/tty.c - terminals: Unix98 pty masters (/dev/ptmx) and slaves (/dev/pts/N) whose pair
 * is held by the dumped task, and /dev/tty. Every fd is a TtyFileEntry; the state of each
 * pty side (termios, window size, lock, packet and exclusive modes, the session it controls)
 * is one TtyInfoEntry in tty-info.img.
 *
 * criu reads a pty through a copy of the task's own master (pidfd_getfd): opening /dev/ptmx
 * again would make a new pty, and the termios ioctls on a master act on its slave. Bytes
 * queued in a pty cannot be read without taking them from the task, so such a pty is
 * refused. At restore /dev/ptmx is opened until the kernel hands out the dumped index, its
 * modes are set through the master (no slave is opened that the task did not have), and a
 * pty that was the controlling terminal of the task's own session becomes it again. A slave
 * whose master is outside (a shell job's terminal) is opened again by its path.
 */
#include <asm/termbits.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "proc-fdinfo.h"
#include "proc-parse.h"
#include "restore-ctx.h"

#define TTYAUX_MAJOR	5   /* /dev/tty is 5:0, /dev/ptmx 5:2 */
#define PTS_MAJOR_FIRST 136 /* Unix98 pty slaves: majors 136..143, 256 minors each */
#define PTS_MAJOR_LAST	143
#define CTTY_INFO_ID	0x7fffffffu /* /dev/tty: its own info, naming the pty it aliases */
#define PTY_TRIES	20	    /* ptmx rounds while a dead pty of the same index is freed */

enum tty_kind { TTY_MASTER, TTY_SLAVE, TTY_CTTY };

static bool is_pts(dev_t rdev)
{
	return major(rdev) >= PTS_MAJOR_FIRST && major(rdev) <= PTS_MAJOR_LAST;
}

static bool tty_match(const struct fd_parms *p)
{
	dev_t r = p->st.st_rdev;

	return S_ISCHR(p->st.st_mode) &&
	       (r == makedev(TTYAUX_MAJOR, 0) || r == makedev(TTYAUX_MAJOR, 2) || is_pts(r));
}

static unsigned int pts_index(dev_t rdev)
{
	return (major(rdev) - PTS_MAJOR_FIRST) * 256 + minor(rdev);
}

static uint32_t info_id(enum tty_kind kind, unsigned int index)
{
	if (kind == TTY_CTTY)
		return CTTY_INFO_ID;
	return index * 2 + (kind == TTY_MASTER ? 1 : 2);
}

/* ---- dump ------------------------------------------------------------------------------ */

/* A copy of the task's fd in criu: the same open file, not a new open of its path. */
static int grab_task_fd(pid_t pid, int fd)
{
	int pidfd, nfd;

	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		pr_perror("Can't open a pidfd of task %d", pid);
		return -errno;
	}
	nfd = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (nfd < 0) {
		nfd = -errno;
		pr_perror("Can't copy fd %d of task %d (pidfd_getfd)", fd, pid);
	}
	close(pidfd);
	return nfd;
}

/* The pty index of a master, from its fdinfo (name: its path); -errno, logged. */
static int master_index(pid_t pid, int fd, const char *fdinfo, const char *name)
{
	uint32_t idx;
	int ret;

	ret = parse_fdinfo_tty_index(fdinfo, name, &idx);
	if (ret == -ENOENT)
		pr_err("fd %d of task %d is a pty master without a tty-index in its fdinfo\n", fd,
		       pid);
	if (ret)
		return ret < 0 ? ret : -EINVAL;
	if (idx > INT32_MAX) {
		pr_err("%s: tty-index %u is out of range\n", name, idx);
		return -EINVAL;
	}
	return idx;
}

/* The task's fd on the master of pty index, or -ENOENT. */
static int find_master(pid_t pid, unsigned int index)
{
	char path[96], *info;
	struct dirent *de;
	struct stat st;
	int ret = -ENOENT;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	while (ret == -ENOENT && (de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
		if (stat(path, &st) || !S_ISCHR(st.st_mode) ||
		    st.st_rdev != makedev(TTYAUX_MAJOR, 2))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
		info = read_proc_file(path, NULL);
		if (info && master_index(pid, fd, info, path) == (int)index)
			ret = fd;
		free(info);
	}
	closedir(d);
	return ret;
}

static TermiosEntry *termios_entry(const struct termios2 *t)
{
	TermiosEntry *e = malloc(sizeof(*e));
	size_t i;

	if (!e)
		return NULL;
	termios_entry__init(e);
	e->c_cc = malloc(NCCS * sizeof(*e->c_cc));
	if (!e->c_cc) {
		free(e);
		return NULL;
	}
	e->n_c_cc = NCCS;
	for (i = 0; i < NCCS; i++)
		e->c_cc[i] = t->c_cc[i];
	e->c_iflag = t->c_iflag;
	e->c_oflag = t->c_oflag;
	e->c_cflag = t->c_cflag;
	e->c_lflag = t->c_lflag;
	e->c_line = t->c_line;
	e->c_ispeed = t->c_ispeed;
	e->c_ospeed = t->c_ospeed;
	return e;
}

/* termios, locked termios and window size of the slave, read through the master. */
static int read_modes(int mfd, TtyInfoEntry *ti)
{
	struct termios2 t;
	struct termios lk;
	struct winsize ws;

	if (ioctl(mfd, TCGETS2, &t) || ioctl(mfd, TIOCGLCKTRMIOS, &lk) ||
	    ioctl(mfd, TIOCGWINSZ, &ws)) {
		pr_perror("Can't read the modes of pty %u", ti->pty->index);
		return -errno;
	}
	ti->termios = termios_entry(&t);
	memset(&t, 0, sizeof(t));
	memcpy(&t, &lk, sizeof(lk)); /* same layout up to c_cc; no speeds are locked */
	ti->termios_locked = termios_entry(&t);
	ti->winsize = malloc(sizeof(*ti->winsize));
	if (!ti->termios || !ti->termios_locked || !ti->winsize)
		return -ENOMEM;
	winsize_entry__init(ti->winsize);
	ti->winsize->ws_row = ws.ws_row;
	ti->winsize->ws_col = ws.ws_col;
	ti->winsize->ws_xpixel = ws.ws_xpixel;
	ti->winsize->ws_ypixel = ws.ws_ypixel;
	return 0;
}

/* Lock, packet mode and session, through the master; an absent session reads ENOTTY. */
static int read_flags(int mfd, TtyInfoEntry *ti)
{
	int locked, pkt;
	pid_t sid = 0, pgrp = 0;

	if (ioctl(mfd, TIOCGPTLCK, &locked) || ioctl(mfd, TIOCGPKT, &pkt)) {
		pr_perror("Can't read the lock and packet modes of pty %u", ti->pty->index);
		return -errno;
	}
	if (ioctl(mfd, TIOCGSID, &sid) && errno != ENOTTY) {
		pr_perror("Can't read the session of pty %u", ti->pty->index);
		return -errno;
	}
	if (sid > 0 && ioctl(mfd, TIOCGPGRP, &pgrp)) {
		pr_perror("Can't read the foreground group of pty %u", ti->pty->index);
		return -errno;
	}
	ti->locked = locked;
	ti->packet_mode = pkt;
	ti->sid = sid > 0 ? sid : 0;
	ti->pgrp = pgrp > 0 ? pgrp : 0;
	return 0;
}

/*
 * A pty that controls a session can come back as that session's terminal only when the
 * session is the task's own (it leads it). Anything else would lose the link silently.
 */
static int check_session(const struct fd_parms *p, const TtyInfoEntry *ti)
{
	if (!ti->sid)
		return 0;
	if ((pid_t)ti->sid != p->pid) {
		pr_err("fd %d of task %d is on pty %u, the controlling terminal of session %u, "
		       "which task %d does not lead: not supported yet\n",
		       p->fd, p->pid, ti->pty->index, ti->sid, p->pid);
		return -EOPNOTSUPP;
	}
	if ((pid_t)ti->pgrp != p->pid) {
		pr_err("fd %d of task %d is on pty %u whose foreground group %u is not the task's "
		       "own: not supported yet\n",
		       p->fd, p->pid, ti->pty->index, ti->pgrp);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* The dump's: one info per terminal seen, written to tty-info.img after every fd. */
struct tty_dump {
	TtyInfoEntry **infos;
	size_t nr;
};

static void tty_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct tty_dump *td = priv;
	size_t i;

	for (i = 0; i < td->nr; i++)
		if (td->infos[i])
			protobuf_c_message_free_unpacked(&td->infos[i]->base, NULL);
	free(td->infos);
}

static const struct files_dump_key tty_dump_key = {
	.name = "terminals",
	.size = sizeof(struct tty_dump),
	.fini = tty_dump_fini,
};

static TtyInfoEntry *new_info(struct files_dump_state *fs, uint32_t id, unsigned int index,
			      dev_t rdev)
{
	struct tty_dump *td = files_dump_priv(fs, &tty_dump_key);
	TtyInfoEntry *ti;

	if (!td || ARRAY_ADD_ROOM(td->infos, td->nr))
		return NULL;
	ti = calloc(1, sizeof(*ti));
	if (!ti)
		return NULL;
	td->infos[td->nr++] = ti;
	tty_info_entry__init(ti);
	ti->id = id;
	ti->rdev = rdev;
	ti->pty = malloc(sizeof(*ti->pty));
	if (!ti->pty)
		return NULL;
	tty_pty_entry__init(ti->pty);
	ti->pty->index = index;
	ti->type = TTY_TYPE__PTY;
	return ti;
}

static const TtyInfoEntry *find_info(const struct files_dump_state *fs, uint32_t id)
{
	const struct tty_dump *td = files_dump_priv_find(fs, &tty_dump_key);
	size_t i;

	for (i = 0; td && i < td->nr; i++)
		if (td->infos[i]->id == id)
			return td->infos[i];
	return NULL;
}

/*
 * The infos of both sides of pty index, read once through the task's master fd. Both carry
 * the same state: the slave's, which the master's ioctls report.
 */
static int dump_pty_info(struct dump_ctx *dc, const struct fd_parms *p, unsigned int index,
			 int master_fd)
{
	TtyInfoEntry *mi, *si;
	int mfd, ret;

	if (find_info(dc->fstate, info_id(TTY_MASTER, index)))
		return 0;
	mi = new_info(dc->fstate, info_id(TTY_MASTER, index), index, makedev(TTYAUX_MAJOR, 2));
	si = mi ? new_info(dc->fstate, info_id(TTY_SLAVE, index), index,
			   makedev(PTS_MAJOR_FIRST + index / 256, index % 256))
		: NULL;
	if (!si)
		return -ENOMEM;
	mfd = grab_task_fd(p->pid, master_fd);
	if (mfd < 0)
		return mfd;
	ret = read_modes(mfd, mi) ?: read_flags(mfd, mi);
	ret = ret ?: read_modes(mfd, si) ?: read_flags(mfd, si);
	close(mfd);
	return ret ?: check_session(p, si);
}

/* Bytes waiting to be read on this side cannot be saved without taking them away. */
static int check_queue(const struct fd_parms *p, unsigned int index, bool *excl)
{
	int fd = grab_task_fd(p->pid, p->fd), n = 0, x = 0, ret = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, FIONREAD, &n) || ioctl(fd, TIOCGEXCL, &x)) {
		ret = -errno;
		pr_perror("Can't read the input queue of fd %d of task %d (pty %u)", p->fd, p->pid,
			  index);
	} else if (n > 0) {
		pr_err("fd %d of task %d (%s, pty %u) has %d unread bytes queued: checkpointing "
		       "queued terminal data is not supported yet; read them first\n",
		       p->fd, p->pid, p->link, index, n);
		ret = -EOPNOTSUPP;
	}
	*excl = x;
	close(fd);
	return ret;
}

/* /dev/tty: the task's controlling terminal, which must be a pty the task holds. */
static int dump_ctty(struct dump_ctx *dc, const struct fd_parms *p, int *index, int *master)
{
	struct proc_stat st;
	int ret = parse_proc_stat(p->pid, &st);

	if (ret)
		return ret;
	if (is_pts(st.tty_nr)) {
		*index = pts_index(st.tty_nr);
		*master = find_master(p->pid, *index);
		if (*master >= 0)
			return 0;
	}
	*index = -1;
	if (dc->opts->shell_job) /* criu's own terminal stands in for the shell's */
		return 0;
	pr_err("fd %d of task %d is /dev/tty, and its controlling terminal (device %u:%u) is "
	       "not a pty the task holds: dump with --shell-job (-j) if it is the shell's\n",
	       p->fd, p->pid, major(st.tty_nr), minor(st.tty_nr));
	return -EOPNOTSUPP;
}

static int dump_ctty_info(struct dump_ctx *dc, int index)
{
	TtyInfoEntry *ti;

	if (find_info(dc->fstate, CTTY_INFO_ID))
		return 0;
	ti = new_info(dc->fstate, CTTY_INFO_ID, index < 0 ? 0 : index, makedev(TTYAUX_MAJOR, 0));
	if (!ti)
		return -ENOMEM;
	ti->type = TTY_TYPE__CTTY;
	if (index < 0) {
		free(ti->pty);
		ti->pty = NULL;
	}
	return 0;
}

/*
 * A slave whose master is held outside the dumped task: the terminal a shell job was
 * started from. Its state belongs to whoever holds the master, and the pty lives on after
 * the dump: restore opens it again by its path, as it is then.
 */
static int dump_unpaired(struct dump_ctx *dc, const struct fd_parms *p, unsigned int index)
{
	if (!dc->opts->shell_job) {
		pr_err("fd %d of task %d is %s, a pty whose master is not open in the task: "
		       "dump with --shell-job (-j) if it is the terminal of the shell the task "
		       "was started from\n",
		       p->fd, p->pid, p->link);
		return -EOPNOTSUPP;
	}
	if (find_info(dc->fstate, info_id(TTY_SLAVE, index)))
		return 0;
	return new_info(dc->fstate, info_id(TTY_SLAVE, index), index, p->st.st_rdev) ? 0 : -ENOMEM;
}

static int tty_dump_side(struct dump_ctx *dc, const struct fd_parms *p, enum tty_kind kind,
			 int *index)
{
	int master = p->fd, ret;
	bool excl = false;

	if (kind == TTY_MASTER) {
		*index = master_index(p->pid, p->fd, p->fdinfo, p->fdinfo_path);
		if (*index < 0)
			return *index;
	} else {
		*index = pts_index(p->st.st_rdev);
		master = find_master(p->pid, *index);
		if (master < 0)
			return dump_unpaired(dc, p, *index);
	}
	ret = check_queue(p, *index, &excl);
	ret = ret ?: dump_pty_info(dc, p, *index, master);
	if (!ret && excl && kind == TTY_SLAVE)
		((TtyInfoEntry *)find_info(dc->fstate, info_id(kind, *index)))->exclusive = true;
	return ret;
}

static int tty_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	dev_t r = p->st.st_rdev;
	enum tty_kind kind = r == makedev(TTYAUX_MAJOR, 0)   ? TTY_CTTY
			     : r == makedev(TTYAUX_MAJOR, 2) ? TTY_MASTER
							     : TTY_SLAVE;
	TtyFileEntry *e = malloc(sizeof(*e));
	int index, master = -1, ret;

	if (!e)
		return -ENOMEM;
	tty_file_entry__init(e);
	fe->tty = e;
	e->id = fe->id;
	e->fown = p->fown;
	e->flags = p->flags;
	if (kind == TTY_CTTY) {
		ret = dump_ctty(dc, p, &index, &master);
		ret = ret ?: dump_ctty_info(dc, index);
		if (!ret && index >= 0) /* the slave the alias leads to must come back too */
			ret = dump_pty_info(dc, p, index, master);
	} else {
		ret = tty_dump_side(dc, p, kind, &index);
	}
	e->tty_info_id = info_id(kind, index);
	return ret;
}

int tty_write_info(struct dump_tree *dt)
{
	const struct tty_dump *td = files_dump_priv_find(&dt->fstate, &tty_dump_key);
	struct cr_img *img;
	size_t i;
	int ret = 0;

	if (!td || !td->nr)
		return 0;
	img = open_image_at(dt->dfd, CR_FD_TTY_INFO, O_DUMP, 0);
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < td->nr; i++)
		ret = pb_write_one(img, &td->infos[i]->base);
	return close_image(img) ?: ret;
}

/* ---- restore --------------------------------------------------------------------------- */

#define KERNEL_O_LARGEFILE 0100000 /* glibc calls it 0 on 64-bit; fdinfo shows the bit */

/* A pty made again: criu holds its master until every fd is in place. */
struct tty_pair {
	unsigned int index;
	int master;
};

/* A task's restore: tty-info.img, read on first use, and the ptys made. */
struct tty_rst {
	TtyInfoEntry **infos;
	size_t nr_infos;
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
	if ((ti->pty && ti->pty->index >= (1u << 20)) ||
	    (ti->termios && ti->termios->n_c_cc > NCCS) ||
	    (ti->termios_locked && ti->termios_locked->n_c_cc > NCCS) ||
	    (ti->type == TTY_TYPE__PTY && !ti->pty)) {
		pr_err("tty-info.img: entry %u is malformed\n", ti->id);
		return -EINVAL;
	}
	return 0;
}

static int load_infos(struct tty_rst *tr, int dfd)
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
		ret = check_info(ti);
		if (ret)
			break;
	}
	close_image(img);
	return ret;
}

static struct tty_rst *tty_state(struct rst_fds *rf)
{
	struct tty_rst *tr = rst_fds_priv(rf, &tty_rst_key);

	if (!tr)
		return NULL;
	if (!tr->loaded) {
		tr->loaded = true;
		tr->load_err = load_infos(tr, rst_images_dfd(rf));
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

static void termios_from(struct termios2 *t, const TermiosEntry *e)
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
static int set_modes(int mfd, const TtyInfoEntry *ti)
{
	struct termios2 t;
	struct termios lk;
	struct winsize ws;

	if (ti->termios) {
		termios_from(&t, ti->termios);
		if (ioctl(mfd, TCSETS2, &t))
			goto err;
	}
	if (ti->termios_locked) {
		termios_from(&t, ti->termios_locked);
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

/*
 * The pty that controlled the task's session controls it again, with its foreground group.
 * Both ioctls act on the slave when made on the master.
 */
static int set_ctty(int mfd, const TtyInfoEntry *ti, pid_t pid)
{
	pid_t pgrp = ti->pgrp;

	if (!ti->sid)
		return 0;
	if ((pid_t)ti->sid != pid || getsid(0) != pid) {
		pr_err("pty %u controlled session %u, which task %d does not lead after its "
		       "restore\n",
		       ti->pty->index, ti->sid, pid);
		return -EINVAL;
	}
	if (ioctl(mfd, TIOCSCTTY, 0)) {
		pr_perror("Can't make pty %u the controlling terminal of task %d again",
			  ti->pty->index, pid);
		return -errno;
	}
	if (pgrp && ioctl(mfd, TIOCSPGRP, &pgrp)) {
		pr_perror("Can't give pty %u to process group %d again", ti->pty->index, pgrp);
		return -errno;
	}
	return 0;
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

static int open_ptmx_at(unsigned int index)
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

static int setup_pair(const struct rst_fds *rf, struct tty_pair *tp, const struct tty_rst *tr)
{
	const TtyInfoEntry *mi = get_info(tr, info_id(TTY_MASTER, tp->index));
	const TtyInfoEntry *si = get_info(tr, info_id(TTY_SLAVE, tp->index));
	int zero = 0, pkt;

	if (!mi || !si)
		return -EINVAL;
	/* Unlocked for the task's slave fds; post_open locks it again if it was. */
	if (ioctl(tp->master, TIOCSPTLCK, &zero)) {
		pr_perror("Can't unlock pty %u", tp->index);
		return -errno;
	}
	pkt = mi->packet_mode;
	if (pkt && ioctl(tp->master, TIOCPKT, &pkt)) {
		pr_perror("Can't set packet mode on pty %u", tp->index);
		return -errno;
	}
	/* No slave is opened for this: a slave never opened stays so, as at dump. */
	return set_modes(tp->master, si) ?: set_ctty(tp->master, si, rf->t->pid);
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
	tp->master = open_ptmx_at(index);
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

static int tty_open_info(struct rst_fds *rf, const TtyInfoEntry *ti, uint32_t flags)
{
	struct tty_pair *tp = NULL;
	int fd;

	if (ti->type == TTY_TYPE__PTY && ti->rdev != makedev(TTYAUX_MAJOR, 2) &&
	    !lookup_info(rst_fds_priv_find(rf, &tty_rst_key), info_id(TTY_MASTER, ti->pty->index)))
		return open_unpaired(ti, flags);
	if (ti->pty) {
		tp = get_pair(rf, ti->pty->index);
		if (!tp)
			return -EIO;
	}
	if (ti->type == TTY_TYPE__CTTY) {
		fd = open("/dev/tty", (flags & (O_ACCMODE | O_NONBLOCK)) | O_CLOEXEC);
		if (fd < 0)
			pr_perror("Can't open /dev/tty again");
		return fd < 0 ? -errno : fd;
	}
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
	if (ti->type != TTY_TYPE__PTY && ti->type != TTY_TYPE__CTTY) {
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

/* Lock and exclusive mode last: the slave had to be opened for every fd first. */
static int tty_post_open(struct rst_fds *rf, const FileEntry *fe, int fd)
{
	const TtyInfoEntry *ti =
		get_info(rst_fds_priv_find(rf, &tty_rst_key), fe->tty->tty_info_id);
	int one = 1;

	if (!ti || ti->type != TTY_TYPE__PTY)
		return ti ? 0 : -EIO;
	if (ti->rdev == makedev(TTYAUX_MAJOR, 2) && ti->locked && ioctl(fd, TIOCSPTLCK, &one)) {
		pr_perror("Can't lock pty %u again", ti->pty->index);
		return -errno;
	}
	if (ti->rdev != makedev(TTYAUX_MAJOR, 2) && ti->exclusive && ioctl(fd, TIOCEXCL)) {
		pr_perror("Can't make pty %u exclusive again", ti->pty->index);
		return -errno;
	}
	return 0;
}

static void tty_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct tty_rst *tr = priv;
	size_t i;

	for (i = 0; i < tr->nr_pairs; i++)
		if (tr->pairs[i].master >= 0)
			close(tr->pairs[i].master);
	for (i = 0; i < tr->nr_infos; i++)
		protobuf_c_message_free_unpacked(&tr->infos[i]->base, NULL);
	free(tr->infos);
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

const struct fd_handler tty_handler = {
	.type = FD_TYPES__TTY,
	.name = "tty",
	.match = tty_match,
	.dump = tty_dump,
	.check = tty_check,
	.open = tty_open,
	.post_open = tty_post_open,
	.fown = tty_fown,
};
