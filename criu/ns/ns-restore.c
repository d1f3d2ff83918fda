/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/ns-restore.c - the tree's own namespaces at restore (ns.h). The root's ids
 * (ids-PID.img) differ from criu's (inventory.root_ids) for each kind it had its own of:
 * pid, uts, ipc and mount namespaces are made by the root's clone3 flags, a time namespace
 * by criu just before (its offsets must be written before any task enters it), a cgroup
 * namespace by the root itself once in its cgroups (cgroup/restore.c). With a user namespace
 * of the tree's, those it owns are made in it (userns-restore.c). A shape this criu does
 * not restore refuses the restore, so that no tree is silently restored into criu's
 * namespaces. The namespaces die with the root: a failed
 * restore, which kills the tree, leaves none behind.
 */
#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "restore-ctx.h"
#include "ns.h"
#include "internal.h"
#include "userns.h"
#include "mnt.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The root's id of a kind when it is not criu's, else 0; -1 when the kind can't be restored. */
static int64_t own_id(const char *what, bool has_root, uint32_t root, bool has_criu, uint32_t criu,
		      bool restorable)
{
	if (!has_root || !has_criu || root == criu)
		return 0;
	if (restorable)
		return root;
	pr_err("The images hold a tree in a %s namespace of its own (id %u): restoring %s "
	       "namespaces is not supported yet\n",
	       what, root, what);
	return -1;
}

