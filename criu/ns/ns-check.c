/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/ns-check.c - namespaces are not saved yet: a task that lives in (or will make its
 * children in) a namespace other than criu's own is refused, naming the task and the kind,
 * instead of being "restored" into criu's namespaces with none of its own state.
 * /proc/PID/ns/KIND names a namespace by its nsfs inode: two links to the same inode are the
 * same namespace.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "dump.h"
#include "log.h"
#include "ns.h"

struct ns_kind {
	const char *link;  /* under /proc/PID/ns/ */
	const char *what;  /* in the refusal */
	bool for_children; /* where its next children go, after unshare() */
};

static const struct ns_kind ns_kinds[] = {
	{ "pid", "pid", false },   { "pid_for_children", "pid", true },
	{ "mnt", "mount", false }, { "net", "network", false },
	{ "uts", "uts", false },   { "ipc", "ipc", false },
	{ "user", "user", false }, { "cgroup", "cgroup", false },
	{ "time", "time", false }, { "time_for_children", "time", true },
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

int ns_check_task(pid_t pid)
{
	struct stat mine, its;
	size_t i;
	int ret = 0, err;

	for (i = 0; i < sizeof(ns_kinds) / sizeof(ns_kinds[0]); i++) {
		const struct ns_kind *k = &ns_kinds[i];

		err = ns_stat(0, k->link, &mine);
		if (err == -ENOENT)
			continue; /* a kernel without this kind: nobody can be in another one */
		err = err ?: ns_stat(pid, k->link, &its);
		if (err) {
			pr_err("Can't read the %s namespace of task %d: %s\n", k->what, pid,
			       strerror(-err));
			return err;
		}
		if (mine.st_ino == its.st_ino && mine.st_dev == its.st_dev)
			continue;
		pr_err("Task %d %s a %s namespace other than criu's (%s:[%lu]): checkpointing "
		       "namespaces is not supported yet; run criu in the task's namespaces or dump "
		       "a tree that shares criu's\n",
		       pid, k->for_children ? "makes its children in" : "is in", k->what, k->link,
		       (unsigned long)its.st_ino);
		ret = -EOPNOTSUPP;
	}
	return ret;
}
