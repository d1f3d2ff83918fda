/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/tty.c - terminals, the dump of each fd: Unix98 pty masters (/dev/ptmx) and slaves
 * (/dev/pts/N), /dev/tty, /dev/console and the virtual terminals. Every fd is a
 * TtyFileEntry; the state of each pty side (termios, window size, lock, packet and
 * exclusive modes, the session it controls) is one TtyInfoEntry in tty-info.img.
 *
 * criu reads a pty through a copy of a master the tree holds (pidfd_getfd): opening
 * /dev/ptmx again would make a new pty, and the termios ioctls on a master act on its
 * slave. The master may be in any task of the tree; a slave whose master is outside (a
 * shell job's terminal) is saved by its index alone, with --shell-job. A pty that controls
 * a session must control a session of the tree whose leader holds an fd of it, with a
 * foreground group of the tree: checked once every task is seen. The bytes queued in the
 * ptys are taken last (tty-queue.c), the restore side is tty-restore.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
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
#include "ns.h"
#include "log.h"
#include "proc-fdinfo.h"
#include "proc-parse.h"
#include "tty-priv.h"

bool tty_match(const struct fd_parms *p)
{
	dev_t r = p->st.st_rdev;

	return S_ISCHR(p->st.st_mode) &&
	       (r == makedev(TTYAUX_MAJOR, 0) || r == makedev(TTYAUX_MAJOR, 2) || tty_is_pts(r) ||
		tty_is_vt_or_console(r));
}

static unsigned int pts_index(dev_t rdev)
{
	return (major(rdev) - PTS_MAJOR_FIRST) * 256 + minor(rdev);
}

int tty_grab_task_fd(pid_t pid, int fd)
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
	if (idx >= PTY_INDEX_MAX) {
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

TermiosEntry *tty_termios_entry(const struct termios2 *t)
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
		pr_perror("Can't read the modes of terminal %#x", ti->id);
		return -errno;
	}
	ti->termios = tty_termios_entry(&t);
	memset(&t, 0, sizeof(t));
	memcpy(&t, &lk, sizeof(lk)); /* same layout up to c_cc; no speeds are locked */
	ti->termios_locked = tty_termios_entry(&t);
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

static void tty_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct tty_dump *td = priv;
	size_t i;

	for (i = 0; i < td->nr; i++)
		if (td->infos[i])
			protobuf_c_message_free_unpacked(&td->infos[i]->base, NULL);
	for (i = 0; i < td->nr_ptys; i++)
		tty_queue_free(td->ptys[i]);
	free(td->infos);
	free(td->ptys);
}

static const struct files_dump_key tty_dump_key = {
	.name = "terminals",
	.size = sizeof(struct tty_dump),
	.fini = tty_dump_fini,
};

struct tty_dump *tty_dump_find(const struct files_dump_state *fs)
{
	return files_dump_priv_find(fs, &tty_dump_key);
}

static TtyInfoEntry *new_info(struct files_dump_state *fs, uint32_t id, dev_t rdev)
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
	return ti;
}

static TtyInfoEntry *new_pty_info(struct files_dump_state *fs, uint32_t id, unsigned int index,
				  dev_t rdev)
{
	TtyInfoEntry *ti = new_info(fs, id, rdev);

	if (!ti)
		return NULL;
	ti->pty = malloc(sizeof(*ti->pty));
	if (!ti->pty)
		return NULL;
	tty_pty_entry__init(ti->pty);
	ti->pty->index = index;
	ti->type = TTY_TYPE__PTY;
	return ti;
}

static TtyInfoEntry *find_info(const struct files_dump_state *fs, uint32_t id)
{
	const struct tty_dump *td = tty_dump_find(fs);
	size_t i;

	for (i = 0; td && i < td->nr; i++)
		if (td->infos[i]->id == id)
			return td->infos[i];
	return NULL;
}

/* The record of pty index, made on first use (NULL: out of memory). */
static struct tty_pty *get_pty(struct files_dump_state *fs, unsigned int index)
{
	struct tty_dump *td = files_dump_priv(fs, &tty_dump_key);
	struct tty_pty *pty;
	size_t i;

