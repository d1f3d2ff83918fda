/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-locks-restore.c - the kernel's locks of mnt-locks-ID.img made again. The kernel
 * locks mounts only when it copies a mount namespace into another user namespace, so the
 * root (in criu's user namespace, in the tree's namespace R, owned by the tree's) makes each
 * "locked group" as usual: a mount X not locked to its parent (or the tree's root) with its
 * descendants locked to it, each with only its locked flags (and its atime setting); every
 * X but the tree's root in a staging area, not under its parent, so that no group holds
 * another (mnt-locks-copy.c). Then one child unshares a namespace from R: owned by criu's
 * user namespace, every mount of the copy is locked with its flags. A recursive clone of X
 * there (open_tree AT_RECURSIVE) keeps the locks of the descendants and not X's own
 * MNT_LOCKED; the root puts it in place of X and adds the flags that were not locked. Any
 * copy locks the atime setting of each mount of the group (the one lock added). The clones
 * are taken when their turn comes in the image's order, between the mounts that are not in
 * a group (made after the group of their parent, and after the groups before them), so
 * that mountinfo keeps the image's order: one copy serves all the groups whose mounts can
 * be made before it, another is taken only for groups that waited for mounts made after it.
 * A group that can't be copied (a member stacked on its parent's root or bound from a
 * removed directory, X made by a plugin, a failed clone before anything changed) stays
 * unlocked, with a warning; a failed clone is replaced by a plain one, made in its turn.
 * A nested namespace (a task's own) does the same in the task, but for its root's group,
 * which came locked with the copy of its parent's (mnt_locks_nested_root()).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "mnt-locks.h"

#include "mnt-locks.pb-c.h"

#define LOCKABLE (MNT_F_RDONLY | MNT_F_NOSUID | MNT_F_NODEV | MNT_F_NOEXEC)

static int parent_of(const struct mnt_set *s, size_t i)
{
	return s->lk->parent[i];
}

static void find_parents(const struct mnt_set *s, int *parent)
{
	size_t i, j;

	for (i = 0; i < s->nr; i++) {
		parent[i] = -1;
		for (j = 0; (int)i != s->root && j < s->nr; j++)
			if (s->e[j]->mnt_id == s->e[i]->parent_mnt_id)
				parent[i] = j;
	}
}

static int read_locks(int dfd, uint32_t id, const struct mnt_set *s, struct mnt_locks *lk)
{
	struct cr_img *img = open_image_optional(dfd, CR_FD_MNT_LOCKS, id);
	MntLockEntry *e;
	size_t i;
	int ret;

	if (!img)
		return errno == ENOENT ? 1 : -EIO;
	for (;;) {
		ret = pb_read_one_eof(img, &mnt_lock_entry__descriptor, (ProtobufCMessage **)&e);
		if (ret <= 0)
			break;
		for (i = 0; i < s->nr && s->e[i]->mnt_id != e->mnt_id; i++)
			;
		if (i < s->nr) {
			lk->locked[i] = e->locked && (int)i != s->root;
			lk->flags[i] = e->lock_flags & (LOCKABLE | MNT_F_NOATIME);
		}
		mnt_lock_entry__free_unpacked(e, NULL);
	}
	close_image(img);
	return ret;
}

/* X of mount i: its nearest ancestor (or itself) not locked to its parent */
static int x_of(const struct mnt_set *s, const struct mnt_locks *lk, size_t i)
{
	size_t steps = 0;
	int x = i;

	/* at most nr steps: a bad image's parents may go round */
	while (lk->locked[x] && parent_of(s, x) >= 0 && steps++ < s->nr)
		x = parent_of(s, x);
	return x;
}

static void make_groups(const struct mnt_set *s, struct mnt_locks *lk)
{
	const char *why;
	size_t i;
	int x;

	for (i = 0; i < s->nr; i++)
		lk->group[i] = -1;
	for (i = 0; i < s->nr; i++) {
		if (!lk->locked[i] && !lk->flags[i])
			continue;
		x = x_of(s, lk, i);
		lk->group[i] = lk->group[x] = x;
	}
	/*
	 * left unlocked: a member on its parent's root (no path in the copy finds it), a bind of
	 * a removed directory (the kernel attaches no mount whose root is gone, as the copy's is)
	 */
	for (i = 0; i < s->nr; i++) {
		x = lk->group[i];
		if (x < 0 || lk->done[x])
			continue;
		if (s->e[i]->has_deleted && s->e[i]->deleted)
			why = "its root is a removed directory";
		else if ((int)i == x && MNT_WITH_PLUGIN(s->e[i]))
			why = "a plugin makes it in place";
		else if ((int)i != x &&
			 !strcmp(s->e[i]->mountpoint, s->e[parent_of(s, i)]->mountpoint))
			why = "it is stacked on its parent";
		else
			continue;
		pr_warn("Mount %u at %s is in a locked group, but %s: the group of %s is restored "
			"unlocked\n",
			s->e[i]->mnt_id, s->e[i]->mountpoint, why, s->e[x]->mountpoint);
		lk->done[x] = true;
	}
}

static void free_locks(struct mnt_locks *lk)
{
	if (!lk)
		return;
	free(lk->parent);
	free(lk->locked);
	free(lk->flags);
	free(lk->group);
	free(lk->done);
	free(lk->copied);
	free(lk->staged);
	if (lk->stage >= 0)
		close(lk->stage);
	free(lk);
}

int mnt_locks_read(int dfd, uint32_t id, struct mnt_set *s)
{
	struct mnt_locks *lk = calloc(1, sizeof(*lk));
	int ret;

	if (!lk)
		return -ENOMEM;
	lk->parent = calloc(s->nr, sizeof(int));
	lk->locked = calloc(s->nr, sizeof(bool));
	lk->flags = calloc(s->nr, sizeof(uint32_t));
	lk->group = calloc(s->nr, sizeof(int));
	lk->done = calloc(s->nr, sizeof(bool));
	lk->copied = calloc(s->nr, sizeof(bool));
	lk->staged = calloc(s->nr, sizeof(bool));
	lk->stage = lk->sk = -1;
	ret = lk->parent && lk->locked && lk->flags && lk->group && lk->done && lk->copied &&
			      lk->staged
		      ? read_locks(dfd, id, s, lk)
		      : -ENOMEM;
	if (ret) {
		free_locks(lk);
		return ret > 0 ? 0 : ret; /* no image: nothing locked */
	}
	s->lk = lk;
	find_parents(s, lk->parent);
	make_groups(s, lk);
	return 0;
}

void mnt_locks_free(struct mnt_set *s)
{
	mnt_locks_locker_end(s);
	free_locks(s->lk);
	s->lk = NULL;
}

/* Is mount a an ancestor of mount i? (X waits for its parents, whatever their order) */
static bool ancestor_of(const struct mnt_set *s, size_t a, size_t i)
{
	int p = parent_of(s, i);
	size_t steps = 0;

	for (; p >= 0 && steps++ < s->nr; p = parent_of(s, p))
		if (p == (int)a)
			return true;
	return false;
}

bool mnt_locks_hold(const struct mnt_set *s, size_t i)
{
	const struct mnt_locks *lk = s->lk;
	size_t j;
	int x;

	if (!lk)
		return false;
	/* a member of a group not locked yet is made before the copy, its X staged */
	if (lk->group[i] >= 0 && !lk->done[lk->group[i]])
		return false;
	/* another mount waits until the group of its parent is locked */
	x = lk->parent[i] < 0 ? -1 : lk->group[lk->parent[i]];
	if (x >= 0 && !lk->done[x])
		return true;
	/*
	 * and so does every mount after a group's X in the image: the locked clone is made
	 * anew, and mountinfo lists mounts in the order they were made
	 */
	for (j = 0; j < i; j++)
		if (lk->group[j] == (int)j && !lk->done[j] && !ancestor_of(s, i, j))
			return true;
	return false;
}

int mnt_locks_stage(struct mnt_set *s, size_t i, char *name, size_t len)
{
	struct mnt_locks *lk = s->lk;

	if (!lk || lk->stage < 0 || lk->group[i] != (int)i || lk->done[i] || (int)i == s->root)
		return -1;
	snprintf(name, len, "%zu", i);
	lk->staged[i] = true; /* once made */
	return lk->stage;
}

static int set_attr(int fd, uint64_t set, uint64_t clr, const MntEntry *e)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };

	if (!set && !clr)
		return 0;
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a))) {
		pr_perror("Can't set the flags of mount %u at %s around its locks", e->mnt_id,
			  e->mountpoint);
		return -errno;
	}
	return 0;
}

