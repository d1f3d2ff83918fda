/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-prop-dump.c - can the propagation of the namespace's mounts be rebuilt (mnt.h)?
 * A peer group (mountinfo's shared:N) is the namespace's own when criu sees no member of
 * it in its own mountinfo; the restore makes one member (its leader, whose root holds every
 * other member's root) shared and adds the others to its group (MOVE_MOUNT_SET_GROUP). A
 * group criu shares too is external: with --enable-external-sharing, an external mount or
 * the root of that group comes back in the group of the path given at restore, and the
 * others join it. A master (master:N) is the namespace's own when one of its mounts is in
 * group N; otherwise, with --enable-external-masters, the mount is made a slave of the group
 * of the path that an external mount or the root of the same master is restored from. In a
 * nested namespace, a group or master its parent's namespace has too comes from the
 * parent's mount in it (no option needed: both namespaces are the tree's).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "opts.h"
#include "proc-mountinfo.h"
#include "mnt.h"

struct prop_view {
	const struct proc_mount_list *l;
	const struct mnt_key *keys;
	char **ext; /* the key of each external mount, or NULL */
	int root;
	const struct mnt_opts *mo;
	struct proc_mount_list own;	     /* criu's mounts */
	const struct proc_mount_list *outer; /* a nested namespace's parent's, or NULL */
};

static void refuse_prop(const struct proc_mount *m, const char *why, int group)
{
	pr_err("Mount %d at %s (%s, root %s, propagation %s) in the tree's mount namespace: %s "
	       "(peer group %d)\n",
	       m->mnt_id, m->mountpoint, m->fstype, m->root, m->optional, why, group);
}

/* Does mount a's root hold mount b's (same file system)? */
static bool root_holds(const struct prop_view *v, size_t a, size_t b)
{
	return v->keys[a].dev == v->keys[b].dev &&
	       mnt_path_inside(v->keys[b].root, v->keys[a].root);
}

/* Is mount i restored from a path given at restore (the root, an external mount)? */
static bool from_path(const struct prop_view *v, size_t i)
{
	return (int)i == v->root || v->ext[i];
}

static const struct proc_mount *own_member(const struct prop_view *v, int group)
{
	size_t i;

	for (i = 0; i < v->own.nr; i++)
		if (v->own.m[i].shared == group)
			return &v->own.m[i];
	return NULL;
}

/* Is master M of mount i outside (no mount of the set is in group M)? */
static bool master_outside(const struct prop_view *v, size_t i)
{
	size_t j;

	for (j = 0; j < v->l->nr; j++)
		if (v->l->m[j].shared == v->l->m[i].master)
			return false;
	return true;
}

/* Has group a member whose root holds every member's (the restore's leader)? */
static bool has_leader(const struct prop_view *v, int group)
{
	size_t j, k;

	for (j = 0; j < v->l->nr; j++) {
		if (v->l->m[j].shared != group)
			continue;
		for (k = 0; k < v->l->nr; k++)
			if (v->l->m[k].shared == group && !root_holds(v, j, k))
				break;
		if (k == v->l->nr)
			return true;
	}
	return false;
}

/* A mount of the set whose group is g and whose root holds i's (and from a path if asked) */
static int holder(const struct prop_view *v, size_t i, int group, bool master, bool path)
{
	size_t j;

	for (j = 0; j < v->l->nr; j++) {
		const struct proc_mount *m = &v->l->m[j];

		if ((master ? m->master : m->shared) != group || (path && !from_path(v, j)))
			continue;
		if (root_holds(v, j, i))
			return j;
	}
	return -1;
}

/* A nested namespace's group or master that its parent's namespace has too */
static bool in_outer(const struct prop_view *v, int group)
{
	size_t j;

	for (j = 0; v->outer && j < v->outer->nr; j++)
		if (v->outer->m[j].shared == group)
			return true;
	return false;
}

/* Restored from a mount of the parent's in group whose root holds i's: is there one? */
static int outer_holder(const struct prop_view *v, size_t i, int group)
{
	const struct proc_mount *m = &v->l->m[i];
	size_t j;

	for (j = 0; j < v->outer->nr; j++) {
		const struct proc_mount *o = &v->outer->m[j];

		if (o->shared == group && o->maj == m->maj && o->min == m->min &&
		    mnt_path_inside(m->root, o->root))
			return 0;
	}
	refuse_prop(m,
		    "its group is its parent namespace's too, and no mount of the parent's "
		    "in it holds its root",
		    group);
	return -EOPNOTSUPP;
}

static int check_shared(const struct prop_view *v, size_t i, bool *outside)
{
	const struct proc_mount *m = &v->l->m[i], *o = own_member(v, m->shared);
	size_t j;

	for (j = 0; j < v->l->nr; j++)
		if (v->l->m[j].shared == m->shared && v->l->m[j].master != m->master) {
			refuse_prop(m, "the members of its peer group have different masters",
				    m->shared);
			return -EOPNOTSUPP;
		}
	/* a nested namespace's group that its parent's has too: it lends it (mnt-prop.c) */
	*outside = o != NULL || in_outer(v, m->shared);
	if (in_outer(v, m->shared))
		return outer_holder(v, i, m->shared);
	if (!o && !has_leader(v, m->shared)) {
		refuse_prop(m,
			    "no member of its peer group has a root that holds the others' "
			    "(such a group is not restored yet; keep a mount of the group's "
			    "whole, or make these private)",
			    m->shared);
		return -EOPNOTSUPP;
	}
	if (!o)
		return 0;
	pr_info("peer group %d is shared with criu's mount %d at %s\n", m->shared, o->mnt_id,
		o->mountpoint);
	if (!v->mo || !v->mo->ext_sharing) {
		refuse_prop(m,
			    "it shares its peer group with mounts outside the tree's namespace; "
			    "make it private, or dump it as an external mount with "
			    "--enable-external-sharing",
			    m->shared);
		return -EOPNOTSUPP;
	}
	if (holder(v, i, m->shared, false, true) < 0) {
		refuse_prop(m,
			    "its peer group is shared with mounts outside and no external "
			    "mount (--external mnt[]) nor the root holds it",
			    m->shared);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int check_master(const struct prop_view *v, size_t i)
{
	const struct proc_mount *m = &v->l->m[i];

	if (master_outside(v, i) && in_outer(v, m->master))
		return outer_holder(v, i, m->master);
	if (!master_outside(v, i)) {
		if (holder(v, i, m->master, false, false) >= 0)
			return 0;
		refuse_prop(m, "no mount of its master's peer group has a root that holds its own",
			    m->master);
		return -EOPNOTSUPP;
	}
	if (!v->mo || !v->mo->ext_masters) {
		refuse_prop(m,
			    "it is a slave of a peer group outside the tree's namespace; make "
			    "it private, or dump it as an external mount with "
			    "--enable-external-masters",
			    m->master);
		return -EOPNOTSUPP;
	}
	if (holder(v, i, m->master, true, true) < 0) {
		refuse_prop(m,
			    "its master is outside and no external mount (--external mnt[]) "
			    "nor the root with that master holds it",
			    m->master);
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * --ext-mount-map auto: a mount whose group or master is outside is bound at restore from
 * where criu sees it, which brings the group or master back (an external mount).
 */
static void auto_external(struct prop_view *v)
{
	size_t i;

	for (i = 0; i < v->l->nr; i++) {
		const struct proc_mount *m = &v->l->m[i];

		if ((int)i == v->root || v->ext[i] || in_outer(v, m->shared) ||
		    in_outer(v, m->master) ||
		    !((m->shared && own_member(v, m->shared)) ||
		      (m->master && master_outside(v, i))))
			continue;
		v->ext[i] = mnt_ext_auto_key(m);
		if (v->ext[i])
			pr_info("mount %d at %s: propagation from outside, external (key %s)\n",
				m->mnt_id, m->mountpoint, v->ext[i]);
	}
}

int mnt_prop_check(const struct proc_mount_list *l, const struct mnt_key *keys, char **ext,
		   int root, const struct mnt_opts *mo, bool *outside,
		   const struct proc_mount_list *outer)
{
	struct prop_view v = { l, keys, ext, root, mo, {}, outer };
	int ret = 0;
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (l->m[i].shared || l->m[i].master)
			break;
	if (i == l->nr)
		return 0; /* all private: nothing to read */
	ret = parse_mountinfo(0, &v.own);
	if (ret) {
		pr_err("Can't read criu's own mounts: %d\n", ret);
		return ret;
	}
	if (mo && mo->ext_auto)
		auto_external(&v);
	for (i = 0; i < l->nr; i++) {
		if (l->m[i].shared)
			ret = check_shared(&v, i, &outside[i]) ?: ret;
		if (l->m[i].master)
			ret = check_master(&v, i) ?: ret;
	}
	free_mountinfo(&v.own);
	return ret;
}
