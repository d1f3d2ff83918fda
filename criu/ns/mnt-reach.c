/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-reach.c - a file the tree holds (an fd, a file mapping, its cwd, root or exe) is
 * reopened at restore by its path in the tree's mount namespace. In a tree with a mount
 * namespace of its own, a file on a mount that namespace does not show under the root's
 * root (a mount lazily unmounted since the file was opened, a file passed in from outside
 * the container) has a path that names nothing there, or another file: the dump refuses it,
 * naming the file and what to do. The path is looked up through /proc/ROOT/root, in the
 * namespace itself: a file opened before the namespace was made (the exe) is on a mount of
 * criu's namespace, whose copy in the tree's shows the same file at the same path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dump.h"
#include "log.h"
#include "ns.h"

int mntns_dump_check_path(struct dump_ctx *dc, const char *what, const char *path,
			  const struct stat *st)
{
	char there[PATH_MAX + 32];
	struct stat its;

	if (!(dc->tree->ns.root_own & NS_BIT(NS_MNT)) || path[0] != '/')
		return 0;
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode))
		return 0; /* a device node is found by its number; others have no path */
	/* the root's root: the namespace's, where the restore reopens it */
	snprintf(there, sizeof(there), "/proc/%d/root%s", dc->tree->tasks[0]->pid, path);
	if (!stat(there, &its) && its.st_dev == st->st_dev && its.st_ino == st->st_ino)
		return 0;
	pr_err("%s of task %d is %s, which that path does not name in the tree's mount "
	       "namespace (its mount was unmounted since it was opened, or is outside the "
	       "container): it can't be reopened at restore. Bind its file system into the "
	       "container and dump that mount with --external mnt[MOUNTPOINT]:KEY (or "
	       "--ext-mount-map MOUNTPOINT:KEY), or close the file before the dump\n",
	       what, dc->pid, path);
	return -EOPNOTSUPP;
}

/* The mount id of path in the tree's namespace, or of its nearest parent still there. */
static int tree_mnt_id(pid_t root, const char *path, uint64_t *id)
{
	char at[PATH_MAX + 32], *cut;
	struct statx sx;

	snprintf(at, sizeof(at), "/proc/%d/root%s", root, path);
	for (;;) {
		if (!statx(AT_FDCWD, at, 0, STATX_MNT_ID, &sx) && (sx.stx_mask & STATX_MNT_ID)) {
			*id = sx.stx_mnt_id;
			return 0;
		}
		cut = strrchr(at, '/');
		if (!cut || errno != ENOENT)
			return -errno;
		*cut = 0; /* "/proc/N/root" itself is there */
	}
}

/*
 * An O_TMPFILE ("DIR/#INODE"): the task makes it again itself, with O_TMPFILE in DIR as its
 * root shows it, wherever the file was.
 */
static bool is_tmpfile(const char *path, const struct stat *st)
{
	const char *name = strrchr(path, '/');
	char want[32];

	snprintf(want, sizeof(want), "/#%llu", (unsigned long long)st->st_ino);
	return name && !strcmp(name, want);
}

/*
 * A deleted file is made again at restore under --root, which the root's mount of the
 * tree's namespace is made of: one on another mount of the namespace (a tmpfs of its own,
 * a bind) would be made in the wrong place.
 */
int mntns_dump_check_deleted(struct dump_ctx *dc, const char *path, const struct stat *st)
{
	pid_t root = dc->tree->tasks[0]->pid;
	uint64_t root_mnt, file_mnt;
	struct stat root_st;
	char at[48];

	if (!(dc->tree->ns.root_own & NS_BIT(NS_MNT)) || path[0] != '/' || is_tmpfile(path, st))
		return 0;
	snprintf(at, sizeof(at), "/proc/%d/root", root);
	if (stat(at, &root_st) || tree_mnt_id(root, "", &root_mnt) ||
	    tree_mnt_id(root, path, &file_mnt)) {
		pr_perror("Can't tell the mount of the deleted %s in task %d's mount namespace",
			  path, root);
		return -EIO;
	}
	if (root_st.st_dev == st->st_dev && root_mnt == file_mnt)
		return 0;
	pr_err("%s, a deleted file task %d holds, is on a mount of the tree's mount namespace "
	       "other than its root's: criu makes deleted files again only on the root (the "
	       "directory --root gives); not supported yet\n",
	       path, dc->pid);
	return -EOPNOTSUPP;
}
