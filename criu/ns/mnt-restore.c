/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-restore.c - the tree of mounts of mountpoints-ID.img, rebuilt by the tree's root
 * in the mount namespace its clone made (a copy of criu's). Everything is made private
 * first, so that nothing propagates back to criu's namespace. The root mount is a clone of
 * the mount at --root, attached over it; every other mount is a detached mount (a clone of
 * its source's bare mount for a bind, a new proc, sysfs or devtmpfs otherwise) with its
 * flags set, attached on its parent through the parent's fd, parents and sources first:
 * an overmount or a bind of a shadowed path finds what it was made of. Then the root task
 * pivots into the new root and drops criu's mounts. A failure leaves the namespace to die
 * with the tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "fault.h"
#include "image.h"
#include "log.h"
#include "mnt.h"
#include "ns.h"
#include "plugin.h"
#include "files.h"
#include "proc-mountinfo.h"

#include "mnt.pb-c.h"

static int read_mounts(int dfd, uint32_t id, struct mnt_set *s)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_MNTS, O_RSTR, id);
	MntEntry **grown;
	int ret;

	if (!img)
		return -EIO;
	for (;;) {
		grown = realloc(s->e, (s->nr + 1) * sizeof(*s->e));
		if (!grown) {
			ret = -ENOMEM;
			break;
		}
		s->e = grown;
		ret = pb_read_one_eof(img, &mnt_entry__descriptor,
				      (ProtobufCMessage **)&s->e[s->nr]);
		if (ret <= 0)
			break;
		s->nr++;
	}
	close_image(img);
	return ret;
}

static int index_of(const struct mnt_set *s, uint32_t mnt_id)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (s->e[i]->mnt_id == mnt_id)
			return i;
	return -1;
}

/* A path of the image: absolute, without a ".." component. */
static bool plain_path(const char *p)
{
	const char *dots = p;

	if (p[0] != '/')
		return false;
	while ((dots = strstr(dots, "..")))
		if (dots[-1] == '/' && (dots[2] == '/' || dots[2] == '\0'))
			return false;
		else
			dots += 2;
	return true;
}

/* Each mount under its parent's mount point, its paths plain: else a bad image. */
static int check_entries(const struct mnt_set *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		const MntEntry *e = s->e[i];
		int parent = index_of(s, e->parent_mnt_id);

		if (plain_path(e->root) && plain_path(e->mountpoint) &&
		    ((int)i == s->root || mnt_path_inside(e->mountpoint, s->e[parent]->mountpoint)))
			continue;
		pr_err("mountpoints-%u.img: mount %u has a bad root %s or mount point %s (not "
		       "under its parent's)\n",
		       id, e->mnt_id, e->root, e->mountpoint);
		return -EINVAL;
	}
	return 0;
}

static int prepare_set(struct mnt_set *s, uint32_t id)
{
	size_t i;

	s->keys = calloc(s->nr, sizeof(*s->keys));
	s->fd = malloc(s->nr * sizeof(int));
	s->bare = malloc(s->nr * sizeof(int));
	s->carrier = malloc(s->nr * sizeof(int));
	s->outer = malloc(s->nr * sizeof(int));
	if (!s->keys || !s->fd || !s->bare || !s->carrier || !s->outer)
		return -ENOMEM;
	s->root = -1;
	for (i = 0; i < s->nr; i++) {
		s->keys[i] = (struct mnt_key){ s->e[i]->root_dev, s->e[i]->root };
		s->fd[i] = s->bare[i] = s->carrier[i] = s->outer[i] = -1;
		if (index_of(s, s->e[i]->parent_mnt_id) >= 0 &&
		    s->e[i]->parent_mnt_id != s->e[i]->mnt_id)
			continue;
		if (s->root >= 0 || strcmp(s->e[i]->mountpoint, "/")) {
			pr_err("mountpoints-%u.img: mount %u at %s has no parent in the image\n",
			       id, s->e[i]->mnt_id, s->e[i]->mountpoint);
			return -EINVAL;
		}
		s->root = i;
	}
	if (s->root < 0) {
		pr_err("mountpoints-%u.img has no root mount\n", id);
		return -EINVAL;
	}
	return check_entries(s, id);
}

static void free_set(struct mnt_set *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		if (s->fd && s->fd[i] >= 0)
			close(s->fd[i]);
		if (s->bare && s->bare[i] >= 0)
			close(s->bare[i]);
		if (s->carrier && s->carrier[i] >= 0)
			close(s->carrier[i]);
		if (s->outer && s->outer[i] >= 0)
			close(s->outer[i]);
		mnt_entry__free_unpacked(s->e[i], NULL);
	}
	free(s->e);
	mnt_locks_free(s);
	free(s->keys);
	free(s->fd);
	free(s->bare);
	free(s->carrier);
	free(s->outer);
}