/* The MOUNT_ATTR_* of the flags of e that are set but not locked */
static uint64_t unlocked_attrs(const struct mnt_locks *lk, size_t i, const MntEntry *e)
{
	uint32_t f = e->flags & LOCKABLE & ~lk->flags[i];

	return (f & MNT_F_RDONLY ? MOUNT_ATTR_RDONLY : 0) |
	       (f & MNT_F_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
	       (f & MNT_F_NODEV ? MOUNT_ATTR_NODEV : 0) |
	       (f & MNT_F_NOEXEC ? MOUNT_ATTR_NOEXEC : 0);
}

/* Are all members of x's group made? */
static bool group_made(const struct mnt_set *s, int x)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->lk->group[i] == x && s->fd[i] < 0)
			return false;
	return true;
}

static bool same_root(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* The members of x's group in the clone attached: their fds, parents first */
static int find_members(struct mnt_set *s, int x, int *now)
{
	size_t i, left, found;
	int p, fd;

	do {
		left = found = 0;
		for (i = 0; i < s->nr; i++) {
			if (s->lk->group[i] != x || now[i] >= 0)
				continue;
			p = parent_of(s, i);
			if (now[p] < 0) {
				left++;
				continue;
			}
			fd = openat(now[p],
				    mnt_path_below(s->e[i]->mountpoint, s->e[p]->mountpoint),
				    O_PATH | O_CLOEXEC);
			if (fd < 0) {
				pr_perror("Can't find mount %u at %s in its locked copy",
					  s->e[i]->mnt_id, s->e[i]->mountpoint);
				return -errno;
			}
			now[i] = fd;
			found++;
		}
	} while (left && found);
	if (!left)
		return 0;
	pr_err("%zu mounts of the locked group of %s have no parent in it\n", left,
	       s->e[x]->mountpoint);
	return -EINVAL;
}

/* Mount fd (x's, or its clone) attached in x's place, under its parent or at --root */
static int put_in_place(struct mnt_set *s, int x, int fd)
{
	int p = parent_of(s, x);
	const char *where =
		p < 0 ? s->root_path : mnt_path_below(s->e[x]->mountpoint, s->e[p]->mountpoint);

	if (!move_mount(fd, "", p < 0 ? AT_FDCWD : s->fd[p], where,
			MOVE_MOUNT_F_EMPTY_PATH |
				(p >= 0 && !*where ? MOVE_MOUNT_T_EMPTY_PATH : 0)))
		return 0;
	pr_perror("Can't put mount %u at %s in its place", s->e[x]->mnt_id, s->e[x]->mountpoint);
	return -errno;
}

/*
 * X's old mount detached: by its name in the staging area when it is there (a nested
 * namespace has no /proc of its own yet), else by its fd
 */
static int umount_old(struct mnt_set *s, int x)
{
	char old[64];
	int cwd, ret;

	if (!s->lk->staged[x]) {
		snprintf(old, sizeof(old), "/proc/self/fd/%d", s->fd[x]);
		return umount2(old, MNT_DETACH);
	}
	cwd = open(".", O_PATH | O_CLOEXEC);
	if (cwd < 0)
		return -1;
	snprintf(old, sizeof(old), "%d", x);
	ret = fchdir(s->lk->stage) ?: umount2(old, MNT_DETACH);
	if (fchdir(cwd))
		ret = -1;
	close(cwd);
	return ret;
}

/* The group's old mounts go, the locked clone takes their place: 0, 1 (left as it was), -errno */
static int swap_in(struct mnt_set *s, int x, int clone)
{
	int *now = malloc(s->nr * sizeof(int)), ret;
	size_t i;

	if (!now)
		return -ENOMEM;
	/* nothing changed yet: the group may stay as it is, unlocked */
	if (umount_old(s, x)) {
		pr_warn("Can't take mount %u at %s away for its locked copy (%s): restored "
			"unlocked\n",
			s->e[x]->mnt_id, s->e[x]->mountpoint, strerror(errno));
		close(clone);
		free(now);
		return 1;
	}
	s->lk->staged[x] = false;
	ret = put_in_place(s, x, clone);
	if (ret) {
		close(clone);
		free(now);
		return ret;
	}
	for (i = 0; i < s->nr; i++)
		now[i] = -1;
	now[x] = clone;
	ret = find_members(s, x, now);
	for (i = 0; i < s->nr; i++) {
		if (s->lk->group[i] != x)
			continue;
		if (!ret)
			ret = set_attr(now[i], unlocked_attrs(s->lk, i, s->e[i]), 0, s->e[i]);
		if (now[i] < 0)
			continue;
		close(s->fd[i]);
		s->fd[i] = now[i];
	}
	free(now);
	return ret;
}

/* Before the copy: a bare clone of each member for binds of it, its unlocked flags off */
static int prepare_group(struct mnt_set *s, int x, bool back)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < s->nr; i++) {
		if (s->lk->group[i] != x)
			continue;
		if (back) {
			ret = set_attr(s->fd[i], unlocked_attrs(s->lk, i, s->e[i]), 0, s->e[i]);
			continue;
		}
		ret = mnt_take_bare(s, i)
			      ?: set_attr(s->fd[i], 0, unlocked_attrs(s->lk, i, s->e[i]), s->e[i]);
	}
	return ret;
}

