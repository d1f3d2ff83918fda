/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/userns-nested-dump.c - the dump of user namespaces below the tree root's own (a
 * container's task running `unshare -U`, a sandbox): each one a task of the tree is in is
 * saved as the root's is (userns-ID.img with the maps as criu reads them, userns-extra-ID.img
 * with setgroups), with its parent's id and its owner's uid (userns_extra_entry). The
 * creds of its tasks are turned into its inside ids (userns-dump.c). Refused, naming the
 * task: a namespace that is not below the root's, a parent that holds no task of the tree
 * (its maps can only be read through a task in it), and a namespace of a task in one (net,
 * mount, pid, ...) owned by a user namespace other than the root's or criu's: those are
 * made by criu or the root, in the root's user namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "log.h"
#include "ns.h"
#include "internal.h"
#include "userns.h"

/* the kernel's deepest nesting of user namespaces */
#define USERNS_MAX_DEPTH 32

struct nested_one {
	ino_t ino, parent_ino;
	uint32_t id;
	pid_t pid; /* the first task met in it */
	struct userns_maps maps;
};

struct userns_nested_dump {
	ino_t root_ino, criu_ino; /* the tree root's user namespace and criu's */
	pid_t deep_threads; /* a task with threads in a pid namespace below the tree's, or 0 */
	size_t nr;
	struct nested_one ns[USERNS_MAX_NESTED];
};

static ino_t ns_file_ino(pid_t pid, const char *link)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, link);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", link);
	return stat(path, &st) ? 0 : st.st_ino;
}

static struct userns_nested_dump *nested_get(struct dump_tree *dt)
{
	struct userns_nested_dump *d = dt->ns.nested;

	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->root_ino = ns_file_ino(dt->tasks[0]->pid, "user");
	d->criu_ino = ns_file_ino(0, "user");
	dt->ns.nested = d;
	return d;
}

static struct nested_one *nested_find(const struct userns_nested_dump *d, ino_t ino)
{
	size_t i;

	for (i = 0; d && i < d->nr; i++)
		if (d->ns[i].ino == ino)
			return (struct nested_one *)&d->ns[i];
	return NULL;
}

/* The parent of pid's user namespace into one, and its chain up to the root's checked. */
static int walk_parents(const struct userns_nested_dump *d, pid_t pid, struct nested_one *one)
{
	char path[64];
	struct stat st;
	int fd, up, depth;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open the user namespace of task %d", pid);
		return -errno;
	}
	for (depth = 0; depth < USERNS_MAX_DEPTH; depth++) {
		up = ioctl(fd, NS_GET_PARENT);
		close(fd);
		fd = up;
		if (up < 0 || fstat(up, &st))
			break;
		if (!depth)
			one->parent_ino = st.st_ino;
		if (st.st_ino == d->root_ino) {
			close(up);
			return 0;
		}
		if (st.st_ino == d->criu_ino)
			break;
	}
	if (fd >= 0)
		close(fd);
	pr_err("Task %d is in a user namespace (user:[%lu]) that is not below its tree root's: "
	       "only nested ones below the root's are supported\n",
	       pid, (unsigned long)one->ino);
	return -EOPNOTSUPP;
}