/* The image's per-mount flags on a mount (fd): what is not asked for is cleared. */
static int set_flags(int fd, const MntEntry *e)
{
	struct mount_attr attr = {
		.attr_clr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    MOUNT_ATTR_NOEXEC | MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME |
			    MOUNT_ATTR_NOSYMFOLLOW,
	};
	uint32_t f = e->flags;

	attr.attr_set = (f & MNT_F_RDONLY ? MOUNT_ATTR_RDONLY : 0) |
			(f & MNT_F_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
			(f & MNT_F_NODEV ? MOUNT_ATTR_NODEV : 0) |
			(f & MNT_F_NOEXEC ? MOUNT_ATTR_NOEXEC : 0) |
			(f & MNT_F_NODIRATIME ? MOUNT_ATTR_NODIRATIME : 0) |
			(f & MNT_F_NOSYMFOLLOW ? MOUNT_ATTR_NOSYMFOLLOW : 0);
	if (f & MNT_F_NOATIME)
		attr.attr_set |= MOUNT_ATTR_NOATIME;
	else if (f & MNT_F_STRICTATIME)
		attr.attr_set |= MOUNT_ATTR_STRICTATIME;
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr))) {
		pr_perror("Can't set the flags %#x of mount %u at %s", f, e->mnt_id, e->mountpoint);
		return -errno;
	}
	return 0;
}

/* Each option of the super block, "key=value" or a flag, to a new file system's context. */
static int config_fs(int fs, const MntEntry *e, bool fill_first)
{
	char *opts = strdup(e->options), *opt, *val, *save = NULL;
	int ret = 0;

	if (!opts)
		return -ENOMEM;
	for (opt = strtok_r(opts, ",", &save); opt && !ret; opt = strtok_r(NULL, ",", &save)) {
		val = strchr(opt, '=');
		if (val)
			*val++ = '\0';
		if (fsconfig(fs, val ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, opt, val, 0)) {
			pr_perror("Can't set option %s of the new %s at %s", opt, e->fsname,
				  e->mountpoint);
			ret = -errno;
		}
	}
	free(opts);
	if (!ret && !fill_first && e->has_sb_flags && (e->sb_flags & MNT_F_RDONLY) &&
	    fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0)) {
		pr_perror("Can't make the new %s at %s read-only", e->fsname, e->mountpoint);
		ret = -errno;
	}
	return ret;
}

/* A read-only tmpfs (runc masks paths with them) is filled first, then made read-only. */
int mnt_make_readonly_after_fill(const MntEntry *e, int mnt)
{
	int fs;

	if (!e->has_sb_flags || !(e->sb_flags & MNT_F_RDONLY))
		return 0;
	fs = fspick(mnt, "", FSPICK_EMPTY_PATH | FSPICK_CLOEXEC);
	if (fs < 0 || fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) ||
	    fsconfig(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0)) {
		pr_perror("Can't make the filled %s at %s read-only", e->fsname, e->mountpoint);
		if (fs >= 0)
			close(fs);
		return -errno;
	}
	close(fs);
	return 0;
}

