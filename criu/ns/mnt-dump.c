/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-dump.c - the mounts of the tree root's own mount namespace, as its root sees them
 * (/proc/ROOT/mountinfo shows the mounts under the task's root, with paths from there),
 * into mountpoints-ID.img (CRIU's mnt_entry, in mountinfo's order). Only what the restore
 * can rebuild is saved: the root mount (given again by --root), bind mounts of a file
 * system another mount of the namespace shows (of the root's, of a proc...), proc, sysfs,
 * devtmpfs, a devpts and an mqueue (with no queue in it) of the namespace's own, which are
 * mounted anew, tmpfs with its files
 * (mnt-tmpfs.c), external mounts given a key (mnt-ext.c). Anything else is refused, naming
 * the mount: a file system from outside the namespace without a key (criu's devpts, a part
 * of a tmpfs alone...). Peer groups and masters: mnt-prop-dump.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "log.h"
#include "opts.h"
#include "plugin.h"
#include "proc-mountinfo.h"
#include "mnt.h"

#include "mnt.pb-c.h"

static const struct {
	const char *name;
	Fstype type;
} fstypes[] = {
	{ "proc", FSTYPE__PROC },	  { "sysfs", FSTYPE__SYSFS },
	{ "devtmpfs", FSTYPE__DEVTMPFS }, { "binfmt_misc", FSTYPE__BINFMT_MISC },
	{ "tmpfs", FSTYPE__TMPFS },	  { "devpts", FSTYPE__DEVPTS },
	{ "pstore", FSTYPE__PSTORE },	  { "securityfs", FSTYPE__SECURITYFS },
	{ "fusectl", FSTYPE__FUSECTL },	  { "debugfs", FSTYPE__DEBUGFS },
	{ "cgroup", FSTYPE__CGROUP },	  { "mqueue", FSTYPE__MQUEUE },
	{ "overlay", FSTYPE__OVERLAYFS }, { "autofs", FSTYPE__AUTOFS },
	{ "tracefs", FSTYPE__TRACEFS },	  { "cgroup2", FSTYPE__CGROUP2 },
};

static Fstype fstype_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(fstypes) / sizeof(fstypes[0]); i++)
		if (!strcmp(name, fstypes[i].name))
			return fstypes[i].type;
	return FSTYPE__UNSUPPORTED;
}

static uint32_t kdev(const struct proc_mount *m)
{
	return (m->maj << 20) | m->min; /* the kernel's dev_t, as CRIU's images hold it */
}

/* The root of the task's view: the one mount whose parent is not listed. */
static int find_root(const struct proc_mount_list *l, pid_t pid)
{
	int root = -1;
	size_t i;

	for (i = 0; i < l->nr; i++) {
		if (mountinfo_by_id(l, l->m[i].parent_id) && l->m[i].parent_id != l->m[i].mnt_id)
			continue;
		if (root >= 0 || strcmp(l->m[i].mountpoint, "/")) {
			pr_err("/proc/%d/mountinfo: mount %d at %s has no parent in the task's "
			       "view: mounts outside the root are not supported\n",
			       pid, l->m[i].mnt_id, l->m[i].mountpoint);
			return -EOPNOTSUPP;
		}
		root = i;
	}
	if (root < 0)
		pr_err("/proc/%d/mountinfo has no root mount\n", pid);
	return root < 0 ? -EINVAL : root;
}

static void refuse(const struct proc_mount *m, const char *why)
{
	pr_err("Mount %d at %s (%s, source %s, root %s) in the tree's mount namespace: %s\n",
	       m->mnt_id, m->mountpoint, m->fstype, m->source, m->root, why);
}

static void refuse_external(const struct proc_mount *m)
{
	pr_err(".%s doesn't have a proper root mount: mount %d (%s, source %s, root %s) shows a "
	       "file system no other mount of the tree's namespace has (an external mount). Dump "
	       "it with --external mnt[%s]:KEY and restore it with --external mnt[KEY]:PATH, or "
	       "use --ext-mount-map auto, or leave it out with --skip-mnt %s\n",
	       m->mountpoint, m->mnt_id, m->fstype, m->source, m->root, m->mountpoint,
	       m->mountpoint);
}

/*
 * A devpts of the namespace's own is made anew (its ptys are the tree's, made again by the
 * tty code in it); criu's own instance, seen there too, is an external mount.
 */
static int check_devpts(const struct proc_mount *m, const struct mnt_opts *mo, char **ext)
{
	char *host = mnt_ext_auto_key(m);

	if (!host)
		return 0;
	if (mo && mo->ext_auto) {
		*ext = host;
		return 0;
	}
	free(host);
	refuse_external(m);
	return -EOPNOTSUPP;
}

/*
 * An mqueue file system shows the POSIX message queues of its ipc namespace, which are not
 * saved: a new one is mounted at restore, and it must have nothing to show.
 */