	if (!td)
		return NULL;
	for (i = 0; i < td->nr_ptys; i++)
		if (td->ptys[i]->index == index)
			return td->ptys[i];
	if (ARRAY_ADD_ROOM(td->ptys, td->nr_ptys))
		return NULL;
	pty = calloc(1, sizeof(*pty));
	if (!pty)
		return NULL;
	pty->index = index;
	pty->mfd = -1;
	td->ptys[td->nr_ptys++] = pty;
	return pty;
}

static int add_holder(struct tty_pty *pty, pid_t pid)
{
	size_t i;

	for (i = 0; i < pty->nr_holders; i++)
		if (pty->holders[i] == pid)
			return 0;
	if (ARRAY_ADD_ROOM(pty->holders, pty->nr_holders))
		return -ENOMEM;
	pty->holders[pty->nr_holders++] = pid;
	return 0;
}

/* A master of pty index in any task of the tree: noted in pty, or -ENOENT. */
static int find_tree_master(const struct dump_ctx *dc, struct tty_pty *pty)
{
	const struct dump_tree *dt = dc->tree;
	size_t i;
	int fd;

	if (pty->master_pid)
		return 0;
	for (i = 0; i < dt->nr_tasks; i++) {
		const struct dump_ctx *t = dt->tasks[i];

		if (t->seize_state == COMPEL_TASK_ZOMBIE || dump_files_owner(t) != t)
			continue;
		fd = find_master(t->pid, pty->index);
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return fd;
		pty->master_pid = t->pid;
		pty->master_fd = fd;
		return 0;
	}
	return -ENOENT;
}

/*
 * The infos of both sides of pty index, read once through a master of the tree. Both carry
 * the same state: the slave's, which the master's ioctls report.
 */
static int dump_pty_info(struct dump_ctx *dc, struct tty_pty *pty)
{
	unsigned int index = pty->index;
	TtyInfoEntry *mi, *si;
	int mfd, ret;

	if (find_info(dc->fstate, tty_info_id(TTY_MASTER, index)))
		return 0;
	mi = new_pty_info(dc->fstate, tty_info_id(TTY_MASTER, index), index,
			  makedev(TTYAUX_MAJOR, 2));
	si = mi ? new_pty_info(dc->fstate, tty_info_id(TTY_SLAVE, index), index,
			       tty_pts_rdev(index))
		: NULL;
	if (!si)
		return -ENOMEM;
	mfd = tty_grab_task_fd(pty->master_pid, pty->master_fd);
	if (mfd < 0)
		return mfd;
	ret = read_modes(mfd, mi) ?: read_flags(mfd, mi);
	ret = ret ?: read_modes(mfd, si) ?: read_flags(mfd, si);
	if (!ret) {
		pty->extra = tty_dump_node(index, mfd, pty->master_pid);
		ret = pty->extra ? 0 : -EINVAL;
	}
	close(mfd);
	return ret;
}

/*
 * Restore opens /dev/ptmx and /dev/pts/N: an fd opened through another node (a copy made
 * with mknod, maybe deleted since) would come back on another path.
 */
static int check_pty_path(const struct fd_parms *p, enum tty_kind kind, unsigned int index)
{
	char want[PATH_MAX], *ptmx = realpath("/dev/ptmx", NULL);

	/* where open("/dev/ptmx") leads: itself, or /dev/pts/ptmx through a symlink */
	snprintf(want, sizeof(want), "%s", ptmx ? ptmx : "/dev/ptmx");
	free(ptmx);
	if (kind == TTY_SLAVE)
		snprintf(want, sizeof(want), "/dev/pts/%u", index);
	if (!strcmp(p->link, want))
		return 0;
	pr_err("fd %d of task %d is %s, a device node of pty %u other than %s%s: "
	       "checkpointing a terminal opened through another node is not supported yet\n",
	       p->fd, p->pid, p->link, index, want,
	       strstr(p->link, " (deleted)") ? " (the node was deleted)" : "");
	return -EOPNOTSUPP;
}

