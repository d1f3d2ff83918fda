/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/pid-restore.c - the pids of a tree in its own pid namespace (pid-dump.c).
 *
 * The images name tasks by their pid in the tree's namespace (CRIU's way, the root is pid
 * 1), or, in sets of ours older than that, by their pid in criu's. read_pstree() hands the
 * pstree here first: its pids are turned into criu's view, which the rest of the restore
 * works in, with the table of ns-pids.img (criu's pid and the pids below it of every task
 * and thread). A set CRIU wrote has no ns-pids.img: CRIU gives the tasks whatever pid the
 * kernel picks in criu's namespace, so criu picks free ones here. The table then gives the
 * set_tid levels of each clone3, the images' names (rst_img_pid()), the images' pid fields
 * in criu's view (rst_pid_from_img()), and criu's view as a task sees it (rst_pid_here()).
 * Nested pid namespaces (below the tree's, or below criu's for a tree in criu's): a task
 * with more levels than its parent is the init of a namespace its parent made, cloned with
 * CLONE_NEWPID; a task absent from the table is in criu's namespace (level 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "proc-parse.h"
#include "restore-ctx.h"
#include "ns.h"
#include "internal.h"

#include "ns-pids.pb-c.h"

#define NSPID_LEVELS 32 /* below criu's: the kernel nests 32 pid namespaces at most */

struct rst_ns_pid {
	pid_t pid;		/* criu's view */
	pid_t lv[NSPID_LEVELS]; /* below criu's, outermost first: lv[0] is the tree's */
	int nr;
	bool children_below; /* its children go to a pid namespace below its own */
};

struct rst_ns_pids {
	struct rst_ns_pid *v;
	size_t nr;
	bool img_inner; /* the images name tasks by lv[0] (CRIU's way), not by pid */
	dev_t criu_dev; /* criu's own pid namespace */
	ino_t criu_ino;
};

/* A pid no task can have: calls on it fail with ESRCH, never reach a group or everyone. */
#define NO_SUCH_PID INT_MAX

static struct rst_ns_pid *add_pid(struct rst_ns_pids *p)
{
	struct rst_ns_pid *v = realloc(p->v, (p->nr + 1) * sizeof(*v));

	if (!v)
		return NULL;
	p->v = v;
	v = &v[p->nr++];
	v->nr = 0;
	v->children_below = false;
	return v;
}

static int add_entry(struct rst_ns_pids *p, const NsPidsEntry *e)
{
	struct rst_ns_pid *v;
	size_t i;

	if (!e->n_ns_pid || e->n_ns_pid > NSPID_LEVELS || !e->pid || e->pid > INT_MAX)
		goto bad;
	for (i = 0; i < e->n_ns_pid; i++)
		if (!e->ns_pid[i] || e->ns_pid[i] > INT_MAX)
			goto bad;
	v = add_pid(p);
	if (!v)
		return -ENOMEM;
	v->pid = e->pid;
	v->children_below = e->has_children_below && e->children_below;
	for (i = 0; i < e->n_ns_pid; i++)
		v->lv[v->nr++] = e->ns_pid[i];
	return 0;
bad:
	pr_err("ns-pids.img: bad entry for pid %u (%zu levels)\n", e->pid, e->n_ns_pid);
	return -EINVAL;
}

static int read_table(struct rst_ns_pids *p, struct cr_img *img)
{
	NsPidsEntry *e;
	int ret;

	while ((ret = pb_read_one_eof(img, &ns_pids_entry__descriptor, (ProtobufCMessage **)&e)) >
	       0) {
		ret = add_entry(p, e);
		ns_pids_entry__free_unpacked(e, NULL);
		if (ret)
			break;
	}
	return ret;
}

static const struct rst_ns_pid *find(const struct rst_ns_pids *p, pid_t pid)
{
	size_t i;

	for (i = 0; p && i < p->nr; i++)
		if (p->v[i].pid == pid)
			return &p->v[i];
	return NULL;
}

static const struct rst_ns_pid *find_inner(const struct rst_ns_pids *p, pid_t inner)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (p->v[i].lv[0] == inner)
			return &p->v[i];
	return NULL;
}