static int check_mqueue_empty(pid_t pid, const struct proc_mount *m)
{
	char path[PATH_MAX];
	struct dirent *de;
	int ret = 0;
	DIR *d;

	if (strcmp(m->fstype, "mqueue"))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->mountpoint);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't list the queues of the mqueue mount at %s", path);
		return -errno;
	}
	while (!ret && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			ret = -EOPNOTSUPP;
	closedir(d);
	if (ret)
		refuse(m, "it shows POSIX message queues of the tree's ipc namespace, which are "
			  "not saved yet");
	return ret;
}

/* Can the restore rebuild mount i of l? ext[i] gets the key of an external one. */
static int check_mount(const struct proc_mount_list *l, const struct mnt_key *keys, size_t i,
		       const struct mnt_opts *mo, char **ext)
{
	const struct proc_mount *m = &l->m[i];
	const char *key = mnt_ext_lookup(mo, m->mountpoint);
	char *host;
	int ret;

	if (key) {
		ext[i] = strdup(key);
		return ext[i] ? 0 : -ENOMEM;
	}
	if (mnt_bind_source(keys, l->nr, i) >= 0)
		return 0;
	if (!strcmp(m->fstype, "devpts"))
		return check_devpts(m, mo, &ext[i]);
	if (mnt_fs_is_fresh(m->fstype))
		return 0;
	/* its files go to tmpfs-dev-DEV.tar.gz.img, unless auto finds it is criu's too */
	if (!strcmp(m->fstype, "tmpfs") && !strcmp(m->root, "/"))
		return mo && mo->ext_auto ? (ext[i] = mnt_ext_auto_key(m), 0) : 0;
	host = mnt_ext_auto_key(m);
	if (host && mo && mo->ext_auto) {
		ext[i] = host; /* criu sees it too: the path is the key */
		return 0;
	}
	/* what criu can't save, a plugin may (CRIU asks DUMP_EXT_MOUNT then) */
	ret = plugin_dump_ext_mount(m->mountpoint, m->mnt_id);
	if (ret) {
		free(host);
		ext[i] = ret > 0 ? strdup(MNT_PLUGIN_KEY) : NULL;
		return ret < 0 ? ret : ext[i] ? 0 : -ENOMEM;
	}
	if (host || !strcmp(m->fstype, "tmpfs"))
		refuse_external(m); /* a part of a tmpfs alone too: its files can't be saved */
	else if (!strncmp(m->fstype, "fuse", 4))
		refuse(m, "fuse mounts are not supported yet: the connection to their daemon "
			  "(/dev/fuse) is not saved; unmount it, or leave it out with --skip-mnt");
	else if (!strcmp(m->fstype, "autofs"))
		refuse(m, "autofs mounts are not supported yet: the automount daemon's pipe and "
			  "the mount's state are not saved; unmount it, or leave it out with "
			  "--skip-mnt");
	else
		refuse(m,
		       "a file system of this type made in the namespace is not saved yet "
		       "(proc, sysfs, devtmpfs, devpts, cgroup, cgroup2, mqueue, binfmt_misc and "
		       "tmpfs are)");
	free(host);
	return -EOPNOTSUPP;
}

/* The super options without rw/ro, which go to sb_flags (as CRIU splits them). */
static char *sb_options(const char *super, uint32_t *sb_flags)
{
	char *out = calloc(1, strlen(super) + 1), *p;
	const char *s = super;
	size_t len;

	if (!out)
		return NULL;
	p = out;
	*sb_flags = 0;
	while (*s) {
		len = strcspn(s, ",");
		if (len == 2 && !strncmp(s, "ro", 2))
			*sb_flags |= MNT_F_RDONLY;
		else if (!(len == 2 && !strncmp(s, "rw", 2)) && len) {
			if (p != out)
				*p++ = ',';
			memcpy(p, s, len);
			p += len;
		}
		s += len;
		if (*s == ',')
			s++;
	}
	return out;
}

/* The entry of m; with its files when it is a tmpfs no other mount is a bind of. */
static int write_mount(struct cr_img *img, const struct proc_mount *m, bool files, int dfd,
		       pid_t pid, char *ext_key, bool shared_outside)
{
	MntEntry e = MNT_ENTRY__INIT;
	int ret;

	/* peer groups and masters, the kernel's numbers (mnt-prop-dump.c checked them) */
	e.has_shared_id = e.has_internal_sharing = m->shared != 0;
	e.shared_id = m->shared;
	e.internal_sharing = !shared_outside;
	e.has_master_id = m->master != 0;
	e.master_id = m->master;

	e.fstype = fstype_of(m->fstype);
	e.mnt_id = m->mnt_id;
	e.root_dev = kdev(m);
	e.parent_mnt_id = m->parent_id;
	e.flags = mnt_flags_of(m->opts) | (m->unbindable ? MNT_F_UNBINDABLE : 0);
	e.root = m->root;
	/* a removed directory: the live path, and deleted (mnt-deleted.c) */
	e.has_deleted = e.deleted = mnt_root_deleted(m->root) != 0;
	if (e.deleted) {
		e.root = strndup(m->root, mnt_root_deleted(m->root));
		if (!e.root)
			return -ENOMEM;
	}
	e.mountpoint = m->mountpoint;
	e.source = m->source;
	e.fsname = m->fstype;
	e.has_sb_flags = true;
	if (ext_key && !strcmp(ext_key, MNT_PLUGIN_KEY)) {
		e.has_with_plugin = e.with_plugin = true;
		files = false;
	} else if (ext_key) {
		e.has_ext_mount = e.ext_mount = true;
		e.ext_key = ext_key;
		files = false;
		pr_info("mount %d at %s: external, key %s\n", m->mnt_id, m->mountpoint, ext_key);
	}
	e.options = sb_options(m->super_opts, &e.sb_flags);
	ret = e.options ? pb_write_one(img, &e.base) : -ENOMEM;
	if (!ret && files && e.fstype == FSTYPE__TMPFS)
		ret = mnt_tmpfs_dump(dfd, pid, &e);
	free(e.options);
	if (e.deleted)
		free(e.root);
	return ret;
}