/* The slave's own exclusive mode, read through the task's fd on it. */
static int read_exclusive(const struct fd_parms *p, TtyInfoEntry *si)
{
	int fd = tty_grab_task_fd(p->pid, p->fd), x = 0, ret = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, TIOCGEXCL, &x)) {
		ret = -errno;
		pr_perror("Can't read the exclusive mode of fd %d of task %d", p->fd, p->pid);
	}
	close(fd);
	if (x)
		si->exclusive = true;
	return ret;
}

/*
 * orphan_pts_master (RPC): the master is a runtime's (runc's console), which gets a new one
 * at restore. The slave's modes are read through the task's fd on it, its session from the
 * task's stat: TIOCGSID and TIOCGPGRP on a slave answer only its own session.
 */
static int dump_orphan_slave(struct dump_ctx *dc, const struct fd_parms *p, unsigned int index)
{
	TtyInfoEntry *si = find_info(dc->fstate, tty_info_id(TTY_SLAVE, index));
	struct proc_stat st;
	int fd, ret;

	if (!si) {
		si = new_pty_info(dc->fstate, tty_info_id(TTY_SLAVE, index), index, p->st.st_rdev);
		fd = si ? tty_grab_task_fd(p->pid, p->fd) : -ENOMEM;
		if (fd < 0)
			return fd;
		ret = read_modes(fd, si);
		close(fd);
		if (ret)
			return ret;
	}
	ret = si->sid ? 0 : parse_proc_stat(p->pid, &st);
	if (!ret && !si->sid && st.tty_nr == p->st.st_rdev) {
		si->sid = st.sid;
		si->pgrp = st.tpgid > 0 ? st.tpgid : 0;
	}
	return ret;
}

/*
 * A slave whose master is held outside the dumped tree: the terminal a shell job was
 * started from. Its state belongs to whoever holds the master, and the pty lives on after
 * the dump: restore opens it again by its path, as it is then.
 */
static int dump_unpaired(struct dump_ctx *dc, const struct fd_parms *p, unsigned int index)
{
	if (!dc->opts->shell_job && dc->opts->orphan_pts_master)
		return dump_orphan_slave(dc, p, index);
	if (!dc->opts->shell_job) {
		pr_err("fd %d of task %d is %s, a pty whose master is not open in the dumped "
		       "tree: dump with --shell-job (-j) if it is the terminal of the shell the "
		       "task was started from (over RPC, orphan_pts_master gives the client a "
		       "new master at restore)\n",
		       p->fd, p->pid, p->link);
		return -EOPNOTSUPP;
	}
	if (find_info(dc->fstate, tty_info_id(TTY_SLAVE, index)))
		return 0;
	return new_pty_info(dc->fstate, tty_info_id(TTY_SLAVE, index), index, p->st.st_rdev)
		       ? 0
		       : -ENOMEM;
}

static int tty_dump_side(struct dump_ctx *dc, const struct fd_parms *p, enum tty_kind kind,
			 int *index)
{
	struct tty_pty *pty;
	int ret;

	if (kind == TTY_MASTER)
		*index = master_index(p->pid, p->fd, p->fdinfo, p->fdinfo_path);
	else
		*index = pts_index(p->st.st_rdev);
	if (*index < 0)
		return *index;
	ret = check_pty_path(p, kind, *index);
	pty = ret ? NULL : get_pty(dc->fstate, *index);
	if (!pty)
		return ret ?: -ENOMEM;
	if (kind == TTY_MASTER && !pty->master_pid) {
		pty->master_pid = p->pid;
		pty->master_fd = p->fd;
	}
	if (kind == TTY_SLAVE)
		pty->slave_in_tree = true;
	ret = add_holder(pty, p->pid) ?: find_tree_master(dc, pty);
	if (ret == -ENOENT)
		return dump_unpaired(dc, p, *index);
	ret = ret ?: dump_pty_info(dc, pty);
	if (!ret && kind == TTY_SLAVE)
		ret = read_exclusive(p, find_info(dc->fstate, tty_info_id(TTY_SLAVE, *index)));
	return ret;
}

