/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree/helpers.c - made-up tasks that stand in for dead leaders. A process group whose
 * leader exited gets a group helper: a sibling of the group's first member that leads the
 * group until every member joined. A session whose leader exited gets a session helper,
 * forked by the parent P of the session's members that live under another session: it
 * calls setsid(), forks those members as its own children and exits, so that the kernel
 * hands them back to P, the nearest child subreaper (P is made one before it forks, its
 * dumped value comes back in the restorer). Helpers have no images; whoever forked one
 * reaps it, so their pids are free again afterwards, as they were at the dump.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "tree.h"

#define JOIN_GROUP_TRIES 5000 /* 1ms apart: the members are being forked elsewhere */

const struct rst_task *rst_task_by_pid(const struct rst_ctx *ctx, pid_t pid)
{
	size_t i;

	for (i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i].pid == pid)
			return &ctx->tasks[i];
	return NULL;
}

bool rst_is_session_helper(const struct rst_task *t)
{
	return t->helper && (pid_t)t->pstree->sid == t->pid;
}

/* Helper pid, child of ppid, in group pgid and session sid; ctx->tasks may move. */
static int add_helper(struct rst_ctx *ctx, pid_t pid, pid_t ppid, pid_t pgid, pid_t sid)
{
	struct rst_task *h;
	PstreeEntry *pe;

	pe = malloc(sizeof(*pe));
	if (!pe || ARRAY_ADD_ROOM(ctx->tasks, ctx->nr_tasks)) {
		free(pe);
		return -ENOMEM;
	}
	pstree_entry__init(pe);
	pe->pid = pid;
	pe->ppid = ppid;
	pe->pgid = pgid;
	pe->sid = sid;
	h = &ctx->tasks[ctx->nr_tasks++];
	memset(h, 0, sizeof(*h));
	h->pid = pid;
	h->pstree = pe;
	h->max_fd = -1;
	h->helper = true;
	return 0;
}

/* A task of the images whose parent is in another session, which it does not lead. */
static bool outside_parent_session(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const struct rst_task *p = rst_task_by_pid(ctx, t->pstree->ppid);

	if ((pid_t)t->pstree->sid == t->pid || !p)
		return false;
	return p->pstree->sid != t->pstree->sid;
}

static bool was_subreaper(const struct rst_task *t)
{
	return t->core && t->core->tc && t->core->tc->has_child_subreaper &&
	       t->core->tc->child_subreaper;
}