/* Every namespace of pid must be owned by the root's user namespace or criu's. */
static int check_owned(const struct userns_nested_dump *d, pid_t pid)
{
	static const char *const links[] = { "net", "mnt", "pid",  "pid_for_children", "cgroup",
					     "uts", "ipc", "time", "time_for_children" };
	char path[64];
	struct stat st;
	size_t i;
	int fd, owner;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, links[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* not in this kernel, or no child pid namespace yet */
		owner = ioctl(fd, NS_GET_USERNS);
		close(fd);
		if (owner < 0)
			continue; /* owned by a namespace above criu's: checked by its kind */
		if (fstat(owner, &st))
			st.st_ino = 0;
		close(owner);
		if (st.st_ino == d->root_ino || st.st_ino == d->criu_ino)
			continue;
		pr_err("Task %d's %s namespace is owned by a nested user namespace (user:[%lu]): "
		       "namespaces of a user namespace below the tree root's are not supported "
		       "yet\n",
		       pid, links[i], (unsigned long)st.st_ino);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int owner_uid(pid_t pid, struct userns_maps *m)
{
	char path[64];
	uid_t uid;
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open the user namespace of task %d", pid);
		return -errno;
	}
	ret = ioctl(fd, NS_GET_OWNER_UID, &uid);
	close(fd);
	if (ret) {
		pr_perror("Can't read the owner of task %d's user namespace", pid);
		return -errno;
	}
	m->has_owner = true;
	m->owner = uid;
	return 0;
}

static int nested_add(struct dump_tree *dt, struct userns_nested_dump *d, pid_t pid, ino_t ino)
{
	TaskKobjIdsEntry ids = TASK_KOBJ_IDS_ENTRY__INIT;
	struct nested_one *one;
	int ret;

	if (d->nr == USERNS_MAX_NESTED) {
		pr_err("Task %d: more than %d user namespaces below the tree root's\n", pid,
		       USERNS_MAX_NESTED);
		return -E2BIG;
	}
	one = &d->ns[d->nr];
	one->ino = ino;
	one->pid = pid;
	ret = walk_parents(d, pid, one) ?: ns_ids_fill(&dt->ns, pid, &ids);
	ret = ret ?: userns_maps_read(pid, &one->maps) ?: owner_uid(pid, &one->maps);
	if (ret)
		return ret;
	one->id = ids.user_ns_id;
	d->nr++;
	pr_info("Task %d is in a nested user namespace (id %u, %zu uid and %zu gid extents, "
		"setgroups %s, owner %u): saved\n",
		pid, one->id, one->maps.uid.nr, one->maps.gid.nr,
		one->maps.setgroups ? "allow" : "deny", one->maps.owner);
	return 0;
}

int userns_nested_dump_task(struct dump_tree *dt, pid_t pid)
{
	struct userns_nested_dump *d = nested_get(dt);
	ino_t ino;
	int ret;

	if (!d)
		return -ENOMEM;
	ino = ns_file_ino(pid, "user");
	if (!ino) {
		pr_perror("Can't read the user namespace of task %d", pid);
		return -EIO;
	}
	if (ino == d->root_ino)
		return 0;
	/* what stays refused first: its own namespaces */
	ret = check_owned(d, pid);
	if (ret || nested_find(d, ino))
		return ret;
	return nested_add(dt, d, pid, ino);
}

const struct userns_maps *userns_nested_dump_maps(const struct dump_tree *dt, pid_t pid)
{
	const struct nested_one *one;

	if (!dt->ns.nested || !dt->ns.nested->nr)
		return NULL;
	one = nested_find(dt->ns.nested, ns_file_ino(pid, "user"));
	return one ? &one->maps : NULL;
}

/* The parent's id: the root's namespace or a nested one that has a task. */
static int parent_id(const struct dump_tree *dt, struct nested_one *one)
{
	const struct userns_nested_dump *d = dt->ns.nested;
	const struct nested_one *p;

	if (one->parent_ino == d->root_ino) {
		one->maps.parent = dt->ns.root[NS_USER];
		return 0;
	}
	p = nested_find(d, one->parent_ino);
	if (p) {
		one->maps.parent = p->id;
		return 0;
	}
	pr_err("The user namespace user:[%lu], parent of task %d's, has no task of the tree: "
	       "its maps can't be read; not supported\n",
	       (unsigned long)one->parent_ino, one->pid);
	return -EOPNOTSUPP;
}

int userns_nested_dump_deep_threads(struct dump_tree *dt, pid_t pid)
{
	struct userns_nested_dump *d = nested_get(dt);

	if (!d)
		return -ENOMEM;
	if (!d->deep_threads)
		d->deep_threads = pid;
	return 0;
}

int userns_nested_dump_write(const struct dump_tree *dt)
{
	struct userns_nested_dump *d = dt->ns.nested;
	size_t i;
	int ret = 0;

	/* their threads are cloned by ns_last_pid, which criu sets at two levels only */
	if (d && d->nr && d->deep_threads) {
		pr_err("Task %d has threads in a pid namespace below the tree's, and the tree has "
		       "tasks in nested user namespaces: restoring them is not supported yet\n",
		       d->deep_threads);
		return -EOPNOTSUPP;
	}

	for (i = 0; d && !ret && i < d->nr; i++) {
		ret = parent_id(dt, &d->ns[i]);
		ret = ret ?: userns_dump_write(dt->dfd, d->ns[i].id, &d->ns[i].maps);
	}
	return ret;
}

void userns_nested_dump_free(struct ns_ids *n)
{
	free(n->nested);
	n->nested = NULL;
}