#define OWN(kind, restorable)                                                        \
	own_id(#kind, r->has_##kind##_ns_id, r->kind##_ns_id, c->has_##kind##_ns_id, \
	       c->kind##_ns_id, restorable)

static int check_pid_tasks(const struct rst_ctx *ctx, const struct rst_ns_pids *p)
{
	size_t i, j;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *t = &ctx->tasks[i];

		if (t->helper) {
			pr_err("Task %d would stand in for a gone group or session leader, whose "
			       "pid "
			       "in the tree's pid namespace is not known: not supported yet\n",
			       t->pid);
			return -EOPNOTSUPP;
		}
		for (j = 0; j <= t->nr_threads; j++) {
			pid_t pid = j ? t->tids[j - 1] : t->pid;

			if (!rst_pidns_has(p, pid)) {
				pr_err("ns-pids.img has no pid in the tree's pid namespace for "
				       "%d\n",
				       pid);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int prepare_pidns(struct rst_ctx *ctx, struct rst_ns *ns)
{
	int ret = 0;

	if (!ctx->pids) {
		pr_err("The tree has a pid namespace of its own but ns-pids.img can't be read: its "
		       "pids inside are not known\n");
		return -EIO;
	}
	ns->pids = ctx->pids;
	ret = check_pid_tasks(ctx, ns->pids);
	if (!ret)
		ns->clone_flags |= CLONE_NEWPID;
	return ret;
}

static int prepare_netns(struct rst_ctx *ctx, struct rst_ns *ns, uint32_t id)
{
	ns->net_id = id;
	ns->net_opts.externals = ctx->ro->externals;
	ns->net_opts.nr_externals = ctx->ro->nr_externals;
	ns->net_opts.empty = ctx->ro->empty_ns_net;
	ns->net_opts.join = ctx->ro->join_ns_net;
	ns->net_opts.inherit_fds = ctx->ro->inherit_fds;
	ns->net_opts.nr_inherit_fds = ctx->ro->nr_inherit_fds;
	return netns_rst_prepare(&ns->net_opts, ctx->dfd, id);
}

/* Both have the id of a kind, and they differ */
#define DIFFERS(kind) \
	(o->has_##kind##_ns_id && r->has_##kind##_ns_id && o->kind##_ns_id != r->kind##_ns_id)

/* Has the root a mount namespace of its own (its id is not criu's)? */
static bool rst_own_mnt(const struct rst_ctx *ctx)
{
	const TaskKobjIdsEntry *r = ctx->tasks[0].ids, *c = ctx->inventory->root_ids;

	return r && c && r->has_mnt_ns_id && c->has_mnt_ns_id && r->mnt_ns_id != c->mnt_ns_id;
}

/*
 * Can the tasks' mount namespaces get the kernel's locks again? Each nested one must have
 * them saved too (a dump before they were has the root's only).
 */
static bool rst_mnt_lockable(const struct rst_ctx *ctx)
{
	const TaskKobjIdsEntry *r = ctx->tasks[0].ids, *o;
	size_t i;

	if (!mnt_locks_saved(ctx->dfd, ctx->ns->mnt_id))
		return false;
	for (i = 1; r && i < ctx->nr_tasks; i++) {
		if (!(o = ctx->tasks[i].ids) || !DIFFERS(mnt))
			continue;
		if (!mnt_locks_saved(ctx->dfd, o->mnt_ns_id)) {
			pr_warn("The locks of nested mount namespace %u were not saved (an older "
				"dump): the mounts are restored unlocked\n",
				o->mnt_ns_id);
			return false;
		}
	}
	return true;
}

/* Has the root a network namespace of its own? Its tasks may have others (netns-tasks.c) */
static bool rst_own_net(const struct rst_ctx *ctx)
{
	const TaskKobjIdsEntry *r = ctx->tasks[0].ids, *c = ctx->inventory->root_ids;

	return r && c && r->has_net_ns_id && c->has_net_ns_id && r->net_ns_id != c->net_ns_id;
}

/* Is a task in another user namespace than the root (one below it)? */
static bool other_user(const struct rst_ctx *ctx)
{
	const TaskKobjIdsEntry *r = ctx->tasks[0].ids;
	size_t i;

	for (i = 1; i < ctx->nr_tasks; i++) {
		const TaskKobjIdsEntry *o = ctx->tasks[i].ids;

		if (o && DIFFERS(user))
			return true;
	}
	return false;
}

/* Every task in the root's namespaces: a set where they differ is not restored wrongly. */
static int check_same_ns(const struct rst_ctx *ctx)
{
	const TaskKobjIdsEntry *r = ctx->tasks[0].ids;
	size_t i;

	for (i = 1; i < ctx->nr_tasks; i++) {
		const TaskKobjIdsEntry *o = ctx->tasks[i].ids;

		if (!o || ctx->tasks[i].helper)
			continue;
		/*
		 * a nested pid namespace's tasks: ns-pids.img's levels (pid-restore.c); a mount
		 * namespace of a task's own is made by it (rst_ns_task_setup()); user namespaces
		 * below the root's are userns-nested-rst.c's
		 */
		if ((DIFFERS(pid) && !ctx->pids) || DIFFERS(uts) || DIFFERS(ipc) || DIFFERS(time) ||
		    (DIFFERS(mnt) && !rst_own_mnt(ctx)) || (DIFFERS(net) && !rst_own_net(ctx)) ||
		    DIFFERS(cgroup)) {
			pr_err("ids-%d.img: task %d is in other namespaces than the root: a tree "
			       "in several namespaces of a kind is not restored yet\n",
			       ctx->tasks[i].pid, ctx->tasks[i].pid);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

/* --join-ns uts, ipc, time: opened now, so that a wrong one fails before any task is made */
static int prepare_joins(const struct rst_ctx *ctx, int64_t user)
{
	int ret = nsjoin_prepare(ctx->ro->join_ns);

	if (!ret && user && nsjoin_any()) {
		pr_err("The images hold a tree in a user namespace of its own: joining a uts, ipc "
		       "or time namespace (--join-ns) in it is not supported yet\n");
		ret = -EOPNOTSUPP;
	}
	if (ret)
		nsjoin_free();
	return ret;
}

int rst_ns_prepare(struct rst_ctx *ctx)
{
	const TaskKobjIdsEntry *r = ctx->tasks[0].ids, *c = ctx->inventory->root_ids;
	int64_t pid, uts, ipc, tim, net, cgroup, mnt, user;
	bool below_criu;
	const char *join;
	struct rst_ns *ns;
	int ret = 0;

	if (!r || !c)
		return 0; /* no ids: an image set of criu's namespaces */
	if (check_same_ns(ctx))
		return -EOPNOTSUPP;
	user = OWN(user, true);
	/* tasks in user namespaces below criu's, the root in criu's */
	below_criu = !user && c->has_user_ns_id && other_user(ctx);
	net = OWN(net, true);
	join = ctx->ro->join_ns_net;
	mnt = OWN(mnt, true);
	cgroup = OWN(cgroup, true);
	if (mnt && !ctx->ro->root) {
		pr_err("The images hold a tree in a mount namespace of its own (id %u): --root "
		       "must give the directory its root mount is made of\n",
		       (uint32_t)mnt);
		return -EINVAL;
	}
	ret = prepare_joins(ctx, user);
	if (ret)
		return ret;
	pid = OWN(pid, true);
	/* a namespace joined gets nothing of the images */
	uts = nsjoin_flags() & CLONE_NEWUTS ? 0 : OWN(uts, true);
	ipc = nsjoin_flags() & CLONE_NEWIPC ? 0 : OWN(ipc, true);
	tim = nsjoin_flags() & CLONE_NEWTIME ? 0 : OWN(time, true);
	if (!pid && !uts && !ipc && !tim && !net && !join && !cgroup && !mnt && !user &&
	    !nsjoin_any() && !below_criu)
		return 0;
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->criu_time_fd = -1;
	ns->mnt_pre.root_fd = -1;
	ns->uts_id = uts;
	ns->ipc_id = ipc;
	ns->time_id = tim;
	ns->own_cgroup = cgroup != 0;
	ns->mnt_id = mnt;
	ns->clone_flags = (uts ? CLONE_NEWUTS : 0) | (ipc ? CLONE_NEWIPC : 0) |
			  (net && !join ? CLONE_NEWNET : 0) | (mnt ? CLONE_NEWNS : 0);
	ctx->ns = ns;
	if (user)
		ret = userns_rst_prepare(ns, ctx, user);
	if (below_criu)
		ret = userns_nested_rst_prepare(ctx, c->user_ns_id);
	if (!ret && pid)
		ret = prepare_pidns(ctx, ns);
	if (!ret && (net || join))
		ret = prepare_netns(ctx, ns, net);
	/* in a user namespace, made once it is (rst_ns_before_root()): owned by it */
	if (!ret && net && !user)
		ret = rst_netns_others(ctx, net);
	/* an external namespace (--inherit-fd) is joined, not made */
	if (!ret && netns_rst_joins())
		ns->clone_flags &= ~(uint64_t)CLONE_NEWNET;
	if (!ret && user && netns_rst_joins()) {
		pr_err("The images hold a tree in a user namespace of its own: joining a network "
		       "namespace (--join-ns net, --inherit-fd for an external one) is not "
		       "supported with it yet\n");
		ret = -EOPNOTSUPP;
	}
	pr_info("The root gets namespaces of its own:%s%s%s%s%s%s%s%s\n", user ? " user" : "",
		pid ? " pid" : "", uts ? " uts" : "", ipc ? " ipc" : "", tim ? " time" : "",
		net ? " net" : "", cgroup ? " cgroup" : "", mnt ? " mnt" : "");
	return ret;
}

void rst_ns_free(struct rst_ctx *ctx)
{
	if (!ctx->ns)
		return;
	userns_rst_free(ctx->ns);
	userns_rst_steer_stop();
	userns_nested_rst_free();
	netns_rst_free();
	nsjoin_free();
	mntns_premade_free(&ctx->ns->mnt_pre);
	if (ctx->ns->criu_time_fd >= 0)
		close(ctx->ns->criu_time_fd);
	free(ctx->ns);
	ctx->ns = NULL;
}

uint64_t rst_ns_clone_flags(const struct rst_ctx *ctx)
{
	return ctx->ns ? ctx->ns->clone_flags & ~userns_rst_made_flags(ctx->ns) : 0;
}

const char *rst_ns_mnt_root(const struct rst_ctx *ctx)
{
	const char *root = ctx->ro->root;

	if (!ctx->ns || !ctx->ns->mnt_id || !root || !strcmp(root, "/"))
		return NULL;
	return root;
}

bool rst_ns_own_pid(const struct rst_ctx *ctx)
{
	return ctx->ns && (ctx->ns->clone_flags & CLONE_NEWPID);
}

bool rst_ns_own_cgroup(const struct rst_ctx *ctx)
{
	return ctx->ns && ctx->ns->own_cgroup;
}

uint32_t rst_ns_ipc_id(const struct rst_ctx *ctx)
{
	return ctx->ns && ctx->ns->ipc_id ? ctx->ns->ipc_id : 1;
}

/*
 * In criu: a new time namespace for its children, with the dumped offsets; or the network
 * namespace of --join-ns for the root's clone.
 */
int rst_ns_before_root(const struct rst_ctx *ctx)
{
	struct rst_ns *ns = ctx->ns;
	int ret;

	if (!ns)
		return 0;
	ret = userns_rst_last_pid_above_tree(ctx);
	if (ret)
		return ret;
	/* tmpfs mounts are made and filled in criu's mount namespace, detached */
	if (ns->mnt_id) {
		ns->mnt_pre.externals_early = ns->user != NULL;
		ns->mnt_pre.locks = ns->user != NULL && rst_mnt_lockable(ctx);
		ns->mnt_pre.fresh_early = ns->user && rst_ns_tree_inside(ctx);
		/* what the user namespace will own: its helper makes them (userns-restore.c) */
		ns->mnt_pre.fresh_own_ns = ns->clone_flags & (CLONE_NEWNET | CLONE_NEWIPC);
		if (ns->own_cgroup)
			ns->mnt_pre.fresh_own_ns |= CLONE_NEWCGROUP;
		ret = mntns_premake(ctx->dfd, ns->mnt_id, &ns->mnt_pre, ctx->ro->mnt);
		/* a root forked inside can't clone a mount of criu's namespace: criu does */
		if (!ret && ns->user && rst_ns_tree_inside(ctx))
			ret = mntns_take_root(&ns->mnt_pre, ctx->ro->root);
		if (ret)
			return ret;
	}
	if (ns->user) { /* its time namespace too: owned by it */
		ret = userns_rst_before_root(ns, ctx->dfd, ctx->fd_top);
		/* criu is in the tree's ipc namespace now */
		if (!ret && ns->ipc_id && rst_ns_tree_inside(ctx))
			ret = userns_rst_ipc_var_restore(ns, ctx->dfd, ns->ipc_id);
		/*
		 * the tasks' other network namespaces are owned by it too; their fds go above
		 * the tasks' fds, as rst_ns_hold_fds() puts them otherwise (the root would
		 * restore its own fds over lower ones)
		 */
		if (!ret && ns->net_id)
			ret = rst_netns_others(ctx, ns->net_id) ?: rst_ns_hold_fds(ctx);
		return ret ?: userns_rst_steer_start(ctx);
	}
	/* user namespaces below criu's */
	ret = userns_nested_rst_make(-1, NULL, ctx->fd_top);
	if (ret)
		return ret;
	if (netns_rst_before_root() || nsjoin_before_root())
		return -EPERM;
	if (!ns->time_id)
		return 0;
	ns->criu_time_fd = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
	if (ns->criu_time_fd < 0 || unshare(CLONE_NEWTIME)) {
		pr_perror("Can't make a time namespace for the tree");
		return -EPERM;
	}
	return timens_restore_offsets(ctx->dfd, ns->time_id, 0);
}

/* In criu, once the root is cloned (or failed to be): its later children are its own again. */
void rst_ns_after_root(const struct rst_ctx *ctx)
{
	struct rst_ns *ns = ctx->ns;

	if (!ns)
		return;
	if (ns->user)
		userns_rst_after_root(ns);
	userns_nested_rst_close_fds();
	mntns_premade_free(&ns->mnt_pre); /* the root has its own copies */
	netns_rst_after_root();
	nsjoin_after_root();
	if (ns->criu_time_fd < 0)
		return;
	if (setns(ns->criu_time_fd, CLONE_NEWTIME))
		pr_perror("Can't make criu's children in its own time namespace again");
	close(ns->criu_time_fd);
	ns->criu_time_fd = -1;
}

void rst_ns_tree_in_place(const struct rst_ctx *ctx)
{
	if (ctx->ns)
		userns_rst_drop_helper(ctx->ns);
	userns_rst_steer_stop();
}

/*
 * In the root, first thing: its new pid namespace's next pid, an fd on its network namespace
 * for the tasks that go back into it, uts and ipc content.
 */
int rst_ns_root_setup(const struct rst_ctx *ctx)
{
	const struct rst_ns *ns = ctx->ns;
	int ret = 0;

	if (!ns)
		return 0;
	ret = rst_pidns_reserve(ctx);
	if (!ret && ns->net_id)
		ret = netns_rst_hold_root(ns->net_id, ctx->fd_top + 1);
	if (!ret && ns->uts_id)
		ret = utsns_restore(ctx->dfd, ns->uts_id);
	if (!ret && ns->ipc_id) {
		/* forked inside, criu wrote them: the root can't take back its uid after */
		if (!rst_ns_tree_inside(ctx))
			ret = userns_rst_ipc_var_restore(ns, ctx->dfd, ns->ipc_id);
		ret = ret ?: ipcns_sem_restore(ctx->dfd, ns->ipc_id);
		ret = ret ?: ipcns_msg_restore(ctx->dfd, ns->ipc_id);
	}
	/* last: the sysctls above are written through criu's /proc */
	if (!ret && ns->mnt_id && ns->user && !rst_ns_tree_inside(ctx))
		ret = mntns_take_root(&ctx->ns->mnt_pre, ctx->ro->root);
	if (!ret && ns->mnt_id)
		ret = userns_rst_enter_mnt(ns)
			      ?: mntns_restore(ctx->dfd, ns->mnt_id, ctx->ro->root,
					       &ctx->ns->mnt_pre, ctx->ro->mnt);
	return ret;
}

/* In a task other than the root, first thing: the mount namespace it made, if it did. */
int rst_ns_task_setup(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const struct rst_task *parent = NULL;
	size_t i;
	int ret;

	ret = rst_pidns_reserve_nested(ctx, t);
	if (ret)
		return ret;
	if (!ctx->ns || !t->ids)
		return 0;
	for (i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i].pid == (pid_t)t->pstree->ppid)
			parent = &ctx->tasks[i];
	if (!parent || !parent->ids)
		return 0;
	/* its network namespace first: the mount namespace's proc and sysfs show it */
	if (ctx->ns->net_id && t->ids->has_net_ns_id &&
	    parent->ids->net_ns_id != t->ids->net_ns_id) {
		ret = netns_rst_task_enter(t->pid, t->ids->net_ns_id);
		if (ret)
			return ret;
	}
	if (!ctx->ns->mnt_id || !t->ids->has_mnt_ns_id ||
	    parent->ids->mnt_ns_id == t->ids->mnt_ns_id)
		return 0;
	return rst_ns_unshare_mnt(ctx, t->pid)
		       ?: mntns_restore_nested(ctx->dfd, t->ids->mnt_ns_id, parent->ids->mnt_ns_id,
					       ctx->ro->mnt, ctx->ns->mnt_pre.locks);
}

/* In the root, once its SysV objects are made: the ids the next ones would get. */
int rst_ns_root_finish(const struct rst_ctx *ctx)
{
	if (!ctx->ns || !ctx->ns->ipc_id)
		return 0;
	return ipcns_var_restore_next_ids(ctx->dfd, ctx->ns->ipc_id);
}

/*
 * In criu, once the root is cloned and before it goes on: its network namespace's content,
 * after CRIU's setup-namespaces action (restore.c), which makes what criu doesn't (a link a
 * plugin saved the parameters of).
 */
int rst_ns_fill_from_outside(const struct rst_ctx *ctx, pid_t root)
{
	if (!ctx->ns || !ctx->ns->net_id)
		return 0;
	return netns_rst_fill(ctx->dfd, root);
}
