/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/tty-orphan.c - orphan_pts_master (RPC only, as in CRIU): a pty slave whose master
 * was outside the tree (a container's terminal, whose master runc sent to the console
 * socket) comes back on a new pty of the same index, made in the task's own /dev/ptmx (the
 * container's devpts) with the slave's modes. The task sends the new master to criu on a
 * datagram socket made before the first fork; criu hands it to the RPC client in the
 * "orphan-pts-master" notification before "post-restore", and runc passes it on to the
 * console socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd-pass.h"
#include "files.h"
#include "log.h"
#include "restore-ctx.h"
#include "restore.h"
#include "tty-priv.h"

#define ORPHAN_MAX 16

/* The ptys this task made: a second open file of the slave opens the made one. */
struct orphan_made {
	unsigned int index[ORPHAN_MAX];
	size_t nr;
};

static const struct rst_fds_key orphan_key = {
	.name = "orphan ptys",
	.size = sizeof(struct orphan_made),
};

static int open_pts(unsigned int index, uint32_t flags)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/pts/%u", index);
	fd = open(path, (flags & (O_ACCMODE | O_NONBLOCK)) | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open %s, the slave of the new pty", path);
		return -errno;
	}
	return fd;
}

static int send_master(int sk, int master, unsigned int index)
{
	if (fd_pass_send(sk, &index, sizeof(index), master, MSG_DONTWAIT) != sizeof(index)) {
		pr_perror("Can't send the master of pty %u to criu", index);
		return -errno;
	}
	return 0;
}

/* Masters of ptys made while the mounts were: mount binds of their slaves. */
static struct {
	unsigned int index;
	int master;
} premade[TTY_PREMADE_MAX];
static int nr_premade;

int tty_premake_pty(int devpts_fd, const char *name)
{
	int fds[64], nr = 0, ret = -ERANGE;
	unsigned int index, got;
	char *end;

	index = strtoul(name, &end, 10);
	if (*end || index >= sizeof(fds) / sizeof(fds[0]) || nr_premade == TTY_PREMADE_MAX) {
		pr_err("A mount binds /%s of a devpts, which criu can't make again\n", name);
		return -EOPNOTSUPP;
	}
	/* a devpts of the restore is new: its ptmx hands out 0, 1, ... */
	while (nr <= (int)index) {
		fds[nr] = openat(devpts_fd, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fds[nr] < 0 || ioctl(fds[nr], TIOCGPTN, &got)) {
			ret = -errno;
			pr_perror("Can't make pty %u in the devpts for its bind", index);
			break;
		}
		if (got == index) {
			premade[nr_premade].index = index;
			premade[nr_premade++].master = fds[nr];
			pr_info("pty %u made for a bind of its slave\n", index);
			ret = 0;
			break;
		}
		nr++;
	}
	while (nr-- > 0)
		close(fds[nr]);
	return ret;
}

int tty_premade_keep(int floor, int *fds, int max)
{
	int i, n = 0, fd;

	for (i = 0; i < nr_premade && n < max; i++) {
		/* taken already: a child forked after its parent's fds were made */
		if (premade[i].master < 0)
			continue;
		fd = fcntl(premade[i].master, F_DUPFD_CLOEXEC, floor);
		if (fd < 0) {
			pr_perror("Can't move the master of pty %u above %d", premade[i].index,
				  floor);
			return -errno;
		}
		close(premade[i].master);
		fds[n++] = premade[i].master = fd;
	}
	return n;
}

void tty_premade_drop(void)
{
	int i;

	for (i = 0; i < nr_premade; i++)
		if (premade[i].master >= 0)
			close(premade[i].master);
	nr_premade = 0;
}

/* The master made for a bind of the slave, or a new pty at index. */
static int take_master(unsigned int index)
{
	int i, fd;

	for (i = 0; i < nr_premade; i++) {
		if (premade[i].index != index || premade[i].master < 0)
			continue;
		fd = premade[i].master;
		premade[i].master = -1;
		return fd;
	}
	return tty_open_ptmx_at(index);
}