/* x's group left as it was made, unlocked: its flags back (mnt_locks_place() unstages X) */
static int leave_unlocked(struct mnt_set *s, int x)
{
	int ret = s->lk->copied[x] ? prepare_group(s, x, true) : 0;

	s->lk->copied[x] = false;
	s->lk->done[x] = true;
	return ret;
}

/*
 * The group of x that can't be locked: a plain clone of it (in the root's namespace, made
 * now, so that mountinfo keeps the image's order) takes its place, or it stays as it is
 */
static int clone_unlocked(struct mnt_set *s, int x)
{
	int clone = open_tree(s->fd[x], "",
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	int ret = clone < 0 ? 1 : swap_in(s, x, clone);

	return leave_unlocked(s, x) ?: (ret > 0 ? 0 : ret);
}

/* Copied x's group: its clone in the copy, locked, takes its place */
static int lock_copied(struct mnt_set *s, int x)
{
	int clone = mnt_locks_locker_clone(s, x), ret;

	if (clone < 0 || !same_root(clone, s->fd[x])) {
		pr_warn("Can't copy the group of mount %u at %s to lock it (%s): restored "
			"unlocked\n",
			s->e[x]->mnt_id, s->e[x]->mountpoint,
			clone < 0 ? strerror(-clone) : "not the same mount");
		if (clone >= 0)
			close(clone);
		return clone_unlocked(s, x);
	}
	ret = swap_in(s, x, clone);
	if (ret > 0)
		return leave_unlocked(s, x);
	s->lk->copied[x] = false;
	s->lk->done[x] = true;
	if (!ret)
		pr_info("mount %u at %s: its group locked\n", s->e[x]->mnt_id, s->e[x]->mountpoint);
	return ret;
}

/* Is x's parent made and where it stays (not in a group that is not locked yet)? */
static bool parent_final(const struct mnt_set *s, int x)
{
	int p = parent_of(s, x);

	if (p < 0)
		return true;
	return s->fd[p] >= 0 && (s->lk->group[p] < 0 || s->lk->done[s->lk->group[p]]);
}

/* x's turn: its parent is final, and no group before it in the image waits */
static bool turn_of(const struct mnt_set *s, int x)
{
	size_t j;

	if (!parent_final(s, x))
		return false;
	for (j = 0; j < (size_t)x; j++)
		if (s->lk->group[j] == (int)j && !s->lk->done[j] && !ancestor_of(s, x, j))
			return false;
	return true;
}

int mnt_locks_place(struct mnt_set *s, size_t i)
{
	struct mnt_locks *lk = s->lk;
	int ret;

	if (!lk || lk->group[i] != (int)i)
		return 0;
	if (lk->copied[i] && turn_of(s, i)) {
		ret = lock_copied(s, i);
		return ret ?: 1;
	}
	/* left unlocked while staged: in place once its parent is */
	if (lk->done[i] && lk->staged[i] && s->fd[i] >= 0 && parent_final(s, i)) {
		lk->staged[i] = false;
		return put_in_place(s, i, s->fd[i]) ?: 1;
	}
	return 0;
}

/* A new copy with every group whose mounts are made: 1, 0 if none is new, -errno */
static int copy_groups(struct mnt_set *s)
{
	struct mnt_locks *lk = s->lk;
	size_t x, n = 0;
	bool fresh = false;
	int ret;

	for (x = 0; x < s->nr; x++)
		if (lk->group[x] == (int)x && !lk->done[x] && !lk->copied[x] && group_made(s, x))
			fresh = true;
	if (!fresh)
		return 0;
	mnt_locks_locker_end(s);
	for (x = 0; x < s->nr; x++) {
		lk->copied[x] = false;
		if (lk->group[x] != (int)x || lk->done[x] || !group_made(s, x))
			continue;
		ret = prepare_group(s, x, false);
		if (ret)
			return ret;
		lk->copied[x] = true;
		n++;
	}
	pr_info("A copy of the mount namespace for %zu locked groups\n", n);
	return mnt_locks_locker_start(s) ?: 1;
}

int mnt_locks_next(struct mnt_set *s)
{
	int ret, any = 0;
	size_t x;

	if (!s->lk)
		return 0;
	ret = copy_groups(s);
	if (ret)
		return ret;
	for (x = 0; x < s->nr; x++) {
		if (s->lk->group[x] != (int)x || s->lk->done[x])
			continue;
		pr_warn("The mounts of the locked group of mount %u at %s wait for mounts that "
			"wait for it: restored unlocked\n",
			s->e[x]->mnt_id, s->e[x]->mountpoint);
		ret = leave_unlocked(s, x);
		if (ret)
			return ret;
		any = 1;
	}
	return any;
}

void mnt_locks_nested_root(struct mnt_set *s)
{
	if (s->lk && s->lk->group[s->root] == s->root)
		s->lk->done[s->root] = true;
}

bool mnt_locks_saved(int dfd, uint32_t id)
{
	struct cr_img *img = open_image_optional(dfd, CR_FD_MNT_LOCKS, id);

	if (!img)
		return false;
	close_image(img);
	return true;
}

bool mnt_locks_same_group(const struct mnt_set *s, size_t a, size_t b)
{
	return s->lk && s->lk->group[a] >= 0 && s->lk->group[a] == s->lk->group[b];
}

bool mnt_locks_staged(const struct mnt_set *s, size_t i)
{
	return s->lk && s->lk->staged[i];
}