int mnt_make_fresh(const MntEntry *e, bool fill_first)
{
	int fs, mnt, sub, ret = 0;

	fs = fsopen(e->fsname, FSOPEN_CLOEXEC);
	if (fs < 0) {
		pr_perror("Can't make a new %s for mount %u at %s", e->fsname, e->mnt_id,
			  e->mountpoint);
		return -errno;
	}
	if (fsconfig(fs, FSCONFIG_SET_STRING, "source", e->source, 0)) {
		pr_perror("Can't name the new %s at %s '%s'", e->fsname, e->mountpoint, e->source);
		ret = -errno;
	}
	/* one devtmpfs serves the whole system: its options would change criu's /dev */
	if (!ret && strcmp(e->fsname, "devtmpfs"))
		ret = config_fs(fs, e, fill_first);
	if (!ret && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		pr_perror("Can't create the new %s for %s", e->fsname, e->mountpoint);
		ret = -errno;
	}
	mnt = ret ? -1 : fsmount(fs, FSMOUNT_CLOEXEC, 0);
	if (!ret && mnt < 0) {
		pr_perror("Can't mount the new %s for %s", e->fsname, e->mountpoint);
		ret = -errno;
	}
	close(fs);
	if (ret || !strcmp(e->root, "/"))
		return ret ?: mnt;
	sub = open_tree(mnt, e->root + 1, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (sub < 0) {
		pr_perror("Can't find %s in the new %s for %s", e->root, e->fsname, e->mountpoint);
		ret = -errno;
	}
	close(mnt);
	return ret ?: sub;
}

static int take_bare(struct mnt_set *s, size_t i)
{
	if (s->bare[i] >= 0)
		return 0;
	s->bare[i] = open_tree(s->fd[i], "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	return s->bare[i] >= 0 ? 0 : -errno;
}

int mnt_take_bare(struct mnt_set *s, size_t i)
{
	int ret = take_bare(s, i);

	/* mounts locked to it (a nested namespace's): none, its binds are made without */
	if (ret == -EINVAL && s->lk)
		return 0;
	if (ret)
		pr_perror("Can't clone mount %u at %s", s->e[i]->mnt_id, s->e[i]->mountpoint);
	return ret;
}

/*
 * Mount src has mounts locked to it (a nested namespace's root, with the parent's locked
 * mounts): no clone of it alone. A bind of a directory of it is cloned straight from it,
 * where no other mount is on the way: alone without locked mounts below it, else with the
 * mounts below it (*rec), as the kernel made it (mount --rbind), for settle_rec_bind().
 */
static int bind_beside_locked(struct mnt_set *s, int src, const char *below, const MntEntry *e,
			      bool *rec)
{
	int dir = openat(s->fd[src], *below ? below : ".", O_PATH | O_CLOEXEC), fd = -1;
	struct statx a, b;

	if (dir >= 0 && !statx(s->fd[src], "", AT_EMPTY_PATH, STATX_MNT_ID, &a) &&
	    !statx(dir, "", AT_EMPTY_PATH, STATX_MNT_ID, &b) && a.stx_mnt_id == b.stx_mnt_id)
		fd = open_tree(dir, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	else
		errno = EBUSY;
	if (fd < 0 && errno == EINVAL) {
		*rec = true;
		fd = open_tree(dir, "",
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
	}
	if (fd < 0)
		pr_perror("Can't bind %s of mount %u (mounts are locked to it) for mount %u at %s",
			  e->root, s->e[src]->mnt_id, e->mnt_id, e->mountpoint);
	if (dir >= 0)
		close(dir);
	return fd < 0 ? -EPERM : fd;
}

/* A detached bind of the part of mount src that e's root names (*rec: with mounts below) */
static int make_bind(struct mnt_set *s, int src, const MntEntry *e, bool *rec)
{
	const char *below = mnt_path_below(e->root, s->e[src]->root);
	int fd;

	fd = take_bare(s, src);
	if (fd == -EINVAL && s->lk && !(e->has_deleted && e->deleted))
		return bind_beside_locked(s, src, below, e, rec);
	if (fd) {
		pr_perror("Can't clone mount %u at %s", s->e[src]->mnt_id, s->e[src]->mountpoint);
		return fd;
	}
	/* runc's /dev/console: a pty slave of a new devpts, which exists once its pty does */
	if (s->e[src]->fstype == FSTYPE__DEVPTS && *below &&
	    faccessat(s->bare[src], below, F_OK, AT_SYMLINK_NOFOLLOW) && errno == ENOENT &&
	    tty_premake_pty(s->bare[src], below))
		return -EIO;
	/* a removed root; a bind of such a bind is a bind of it */
	if (e->has_deleted && e->deleted && *below)
		return mnt_bind_deleted(s->bare[src], below, e);
	fd = open_tree(s->bare[src], below,
		       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (*below ? 0 : AT_EMPTY_PATH));
	if (fd < 0) {
		pr_perror("Can't bind %s of mount %u for mount %u at %s", e->root,
			  s->e[src]->mnt_id, e->mnt_id, e->mountpoint);
		return -errno;
	}
	return fd;
}

/* The detached mount criu made for e before the root (inherited), or -1; the set closes it */
static int take_premade(struct mnt_set *s, const MntEntry *e)
{
	size_t i;
	int fd;

	for (i = 0; i < s->pre->nr; i++) {
		if (s->pre->m[i].mnt_id != e->mnt_id || s->pre->m[i].fd < 0)
			continue;
		fd = s->pre->m[i].fd;
		s->pre->m[i].fd = -1;
		return fd;
	}
	return -1;
}

/* The tmpfs criu made and filled for e */
static int premade_fd(struct mnt_set *s, const MntEntry *e)
{
	int fd = take_premade(s, e);

	if (fd < 0)
		pr_err("The tmpfs at %s (mount %u) was not made before the root\n", e->mountpoint,
		       e->mnt_id);
	return fd < 0 ? -EINVAL : fd;
}

/* A clone of the mount at the path given for the key of external mount e, or -errno */
static int clone_external(const struct mnt_opts *mo, const MntEntry *e)
{
	const char *path;
	int fd;

	if (mnt_ext_path(mo, e, &path))
		return -ENOENT;
	fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't bind the external mount %s (key %s) for %s", path, e->ext_key,
			  e->mountpoint);
		return -errno;
	}
	return fd;
}

/* An external mount: a clone of the mount at the path given for its key (criu's view). */
static int make_external(struct mnt_set *s, const MntEntry *e)
{
	int fd = take_premade(s, e);

	/* cloned in criu's namespace already (externals_early) */
	return fd >= 0 ? fd : clone_external(s->mo, e);
}

/*
 * A clone of a mount made earlier (its fd closed): mountinfo lists mounts in the order of
 * their ids, given when each is made, so that the mounts come in the image's order.
 */
static int clone_now(int fd, const MntEntry *e)
{
	int now;

	if (fd < 0)
		return fd;
	now = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (now < 0) {
		now = -errno;
		pr_perror("Can't clone the mount made for %u at %s", e->mnt_id, e->mountpoint);
	}
	close(fd);
	return now;
}

/* Is there a mount whose root is at path below mount fd, other than fd's? Its O_PATH fd */
static int mount_at(int fd, const char *path)
{
	struct statx in, at;
	int m = openat(fd, path, O_PATH | O_CLOEXEC | O_NOFOLLOW);

	if (m < 0)
		return -1;
	if (!statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &in) &&
	    !statx(m, "", AT_EMPTY_PATH, STATX_MNT_ID, &at) && in.stx_mnt_id != at.stx_mnt_id &&
	    (at.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return m;
	close(m);
	return -1;
}

/* Is mount j src or, through members of src's group, attached below it (not staged)? */
static bool kept_below(const struct mnt_set *s, int j, int src)
{
	size_t steps = 0;

	for (; j >= 0 && steps++ <= s->nr; j = index_of(s, s->e[j]->parent_mnt_id)) {
		if (j == src)
			return true;
		if (!mnt_locks_same_group(s, j, src) || mnt_locks_staged(s, j))
			return false;
	}
	return false;
}

/* Mount fd's mount at path below it detached (the cwd a path from it; no /proc needed) */
static int umount_below(int fd, const char *path)
{
	int cwd = open(".", O_PATH | O_CLOEXEC), ret;

	if (cwd < 0)
		return -1;
	ret = fchdir(fd) ?: umount2(path, MNT_DETACH);
	if (fchdir(cwd))
		ret = -1;
	close(cwd);
	return ret;
}

/*
 * Mount i was bound with what was mounted below its source src (bind_beside_locked()): the
 * copies of the members of src's group are locked to it, the image's members of i's group
 * at their places; the other copies, not locked, go. Its mounts made: 1 and those.
 */
static int settle_rec_bind(struct mnt_set *s, size_t i, int src)
{
	const char *dir = mnt_path_below(s->e[i]->root, s->e[src]->root), *rel;
	size_t j, found, made = 1;
	int p;

	do {
		found = 0;
		for (j = 0; j < s->nr; j++) {
			p = index_of(s, s->e[j]->parent_mnt_id);
			if (s->fd[j] >= 0 || p < 0 || s->fd[p] < 0 ||
			    !mnt_locks_same_group(s, j, i))
				continue;
			s->fd[j] = mount_at(
				s->fd[p], mnt_path_below(s->e[j]->mountpoint, s->e[p]->mountpoint));
			found += s->fd[j] >= 0;
		}
		made += found;
	} while (found);
	for (j = 0; j < s->nr; j++) {
		p = index_of(s, s->e[j]->parent_mnt_id);
		/* the top ones of what came along that is not kept: they go with theirs */
		if ((int)j == src || s->fd[j] < 0 || mnt_locks_staged(s, j) || p < 0 ||
		    !kept_below(s, p, src) || kept_below(s, j, src))
			continue;
		rel = mnt_path_below(s->e[j]->mountpoint, s->e[src]->mountpoint);
		if (*dir && !mnt_path_inside(rel, dir))
			continue;
		if (umount_below(s->fd[i], *dir ? mnt_path_below(rel, dir) : rel)) {
			pr_perror("Can't take the copy of mount %u away from the bind at %s",
				  s->e[j]->mnt_id, s->e[i]->mountpoint);
			return -EPERM;
		}
	}
	pr_info("Mount %u at %s: bound with the locked mounts below its source, %zu of them\n",
		s->e[i]->mnt_id, s->e[i]->mountpoint, made - 1);
	return made;
}

/*
 * A mount a plugin saved: the plugin mounts it in place (RESTORE_EXT_MOUNT, with a path in
 * the parent, as CRIU gives one), the mount there is the set's (an O_PATH fd of its root).
 */
static int make_by_plugin(struct mnt_set *s, size_t i, int parent, const char *where)
{
	const MntEntry *e = s->e[i];
	char path[PATH_MAX];
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", s->fd[parent], where);
	ret = plugin_restore_ext_mount((int)e->mnt_id, e->mountpoint, path);
	if (ret)
		return ret;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open mount %u at %s, which a plugin made", e->mnt_id,
			  e->mountpoint);
		return -errno;
	}
	if (set_flags(fd, e)) {
		close(fd);
		return -EPERM;
	}
	s->fd[i] = fd;
	return 1;
}

/* Mount i, when its parent and source are made: 1 done, 0 not yet, or -errno. */
static int make_mount(struct mnt_set *s, size_t i)
{
	const MntEntry *e = s->e[i];
	int parent = index_of(s, e->parent_mnt_id);
	int src = e->ext_mount || MNT_WITH_PLUGIN(e) ? -1 : mnt_bind_source(s->keys, s->nr, i);
	char stage_name[24];
	int fd, ret, at = mnt_locks_stage(s, i, stage_name, sizeof(stage_name));
	const char *where;
	bool rec = false;

	if ((src >= 0 && s->fd[src] < 0) || (at < 0 && (s->fd[parent] < 0 || mnt_locks_hold(s, i))))
		return 0;
	if (MNT_WITH_PLUGIN(e))
		return make_by_plugin(s, i, parent,
				      mnt_path_below(e->mountpoint, s->e[parent]->mountpoint));
	if (s->outer[i] >= 0) {
		/* a nested namespace's bind of its parent's (take_outer()) */
		fd = clone_now(s->outer[i], e);
		s->outer[i] = -1;
	} else if (e->ext_mount)
		fd = make_external(s, e);
	else if (src >= 0)
		fd = make_bind(s, src, e, &rec);
	else if (e->fstype == FSTYPE__TMPFS)
		fd = clone_now(premade_fd(s, e), e);
	else if ((fd = take_premade(s, e)) >= 0)
		fd = clone_now(fd, e); /* made by criu: its user namespace can't */
	else
		fd = mnt_make_fresh(e, false);
	if (fd < 0)
		return fd;
	if (set_flags(fd, e)) {
		close(fd);
		return -EPERM;
	}
	/* the X of a group to lock: in the staging area until its locked clone replaces it */
	where = at >= 0 ? stage_name : mnt_path_below(e->mountpoint, s->e[parent]->mountpoint);
	ret = move_mount(fd, "", at >= 0 ? at : s->fd[parent], where,
			 MOVE_MOUNT_F_EMPTY_PATH | (*where ? 0 : MOVE_MOUNT_T_EMPTY_PATH))
		      ? -errno
		      : 0;
	if (ret)
		pr_perror("Can't mount %u (%s) at %s", e->mnt_id, e->fsname, e->mountpoint);
	/* a removed directory made again for the bind goes, attached or not */
	if (src >= 0 && e->has_deleted && e->deleted && *mnt_path_below(e->root, s->e[src]->root))
		ret = mnt_remove_deleted(s->bare[src], mnt_path_below(e->root, s->e[src]->root), e)
			      ?: ret;
	if (ret) {
		close(fd);
		return ret;
	}
	s->fd[i] = fd;
	return rec ? settle_rec_bind(s, i, src) : 1;
}

static int make_root(struct mnt_set *s, const char *root_path)
{
	const MntEntry *e = s->e[s->root];
	int fd;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		pr_perror("Can't make the tree's copy of criu's mounts private");
		return -errno;
	}
	/* the staging area of the groups to lock goes under the tree's root */
	if (mnt_locks_stage_area(s, root_path))
		return -EPERM;
	fd = s->pre->root_fd;
	s->pre->root_fd = -1;
	if (fd < 0)
		fd = open_tree(AT_FDCWD, root_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't clone the mount at --root %s", root_path);
		return -errno;
	}
	s->fd[s->root] = fd;
	if (set_flags(fd, e))
		return -EPERM;
	if (move_mount(fd, "", AT_FDCWD, root_path, MOVE_MOUNT_F_EMPTY_PATH)) {
		pr_perror("Can't mount the tree's root on %s", root_path);
		return -errno;
	}
	return 0;
}