/* A new pty at the slave's index, unlocked, with its modes; its master goes to criu. */
static int make_orphan(const struct rst_ctx *ctx, const TtyInfoEntry *si, uint32_t flags)
{
	unsigned int index = si->pty->index;
	int master, slave = -1, zero = 0, ret;

	if (ctx->orphan_sk[1] < 0) {
		pr_err("pty %u: no channel to hand its new master to criu\n", index);
		return -EINVAL;
	}
	master = take_master(index);
	if (master < 0)
		return master;
	ret = ioctl(master, TIOCSPTLCK, &zero) ? -errno : 0;
	if (ret)
		pr_perror("Can't unlock the new pty %u", index);
	ret = ret ?: tty_set_modes(master, si);
	if (!ret) {
		slave = open_pts(index, flags);
		ret = slave < 0 ? slave : send_master(ctx->orphan_sk[1], master, index);
	}
	close(master);
	if (ret && slave >= 0)
		close(slave);
	if (!ret)
		pr_info("pty %u made again, its master goes to the RPC client\n", index);
	return ret ?: slave;
}

int tty_open_orphan(struct rst_fds *rf, const TtyInfoEntry *si, uint32_t flags)
{
	struct orphan_made *om = rst_fds_priv(rf, &orphan_key);
	size_t i;
	int fd;

	if (!om)
		return -ENOMEM;
	for (i = 0; i < om->nr; i++)
		if (om->index[i] == si->pty->index)
			return open_pts(si->pty->index, flags);
	if (om->nr == ORPHAN_MAX) {
		pr_err("More than %d ptys whose master was outside the tree\n", ORPHAN_MAX);
		return -E2BIG;
	}
	fd = make_orphan(rf->ctx, si, flags);
	if (fd >= 0)
		om->index[om->nr++] = si->pty->index;
	return fd;
}

int rst_orphan_pts_prepare(struct rst_ctx *ctx)
{
	int sk[2], fd;

	if (!ctx->ro->orphan_pts_master)
		return 0;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sk)) {
		pr_perror("Can't make the socket the new pty masters come to criu on");
		return -errno;
	}
	/* the tasks keep their end until their fds are made: above every fd of theirs */
	fd = fcntl(sk[1], F_DUPFD_CLOEXEC, ctx->fd_top + 1);
	close(sk[1]);
	if (fd < 0) {
		pr_perror("Can't move the pty masters' socket above fd %d", ctx->fd_top);
		close(sk[0]);
		return -errno;
	}
	ctx->orphan_sk[0] = sk[0];
	ctx->orphan_sk[1] = fd;
	return 0;
}

static int recv_master(int sk, unsigned int *index)
{
	int fd;

	if (fd_pass_recv(sk, index, sizeof(*index), &fd, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) < 0)
		return errno == EAGAIN ? -ENOENT : -errno;
	if (fd < 0) {
		pr_err("A message without a pty master came on the masters' socket\n");
		return -EBADMSG;
	}
	return fd;
}

int rst_orphan_pts_pass(struct rst_ctx *ctx)
{
	const struct restore_opts *ro = ctx->ro;
	unsigned int index;
	int fd, ret = 0;

	if (ctx->orphan_sk[0] < 0)
		return 0;
	while (!ret && (fd = recv_master(ctx->orphan_sk[0], &index)) >= 0) {
		pr_info("The new master of pty %u goes to the client (orphan-pts-master)\n", index);
		ret = ro->orphan_master_hook ? ro->orphan_master_hook(fd, ro->hook_arg) : -EINVAL;
		close(fd);
	}
	if (!ret && fd != -ENOENT) {
		pr_err("Can't read a new pty master from the tasks: %s\n", strerror(-fd));
		ret = fd;
	}
	return ret;
}

void rst_orphan_pts_close(const struct rst_ctx *ctx)
{
	if (ctx->orphan_sk[0] >= 0)
		close(ctx->orphan_sk[0]);
	if (ctx->orphan_sk[1] >= 0)
		close(ctx->orphan_sk[1]);
}