/* The first pid of criu's namespace from *next on that no task holds and the table lacks. */
static int next_free_outer(const struct rst_ns_pids *p, pid_t inner, pid_t *next, pid_t *out)
{
	char path[32];

	for (;; (*next)++) {
		if (*next >= INT_MAX / 2) {
			pr_err("No free pid in criu's pid namespace for task %d\n", inner);
			return -EAGAIN;
		}
		snprintf(path, sizeof(path), "/proc/%d", *next);
		if (access(path, F_OK) && errno == ENOENT && !find(p, *next))
			break;
	}
	*out = (*next)++;
	return 0;
}

/* Where to look for free pids: well above the last one given, which the next forks take. */
static pid_t first_free_guess(void)
{
	int64_t last = 0, max = 0;

	if (!read_proc_number("/proc/sys/kernel/ns_last_pid", 0, INT_MAX, &last) &&
	    !read_proc_number("/proc/sys/kernel/pid_max", 0, INT_MAX, &max) &&
	    last + 10000 < max / 2)
		return last + 10000;
	return 300; /* above the pids the kernel's own threads take at boot */
}

/* A CRIU set: a free pid of criu's namespace for each task and thread, above the last used. */
static int pick_outer(struct rst_ns_pids *p, pid_t inner, pid_t *next)
{
	struct rst_ns_pid *v;
	pid_t pid;
	int ret;

	ret = next_free_outer(p, inner, next, &pid);
	if (ret)
		return ret;
	v = add_pid(p);
	if (!v)
		return -ENOMEM;
	v->pid = pid;
	v->lv[0] = inner;
	v->nr = 1;
	pr_info("Task %d of the tree's pid namespace gets pid %d in criu's\n", inner, v->pid);
	return 0;
}

static int pick_all_outer(struct rst_ns_pids *p, const struct rst_ctx *ctx)
{
	pid_t next = first_free_guess();
	size_t i, j;
	int ret = 0;

	for (i = 0; !ret && i < ctx->nr_pstree; i++) {
		const PstreeEntry *e = ctx->pstree[i];

		ret = find_inner(p, e->pid) ? 0 : pick_outer(p, e->pid, &next);
		for (j = 0; !ret && j < e->n_threads; j++)
			if (!find_inner(p, e->threads[j]))
				ret = pick_outer(p, e->threads[j], &next);
	}
	return ret;
}

/*
 * A tree in a pid namespace of its own sees its pids inside only, which are kept: where a
 * live task took its pid in criu's namespace since the dump (pids are reused, the set may
 * come from another host), it gets a free one there instead, as a CRIU set's tasks do,
 * rather than failing the restore.
 */
static int repick_taken_outer(struct rst_ns_pids *p)
{
	pid_t next = first_free_guess(), pid;
	char comm[32];
	size_t i;
	int ret;

	for (i = 0; i < p->nr; i++) {
		struct rst_ns_pid *v = &p->v[i];

		if (!rst_pid_held_live(v->pid, comm, sizeof(comm)))
			continue;
		ret = next_free_outer(p, v->lv[0], &next, &pid);
		if (ret)
			return ret;
		pr_warn("Pid %d in criu's pid namespace (task %d of the tree's) is taken by a "
			"running task (%s): it gets %d there instead\n",
			v->pid, v->lv[0], comm, pid);
		v->pid = pid;
	}
	return 0;
}

static int to_outer(const struct rst_ns_pids *p, uint32_t *pid, const char *what)
{
	const struct rst_ns_pid *v;

	if (!*pid)
		return 0;
	v = find_inner(p, *pid);
	if (!v) {
		pr_err("pstree.img: %s %u has no pid in criu's namespace in ns-pids.img\n", what,
		       *pid);
		return -EINVAL;
	}
	*pid = v->pid;
	return 0;
}