/* /dev/tty: the task's controlling terminal, a pty the tree holds (or the shell's). */
static int dump_ctty(struct dump_ctx *dc, const struct fd_parms *p, int *index)
{
	struct tty_pty *pty = NULL;
	struct proc_stat st;
	int ret = parse_proc_stat(p->pid, &st);

	if (ret)
		return ret;
	if (strcmp(p->link, "/dev/tty")) {
		pr_err("fd %d of task %d is %s, a node of /dev/tty (5:0) other than /dev/tty: "
		       "checkpointing a terminal opened through another node is not supported "
		       "yet\n",
		       p->fd, p->pid, p->link);
		return -EOPNOTSUPP;
	}
	if (tty_is_pts(st.tty_nr)) {
		*index = pts_index(st.tty_nr);
		pty = get_pty(dc->fstate, *index);
		if (!pty)
			return -ENOMEM;
		ret = find_tree_master(dc, pty);
		if (!ret)
			return add_holder(pty, p->pid) ?: dump_pty_info(dc, pty);
		if (ret != -ENOENT)
			return ret;
		/* a container's terminal: /dev/tty names the pty made again (tty-orphan.c) */
		if (!dc->opts->shell_job && dc->opts->orphan_pts_master)
			return 0;
	}
	*index = -1;
	if (dc->opts->shell_job) /* criu's own terminal stands in for the shell's */
		return 0;
	pr_err("fd %d of task %d is /dev/tty, and its controlling terminal (device %u:%u) is "
	       "not a pty the dumped tree holds: dump with --shell-job (-j) if it is the "
	       "shell's\n",
	       p->fd, p->pid, major(st.tty_nr), minor(st.tty_nr));
	return -EOPNOTSUPP;
}

static int dump_ctty_info(struct dump_ctx *dc, int index)
{
	TtyInfoEntry *ti;

	if (find_info(dc->fstate, CTTY_INFO_ID))
		return 0;
	ti = index < 0 ? new_info(dc->fstate, CTTY_INFO_ID, makedev(TTYAUX_MAJOR, 0))
		       : new_pty_info(dc->fstate, CTTY_INFO_ID, index, makedev(TTYAUX_MAJOR, 0));
	if (!ti)
		return -ENOMEM;
	ti->type = TTY_TYPE__CTTY;
	return 0;
}

/* /dev/console and /dev/ttyN: opened again by that path, with the modes they had. */
static int dump_vt(struct dump_ctx *dc, const struct fd_parms *p, uint32_t *id)
{
	dev_t r = p->st.st_rdev;
	TtyInfoEntry *ti;
	int fd, ret;

	*id = r == makedev(TTYAUX_MAJOR, 1) ? CONSOLE_INFO_ID : VT_INFO_ID(minor(r));
	if (find_info(dc->fstate, *id))
		return 0;
	ti = new_info(dc->fstate, *id, r);
	fd = ti ? tty_grab_task_fd(p->pid, p->fd) : -ENOMEM;
	if (fd < 0)
		return fd;
	ret = tty_dump_vt(p->link, r, fd, ti);
	close(fd);
	return ret;
}

int tty_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	dev_t r = p->st.st_rdev;
	enum tty_kind kind = r == makedev(TTYAUX_MAJOR, 0)   ? TTY_CTTY
			     : r == makedev(TTYAUX_MAJOR, 2) ? TTY_MASTER
							     : TTY_SLAVE;
	TtyFileEntry *e = malloc(sizeof(*e));
	int index, ret;

	if (!e)
		return -ENOMEM;
	tty_file_entry__init(e);
	fe->tty = e;
	e->id = fe->id;
	e->fown = p->fown;
	e->flags = p->flags;
	if (tty_is_vt_or_console(r))
		return dump_vt(dc, p, &e->tty_info_id);
	if (kind == TTY_CTTY)
		ret = dump_ctty(dc, p, &index) ?: dump_ctty_info(dc, index);
	else
		ret = tty_dump_side(dc, p, kind, &index);
	e->tty_info_id = tty_info_id(kind, index);
	return ret;
}