/* Checks what the dump checks too (tree/session-dump.c): the images may come from elsewhere. */
static int check_orphan(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const PstreeEntry *pe = t->pstree, *root = ctx->tasks[0].pstree;
	const struct rst_task *s = rst_task_by_pid(ctx, pe->sid);

	if (s && !s->helper) {
		pr_err("Task %d is in session %d, which is neither its own nor its parent %d's, "
		       "and whose leader is alive: not supported\n",
		       t->pid, pe->sid, pe->ppid);
		return -EOPNOTSUPP;
	}
	if (pe->sid == root->sid) {
		pr_err("Task %d is in the shell's session %d but its parent %d is not: not "
		       "supported\n",
		       t->pid, pe->sid, pe->ppid);
		return -EOPNOTSUPP;
	}
	if (s && s->pstree->ppid != pe->ppid) {
		pr_err("Tasks of session %d, whose leader is gone, have different parents (%d, "
		       "%d) outside the session: not supported\n",
		       pe->sid, s->pstree->ppid, pe->ppid);
		return -EOPNOTSUPP;
	}
	if (!was_subreaper(rst_task_by_pid(ctx, pe->ppid))) {
		pr_err("Task %d adopted task %d of session %d, whose leader is gone, but is not a "
		       "child subreaper in the images: not supported\n",
		       pe->ppid, t->pid, pe->sid);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int add_session_helpers(struct rst_ctx *ctx)
{
	size_t i, nr = ctx->nr_tasks;
	int ret;

	for (i = 0; i < nr; i++) {
		const struct rst_task *t = &ctx->tasks[i];
		pid_t sid = t->pstree->sid, ppid = t->pstree->ppid;

		if (!outside_parent_session(ctx, t))
			continue;
		ret = check_orphan(ctx, t);
		if (ret)
			return ret;
		if (rst_task_by_pid(ctx, sid))
			continue;
		/* setsid() makes it the leader of group sid too: no group helper for that one */
		ret = add_helper(ctx, sid, ppid, sid, sid);
		if (ret)
			return ret;
		pr_info("Session %d lost its leader: helper task %d (child of %d) recreates it\n",
			sid, sid, ppid);
	}
	return 0;
}

/* A group helper is a sibling of the member: in its session, whoever forks it. */
static int add_group_helpers(struct rst_ctx *ctx)
{
	const PstreeEntry *root = ctx->tasks[0].pstree;
	size_t i;
	int ret;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const PstreeEntry *pe = ctx->tasks[i].pstree;

		if (rst_task_by_pid(ctx, pe->pgid))
			continue;
		/* the shell's group of a shell job (-j): criu's group stands in for it */
		if (pe->pgid == root->pgid && root->sid != root->pid && ctx->ro->shell_job)
			continue;
		if (!pe->ppid) {
			pr_err("The root task is in process group %d, whose leader is not in the "
			       "images: restore it with --shell-job (-j) if it was a shell's job\n",
			       pe->pgid);
			return -EOPNOTSUPP;
		}
		ret = add_helper(ctx, pe->pgid, pe->ppid, pe->pgid, pe->sid);
		if (ret)
			return ret;
		pr_info("Group %d lost its leader: helper task %d (forked by %d) recreates it\n",
			pe->pgid, pe->pgid, rst_forker(ctx, &ctx->tasks[ctx->nr_tasks - 1]));
	}
	return 0;
}

int rst_add_helpers(struct rst_ctx *ctx)
{
	/* first: a session helper also leads the group of the same pid */
	return add_session_helpers(ctx) ?: add_group_helpers(ctx);
}

pid_t rst_forker(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const PstreeEntry *pe = t->pstree;
	const struct rst_task *s, *p;

	if ((pid_t)pe->sid == t->pid)
		return pe->ppid;
	s = rst_task_by_pid(ctx, pe->sid);
	p = rst_task_by_pid(ctx, pe->ppid);
	if (s && rst_is_session_helper(s) && p && p->pstree->sid != pe->sid)
		return s->pid;
	return pe->ppid;
}

/* The helper's children go to the nearest subreaper when it exits: t must be it then. */
int rst_become_reaper(const struct rst_ctx *ctx, const struct rst_task *t)
{
	size_t i;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *c = &ctx->tasks[i];

		if (!rst_is_session_helper(c) || rst_forker(ctx, c) != t->pid)
			continue;
		if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) {
			pr_perror("Can't make task %d a child subreaper for session %d", t->pid,
				  c->pid);
			return -errno;
		}
		return 0;
	}
	return 0;
}

/* Until every other member of group pgid joined it. */
static int wait_group_members(const struct rst_ctx *ctx, const struct rst_task *t)
{
	size_t i;
	int tries;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *c = &ctx->tasks[i];

		if (c == t || (pid_t)c->pstree->pgid != t->pid)
			continue;
		for (tries = 0; getpgid(rst_pid_here(ctx, c->pid)) != rst_pid_here(ctx, t->pid);
		     tries++) {
			if (tries == JOIN_GROUP_TRIES) {
				pr_err("Task %d did not join group %d in time\n", c->pid, t->pid);
				return -ETIMEDOUT;
			}
			usleep(1000);
		}
	}
	return 0;
}

void __attribute__((noreturn))
rst_be_helper(const struct rst_ctx *ctx, const struct rst_task *t, const struct rst_channel *ch)
{
	int ret = 0;

	/* rst_restore_session() made it the session's leader; now its orphaned members */
	if (rst_is_session_helper(t))
		ret = rst_fork_children(ctx, t, ch, -1);
	ret = ret ?: wait_group_members(ctx, t);
	if (ret)
		pr_err("Helper task %d (for %s %d) failed\n", t->pid,
		       rst_is_session_helper(t) ? "session" : "group", t->pid);
	_exit(ret ? 1 : 0);
}
