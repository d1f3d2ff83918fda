/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/pid-dump.c - a tree whose root is the init of its own pid namespace. The images name
 * each task by its pid in criu's namespace, as for any tree; ns-pids.img (ours) adds, for
 * every task and thread, its pid in the tree's namespace (NSpid), which restore sets with
 * clone3's set_tid at both levels. One level only: a root deeper below criu's namespace,
 * or a task making children in a namespace of its own (ns-check.c), is refused. Groups
 * and sessions must be led by tasks of the tree: a leader that is gone has no pid known
 * inside the namespace for restore to give its helper.
 */
#include <errno.h>
#include <fcntl.h>

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

static bool in_tree(const struct dump_tree *dt, pid_t pid)
{
	size_t i;

	for (i = 0; i < dt->nr_tasks; i++)
		if (dt->tasks[i]->pid == pid)
			return true;
	return false;
}

static int check_leaders(const struct dump_tree *dt, const struct dump_ctx *dc)
{
	if (in_tree(dt, dc->stat.pgid) && in_tree(dt, dc->stat.sid))
		return 0;
	pr_err("Task %d: its process group %d or session %d is led by a task outside the tree "
	       "or gone, which has no pid in the tree's pid namespace: not supported yet\n",
	       dc->pid, dc->stat.pgid, dc->stat.sid);
	return -EOPNOTSUPP;
}

static int write_one(struct cr_img *img, pid_t pid, pid_t tid)
{
	NsPidsEntry e = NS_PIDS_ENTRY__INIT;
	pid_t nspid[NSPID_MAX];
	uint32_t inner;
	int n;

	n = parse_proc_nspid(pid, tid, nspid, NSPID_MAX);
	if (n < 0)
		return n;
	if (n != PIDNS_LEVELS) {
		pr_err("Task %d (thread %d) is not in its tree's pid namespace\n", pid, tid);
		return -EOPNOTSUPP;
	}
	inner = nspid[1];
	e.pid = tid ? tid : pid;
	e.n_ns_pid = 1;
	e.ns_pid = &inner;
	pr_debug("pid %u is %u in the tree's pid namespace\n", e.pid, inner);
	return pb_write_one(img, &e.base);
}

static int write_task(struct cr_img *img, const struct dump_tree *dt, struct dump_ctx *dc)
{
	uint32_t *tids;
	size_t i, nr = 0;
	int ret;

	ret = check_leaders(dt, dc);
	if (ret)
		return ret;
	if (dc->seize_state == COMPEL_TASK_ZOMBIE)
		return write_one(img, dc->pid, 0);
	tids = threads_ids(dc, &nr); /* the leader first */
	if (!tids)
		return -ENOMEM;
	for (i = 0; !ret && i < nr; i++)
		ret = write_one(img, dc->pid, i ? (pid_t)tids[i] : 0);
	return ret;
}

int pidns_dump_write(struct dump_tree *dt)
{
	struct cr_img *img;
	size_t i;
	int ret = 0;

	img = open_image_at(dt->dfd, CR_FD_NS_PIDS, O_DUMP, 0);
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < dt->nr_tasks; i++)
		ret = write_task(img, dt, dt->tasks[i]);
	return close_image(img) ?: ret;
}

pid_t ns_dump_pid_outside(const struct dump_tree *dt, pid_t inner)
{
	pid_t nspid[NSPID_MAX];
	size_t i;

	if (!(dt->ns.root_own & NS_BIT(NS_PID)) || inner <= 0)
		return inner;
	for (i = 0; i < dt->nr_tasks; i++)
		if (parse_proc_nspid(dt->tasks[i]->pid, 0, nspid, NSPID_MAX) == PIDNS_LEVELS &&
		    nspid[1] == inner)
			return dt->tasks[i]->pid;
	pr_warn("pid %d of the tree's pid namespace is no task of the tree\n", inner);
	return inner;
}