static int make_all(struct mnt_set *s)
{
	size_t made = 0, i;
	int ret, progress;

	/* the root, and a nested namespace's mounts that came locked with it */
	for (i = 0; i < s->nr; i++)
		made += s->fd[i] >= 0;

	do {
		progress = 0;
		for (i = 0; i < s->nr; i++) {
			/* a group of locked mounts copied is locked in its turn */
			ret = mnt_locks_place(s, i);
			if (ret < 0)
				return ret;
			progress |= ret;
			if (s->fd[i] >= 0)
				continue;
			ret = make_mount(s, i);
			if (ret < 0)
				return ret;
			made += ret;
			progress |= ret;
		}
		/* the groups whose mounts are made are copied, or stay unlocked */
		if (!progress)
			progress = mnt_locks_next(s);
		if (progress < 0)
			return progress;
	} while (progress);
	mnt_locks_locker_end(s);
	if (made == s->nr)
		return 0;
	for (i = 0; i < s->nr; i++)
		if (s->fd[i] < 0)
			pr_err("Mount %u at %s can't be made: its parent %u or its source is "
			       "missing\n",
			       s->e[i]->mnt_id, s->e[i]->mountpoint, s->e[i]->parent_mnt_id);
	return -EINVAL;
}

/* The dumped ids of the restored mounts and their ids now, for rst_mnt_id_now(). */
static struct mnt_id_map {
	uint32_t dumped, now;
} * id_map;
static size_t nr_id_map;

