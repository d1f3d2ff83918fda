/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-prop.c - the peer groups (shared_id) and masters (master_id) of the restored
 * mounts (mnt.h). The tree is made of private mounts first, so that nothing propagates
 * while it is built; then, once it is the root, each group gets a leader made shared (a
 * slave first if its members have a master) and the other members join the leader's group
 * with move_mount(MOVE_MOUNT_SET_GROUP), which also copies the master. A slave is put in its
 * master's group that way, then made a slave of it. Groups and masters outside the tree's
 * namespace come from the path the root or an external mount is restored from: a clone of
 * it (its carrier) is taken before the root makes its copy of criu's mounts private, and
 * lends its group or master the same way (mnt-prop-dump.c says what the dump allows).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include "log.h"
#include "mnt.h"

#include "mnt.pb-c.h"

static bool shared_in(const MntEntry *e, uint32_t group)
{
	return e->has_shared_id && e->shared_id && e->shared_id == group;
}

/* Has the image a member of group (the namespace's own), or is it outside? */
static bool group_inside(const struct mnt_set *s, uint32_t group)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		if (shared_in(s->e[i], group))
			return true;
	return false;
}

static bool shared_outside(const MntEntry *e)
{
	return e->has_shared_id && e->shared_id && e->has_internal_sharing && !e->internal_sharing;
}

static bool needs_carrier(const struct mnt_set *s, size_t i)
{
	const MntEntry *e = s->e[i];

	if ((int)i != s->root && !e->ext_mount)
		return false;
	return shared_outside(e) ||
	       (e->has_master_id && e->master_id && !group_inside(s, e->master_id));
}

