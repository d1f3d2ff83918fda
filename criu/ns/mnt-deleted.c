/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-deleted.c - binds of a removed directory (mnt.h): a bind whose source directory
 * was rmdir'ed afterwards shows a root ending in "//deleted" in mountinfo, and the kernel
 * keeps it (the directory was not a mount point, so nothing stopped the rmdir). The image
 * has the live path and mnt_entry.deleted, as CRIU's; the restore makes the directory
 * again in the source, binds it, attaches the bind and removes the directory, which leaves
 * the same kind of mount. Only
 * directories: a removed file would need its bytes (refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "proc-mountinfo.h"
#include "mnt.h"

#define DELETED_MARK "//deleted"

size_t mnt_root_deleted(const char *root)
{
	size_t len = strlen(root), mark = strlen(DELETED_MARK);

	if (len <= mark || strcmp(root + len - mark, DELETED_MARK))
		return 0;
	return len - mark;
}

int mnt_deleted_check(pid_t pid, const struct proc_mount *m)
{
	char path[PATH_MAX];
	struct stat st;

	if (!mnt_root_deleted(m->root))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->mountpoint);
	if (stat(path, &st)) {
		pr_perror("Can't stat the mount at %s, whose root was removed", path);
		return -errno;
	}
	if (S_ISDIR(st.st_mode))
		return 0;
	pr_err("Mount %d at %s (root %s): a bind of a removed file is not supported (its bytes "
	       "are not saved); unmount it or leave it out with --skip-mnt %s\n",
	       m->mnt_id, m->mountpoint, m->root, m->mountpoint);
	return -EOPNOTSUPP;
}

int mnt_bind_deleted(int src, const char *below, const MntEntry *e)
{
	int fd;

	if (mkdirat(src, below, 0755)) {
		pr_perror("Can't make the removed directory %s again for mount %u at %s (it must "
			  "not exist at restore)",
			  e->root, e->mnt_id, e->mountpoint);
		return -errno;
	}
	fd = open_tree(src, below, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't bind %s for mount %u at %s", e->root, e->mnt_id, e->mountpoint);
		unlinkat(src, below, AT_REMOVEDIR);
		return -errno;
	}
	return fd;
}

/* The kernel attaches no mount whose root is gone: the directory goes once it is attached */
int mnt_remove_deleted(int src, const char *below, const MntEntry *e)
{
	if (unlinkat(src, below, AT_REMOVEDIR)) {
		pr_perror("Can't remove %s again for mount %u at %s", e->root, e->mnt_id,
			  e->mountpoint);
		return -errno;
	}
	return 0;
}
