/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-ext.c - external mounts and skipped ones (mnt.h): a mount of the tree's namespace
 * that shows a file system no other mount there has (a bind of a host file, as Docker's
 * /etc/hosts) is saved with a key (mnt_entry.ext_mount, ext_key, as CRIU does) and bound
 * again at restore from the path the user gives for that key. With --ext-mount-map auto
 * the key is the path where criu itself sees that part of the file system.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "opts.h"
#include "proc-mountinfo.h"
#include "mnt.h"

bool mnt_skipped(const struct mnt_opts *mo, const char *mountpoint)
{
	int i;

	for (i = 0; mo && i < mo->nr_skip; i++)
		if (mnt_path_inside(mountpoint, mo->skip[i]))
			return true;
	return false;
}

/* B of the pair whose A is a (dump: the key of a mount point; restore: the path of a key) */
const char *mnt_ext_lookup(const struct mnt_opts *mo, const char *a)
{
	int i;

	for (i = 0; mo && i < mo->nr_ext; i++)
		if (strlen(a) == mo->ext_a_len[i] && !strncmp(mo->ext_a[i], a, mo->ext_a_len[i]))
			return mo->ext_b[i];
	return NULL;
}

/* Where criu sees the part of the file system m shows: a path of its own, malloc'ed. */
char *mnt_ext_auto_key(const struct proc_mount *m)
{
	struct proc_mount_list own = {};
	const struct proc_mount *best = NULL;
	char *key = NULL;
	size_t i;

	if (parse_mountinfo(0, &own))
		return NULL;
	for (i = 0; i < own.nr; i++) {
		const struct proc_mount *o = &own.m[i];

		if (o->maj != m->maj || o->min != m->min || !mnt_path_inside(m->root, o->root))
			continue;
		if (!best || strlen(o->root) < strlen(best->root))
			best = o;
	}
	if (best) {
		const char *below = mnt_path_below(m->root, best->root);
		size_t len = strlen(best->mountpoint) + strlen(below) + 2;

		key = malloc(len);
		if (key)
			snprintf(key, len, "%s%s%s", best->mountpoint,
				 *below && strcmp(best->mountpoint, "/") ? "/" : "", below);
	}
	free_mountinfo(&own);
	return key;
}

/* Restore: the path an external mount is bound from, checked now (in criu). */
int mnt_ext_path(const struct mnt_opts *mo, const MntEntry *e, const char **path)
{
	*path = mnt_ext_lookup(mo, e->ext_key);
	if (!*path && mo && mo->ext_auto && e->ext_key[0] == '/')
		*path = e->ext_key;
	if (!*path) {
		pr_err("Mount %u at %s is an external mount (key %s): give its path with "
		       "--external mnt[%s]:PATH (or --ext-mount-map %s:PATH)\n",
		       e->mnt_id, e->mountpoint, e->ext_key, e->ext_key, e->ext_key);
		return -ENOENT;
	}
	if (access(*path, F_OK)) {
		pr_perror("The external mount %s (key %s) for %s can't be found", *path, e->ext_key,
			  e->mountpoint);
		return -ENOENT;
	}
	return 0;
}
