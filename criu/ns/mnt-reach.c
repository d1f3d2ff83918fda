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
#include <limits.h>
#include <stdio.h>
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
