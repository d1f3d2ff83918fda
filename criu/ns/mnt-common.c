/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-common.c - what the dump and the restore of a mount namespace agree on (mnt.h):
 * the file systems criu mounts anew, and which mount another one is a bind of. Both sides
 * decide from the same fields of mnt_entry (root_dev, root), so the image needs no field
 * of its own for the source of a bind, as in CRIU's.
 */
#include <stdbool.h>
#include <string.h>

#include "mnt.h"

/* Made anew at restore: their content is the kernel's (or the namespace's), not files. */
/* binfmt_misc: the entries are its user namespace's (the tree's is criu's), not the mount's */
static const char *const fresh_types[] = { "proc",   "sysfs",	"devtmpfs", "devpts",
					   "cgroup", "cgroup2", "mqueue",   "binfmt_misc" };

bool mnt_fs_is_fresh(const char *fsname)
{
	size_t i;

	for (i = 0; i < sizeof(fresh_types) / sizeof(fresh_types[0]); i++)
		if (!strcmp(fsname, fresh_types[i]))
			return true;
	return false;
}

bool mnt_path_inside(const char *root, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return true;
	return !strncmp(root, dir, n) && (root[n] == '\0' || root[n] == '/');
}

/*
 * The mount i is a bind of: another mount of the same file system whose root holds i's
 * root, the one with the shortest root, the earliest on a tie (so that two binds of the
 * same root never point at each other). -1: none, i is a file system of its own.
 */
int mnt_bind_source(const struct mnt_key *keys, size_t nr, size_t i)
{
	size_t own_len = strlen(keys[i].root), best_len = 0, len, j;
	int best = -1;

	for (j = 0; j < nr; j++) {
		if (j == i || keys[j].dev != keys[i].dev ||
		    !mnt_path_inside(keys[i].root, keys[j].root))
			continue;
		len = strlen(keys[j].root);
		if (len == own_len && j > i)
			continue; /* the same root: only an earlier one is the source */
		if (best < 0 || len < best_len) {
			best = j;
			best_len = len;
		}
	}
	return best;
}

/* The part of path below dir (path_inside() holds), without a leading slash: "" for dir. */
const char *mnt_path_below(const char *path, const char *dir)
{
	const char *p = path + (strcmp(dir, "/") ? strlen(dir) : 0);

	while (*p == '/')
		p++;
	return p;
}

static const struct {
	const char *name;
	unsigned int flag;
} mount_flags[] = {
	{ "ro", MNT_F_RDONLY },
	{ "nosuid", MNT_F_NOSUID },
	{ "nodev", MNT_F_NODEV },
	{ "noexec", MNT_F_NOEXEC },
	{ "noatime", MNT_F_NOATIME },
	{ "nodiratime", MNT_F_NODIRATIME },
	{ "relatime", MNT_F_RELATIME },
	{ "strictatime", MNT_F_STRICTATIME },
	{ "nosymfollow", MNT_F_NOSYMFOLLOW },
};

unsigned int mnt_flags_of(const char *opts)
{
	unsigned int flags = 0;
	const char *p = opts;
	size_t i, len;

	while (p && *p) {
		len = strcspn(p, ",");
		for (i = 0; i < sizeof(mount_flags) / sizeof(mount_flags[0]); i++)
			if (strlen(mount_flags[i].name) == len &&
			    !strncmp(p, mount_flags[i].name, len))
				flags |= mount_flags[i].flag;
		p += len;
		if (*p == ',')
			p++;
	}
	return flags;
}
