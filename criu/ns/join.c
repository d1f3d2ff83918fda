/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/join.c - --join-ns uts|ipc|time:PID|PATH at restore (RPC: criu_opts.join_ns). The
 * root is cloned in that existing namespace instead of a new one, and the images' content
 * of that kind (host name, SysV objects, clock offsets) is not restored: it is the joined
 * namespace's. criu enters each one just before the root's clone and goes back to its own
 * right after, as it does for a time namespace it makes (ns-restore.c). A network
 * namespace is joined by net/ns/netns.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "opts.h"
#include "ns.h"
#include "internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

enum { JOIN_UTS, JOIN_IPC, JOIN_TIME, NR_JOINS };

static const struct {
	const char *name;
	int flag;
} kinds[NR_JOINS] = {
	[JOIN_UTS] = { "uts", CLONE_NEWUTS },
	[JOIN_IPC] = { "ipc", CLONE_NEWIPC },
	[JOIN_TIME] = { "time", CLONE_NEWTIME },
};

/* the namespace to join and criu's own of the kind, while it is in the other */
static struct {
	int fd, own;
} joins[NR_JOINS] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };

/* KIND:PID is /proc/PID/ns/KIND; anything else a path (an nsfs file or a bind of one) */
static int open_ns(int kind, const char *what)
{
	char path[64];
	const char *p = what;
	char *end;
	long pid = strtol(what, &end, 10);
	int fd, type;

	if (!*end && pid > 0) {
		snprintf(path, sizeof(path), "/proc/%ld/ns/%s", pid, kinds[kind].name);
		p = path;
	}
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("--join-ns %s:%s: can't open %s", kinds[kind].name, what, p);
		return -ENOENT;
	}
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != kinds[kind].flag) {
		pr_err("--join-ns %s:%s: %s is not a %s namespace\n", kinds[kind].name, what, p,
		       kinds[kind].name);
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int nsjoin_prepare(const struct join_ns_opts *o)
{
	const char *given[NR_JOINS] = { o ? o->uts : NULL, o ? o->ipc : NULL, o ? o->time : NULL };
	int i, fd;

	for (i = 0; i < NR_JOINS; i++) {
		if (!given[i])
			continue;
		fd = open_ns(i, given[i]);
		if (fd < 0)
			return fd;
		joins[i].fd = fd;
		pr_info("The tree joins the %s namespace %s: its content is not restored\n",
			kinds[i].name, given[i]);
	}
	return 0;
}

bool nsjoin_any(void)
{
	int i;

	for (i = 0; i < NR_JOINS; i++)
		if (joins[i].fd >= 0)
			return true;
	return false;
}

/* CLONE_NEW* of the kinds joined: the root must not make those */
uint64_t nsjoin_flags(void)
{
	uint64_t flags = 0;
	int i;

	for (i = 0; i < NR_JOINS; i++)
		if (joins[i].fd >= 0)
			flags |= kinds[i].flag;
	return flags;
}

int nsjoin_before_root(void)
{
	char own[32];
	int i;

	for (i = 0; i < NR_JOINS; i++) {
		if (joins[i].fd < 0)
			continue;
		snprintf(own, sizeof(own), "/proc/self/ns/%s", kinds[i].name);
		joins[i].own = open(own, O_RDONLY | O_CLOEXEC);
		if (joins[i].own < 0 || setns(joins[i].fd, kinds[i].flag)) {
			pr_perror("Can't enter the %s namespace of --join-ns", kinds[i].name);
			return -EPERM;
		}
	}
	return 0;
}

/* criu's later children are in its own namespaces again */
void nsjoin_after_root(void)
{
	int i;

	for (i = 0; i < NR_JOINS; i++) {
		if (joins[i].own < 0)
			continue;
		if (setns(joins[i].own, kinds[i].flag))
			pr_perror("Can't go back to criu's own %s namespace", kinds[i].name);
		close(joins[i].own);
		joins[i].own = -1;
	}
}

void nsjoin_free(void)
{
	int i;

	nsjoin_after_root();
	for (i = 0; i < NR_JOINS; i++) {
		if (joins[i].fd >= 0)
			close(joins[i].fd);
		joins[i].fd = -1;
	}
}
