/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/pid-restore.c - the pids of a tree in its own pid namespace (pid-dump.c): ns-pids.img
 * read into a table, the set_tid levels of each clone3, and the translation of the images'
 * pids (criu's view) into the pids a task sees inside the namespace, for the calls a task
 * makes about another (waitpid, setpgid, kill, pidfd_open...). /proc is criu's (the tree
 * shares criu's mount namespace), so /proc/self names a task by its pid in criu's view.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "restore-ctx.h"
#include "ns.h"
#include "internal.h"

#include "ns-pids.pb-c.h"

struct rst_ns_pid {
	pid_t pid, inner;
};

struct rst_ns_pids {
	struct rst_ns_pid *v;
	size_t nr;
	dev_t criu_dev; /* criu's own pid namespace */
	ino_t criu_ino;
};

/* A pid no task can have: calls on it fail with ESRCH, never reach a group or everyone. */
#define NO_SUCH_PID INT_MAX

static int add_entry(struct rst_ns_pids *p, const NsPidsEntry *e)
{
	struct rst_ns_pid *v;

	if (e->n_ns_pid != 1 || !e->pid || e->pid > INT_MAX || !e->ns_pid[0] ||
	    e->ns_pid[0] > INT_MAX) {
		pr_err("ns-pids.img: pid %u has %zu levels below criu's (one is supported)\n",
		       e->pid, e->n_ns_pid);
		return -EINVAL;
	}
	v = realloc(p->v, (p->nr + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->v = v;
	v[p->nr].pid = e->pid;
	v[p->nr++].inner = e->ns_pid[0];
	return 0;
}

int rst_pidns_read(struct rst_ctx *ctx, struct rst_ns_pids **out)
{
	struct rst_ns_pids *p = calloc(1, sizeof(*p));
	struct cr_img *img;
	struct stat st;
	NsPidsEntry *e;
	int ret;

	if (!p)
		return -ENOMEM;
	if (stat("/proc/self/ns/pid", &st)) {
		pr_perror("Can't read criu's own pid namespace");
		free(p);
		return -errno;
	}
	p->criu_dev = st.st_dev;
	p->criu_ino = st.st_ino;
	img = open_image_at(ctx->dfd, CR_FD_NS_PIDS, O_RSTR, 0);
	if (!img) {
		pr_err("The tree has a pid namespace of its own but ns-pids.img can't be read: its "
		       "pids inside are not known\n");
		free(p);
		return -EIO;
	}
	while ((ret = pb_read_one_eof(img, &ns_pids_entry__descriptor, (ProtobufCMessage **)&e)) >
	       0) {
		ret = add_entry(p, e);
		ns_pids_entry__free_unpacked(e, NULL);
		if (ret)
			break;
	}
	close_image(img);
	if (ret) {
		rst_pidns_free(p);
		return ret;
	}
	*out = p;
	return 0;
}

void rst_pidns_free(struct rst_ns_pids *p)
{
	if (!p)
		return;
	free(p->v);
	free(p);
}

static const struct rst_ns_pid *find(const struct rst_ns_pids *p, pid_t pid)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (p->v[i].pid == pid)
			return &p->v[i];
	return NULL;
}

bool rst_pidns_has(const struct rst_ns_pids *p, pid_t pid)
{
	return find(p, pid) != NULL;
}

int rst_pid_levels(const struct rst_ctx *ctx, pid_t pid, pid_t *set_tid, int max)
{
	const struct rst_ns_pid *e;

	if (!ctx->ns || !ctx->ns->pids) {
		set_tid[0] = pid;
		return 1;
	}
	e = find(ctx->ns->pids, pid);
	if (!e || max < 2) {
		pr_err("Task %d has no pid in the tree's pid namespace (ns-pids.img)\n", pid);
		return -ENOENT;
	}
	set_tid[0] = e->inner;
	set_tid[1] = pid;
	return 2;
}

static bool in_criu_pidns(const struct rst_ns_pids *p)
{
	struct stat st;

	return !stat("/proc/self/ns/pid", &st) && st.st_ino == p->criu_ino &&
	       st.st_dev == p->criu_dev;
}

pid_t rst_pid_here(const struct rst_ctx *ctx, pid_t pid)
{
	const struct rst_ns_pid *e;

	if (!ctx->ns || !ctx->ns->pids || pid <= 0 || in_criu_pidns(ctx->ns->pids))
		return pid;
	e = find(ctx->ns->pids, pid);
	return e ? e->inner : NO_SUCH_PID;
}

/* The task's pid in criu's view, noted with the pid it has here (its own, not a child's). */
static pid_t noted_pid, noted_here;

void rst_note_own_pid(pid_t pid)
{
	noted_pid = pid;
	noted_here = getpid();
}

pid_t rst_own_pid(void)
{
	char buf[32];
	ssize_t n;

	/* in a restored mount namespace, /proc is the tree's: its "self" is the inner pid */
	if (noted_pid && noted_here == getpid())
		return noted_pid;
	n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n <= 0)
		return getpid();
	buf[n] = 0;
	return atoi(buf);
}

/*
 * In the root, first thing in its new pid namespace: anything made there without set_tid
 * (a helper thread of criu's code in a task) would take the lowest free pid, one a task or
 * thread of the tree is about to be given. The namespace's next pid goes above them all.
 */
int rst_pidns_reserve(const struct rst_ctx *ctx)
{
	const struct rst_ns_pids *p = ctx->ns ? ctx->ns->pids : NULL;
	pid_t top = 0;
	char val[16];
	size_t i;

	if (!p)
		return 0;
	for (i = 0; i < p->nr; i++)
		if (p->v[i].inner > top)
			top = p->v[i].inner;
	snprintf(val, sizeof(val), "%d", top);
	return ns_write_sysctl("/proc/sys/kernel/ns_last_pid", val);
}