static int pstree_to_outer(const struct rst_ctx *ctx, const struct rst_ns_pids *p)
{
	size_t i, j;
	int ret = 0;

	for (i = 0; !ret && i < ctx->nr_pstree; i++) {
		PstreeEntry *e = ctx->pstree[i];

		ret = to_outer(p, &e->pid, "task") ?: to_outer(p, &e->ppid, "parent");
		ret = ret ?: to_outer(p, &e->pgid, "group") ?: to_outer(p, &e->sid, "session");
		for (j = 0; !ret && j < e->n_threads; j++)
			ret = to_outer(p, &e->threads[j], "thread");
	}
	return ret;
}

static int criu_pidns(struct rst_ns_pids *p)
{
	struct stat st;

	if (stat("/proc/self/ns/pid", &st)) {
		pr_perror("Can't read criu's own pid namespace");
		return -errno;
	}
	p->criu_dev = st.st_dev;
	p->criu_ino = st.st_ino;
	return 0;
}

/*
 * The root of pstree.img is pid 1 in a set that names tasks by their pids in the tree's
 * namespace (CRIU's and ours now); an older set of ours names it by its pid in criu's.
 */
int rst_pidns_read_pstree(struct rst_ctx *ctx)
{
	bool inner = ctx->pstree[0]->pid == 1;
	struct rst_ns_pids *p;
	struct cr_img *img;
	int ret;

	img = open_image_optional(ctx->dfd, CR_FD_NS_PIDS, 0);
	if (!img && (errno != ENOENT || !inner))
		return errno == ENOENT ? 0 : -EIO;
	p = calloc(1, sizeof(*p));
	if (!p) {
		close_image(img);
		return -ENOMEM;
	}
	ctx->pids = p;
	p->img_inner = inner;
	ret = criu_pidns(p);
	if (!ret && img)
		ret = read_table(p, img);
	if (img)
		close_image(img);
	if (!ret && !img)
		ret = pick_all_outer(p, ctx);
	else if (!ret && inner)
		ret = repick_taken_outer(p);
	if (!ret && inner)
		ret = pstree_to_outer(ctx, p);
	return ret;
}

void rst_pidns_free(struct rst_ns_pids *p)
{
	if (!p)
		return;
	free(p->v);
	free(p);
}

bool rst_pidns_has(const struct rst_ns_pids *p, pid_t pid)
{
	return find(p, pid) != NULL;
}

pid_t rst_img_pid(const struct rst_ctx *ctx, pid_t pid)
{
	const struct rst_ns_pid *e;

	if (!ctx->pids || !ctx->pids->img_inner)
		return pid;
	e = find(ctx->pids, pid);
	return e ? e->lv[0] : pid;
}

pid_t rst_pid_from_img(const struct rst_ctx *ctx, pid_t pid)
{
	const struct rst_ns_pid *e;

	if (!ctx->pids || !ctx->pids->img_inner || pid <= 0)
		return pid;
	e = find_inner(ctx->pids, pid);
	return e ? e->pid : NO_SUCH_PID;
}

/* Levels below criu's of pid: 0 for a task in criu's pid namespace (no entry), or others. */
static int level_of(const struct rst_ns_pids *p, pid_t pid)
{
	const struct rst_ns_pid *e = find(p, pid);

	return e ? e->nr : 0;
}

int rst_pid_levels(const struct rst_ctx *ctx, pid_t pid, pid_t *set_tid, int max)
{
	const struct rst_ns_pid *e = find(ctx->pids, pid);
	int i;

	if (!e) {
		if (ctx->ns && ctx->ns->pids) {
			pr_err("Task %d has no pid in the tree's pid namespace (ns-pids.img)\n",
			       pid);
			return -ENOENT;
		}
		set_tid[0] = pid; /* in criu's pid namespace */
		return 1;
	}
	if (max < e->nr + 1) {
		pr_err("Task %d is %d pid namespaces below criu's: too deep\n", pid, e->nr);
		return -EINVAL;
	}
	for (i = 0; i < e->nr; i++)
		set_tid[i] = e->lv[e->nr - 1 - i];
	set_tid[e->nr] = pid;
	return e->nr + 1;
}

static bool in_criu_pidns(const struct rst_ns_pids *p)
{
	struct stat st;

	return !stat("/proc/self/ns/pid", &st) && st.st_ino == p->criu_ino &&
	       st.st_dev == p->criu_dev;
}

