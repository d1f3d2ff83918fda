/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree/session-dump.c - the dump's checks on sessions and process groups. A session or group whose
 * leader is outside the dumped tree cannot be recreated as it was: with --shell-job the
 * restored tasks join criu's session and group instead (a job started from a shell);
 * without it the dump is refused before anything is changed. Sessions and groups whose
 * leader exited are recreated by helper tasks at restore (criu/tree/helpers.c).
 */
#include <errno.h>

#include "dump.h"
#include "log.h"
#include "task-state.h"
#include "tree.h"

int check_task_sessions(const struct dump_ctx *dc)
{
	const struct proc_stat *st = &dc->stat;
	bool outside = st->sid != dc->pid;

	if (dc->ppid)
		return 0; /* the other tasks: check_tree_sessions(), once all are read */

	if (outside && !dc->opts->shell_job) {
		pr_err("The root task %d is not a session leader: its session %d lies outside "
		       "the dumped tree; dump it with --shell-job (-j) to restore it into "
		       "criu's session\n",
		       dc->pid, st->sid);
		return -EOPNOTSUPP;
	}
	/* a group led from outside: only a shell job's group may be replaced by criu's */
	if (st->pgid != dc->pid && !outside) {
		pr_err("Task %d is in process group %d whose leader is not in the dumped tree: "
		       "not supported yet\n",
		       dc->pid, st->pgid);
		return -EOPNOTSUPP;
	}
	if (outside)
		pr_info("Task %d: session %d and group %d outside the tree (shell job)\n", dc->pid,
			st->sid, st->pgid);
	return 0;
}

static const struct dump_ctx *tree_find(const struct dump_tree *dt, pid_t pid)
{
	size_t i;

	for (i = 0; i < dt->nr_tasks; i++)
		if (dt->tasks[i]->pid == pid)
			return dt->tasks[i];
	return NULL;
}

/*
 * A task in another session than its parent's, whose session leader exited: restore
 * recreates the session with a helper task that its parent forks; the helper forks the
 * task and exits, and the task goes back to the parent, which must be a child subreaper
 * for that (it was one when it adopted the task, unless it is a pid namespace's init).
 * One helper has one parent: every such task of the session must have the same parent.
 */
static int check_orphaned_session(const struct dump_tree *dt, const struct dump_ctx *dc,
				  const struct dump_ctx *parent)
{
	const struct dump_ctx *root = dt->tasks[0];
	pid_t sid = dc->stat.sid;
	size_t i;

	if (tree_find(dt, sid)) {
		pr_err("Task %d is in session %d, which is neither its own nor its parent %d's, "
		       "and whose leader is alive: not supported yet (only a session whose leader "
		       "exited is recreated)\n",
		       dc->pid, sid, dc->ppid);
		return -EOPNOTSUPP;
	}
	if (sid == root->stat.sid) {
		pr_err("Task %d is in the shell's session %d but its parent %d is not: criu's "
		       "session can't be handed to it, not supported\n",
		       dc->pid, sid, dc->ppid);
		return -EOPNOTSUPP;
	}
	if (!task_state_is_subreaper(parent)) {
		pr_err("Task %d adopted task %d of session %d, whose leader is gone, but is not a "
		       "child subreaper (a pid namespace's init?): not supported\n",
		       parent->pid, dc->pid, sid);
		return -EOPNOTSUPP;
	}
	for (i = 1; i < dt->nr_tasks; i++) {
		const struct dump_ctx *o = dt->tasks[i], *op = tree_find(dt, o->ppid);

		if (o->stat.sid != sid || !op || op->stat.sid == sid || o->ppid == dc->ppid)
			continue;
		pr_err("Tasks %d and %d of session %d, whose leader is gone, have different "
		       "parents (%d, %d) outside the session: not supported\n",
		       dc->pid, o->pid, sid, dc->ppid, o->ppid);
		return -EOPNOTSUPP;
	}
	pr_info("Task %d is in session %d whose leader is gone\n", dc->pid, sid);
	return 0;
}

/*
 * Restore recreates a session by setsid() in its leader and hands it down by fork, so a task
 * not leading its session is in its parent's, or in one whose leader exited (a helper task
 * recreates it). A group is joined by setpgid() once its leader exists: a task of the tree,
 * or a helper task if the leader exited; the root's group and session may be the shell's
 * (-j): the restored tasks then join criu's.
 */
static int check_one_session(const struct dump_tree *dt, const struct dump_ctx *dc)
{
	const struct dump_ctx *root = dt->tasks[0], *parent = tree_find(dt, dc->ppid);
	pid_t sid = dc->stat.sid, pgid = dc->stat.pgid;
	int ret;

	if (sid != dc->pid && parent && sid != parent->stat.sid) {
		ret = check_orphaned_session(dt, dc, parent);
		if (ret)
			return ret;
	}
	if (pgid == dc->pid || tree_find(dt, pgid))
		return 0;
	if (pgid == root->stat.pgid && root->stat.sid != root->pid)
		return 0; /* the shell job's group, checked with the root */
	/* restore makes a helper task lead it again until its members are in (TASK_HELPER) */
	pr_info("Task %d is in process group %d whose leader is gone\n", dc->pid, pgid);
	return 0;
}

int check_tree_sessions(const struct dump_tree *dt)
{
	size_t i;
	int ret = 0;

	for (i = 1; !ret && i < dt->nr_tasks; i++)
		ret = check_one_session(dt, dt->tasks[i]);
	return ret;
}
