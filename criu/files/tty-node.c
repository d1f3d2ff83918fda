/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/tty-node.c - the device nodes of terminals. A pty slave's node /dev/pts/N has an
 * owner and a mode that programs set (grantpt, or a chown to the user logging in), which
 * tty_info_entry has no field for: they go to tty-extra.img (ours) and are set again on
 * the node the restore makes. So does whether the slave was opened and closed again: the
 * master then reads EIO once its queue is empty, which a never-opened slave does not.
 *
 * /dev/console and the virtual terminals /dev/tty0-63 are devices of the machine, not of
 * the task: restore opens them again by their paths and sets the modes they had. A VT
 * whose switching a process controls (VT_SETMODE, VT_PROCESS signals a pid) or that is
 * the controlling terminal of a session is refused, naming it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "ns.h"
#include "tty-priv.h"

static void pts_path(char *buf, size_t len, unsigned int index)
{
	snprintf(buf, len, "/dev/pts/%u", index);
}

TtyExtraEntry *tty_dump_node(unsigned int index, int mfd, pid_t pid)
{
	struct pollfd pfd = { .fd = mfd, .events = POLLIN };
	int own_mnt = ns_is_criu_own(pid, "mnt");
	char path[64], node[32];
	TtyExtraEntry *x;
	struct stat st;

	/* a task of a mount namespace of its own has its ptys in its /dev/pts, not criu's */
	pts_path(node, sizeof(node), index);
	if (own_mnt > 0)
		snprintf(path, sizeof(path), "%s", node);
	else
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, node);
	if (own_mnt < 0 || stat(path, &st) || !S_ISCHR(st.st_mode) ||
	    st.st_rdev != tty_pts_rdev(index)) {
		pr_err("pty %u has no node %s in the /dev/pts of task %d (another devpts "
		       "instance?): not supported yet\n",
		       index, node, pid);
		return NULL;
	}
	/* POLLHUP on a master: its slave was closed (TTY_OTHER_CLOSED); poll takes nothing */
	if (poll(&pfd, 1, 0) < 0) {
		pr_perror("Can't poll the master of pty %u", index);
		return NULL;
	}
	x = malloc(sizeof(*x));
	if (!x)
		return NULL;
	tty_extra_entry__init(x);
	x->id = tty_info_id(TTY_SLAVE, index);
	x->has_uid = x->has_gid = x->has_mode = x->has_slave_closed = true;
	x->uid = st.st_uid;
	x->gid = st.st_gid;
	x->mode = st.st_mode;
	x->slave_closed = !!(pfd.revents & POLLHUP);
	return x;
}

int tty_restore_node(const TtyExtraEntry *x)
{
	unsigned int index = x->id / 2;
	struct stat st;
	char path[32];

	pts_path(path, sizeof(path), index);
	if (stat(path, &st) || st.st_rdev != tty_pts_rdev(index)) {
		pr_perror("%s is not the node of the pty made again", path);
		return -ESTALE;
	}
	if ((x->has_uid || x->has_gid || x->has_mode) &&
	    rst_ns_chown_mode(path, x->has_uid ? x->uid : (uid_t)-1,
			      x->has_gid ? x->gid : (gid_t)-1,
			      x->has_mode ? (int)(x->mode & 07777) : -1, true)) {
		pr_perror("Can't give %s back to %u:%u, mode %o", path, x->uid, x->gid,
			  x->mode & 07777);
		return -errno;
	}
	return 0;
}

bool tty_is_vt_or_console(dev_t rdev)
{
	return rdev == makedev(TTYAUX_MAJOR, 1) ||
	       (major(rdev) == VT_MAJOR && minor(rdev) <= VT_MINOR_LAST);
}

static void vt_path(char *buf, size_t len, dev_t rdev)
{
	if (major(rdev) == TTYAUX_MAJOR)
		snprintf(buf, len, "/dev/console");
	else
		snprintf(buf, len, "/dev/tty%u", minor(rdev));
}

/* What restore can't give back: a session's terminal, process-controlled switching. */
static int check_vt(const char *path, int fd)
{
	struct vt_mode vm;
	pid_t sid = 0;

	if (!ioctl(fd, TIOCGSID, &sid) && sid > 0) {
		pr_err("%s is the controlling terminal of session %d: checkpointing a VT or "
		       "console as a session's terminal is not supported yet\n",
		       path, sid);
		return -EOPNOTSUPP;
	}
	if (!ioctl(fd, VT_GETMODE, &vm) && vm.mode != VT_AUTO) {
		pr_err("%s switches under a process's control (VT_SETMODE VT_PROCESS): not "
		       "supported yet\n",
		       path);
		return -EOPNOTSUPP;
	}
	return 0;
}

int tty_dump_vt(const char *link, dev_t rdev, int fd, TtyInfoEntry *ti)
{
	struct termios2 t;
	struct winsize ws;
	char path[32];

	vt_path(path, sizeof(path), rdev);
	if (strcmp(link, path)) {
		pr_err("%s is %s, opened through another node%s: checkpointing a terminal "
		       "opened through another node is not supported yet\n",
		       link, path, strstr(link, " (deleted)") ? " (deleted since)" : "");
		return -EOPNOTSUPP;
	}
	if (check_vt(path, fd))
		return -EOPNOTSUPP;
	ti->type = major(rdev) == TTYAUX_MAJOR ? TTY_TYPE__CONSOLE : TTY_TYPE__VT;
	if (ioctl(fd, TCGETS2, &t) || ioctl(fd, TIOCGWINSZ, &ws)) {
		pr_perror("Can't read the modes of %s", path);
		return -errno;
	}
	ti->termios = tty_termios_entry(&t);
	ti->winsize = malloc(sizeof(*ti->winsize));
	if (!ti->termios || !ti->winsize)
		return -ENOMEM;
	winsize_entry__init(ti->winsize);
	ti->winsize->ws_row = ws.ws_row;
	ti->winsize->ws_col = ws.ws_col;
	ti->winsize->ws_xpixel = ws.ws_xpixel;
	ti->winsize->ws_ypixel = ws.ws_ypixel;
	return 0;
}

static int set_vt_modes(int fd, const TtyInfoEntry *ti, const char *path)
{
	struct termios2 t;
	struct winsize ws;

	if (ti->termios) {
		tty_termios_from(&t, ti->termios);
		if (ioctl(fd, TCSETS2, &t))
			goto err;
	}
	if (ti->winsize) {
		ws = (struct winsize){ ti->winsize->ws_row, ti->winsize->ws_col,
				       ti->winsize->ws_xpixel, ti->winsize->ws_ypixel };
		if (ioctl(fd, TIOCSWINSZ, &ws))
			goto err;
	}
	return 0;
err:
	pr_perror("Can't set the modes of %s again", path);
	return -errno;
}

int tty_open_vt(const TtyInfoEntry *ti, uint32_t flags)
{
	struct stat st;
	char path[32];
	int fd;

	vt_path(path, sizeof(path), ti->rdev);
	fd = open(path, (flags & (O_ACCMODE | O_NONBLOCK)) | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open %s again", path);
		return -errno;
	}
	if (fstat(fd, &st) || st.st_rdev != ti->rdev) {
		pr_err("%s is not the terminal of the dump (device %u:%u)\n", path, major(ti->rdev),
		       minor(ti->rdev));
		close(fd);
		return -ESTALE;
	}
	if (set_vt_modes(fd, ti, path)) {
		close(fd);
		return -EIO;
	}
	return fd;
}