static int check_and_write(int dfd, uint32_t id, const struct proc_mount_list *l, pid_t pid,
			   const struct mnt_opts *mo, const struct proc_mount_list *outer)
{
	struct mnt_key *keys = calloc(l->nr, sizeof(*keys));
	char **ext = calloc(l->nr, sizeof(*ext));
	bool *outside = calloc(l->nr, sizeof(*outside));
	bool *from_outer = calloc(l->nr, sizeof(*from_outer));
	struct cr_img *img = NULL;
	int root, ret = 0;
	size_t i;

	if (!keys || !ext || !outside || !from_outer) {
		ret = -ENOMEM;
		goto out_keys;
	}
	for (i = 0; i < l->nr; i++)
		keys[i] = (struct mnt_key){ kdev(&l->m[i]), l->m[i].root };
	root = find_root(l, pid);
	/* a nested namespace: what its parent's shows is bound from there (mnt-nested.c) */
	if (root >= 0 && outer)
		ret = mnt_nested_check(l, keys, root, outer, from_outer);
	for (i = 0; root >= 0 && i < l->nr; i++)
		if ((int)i != root && !from_outer[i])
			ret = check_mount(l, keys, i, mo, ext) ?: check_mqueue_empty(pid, &l->m[i])
				?: mnt_deleted_check(pid, &l->m[i]) ?: ret;
	if (root >= 0 && !ret)
		ret = mnt_prop_check(l, keys, ext, root, mo, outside, outer);
	if (root < 0 || ret) {
		ret = root < 0 ? root : ret;
		goto out_keys;
	}
	img = open_image_at(dfd, CR_FD_MNTS, O_DUMP, id);
	if (!img) {
		ret = -EIO;
		goto out_keys;
	}
	/* the root mount's files are --root's at restore, whatever its type: not saved */
	for (i = 0; !ret && i < l->nr; i++)
		ret = write_mount(img, &l->m[i],
				  (int)i != root && mnt_bind_source(keys, l->nr, i) < 0 &&
					  !from_outer[i],
				  dfd, pid, ext[i], outside[i]);
	ret = close_image(img) ?: ret;
	pr_info("mount namespace %u: %zu mounts saved\n", id, l->nr);
out_keys:
	for (i = 0; ext && i < l->nr; i++)
		free(ext[i]);
	free(ext);
	free(outside);
	free(from_outer);
	free(keys);
	return ret;
}

/* --skip-mnt: the mounts at or under the paths given are left out (the list keeps them). */
static void leave_out_skipped(struct proc_mount_list *l, const struct mnt_opts *mo)
{
	size_t i, kept = 0;

	for (i = 0; i < l->nr; i++) {
		if (strcmp(l->m[i].mountpoint, "/") && mnt_skipped(mo, l->m[i].mountpoint)) {
			pr_info("mount %d at %s: skipped (--skip-mnt)\n", l->m[i].mnt_id,
				l->m[i].mountpoint);
			free(l->m[i].text);
			continue;
		}
		l->m[kept++] = l->m[i];
	}
	l->nr = kept;
}

int mntns_dump(int dfd, pid_t pid, uint32_t id, const struct mnt_opts *mo, pid_t outer_pid)
{
	struct proc_mount_list l = {}, outer = {};
	int ret;

	ret = parse_mountinfo(pid, &l);
	if (!ret && outer_pid)
		ret = parse_mountinfo(outer_pid, &outer);
	if (ret) {
		pr_err("Can't read the mounts of task %d or of its parent %d: %d\n", pid, outer_pid,
		       ret);
		goto out_free;
	}
	leave_out_skipped(&l, mo);
	leave_out_skipped(&outer, mo);
	ret = check_and_write(dfd, id, &l, pid, mo, outer_pid ? &outer : NULL);
	/* its locks, when a copy across user namespaces made them (a nested one inherits them) */
	if (!ret)
		ret = mnt_locks_dump(dfd, pid, id, &l);
out_free:
	free_mountinfo(&outer);
	free_mountinfo(&l);
	return ret;
}
