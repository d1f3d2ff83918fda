/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-locks-copy.c - the one copy of the tree's mount namespace in which the groups of
 * mnt-locks-restore.c get their locks, and the staging area that lets many groups share it.
 * The clone of X with its descendants (AT_RECURSIVE) takes everything under X in the copy:
 * a group nested in another (its X on a member of the other) would come with the other
 * locked to it. So every X but the tree's root is made in a directory of its own on a tmpfs,
 * the staging area, mounted at --root before the tree's root, which is mounted on top of it
 * (the area's root is covered, its directories are not). The locker, a child of the root in
 * criu's user namespace, takes the area for its root and the tree's root for its working
 * directory, then unshares: the copy (owned by criu's user namespace, every mount locked)
 * moves both there. It then clones, when the root asks, "." (the tree's root) or "/X" (X's
 * copy in the area) and passes the clone back, so that each group's mounts are made when
 * the root puts them in place, in the image's order. The area goes with criu's mounts when
 * the tree's root becomes "/" (enter_root()).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-pass.h"
#include "log.h"
#include "mnt-locks.h"
#include "ns.h"

/* Is x the X of a group not locked yet, to be made in the staging area? */
static bool stages(const struct mnt_set *s, size_t x)
{
	return s->lk->group[x] == (int)x && !s->lk->done[x] && (int)x != s->root;
}

/* The area can't be made: the groups but the root's stay unlocked */
static void give_up_staged(struct mnt_set *s, const char *why)
{
	size_t x;

	for (x = 0; x < s->nr; x++) {
		if (!stages(s, x))
			continue;
		pr_warn("Can't make the staging area of the locked groups (%s: %s): the group of "
			"mount %u at %s is restored unlocked\n",
			why, strerror(errno), s->e[x]->mnt_id, s->e[x]->mountpoint);
		s->lk->done[x] = true;
	}
}

/* Are paths a and b the same directory of the same mount? */
static bool same_place(const char *a, const char *b)
{
	struct statx sa, sb;
	unsigned int mask = STATX_MNT_ID | STATX_INO;

	return !statx(AT_FDCWD, a, 0, mask, &sa) && !statx(AT_FDCWD, b, 0, mask, &sb) &&
	       sa.stx_mnt_id == sb.stx_mnt_id && sa.stx_ino == sb.stx_ino;
}

int mnt_locks_stage_area(struct mnt_set *s, const char *root_path)
{
	struct mnt_locks *lk = s->lk;
	int fs, area = -1;
	const char *why;
	char name[24];
	size_t x, n = 0;

	for (x = 0; lk && x < s->nr; x++)
		n += stages(s, x);
	if (!n)
		return 0;
	why = "tmpfs";
	fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs >= 0 && !fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) &&
	    !fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		area = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (fs >= 0)
		close(fs);
	for (x = 0; area >= 0 && x < s->nr; x++) {
		snprintf(name, sizeof(name), "%zu", x);
		if (stages(s, x) && mkdirat(area, name, 0700)) {
			why = "a directory";
			goto give_up;
		}
	}
	why = "its mount";
	lk->over_root = same_place(root_path, "/");
	if (area < 0 || move_mount(area, "", AT_FDCWD, root_path, MOVE_MOUNT_F_EMPTY_PATH))
		goto give_up;
	lk->stage = area;
	pr_info("%zu locked groups are made in a staging area at %s\n", n, root_path);
	return 0;
give_up:
	give_up_staged(s, why);
	if (area >= 0)
		close(area);
	return 0;
}

bool mnt_locks_area_over_root(const struct mnt_set *s)
{
	return s->lk && s->lk->stage >= 0 && s->lk->over_root;
}

int mnt_locks_serve(int stage, int root_fd, int root, int sk)
{
	char path[24];
	int x, fd, err;

	if (stage >= 0 && (fchdir(stage) || chroot(".")))
		return 1;
	if (fchdir(root_fd) || unshare(CLONE_NEWNS))
		return 1;
	while (recv(sk, &x, sizeof(x), 0) == sizeof(x)) {
		if (x == root)
			snprintf(path, sizeof(path), ".");
		else
			snprintf(path, sizeof(path), "/%d", x);
		fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		err = fd < 0 ? -errno : 0;
		if (fd_pass_send(sk, &err, sizeof(err), fd, 0) != sizeof(err))
			return 1;
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* The locker's end: in the copy, the clones of the groups asked for, until the root goes */
static int serve(struct mnt_set *s, int sk)
{
	return mnt_locks_serve(s->lk->stage, s->fd[s->root], s->root, sk);
}

int mnt_locks_locker_start(struct mnt_set *s)
{
	struct mnt_locks *lk = s->lk;
	pid_t kid;
	int sk[2];

	/* a root forked inside its user namespace: a child of criu's service copies */
	if (rst_ns_steered()) {
		lk->sk = rst_ns_start_locker(lk->stage, s->fd[s->root], s->root);
		if (lk->sk < 0)
			pr_warn("Can't start the copy of the mount namespace: %s\n",
				strerror(errno));
		return 0;
	}

	/* no locker: each group's clone fails, and it stays unlocked with a warning */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk)) {
		pr_warn("Can't make the socket to the copy of the mount namespace: %s\n",
			strerror(errno));
		return 0;
	}
	/* untraced: criu traces the root's children from birth */
	kid = syscall(SYS_clone, SIGCHLD | CLONE_UNTRACED, 0, NULL, NULL, 0);
	if (kid == 0) {
		close(sk[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(serve(s, sk[1]));
	}
	close(sk[1]);
	if (kid < 0) {
		pr_warn("Can't start the child that copies the mount namespace: %s\n",
			strerror(errno));
		close(sk[0]);
		return 0;
	}
	lk->locker = kid;
	lk->sk = sk[0];
	return 0;
}

int mnt_locks_locker_clone(struct mnt_set *s, int x)
{
	struct mnt_locks *lk = s->lk;
	int err, fd = -1;

	/* MSG_NOSIGNAL: a locker that failed to unshare has gone, no SIGPIPE */
	if (lk->sk < 0 || send(lk->sk, &x, sizeof(x), MSG_NOSIGNAL) != sizeof(x) ||
	    fd_pass_recv(lk->sk, &err, sizeof(err), &fd, MSG_CMSG_CLOEXEC) != sizeof(err))
		err = -EPIPE; /* it failed to unshare, or died */
	if (err && fd >= 0)
		close(fd);
	return err ?: fd;
}

void mnt_locks_locker_end(struct mnt_set *s)
{
	struct mnt_locks *lk = s->lk;
	int status = 0;

	if (!lk || lk->sk < 0)
		return;
	close(lk->sk); /* its recv() ends */
	lk->sk = -1;
	if (lk->locker <= 0) /* the service's: it reaps it */
		return;
	if (waitpid(lk->locker, &status, 0) == lk->locker && WIFEXITED(status) &&
	    !WEXITSTATUS(status))
		return;
	pr_warn("The child that copied the mount namespace to lock mounts failed (status %#x)\n",
		status);
}