static int note_ids(const struct mnt_set *s)
{
	struct statx stx;
	size_t i;

	free(id_map); /* a nested namespace's task had its parent's */
	nr_id_map = 0;
	id_map = calloc(s->nr, sizeof(*id_map));
	if (!id_map)
		return -ENOMEM;
	for (i = 0; i < s->nr; i++) {
		if (statx(s->fd[i], "", AT_EMPTY_PATH, STATX_MNT_ID, &stx)) {
			pr_perror("Can't read the id of mount %u at %s", s->e[i]->mnt_id,
				  s->e[i]->mountpoint);
			return -errno;
		}
		id_map[nr_id_map++] = (struct mnt_id_map){ s->e[i]->mnt_id, stx.stx_mnt_id };
	}
	return 0;
}

uint32_t rst_mnt_id_now(uint32_t dumped)
{
	size_t i;

	for (i = 0; i < nr_id_map; i++)
		if (id_map[i].dumped == dumped)
			return id_map[i].now;
	return dumped;
}

static int set_unbindable(const struct mnt_set *s);

/*
 * The new root becomes "/", criu's mounts go. The staging area of locked groups, which the
 * root was on, is on top of criu's root after the pivot when it was over it: it goes first.
 */
static int enter_root(struct mnt_set *s)
{
	if (fchdir(s->fd[s->root]) || syscall(SYS_pivot_root, ".", ".") ||
	    (mnt_locks_area_over_root(s) && umount2(".", MNT_DETACH)) || umount2(".", MNT_DETACH) ||
	    chdir("/")) {
		pr_perror("Can't make the restored mounts the tree's root");
		return -errno;
	}
	return set_unbindable(s);
}

