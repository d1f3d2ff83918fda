/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-nested.c - mount namespaces of the tree other than its root's (mnt.h): a task that
 * did unshare(CLONE_NEWNS) has a copy of its parent's mounts, changed since. Each such
 * namespace is saved in its own mountpoints-ID.img from the task that made it (the one in
 * it whose parent is not); its children inherit it. At restore that task unshares a copy of
 * its parent's rebuilt namespace and rebuilds its own from it (mnt-restore.c): a mount of a
 * file system the parent's namespace shows is a bind of the parent's mount at its path (a
 * proc, a tmpfs, an external mount stay the same instance in both), the others are made as
 * in the root's; a peer group or master shared with the parent's namespace comes from the
 * parent's mount in it (mnt-prop.c). In the tree's user namespace its locks are saved and
 * made again as the root's namespace's are (mnt-locks-*.c; its root group comes locked with
 * the copy of the parent's, mntns_restore_nested()). Refused, naming the mount or task: a namespace
 * two tasks entered apart (setns), a root other than the parent's root, a tmpfs of its own (its
 * files would have to be made before the task exists).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "log.h"
#include "ns-ids.h"
#include "proc-mountinfo.h"
#include "mnt.h"

static int root_of(const struct proc_mount_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (!mountinfo_by_id(l, l->m[i].parent_id) || l->m[i].parent_id == l->m[i].mnt_id)
			return i;
	return -1;
}

/* The parent namespace's mount that holds m's root, -1 if none */
static int outer_source(const struct proc_mount_list *outer, const struct proc_mount *m)
{
	size_t i, best_len = 0;
	int best = -1;

	for (i = 0; i < outer->nr; i++) {
		const struct proc_mount *o = &outer->m[i];

		if (o->maj != m->maj || o->min != m->min || !mnt_path_inside(m->root, o->root))
			continue;
		if (best < 0 || strlen(o->root) < best_len) {
			best = i;
			best_len = strlen(o->root);
		}
	}
	return best;
}

static void refuse_nested(const struct proc_mount *m, const char *why)
{
	pr_err("Mount %d at %s (%s, source %s, root %s) in a nested mount namespace of the "
	       "tree: %s\n",
	       m->mnt_id, m->mountpoint, m->fstype, m->source, m->root, why);
}

int mnt_nested_check(const struct proc_mount_list *l, const struct mnt_key *keys, int root,
		     const struct proc_mount_list *outer, bool *from_outer)
{
	int oroot = root_of(outer), ret = 0;
	size_t i;

	if (oroot < 0 || l->m[root].maj != outer->m[oroot].maj ||
	    l->m[root].min != outer->m[oroot].min ||
	    strcmp(l->m[root].root, outer->m[oroot].root)) {
		refuse_nested(&l->m[root], "its root is not the root of its parent's namespace "
					   "(a nested namespace that changed its root is not "
					   "saved yet)");
		return -EOPNOTSUPP;
	}
	for (i = 0; i < l->nr; i++) {
		const struct proc_mount *m = &l->m[i];
		bool own_source = mnt_bind_source(keys, l->nr, i) >= 0;

		from_outer[i] = (int)i != root && !own_source && outer_source(outer, m) >= 0;
		if ((int)i != root && !own_source && !from_outer[i] &&
		    !strcmp(m->fstype, "tmpfs")) {
			refuse_nested(m, "a tmpfs made in a nested namespace is not saved yet "
					 "(one its parent's namespace has too is)");
			ret = -EOPNOTSUPP;
		}
	}
	return ret;
}

/* The tree's index of the task pid, -1 if none */
static int task_index(const struct dump_tree *dt, pid_t pid)
{
	size_t i;

	for (i = 0; i < dt->nr_tasks; i++)
		if (dt->tasks[i]->pid == pid)
			return i;
	return -1;
}

/* Each nested namespace, from the one task in it whose parent is not; ids[i]: task i's. */
static int dump_each(struct dump_tree *dt, const uint32_t *ids, uint32_t root_id)
{
	size_t i, j;
	int p, ret = 0;

	for (i = 1; !ret && i < dt->nr_tasks; i++) {
		p = task_index(dt, dt->tasks[i]->ppid);
		/* a zombie has no namespaces (0); every other task has its parent in the tree */
		if (!ids[i] || ids[i] == root_id || p < 0 || ids[p] == ids[i])
			continue;
		for (j = 1; j < i; j++) {
			int pj = task_index(dt, dt->tasks[j]->ppid);

			if (ids[j] != ids[i] || (pj >= 0 && ids[pj] == ids[j]))
				continue;
			pr_err("Tasks %d and %d are in one mount namespace (id %u) that neither "
			       "inherited from its parent: a namespace entered with setns is not "
			       "saved yet\n",
			       dt->tasks[j]->pid, dt->tasks[i]->pid, ids[i]);
			return -EOPNOTSUPP;
		}
		pr_info("Task %d made mount namespace %u (its parent %d is in %u)\n",
			dt->tasks[i]->pid, ids[i], dt->tasks[p]->pid, ids[p]);
		ret = mntns_dump(dt->dfd, dt->tasks[i]->pid, ids[i], &dt->opts->mnt,
				 dt->tasks[p]->pid);
	}
	return ret;
}

int mntns_dump_nested(struct dump_tree *dt, uint32_t root_id)
{
	uint32_t *ids = calloc(dt->nr_tasks, sizeof(*ids));
	size_t i;
	int ret = ids ? 0 : -ENOMEM;

	for (i = 0; !ret && i < dt->nr_tasks; i++) {
		TaskKobjIdsEntry e = TASK_KOBJ_IDS_ENTRY__INIT;

		ret = ns_ids_fill(&dt->ns, dt->tasks[i]->pid, &e);
		ids[i] = e.mnt_ns_id;
	}
	ret = ret ?: dump_each(dt, ids, root_id);
	free(ids);
	return ret;
}