/* The task of the tree with this pid, or NULL. */
static const struct dump_ctx *tree_task(const struct dump_tree *dt, pid_t pid)
{
	size_t i;

	for (i = 0; i < dt->nr_tasks; i++)
		if (dt->tasks[i]->pid == pid && dt->tasks[i]->seize_state != COMPEL_TASK_ZOMBIE)
			return dt->tasks[i];
	return NULL;
}

static bool holds(const struct tty_pty *pty, pid_t pid)
{
	size_t i;

	for (i = 0; i < pty->nr_holders; i++)
		if (pty->holders[i] == pid)
			return true;
	return false;
}

/*
 * A pty that controls a session comes back as its terminal when the session's leader is
 * in the tree and holds an fd of it (it makes it its terminal again), and its foreground
 * group is a group of that session in the tree (a task of it takes the foreground back).
 */
static int check_pty_session(const struct dump_tree *dt, const struct tty_pty *pty)
{
	const TtyInfoEntry *si = find_info(&dt->fstate, tty_info_id(TTY_SLAVE, pty->index));
	const struct dump_ctx *leader;
	size_t i;

	if (!si || !si->sid)
		return 0;
	leader = tree_task(dt, si->sid);
	if (!leader || leader->stat.sid != leader->pid || !holds(pty, leader->pid)) {
		pr_err("pty %u is the controlling terminal of session %u, whose leader %s: "
		       "not supported yet\n",
		       pty->index, si->sid,
		       !leader ? "is not in the dumped tree" : "holds no fd of it");
		return -EOPNOTSUPP;
	}
	for (i = 0; i < dt->nr_tasks; i++) {
		const struct dump_ctx *t = dt->tasks[i];

		if (t->seize_state != COMPEL_TASK_ZOMBIE && t->stat.sid == (pid_t)si->sid &&
		    t->stat.pgid == (pid_t)si->pgrp)
			return 0;
	}
	pr_err("pty %u has process group %u in the foreground of session %u, and no task of "
	       "the dumped tree is in it: not supported yet\n",
	       pty->index, si->pgrp, si->sid);
	return -EOPNOTSUPP;
}

static int write_entries(int dfd, enum img_type type, ProtobufCMessage **msgs, size_t nr)
{
	struct cr_img *img;
	size_t i;
	int ret = 0;

	if (!nr)
		return 0;
	img = open_image_at(dfd, type, O_DUMP, 0);
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < nr; i++)
		ret = pb_write_one(img, msgs[i]);
	return close_image(img) ?: ret;
}

/* tty-extra.img: the node of each pty the restore makes again. */
static int write_extras(int dfd, const struct tty_dump *td)
{
	ProtobufCMessage **msgs = calloc(td->nr_ptys + 1, sizeof(*msgs));
	size_t i, nr = 0;
	int ret;

	if (!msgs)
		return -ENOMEM;
	for (i = 0; i < td->nr_ptys; i++)
		if (td->ptys[i]->extra)
			msgs[nr++] = &td->ptys[i]->extra->base;
	ret = write_entries(dfd, CR_FD_TTY_EXTRA, msgs, nr);
	free(msgs);
	return ret;
}

int tty_write_info(struct dump_tree *dt)
{
	struct tty_dump *td = tty_dump_find(&dt->fstate);
	size_t i;
	int ret = 0;

	if (!td)
		return 0;
	for (i = 0; !ret && i < td->nr_ptys; i++)
		ret = check_pty_session(dt, td->ptys[i]);
	/* last of the checks: the bytes are out of the ptys from here until the release */
	ret = ret ?: tty_queue_take(td, dt->dfd);
	for (i = 0; !ret && i < td->nr; i++) { /* read in criu's view; named as the images do */
		td->infos[i]->sid = ns_dump_img_pid(dt, td->infos[i]->sid);
		td->infos[i]->pgrp = ns_dump_img_pid(dt, td->infos[i]->pgrp);
	}
	ret = ret ?: write_entries(dt->dfd, CR_FD_TTY_INFO, (ProtobufCMessage **)td->infos, td->nr);
	return ret ?: write_extras(dt->dfd, td);
}