static int set_unbindable(const struct mnt_set *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++) {
		if (!(s->e[i]->flags & MNT_F_UNBINDABLE))
			continue;
		if (mount_setattr(s->fd[i], "", AT_EMPTY_PATH,
				  &(struct mount_attr){ .propagation = MS_UNBINDABLE },
				  sizeof(struct mount_attr))) {
			pr_perror("Can't make mount %u at %s unbindable", s->e[i]->mnt_id,
				  s->e[i]->mountpoint);
			return -errno;
		}
	}
	return 0;
}

/*
 * In criu's namespace, for a namespace of the tree's user namespace, whose copy of a mount
 * with mounts on it can't be cloned alone: the external mount e, a slave of criu's if shared
 * (as the kernel makes the copies a less privileged namespace gets).
 */
static int take_external_early(struct mnt_premade *pre, const MntEntry *e,
			       const struct mnt_opts *mo)
{
	struct mount_attr slave = { .propagation = MS_SLAVE };
	int fd = clone_external(mo, e);

	if (fd < 0)
		return fd;
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &slave, sizeof(slave)) ||
	    ARRAY_ADD_ROOM(pre->m, pre->nr)) {
		pr_perror("Can't keep a clone of the external mount %s for %s", e->ext_key,
			  e->mountpoint);
		close(fd);
		return -EPERM;
	}
	pre->m[pre->nr++] = (struct mnt_premade_one){ e->mnt_id, fd };
	return 0;
}

/*
 * Filesystems a task in a user namespace mounts; those of a namespace (sysfs a network one,
 * mqueue an ipc one, cgroup a cgroup one) only where the user namespace owns it (own).
 */
static bool userns_mountable(const char *fsname, uint64_t own)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} kinds[] = {
		{ "proc", 0 },
		{ "devpts", 0 },
		{ "tmpfs", 0 },
		{ "ramfs", 0 },
		{ "fuse", 0 },
		{ "overlay", 0 },
		{ "binfmt_misc", 0 },
		{ "sysfs", CLONE_NEWNET },
		{ "mqueue", CLONE_NEWIPC },
		{ "cgroup", CLONE_NEWCGROUP },
		{ "cgroup2", CLONE_NEWCGROUP },
	};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(fsname, kinds[i].name))
			return !kinds[i].ns || (own & kinds[i].ns);
	return false;
}

/* A new mount (not a bind, external or plugin's) of a filesystem the root can't mount. */
static bool mnt_made_by_criu(const struct mnt_set *s, size_t i, uint64_t own)
{
	const MntEntry *e = s->e[i];

	return !e->ext_mount && !MNT_WITH_PLUGIN(e) && (int)i != s->root &&
	       mnt_bind_source(s->keys, s->nr, i) < 0 && !userns_mountable(e->fsname, own);
}

static int premake_fresh(struct mnt_premade *pre, const MntEntry *e)
{
	int fd;

	if (ARRAY_ADD_ROOM(pre->m, pre->nr))
		return -ENOMEM;
	fd = mnt_make_fresh(e, false);
	if (fd < 0)
		return fd;
	pre->m[pre->nr++] = (struct mnt_premade_one){ e->mnt_id, fd };
	return 0;
}

