/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/pid-dump.c - a tree whose root is the init of its own pid namespace. As in CRIU, the
 * images name each task by its pid in that namespace (the root is pid 1, core-1.img), and
 * so do the pid fields of pstree.img and of the other images (file owners, terminals'
 * sessions, timers' threads). ns-pids.img (ours) adds, for every task and thread, its pid
 * in criu's namespace and at every level below it (NSpid), which restore sets with clone3's
 * set_tid. The root must be its namespace's init, one level below criu's; tasks of nested
 * namespaces below it are saved when each nested namespace's init is the child of the task
 * that made it (check_nesting()). Groups and sessions must be led by
 * tasks of the tree: a leader that is gone has no pid known inside the namespace for
 * restore to give its helper.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "compel/infect.h"
#include "dump.h"
#include "image.h"
#include "log.h"
#include "proc-status.h"
#include "threads.h"
#include "ns.h"
#include "internal.h"

#include "ns-pids.pb-c.h"

/* criu's level and the tree's */
#define PIDNS_LEVELS 2
#define NSPID_MAX    33

/* One task or thread: NSpid, criu's level first; lv[root_level] names it in the images. */
struct dump_pid {
	pid_t lv[NSPID_MAX];
	int nr;
	bool children_below; /* a task whose pid_for_children is not its own pid namespace */
};

struct dump_pid_map {
	struct dump_pid *v;
	size_t nr;
	int root_level; /* of the tree's root: 1 in its own pid namespace, 0 in criu's */
};

int pidns_dump_check_root(pid_t root)
{
	pid_t nspid[NSPID_MAX];
	int n;

	n = parse_proc_nspid(root, 0, nspid, NSPID_MAX);
	if (n < 0)
		return n;
	if (n > PIDNS_LEVELS) {
		pr_err("Task %d is in a pid namespace %d levels below criu's: only a tree whose "
		       "pid namespace is a child of criu's is supported (run criu in the parent "
		       "of the tree's pid namespace)\n",
		       root, n - 1);
		return -EOPNOTSUPP;
	}
	if (n == PIDNS_LEVELS && nspid[1] != 1) {
		pr_err("Task %d is pid %d of its pid namespace, not its init: dump the whole "
		       "namespace from its init (pid 1)\n",
		       root, nspid[1]);
		return -EOPNOTSUPP;
	}
	return 0;
}

static const struct dump_pid *find_criu_pid(const struct dump_tree *dt, pid_t pid)
{
	const struct dump_pid_map *m = dt->ns.pids;
	size_t i;

	for (i = 0; m && i < m->nr; i++)
		if (m->v[i].lv[0] == pid)
			return &m->v[i];
	return NULL;
}

static int map_one(struct dump_pid_map *m, pid_t pid, pid_t tid)
{
	struct dump_pid *p;

	p = &m->v[m->nr];
	p->children_below = false;
	p->nr = parse_proc_nspid(pid, tid, p->lv, NSPID_MAX);
	if (p->nr < 0)
		return p->nr;
	if (p->nr <= m->root_level) {
		pr_err("Task %d (thread %d) is not in its tree's pid namespace\n", pid, tid);
		return -EOPNOTSUPP;
	}
	m->nr++;
	return 0;
}

static int map_task(struct dump_pid_map *m, struct dump_ctx *dc)
{
	size_t i, nr = 1;
	uint32_t *tids = NULL;
	struct dump_pid *v;
	int ret;

	if (dc->seize_state != COMPEL_TASK_ZOMBIE && dc->thr) {
		tids = threads_ids(dc, &nr); /* the leader first */
		if (!tids)
			return -ENOMEM;
	}
	v = realloc(m->v, (m->nr + nr) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->v = v;
	for (i = 0; i < nr; i++) {
		ret = map_one(m, dc->pid, i ? (pid_t)tids[i] : 0);
		if (ret)
			return ret;
	}
	dc->img_pid = m->v[m->nr - nr].lv[m->root_level];
	if (dc->seize_state == COMPEL_TASK_ZOMBIE)
		return 0;
	ret = ns_is_same(dc->pid, "pid", dc->pid, "pid_for_children");
	if (ret < 0)
		return ret;
	m->v[m->nr - nr].children_below = !ret;
	return 0;
}

/*
 * A task in a pid namespace below its parent's is the init of a namespace its parent made,
 * one level down (clone with CLONE_NEWPID, or unshare then fork): restore makes it so. The
 * other tasks of a nested namespace descend from its init.
 */
static int check_nesting(const struct dump_tree *dt, const struct dump_ctx *dc)
{
	const struct dump_pid *c = find_criu_pid(dt, dc->pid), *p = find_criu_pid(dt, dc->ppid);

	if (!dc->ppid || !c || !p || c->nr == p->nr)
		return 0;
	if (c->nr == p->nr + 1 && c->lv[c->nr - 1] == 1)
		return 0;
	pr_err("Task %d is in a pid namespace below its parent's (task %d) as pid %d, not as "
	       "its init: only the init of a nested pid namespace may be a child of a task "
	       "outside it (not supported yet)\n",
	       dc->pid, dc->ppid, c->lv[c->nr - 1]);
	return -EOPNOTSUPP;
}

/* unshare(CLONE_NEWPID) done: the namespace's init must be a child, restore makes it first */
static int check_children_below(const struct dump_tree *dt, const struct dump_ctx *dc)
{
	const struct dump_pid *p = find_criu_pid(dt, dc->pid);
	size_t i;
	int ret;

	if (!p || !p->children_below)
		return 0;
	for (i = 0; i < dt->nr_tasks; i++) {
		if (dt->tasks[i]->ppid != dc->pid ||
		    dt->tasks[i]->seize_state == COMPEL_TASK_ZOMBIE)
			continue;
		ret = ns_is_same(dt->tasks[i]->pid, "pid", dc->pid, "pid_for_children");
		if (ret)
			return ret < 0 ? ret : 0;
	}
	pr_err("Task %d makes its children in a pid namespace below its own, in which none of "
	       "them is (its init is gone, or none was made yet): not supported yet\n",
	       dc->pid);
	return -EOPNOTSUPP;
}

/* In a tree in criu's pid namespace: does a task live or make children in one below? 1 or 0 */
static int has_nested(const struct dump_tree *dt)
{
	static const char *const links[] = { "pid", "pid_for_children" };
	size_t i, k;
	int own;

	for (i = 0; i < dt->nr_tasks; i++) {
		if (dt->tasks[i]->seize_state == COMPEL_TASK_ZOMBIE)
			continue;
		for (k = 0; k < 2; k++) {
			own = ns_is_criu_own(dt->tasks[i]->pid, links[k]);
			if (own <= 0)
				return own < 0 ? own : 1;
		}
	}
	return 0;
}

/* After the seize: every task's and thread's pids at each level, read once. */
int pidns_dump_map(struct dump_tree *dt, bool own)
{
	struct dump_pid_map *m;
	size_t i;
	int ret = own ? 1 : has_nested(dt);

	if (ret <= 0)
		return ret; /* no pid namespace but criu's: the pids are criu's */
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->root_level = own ? 1 : 0;
	ret = 0;
	dt->ns.pids = m;
	for (i = 0; !ret && i < dt->nr_tasks; i++)
		ret = map_task(m, dt->tasks[i]);
	for (i = 0; !ret && i < dt->nr_tasks; i++)
		ret = check_nesting(dt, dt->tasks[i]) ?: check_children_below(dt, dt->tasks[i]);
	return ret;
}

void pidns_dump_unmap(struct dump_tree *dt)
{
	if (!dt->ns.pids)
		return;
	free(dt->ns.pids->v);
	free(dt->ns.pids);
	dt->ns.pids = NULL;
}

pid_t ns_dump_img_pid(const struct dump_tree *dt, pid_t pid)
{
	const struct dump_pid *p;

	if (!dt->ns.pids || pid <= 0)
		return pid;
	p = find_criu_pid(dt, pid);
	if (p)
		return p->lv[dt->ns.pids->root_level];
	if (!dt->ns.pids->root_level)
		return pid; /* a process outside the tree, in criu's namespace as the tree */
	pr_warn("pid %d is no task of the tree: it has no pid in the tree's pid namespace\n", pid);
	return 0;
}

static bool in_tree(const struct dump_tree *dt, pid_t pid)
{
	size_t i;

	for (i = 0; i < dt->nr_tasks; i++)
		if (dt->tasks[i]->pid == pid)
			return true;
	return false;
}

/*
 * A shell job's session and group, outside the tree (`unshare -p -f` started from a shell):
 * they have no pid in the tree's namespace, and restore puts the tree into criu's instead.
 */
static bool shell_job_leader(const struct dump_tree *dt, pid_t pid)
{
	const struct proc_stat *root = &dt->tasks[0]->stat;

	return dt->opts->shell_job && (pid == root->sid || pid == root->pgid) && !in_tree(dt, pid);
}

static int check_leaders(const struct dump_tree *dt, const struct dump_ctx *dc)
{
	if ((in_tree(dt, dc->stat.pgid) || shell_job_leader(dt, dc->stat.pgid)) &&
	    (in_tree(dt, dc->stat.sid) || shell_job_leader(dt, dc->stat.sid)))
		return 0;
	pr_err("Task %d: its process group %d or session %d is led by a task outside the tree "
	       "or gone, which has no pid in the tree's pid namespace (other than the root's "
	       "own with --shell-job): not supported yet\n",
	       dc->pid, dc->stat.pgid, dc->stat.sid);
	return -EOPNOTSUPP;
}

/* pid: criu's view; ns_pid: every level below, outermost first (none: not written) */
static int write_one(struct cr_img *img, const struct dump_pid *p)
{
	NsPidsEntry e = NS_PIDS_ENTRY__INIT;
	uint32_t lv[NSPID_MAX];
	int i;

	if (p->nr < 2)
		return 0;
	for (i = 1; i < p->nr; i++)
		lv[i - 1] = p->lv[i];
	e.pid = p->lv[0];
	e.n_ns_pid = p->nr - 1;
	e.ns_pid = lv;
	e.has_children_below = p->children_below;
	e.children_below = p->children_below;
	return pb_write_one(img, &e.base);
}

int pidns_dump_write(struct dump_tree *dt)
{
	const struct dump_pid_map *m = dt->ns.pids;
	struct cr_img *img;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && m->root_level && i < dt->nr_tasks; i++)
		ret = check_leaders(dt, dt->tasks[i]);
	if (ret)
		return ret;
	img = open_image_at(dt->dfd, CR_FD_NS_PIDS, O_DUMP, 0);
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < m->nr; i++)
		ret = write_one(img, &m->v[i]);
	return close_image(img) ?: ret;
}
