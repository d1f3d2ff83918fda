/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/ns-check.c - which namespaces a task may be in. pid, uts, ipc, time, mount, cgroup and
 * user namespaces are saved when they are the tree root's (ns.h), and so are network namespaces
 * (net/ns/): every task must share the root's and make its children in its own (no nested
 * time namespace; nested pid namespaces below the root's own are pid-dump.c's to check); a
 * mount namespace of a task's own is saved too when the root has one (ns/mnt-nested.c), and
 * a network namespace other than criu's when the root has one (net/ns/others.c).
 * User namespaces are saved when they are the root's (userns-*.c). A task in any other shape is
 * refused, naming the task and the kind. /proc/PID/ns/KIND names a namespace by its nsfs inode: two
 * links to the same inode are the same namespace.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dump.h"
#include "log.h"
#include "netns.h"
#include "ns.h"
#include "internal.h"

struct ns_kind {
	const char *link;     /* under /proc/PID/ns/ */
	const char *what;     /* in the refusal */
	const char *own_link; /* for children: the task's own namespace of this kind */
	bool nests;	      /* below the root's own, pid-dump.c checks the shape */
};

static const struct ns_kind ns_kinds[] = {
	{ "pid", "pid", NULL, true },	 { "pid_for_children", "pid", "pid", true },
	{ "mnt", "mount", NULL, false }, { "net", "network", NULL, false },
	{ "uts", "uts", NULL, false },	 { "ipc", "ipc", NULL, false },
	{ "user", "user", NULL, false }, { "cgroup", "cgroup", NULL, false },
	{ "time", "time", NULL, false }, { "time_for_children", "time", "time", false },
};

/* The namespace of kind link of pid (0: criu itself) into st; 0, -ENOENT or -errno. */
static int ns_stat(pid_t pid, const char *link, struct stat *st)
{
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, link);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", link);
	return stat(path, st) ? -errno : 0;
}

static bool same_ns(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev;
}

int ns_is_same(pid_t a, const char *link_a, pid_t b, const char *link_b)
{
	struct stat sa, sb;
	int ret;

	ret = ns_stat(a, link_a, &sa) ?: ns_stat(b, link_b, &sb);
	if (ret) {
		pr_err("Can't read the %s namespace of task %d or the %s one of task %d: %s\n",
		       link_a, a, link_b, b, strerror(-ret));
		return ret;
	}
	return same_ns(&sa, &sb);
}

int ns_is_criu_own(pid_t pid, const char *link)
{
	struct stat mine, its;
	int ret;

	ret = ns_stat(0, link, &mine);
	if (ret == -ENOENT)
		return 1; /* a kernel without this kind: nobody can be in another one */
	ret = ret ?: ns_stat(pid, link, &its);
	if (ret) {
		pr_err("Can't read the %s namespace of task %d: %s\n", link, pid, strerror(-ret));
		return ret;
	}
	return same_ns(&mine, &its);
}

static void refuse(pid_t pid, pid_t root, const struct ns_kind *k, const struct stat *its)
{
	if (k->own_link)
		pr_err("Task %d makes its children in a %s namespace other than its own "
		       "(%s:[%lu]): "
		       "nested %s namespaces are not supported yet\n",
		       pid, k->what, k->link, (unsigned long)its->st_ino, k->what);
	else
		pr_err("Task %d is in a %s namespace other than its tree root's (task %d; "
		       "%s:[%lu]): "
		       "a tree in several %s namespaces is not supported yet\n",
		       pid, k->what, root, k->link, (unsigned long)its->st_ino, k->what);
}

/*
 * A mount namespace other than the root's is saved when the root's is (mnt-nested.c); so is a
 * network namespace other than the root's and criu's (net/ns/others.c).
 */
static bool nested_ok(const struct ns_kind *k, pid_t pid, pid_t root)
{
	if (!strcmp(k->link, "mnt"))
		return ns_is_criu_own(root, "mnt") == 0;
	/* criu may be in a namespace of the tree by now: its own is netns.c's to tell */
	if (!strcmp(k->link, "net"))
		return netns_dump_is_other(pid);
	/* below the root's: userns-nested-dump.c checks the shape */
	if (!strcmp(k->link, "user"))
		return true;
	return false;
}

int ns_check_task(pid_t pid, pid_t root)
{
	struct stat ref, its;
	int ret = 0, err;
	size_t i;

	for (i = 0; i < sizeof(ns_kinds) / sizeof(ns_kinds[0]); i++) {
		const struct ns_kind *k = &ns_kinds[i];

		if (k->nests)
			continue; /* nested pid namespaces: pid-dump.c checks their shape */

		if (k->own_link)
			err = ns_stat(pid, k->own_link, &ref);
		else
			err = ns_stat(root, k->link, &ref);
		err = err ?: ns_stat(pid, k->link, &its);
		if (err == -ENOENT && ns_stat(0, k->link, &ref) == -ENOENT)
			continue;
		if (err) {
			pr_err("Can't read the %s namespace of task %d: %s\n", k->what, pid,
			       strerror(-err));
			return err;
		}
		if (same_ns(&ref, &its) || nested_ok(k, pid, root))
			continue;
		refuse(pid, root, k, &its);
		ret = -EOPNOTSUPP;
	}
	return ret;
}