/* In criu, before the root: each tmpfs that is not a bind, made and filled. */
int mntns_premake(int dfd, uint32_t id, struct mnt_premade *pre, const struct mnt_opts *mo)
{
	struct mnt_set s = {};
	const char *path;
	size_t i;
	int ret, fd;

	pre->root_fd = -1;
	ret = read_mounts(dfd, id, &s);
	ret = ret ?: prepare_set(&s, id);
	/* every external mount has its path: said now, before anything is made */
	for (i = 0; !ret && i < s.nr; i++)
		if (s.e[i]->ext_mount)
			ret = mnt_ext_path(mo, s.e[i], &path);
		else if (MNT_WITH_PLUGIN(s.e[i]))
			ret = plugin_ext_mount_check(s.e[i]->mnt_id, s.e[i]->mountpoint);
	for (i = 0; !ret && i < s.nr; i++) {
		/* the root is --root's, even when it was a tmpfs (or a part of one) */
		if (s.e[i]->fstype != FSTYPE__TMPFS || s.e[i]->ext_mount ||
		    MNT_WITH_PLUGIN(s.e[i]) || (int)i == s.root ||
		    mnt_bind_source(s.keys, s.nr, i) >= 0)
			continue;
		if (ARRAY_ADD_ROOM(pre->m, pre->nr)) {
			ret = -ENOMEM;
			break;
		}
		fd = mnt_make_fresh(s.e[i], true);
		pre->m[pre->nr++] = (struct mnt_premade_one){ s.e[i]->mnt_id, fd };
		ret = fd < 0 ? fd : mnt_tmpfs_fill(dfd, s.e[i], fd);
		ret = ret ?: mnt_make_readonly_after_fill(s.e[i], fd);
	}
	for (i = 0; !ret && pre->externals_early && i < s.nr; i++)
		if (s.e[i]->ext_mount)
			ret = take_external_early(pre, s.e[i], mo);
	for (i = 0; !ret && pre->fresh_early && i < s.nr; i++)
		if (mnt_made_by_criu(&s, i, pre->fresh_own_ns))
			ret = premake_fresh(pre, s.e[i]);
	free_set(&s);
	return ret;
}

/*
 * Still in criu's mount namespace: a clone of --root's mount without its children, private
 * (a clone of a shared mount would be a peer of criu's), for make_root().
 */
int mntns_take_root(struct mnt_premade *pre, const char *root_path)
{
	struct mount_attr priv = { .propagation = MS_PRIVATE };
	int fd;

	fd = open_tree(AT_FDCWD, root_path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't clone the mount at --root %s", root_path);
		return -errno;
	}
	if (mount_setattr(fd, "", AT_EMPTY_PATH, &priv, sizeof(priv))) {
		pr_perror("Can't make the clone of --root %s private", root_path);
		close(fd);
		return -errno;
	}
	pre->root_fd = fd;
	return 0;
}

void mntns_premade_free(struct mnt_premade *pre)
{
	size_t i;

	if (pre->root_fd >= 0)
		close(pre->root_fd);
	pre->root_fd = -1;

	for (i = 0; i < pre->nr; i++)
		if (pre->m[i].fd >= 0)
			close(pre->m[i].fd);
	free(pre->m);
	pre->m = NULL;
	pre->nr = 0;
}

int mntns_restore(int dfd, uint32_t id, const char *root_path, struct mnt_premade *pre,
		  const struct mnt_opts *mo)
{
	struct mnt_set s = { .pre = pre, .mo = mo, .root_path = root_path };
	int ret;

	ret = read_mounts(dfd, id, &s);
	ret = ret ?: prepare_set(&s, id);
	/* locks come only with a namespace made in the tree's user namespace */
	if (!ret && pre->locks)
		ret = mnt_locks_read(dfd, id, &s);
	ret = ret ?: mnt_prop_take_carriers(&s, root_path);
	ret = ret ?: make_root(&s, root_path);
	ret = ret ?: make_all(&s);
	/* the tree's mounts made, nothing of them in criu's namespace: a failure here too */
	if (!ret && fault_injected("restore-mntns"))
		ret = -EIO;
	ret = ret ?: enter_root(&s);
	ret = ret ?: mnt_prop_restore(&s);
	ret = ret ?: note_ids(&s);
	if (!ret)
		pr_info("mount namespace %u: %zu mounts made on %s\n", id, s.nr, root_path);
	free_set(&s);
	return ret;
}