/* The caller's level; a process of the restore outside the table is in the tree's own. */
static int caller_level(const struct rst_ctx *ctx)
{
	const struct rst_ns_pid *me = find(ctx->pids, rst_own_pid());

	if (me)
		return me->nr;
	return ctx->ns && ctx->ns->pids ? 1 : 0;
}

/*
 * A task sees the tasks of its own namespace and of those below it, by their pid at its
 * level; the tasks of the tree are in the tree's namespace or below it (a nested one).
 */
pid_t rst_pid_here(const struct rst_ctx *ctx, pid_t pid)
{
	const struct rst_ns_pid *e;
	int level;

	if (!ctx->pids || pid <= 0 || in_criu_pidns(ctx->pids))
		return pid;
	level = caller_level(ctx);
	if (!level)
		return pid;
	e = find(ctx->pids, pid);
	return e && e->nr >= level ? e->lv[level - 1] : NO_SUCH_PID;
}

bool rst_pid_visible(const struct rst_ctx *ctx, pid_t pid)
{
	if (!ctx->pids || in_criu_pidns(ctx->pids))
		return true;
	return level_of(ctx->pids, pid) >= caller_level(ctx);
}

bool rst_pid_new_ns(const struct rst_ctx *ctx, const struct rst_task *t)
{
	if (!ctx->pids || !t->pstree->ppid)
		return false;
	return level_of(ctx->pids, t->pid) > level_of(ctx->pids, t->pstree->ppid);
}

/*
 * After its children are made: a task that made its children in a pid namespace below its
 * own goes on making them there (pid_for_children), as before the dump. Its child that is
 * that namespace's init was cloned with CLONE_NEWPID; the task joins it for its children.
 */
int rst_pid_children_ns(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const struct rst_ns_pid *e = find(ctx->pids, t->pid);
	size_t i;
	int fd;

	if (!e || !e->children_below)
		return 0;
	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *c = &ctx->tasks[i];

		if ((pid_t)c->pstree->ppid != t->pid || !rst_pid_new_ns(ctx, c))
			continue;
		fd = syscall(SYS_pidfd_open, rst_pid_here(ctx, c->pid), 0);
		if (fd < 0 || setns(fd, CLONE_NEWPID)) {
			pr_perror("Task %d can't make its children in the pid namespace of its "
				  "child %d again",
				  t->pid, c->pid);
			if (fd >= 0)
				close(fd);
			return -EPERM;
		}
		close(fd);
		return 0;
	}
	pr_err("Task %d made its children in a pid namespace below its own, but none of them is "
	       "its init in the images\n",
	       t->pid);
	return -EINVAL;
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

/* The highest pid of the tree's tasks and threads at a level below criu's (1: the tree's). */
static pid_t top_pid_at(const struct rst_ns_pids *p, int level)
{
	pid_t top = 0;
	size_t i;

	for (i = 0; i < p->nr; i++)
		if (p->v[i].nr >= level && p->v[i].lv[level - 1] > top)
			top = p->v[i].lv[level - 1];
	return top;
}

/*
 * In the init of a pid namespace, first thing in it: anything made there without set_tid (a
 * helper thread of criu's code in a task) would take the lowest free pid, one a task or
 * thread of the tree is about to be given. The namespace's next pid goes above them all.
 * For a nested namespace the top is taken over every namespace of its level: more than
 * needed where there are siblings, which costs nothing.
 */
static int reserve_level(const struct rst_ns_pids *p, int level)
{
	char val[16];

	snprintf(val, sizeof(val), "%d", top_pid_at(p, level));
	return ns_write_sysctl("/proc/sys/kernel/ns_last_pid", val);
}

int rst_pidns_reserve(const struct rst_ctx *ctx)
{
	const struct rst_ns_pids *p = ctx->ns ? ctx->ns->pids : NULL;

	return p ? reserve_level(p, 1) : 0;
}

int rst_pidns_reserve_nested(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const struct rst_ns_pids *p = ctx->ns ? ctx->ns->pids : NULL;

	if (!p || !rst_pid_new_ns(ctx, t))
		return 0;
	return reserve_level(p, level_of(p, t->pid));
}