int mnt_prop_take_carriers(struct mnt_set *s, const char *root_path)
{
	const char *path;
	size_t i;

	for (i = 0; i < s->nr; i++) {
		if (!needs_carrier(s, i))
			continue;
		path = root_path;
		if ((int)i != s->root && mnt_ext_path(s->mo, s->e[i], &path))
			return -ENOENT;
		s->carrier[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (s->carrier[i] < 0) {
			pr_perror("Can't clone %s for the propagation of mount %u at %s", path,
				  s->e[i]->mnt_id, s->e[i]->mountpoint);
			return -errno;
		}
	}
	return 0;
}

static bool root_holds(const struct mnt_set *s, size_t a, size_t b)
{
	return s->keys[a].dev == s->keys[b].dev &&
	       mnt_path_inside(s->keys[b].root, s->keys[a].root);
}

/* The group mount i of a nested namespace has from its parent's, 0 if none */
static uint32_t group_from_outer(const struct mnt_set *s, size_t i)
{
	const MntEntry *e = s->e[i];

	if (shared_outside(e))
		return e->shared_id;
	if (e->has_master_id && e->master_id && !group_inside(s, e->master_id))
		return e->master_id;
	return 0;
}

int mnt_prop_take_outer_carriers(struct mnt_set *s, const struct mnt_set *outer)
{
	char path[PATH_MAX];
	uint32_t group;
	size_t i, j;

	for (i = 0; i < s->nr; i++) {
		group = group_from_outer(s, i);
		for (j = 0; group && j < outer->nr; j++)
			if (shared_in(outer->e[j], group) && outer->keys[j].dev == s->keys[i].dev &&
			    mnt_path_inside(s->keys[i].root, outer->keys[j].root))
				break;
		if (!group || j == outer->nr)
			continue; /* nothing to lend: the restore names it when it needs it */
		snprintf(path, sizeof(path), "%s/%s", outer->e[j]->mountpoint,
			 mnt_path_below(s->keys[i].root, outer->keys[j].root));
		s->carrier[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (s->carrier[i] < 0) {
			pr_perror("Can't clone %s for the peer group %u of mount %u at %s", path,
				  group, s->e[i]->mnt_id, s->e[i]->mountpoint);
			return -errno;
		}
	}
	return 0;
}

/* Mount i joins the group and master of from (a mount or a carrier). */
static int join_group(const struct mnt_set *s, int from, size_t i, uint32_t group)
{
	if (move_mount(from, "", s->fd[i], "",
		       MOVE_MOUNT_SET_GROUP | MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)) {
		pr_perror("Can't put mount %u at %s in peer group %u (a path given for a group "
			  "outside must be a shared or slave mount)",
			  s->e[i]->mnt_id, s->e[i]->mountpoint, group);
		return -errno;
	}
	return 0;
}

static int set_propagation(const struct mnt_set *s, size_t i, uint64_t prop)
{
	struct mount_attr attr = { .propagation = prop };

	if (mount_setattr(s->fd[i], "", AT_EMPTY_PATH, &attr, sizeof(attr))) {
		pr_perror("Can't make mount %u at %s %s", s->e[i]->mnt_id, s->e[i]->mountpoint,
			  prop == MS_SHARED ? "shared" : "a slave");
		return -errno;
	}
	return 0;
}

/* The leader of i's group: the member i joins (i itself for the leader), -1 if none. */
static int leader_of(const struct mnt_set *s, size_t i)
{
	uint32_t group = s->e[i]->shared_id;
	size_t j, k;

	for (j = 0; shared_outside(s->e[i]) && j < s->nr; j++)
		if (s->carrier[j] >= 0 && shared_in(s->e[j], group) && root_holds(s, j, i))
			return j; /* a group outside: the member from a path lends it */
	for (j = 0; j < s->nr; j++) {
		if (!shared_in(s->e[j], group))
			continue;
		for (k = 0; k < s->nr; k++)
			if (shared_in(s->e[k], group) && !root_holds(s, j, k))
				break;
		if (k == s->nr)
			return j;
	}
	pr_err("Mount %u at %s: no member of its peer group %u can lead it\n", s->e[i]->mnt_id,
	       s->e[i]->mountpoint, group);
	return -1;
}

/* What lends i its master: a made member of the master's group or a carrier; -EAGAIN. */
static int master_source(const struct mnt_set *s, const bool *done, size_t i)
{
	uint32_t master = s->e[i]->master_id;
	bool inside = group_inside(s, master);
	size_t j;

	for (j = 0; j < s->nr; j++) {
		if (!root_holds(s, j, i))
			continue;
		if (inside && shared_in(s->e[j], master))
			return done[j] ? s->fd[j] : -EAGAIN;
		if (!inside && s->carrier[j] >= 0 && s->e[j]->master_id == master)
			return s->carrier[j];
	}
	pr_err("Mount %u at %s: nothing lends it its master %u\n", s->e[i]->mnt_id,
	       s->e[i]->mountpoint, master);
	return -EINVAL;
}

static int make_slave(const struct mnt_set *s, const bool *done, size_t i)
{
	int from = master_source(s, done, i);

	if (from < 0)
		return from == -EAGAIN ? 0 : from;
	return join_group(s, from, i, s->e[i]->master_id) ?: set_propagation(s, i, MS_SLAVE) ?: 1;
}

/* Mount i's propagation: 1 done, 0 when what it needs is not done yet, or -errno. */
static int propagate_one(const struct mnt_set *s, const bool *done, size_t i)
{
	const MntEntry *e = s->e[i];
	bool master = e->has_master_id && e->master_id;
	int lead, ret;

	if (!e->has_shared_id || !e->shared_id)
		return master ? make_slave(s, done, i) : 1;
	lead = leader_of(s, i);
	if (lead < 0)
		return -EINVAL;
	if (lead != (int)i)
		return done[lead] ? join_group(s, s->fd[lead], i, e->shared_id) ?: 1 : 0;
	if (s->carrier[i] >= 0 && shared_outside(e))
		return join_group(s, s->carrier[i], i, e->shared_id) ?: 1;
	if (master) {
		ret = make_slave(s, done, i);
		if (ret <= 0)
			return ret;
	}
	return set_propagation(s, i, MS_SHARED) ?: 1;
}

int mnt_prop_restore(struct mnt_set *s)
{
	bool *done = calloc(s->nr, sizeof(*done)), progress = true;
	size_t i, left = s->nr;
	int ret = 0;

	if (!done)
		return -ENOMEM;
	while (!ret && left && progress) {
		progress = false;
		for (i = 0; !ret && i < s->nr; i++) {
			if (done[i])
				continue;
			ret = propagate_one(s, done, i);
			if (ret > 0) {
				done[i] = progress = true;
				left--;
				ret = 0;
			}
		}
	}
	for (i = 0; !ret && left && i < s->nr; i++)
		if (!done[i])
			pr_err("Mount %u at %s: its master %u never came (a loop in the image)\n",
			       s->e[i]->mnt_id, s->e[i]->mountpoint, s->e[i]->master_id);
	free(done);
	return ret ?: (left ? -EINVAL : 0);
}