/* A nested namespace: the parent's mounts it binds, cloned while its copy still shows them */
static int take_outer(struct mnt_set *s, const struct mnt_set *outer)
{
	char path[PATH_MAX];
	size_t i, j;
	int best;

	for (i = 0; i < s->nr; i++) {
		if ((int)i == s->root || s->e[i]->ext_mount ||
		    mnt_bind_source(s->keys, s->nr, i) >= 0)
			continue;
		best = -1;
		for (j = 0; j < outer->nr; j++)
			if (outer->keys[j].dev == s->keys[i].dev &&
			    mnt_path_inside(s->keys[i].root, outer->keys[j].root) &&
			    (best < 0 ||
			     strlen(outer->keys[j].root) < strlen(outer->keys[best].root)))
				best = j;
		if (best < 0)
			continue; /* made as in the root's namespace */
		snprintf(path, sizeof(path), "%s/%s", outer->e[best]->mountpoint,
			 mnt_path_below(s->keys[i].root, outer->keys[best].root));
		s->outer[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		/* one with mounts locked to it can't be cloned alone: they come with the root */
		if (s->outer[i] < 0 && errno == EINVAL && s->lk) {
			pr_debug("%s of the parent's has locked mounts on it: not bound for %s\n",
				 path, s->e[i]->mountpoint);
			continue;
		}
		if (s->outer[i] < 0) {
			pr_perror("Can't bind %s of the parent's namespace for mount %u at %s",
				  path, s->e[i]->mnt_id, s->e[i]->mountpoint);
			return -errno;
		}
	}
	return 0;
}

/* The copy of the parent's mounts goes, but for its root, which the new one covers. */
static void detach_copy(void)
{
	struct proc_mount_list l = {};
	size_t i;

	if (parse_mountinfo(0, &l))
		return;
	for (i = l.nr; i-- > 0;)
		if (strcmp(l.m[i].mountpoint, "/") && umount2(l.m[i].mountpoint, MNT_DETACH))
			pr_debug("%s of the parent's copy went with its parent\n",
				 l.m[i].mountpoint);
	free_mountinfo(&l);
}

/*
 * The mounts that came with the nested root's clone, locked to the parent's root (detached
 * from the copy they could not be): the image's at their places, parents first.
 */
static void adopt_locked(struct mnt_set *s)
{
	size_t i, found;
	int p;

	do {
		found = 0;
		for (i = 0; i < s->nr; i++) {
			p = index_of(s, s->e[i]->parent_mnt_id);
			if (s->fd[i] >= 0 || p < 0 || s->fd[p] < 0)
				continue;
			s->fd[i] = mount_at(
				s->fd[p], mnt_path_below(s->e[i]->mountpoint, s->e[p]->mountpoint));
			if (s->fd[i] < 0)
				continue;
			pr_info("Mount %u at %s came locked with the parent's root\n",
				s->e[i]->mnt_id, s->e[i]->mountpoint);
			found++;
		}
	} while (found);
}

/*
 * A root made of the parent's root, attached over it, and made the task's root. With mounts
 * locked to the parent's root, the clone takes them too (alone is EINVAL): they are the
 * image's that the copy inherited locked, and its root group is locked as it was.
 */
static int nested_root(struct mnt_set *s)
{
	int fd = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC), rec = 0;

	if (fd < 0 && errno == EINVAL && s->lk) {
		rec = AT_RECURSIVE;
		fd = open_tree(AT_FDCWD, "/", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
	}
	if (fd < 0) {
		pr_perror("Can't clone the parent's root for a nested mount namespace");
		return -errno;
	}
	s->fd[s->root] = fd;
	if (set_flags(fd, s->e[s->root]))
		return -EPERM;
	/* the staging area of its locked groups goes under it, as under the tree's root */
	mnt_locks_nested_root(s);
	if (mnt_locks_stage_area(s, "/"))
		return -EPERM;
	if (move_mount(fd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH)) {
		pr_perror("Can't mount the nested namespace's root");
		return -errno;
	}
	if (rec)
		adopt_locked(s);
	return 0;
}

/* Its root has no parent mount (the parent's pivot made it so): no pivot_root, a chroot */
static int enter_nested_root(const struct mnt_set *s)
{
	if (fchdir(s->fd[s->root]) || chroot(".") || chdir("/")) {
		pr_perror("Can't make the nested namespace's mounts the task's root");
		return -errno;
	}
	return set_unbindable(s);
}

int mntns_restore_nested(int dfd, uint32_t id, uint32_t outer_id, const struct mnt_opts *mo,
			 bool locks)
{
	struct mnt_premade none = { .root_fd = -1 };
	struct mnt_set s = { .pre = &none, .mo = mo }, outer = { .mo = mo };
	int ret;

	ret = read_mounts(dfd, id, &s) ?: prepare_set(&s, id);
	/* in the tree's user namespace: the parent's are locked, and so are its own */
	if (!ret && locks)
		ret = mnt_locks_read(dfd, id, &s);
	ret = ret ?: read_mounts(dfd, outer_id, &outer) ?: prepare_set(&outer, outer_id);
	/* the copy's mounts are in the parent's groups: the carriers are cloned before */
	ret = ret ?: mnt_prop_take_outer_carriers(&s, &outer);
	if (!ret && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		pr_perror("Can't make the copy of the parent's mounts private");
		ret = -errno;
	}
	ret = ret ?: take_outer(&s, &outer);
	if (!ret)
		detach_copy();
	ret = ret ?: nested_root(&s) ?: make_all(&s) ?: enter_nested_root(&s);
	ret = ret ?: mnt_prop_restore(&s) ?: note_ids(&s);
	if (!ret)
		pr_info("mount namespace %u: %zu mounts made from %u's\n", id, s.nr, outer_id);
	free_set(&outer);
	free_set(&s);
	return ret;
}
