/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/userns-restore.c - the tree's own user namespace at restore (userns.h).
 *
 * A task inside a user namespace has no privilege over criu's pid namespace, so it could not
 * fork its children with their pids there (clone3's set_tid needs CAP_CHECKPOINT_RESTORE
 * over every level). The tree is therefore forked by tasks still in criu's user namespace,
 * and each task enters the tree's one last, just before it jumps into its restorer, which
 * then sets the ids of the images (those seen inside). The namespaces the root had of its
 * own are owned by the user namespace: a helper child of criu makes the user namespace
 * (criu writes its maps and setgroups), then the uts, ipc and time namespaces in it; criu
 * enters those for the root's clone3, writes the time offsets first, and goes back to its
 * own. A network namespace is made by the helper too (owned by the user namespace, as a
 * rootless container's), and criu, which holds every capability over it, fills it from
 * outside as any other (net/ns/). The helper holds the user namespace until every task is in it.
 * The pid namespace is the exception: the kernel lets nobody enter a new one before its init
 * exists, and its init, the root, must be made by criu (set_tid): the root's clone3 makes it, owned
 * by criu's user namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "abi/restorer-task.h"
#include "image.h"
#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "internal.h"
#include "userns.h"

#include "userns.pb-c.h"
#include "userns-extra.pb-c.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The kinds the helper makes in the user namespace, and how criu enters them. */
static const struct {
	uint64_t flag;
	const char *link; /* the helper's namespace for its children */
} made_in_user[] = {
	{ CLONE_NEWUTS, "uts" },
	{ CLONE_NEWIPC, "ipc" },
	{ CLONE_NEWTIME, "time_for_children" },
	{ CLONE_NEWNET, "net" },
};
#define NR_MADE (sizeof(made_in_user) / sizeof(made_in_user[0]))

struct rst_userns {
	uint32_t id;
	struct userns_maps maps;
	pid_t helper;
	int to_helper, from_helper; /* pipes: criu's ends */
	int criu_own[NR_MADE];	    /* criu's namespaces while it is in the helper's */
	uint64_t made;		    /* the CLONE_NEW* the helper made */
	/*
	 * The helper's mount namespace, for the root to enter (not criu: the root's pivot_root
	 * would move criu's root too), -1 without one.
	 */
	int mnt_fd;
};

/*
 * The tree's user namespace, opened by criu above every fd of the tasks before the root is
 * cloned: the tasks enter it by this fd at their end, when /proc (the tree's own after the
 * root's pivot_root) may no longer show the helper. Each task has its own copy of the
 * number (fork), and closes its fd once in.
 */
static int tree_user_fd = -1;

int rst_ns_user_fd(void)
{
	return tree_user_fd;
}

int rst_ns_own_user_fd(int min)
{
	if (tree_user_fd < 0)
		return userns_nested_rst_own_fds(min);
	tree_user_fd = fcntl(tree_user_fd, F_DUPFD_CLOEXEC, min);
	if (tree_user_fd < 0) {
		pr_perror("Can't copy the fd of the tree's user namespace");
		return -errno;
	}
	return userns_nested_rst_own_fds(min);
}

static int open_helper_user(const struct rst_userns *u, int above)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", u->helper);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		tree_user_fd = fcntl(fd, F_DUPFD_CLOEXEC, above + 1);
		close(fd);
	}
	if (tree_user_fd < 0) {
		pr_perror("Can't open the tree's user namespace (%s) above fd %d", path, above);
		return -errno;
	}
	return 0;
}

static int take_map(const char *name, UidGidExtent **ext, size_t n, struct userns_map *m)
{
	size_t i;

	/* none: a namespace nobody gave a map (unshare -U) */
	if (n > USERNS_MAX_EXTENTS) {
		pr_err("userns image: %zu extents in the %s map (0 to %d)\n", n, name,
		       USERNS_MAX_EXTENTS);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		if (!ext[i]->count) {
			pr_err("userns image: an empty extent in the %s map\n", name);
			return -EINVAL;
		}
		m->e[i].first = ext[i]->first;
		m->e[i].lower = ext[i]->lower_first;
		m->e[i].count = ext[i]->count;
	}
	m->nr = n;
	return 0;
}

int userns_read_maps(int dfd, uint32_t id, struct userns_maps *m)
{
	UsernsExtraEntry *x = NULL;
	UsernsEntry *e = NULL;
	struct cr_img *img;
	int ret;

	img = open_image_at(dfd, CR_FD_USERNS, O_RSTR, id);
	if (!img)
		return -EIO;
	ret = pb_read_one(img, &userns_entry__descriptor, (ProtobufCMessage **)&e);
	close_image(img);
	ret = ret ?: take_map("uid", e->uid_map, e->n_uid_map, &m->uid);
	ret = ret ?: take_map("gid", e->gid_map, e->n_gid_map, &m->gid);
	if (e)
		userns_entry__free_unpacked(e, NULL);
	if (ret)
		return ret;
	/* a set of CRIU's has no such file: setgroups stays allowed, the kernel's default */
	m->setgroups = true;
	m->parent = 0;
	m->has_owner = false;
	img = open_image_optional(dfd, CR_FD_USERNS_EXTRA, id);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	ret = pb_read_one(img, &userns_extra_entry__descriptor, (ProtobufCMessage **)&x);
	close_image(img);
	if (!ret) {
		m->setgroups = x->setgroups;
		m->parent = x->has_parent_id ? x->parent_id : 0;
		m->has_owner = x->has_owner_uid;
		m->owner = x->owner_uid;
		userns_extra_entry__free_unpacked(x, NULL);
	}
	return ret;
}

int userns_rst_prepare(struct rst_ns *ns, const struct rst_ctx *ctx, uint32_t id)
{
	struct rst_userns *u;
	size_t i;
	int ret;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->helper = -1;
	u->to_helper = u->from_helper = -1;
	u->mnt_fd = -1;
	for (i = 0; i < NR_MADE; i++)
		u->criu_own[i] = -1;
	ns->user = u;
	u->id = id;
	ret = userns_read_maps(ctx->dfd, id, &u->maps);
	if (!ret && u->maps.parent) {
		pr_err("userns-extra-%u.img: the root's user namespace has a parent in the images "
		       "(%u): bad images\n",
		       id, u->maps.parent);
		ret = -EINVAL;
	}
	ret = ret ?: userns_nested_rst_prepare(ctx, id);
	if (!ret)
		pr_info("The root gets a user namespace of its own (id %u): %zu uid and %zu gid "
			"extents, setgroups %s\n",
			id, u->maps.uid.nr, u->maps.gid.nr, u->maps.setgroups ? "allow" : "deny");
	return ret;
}

/*
 * The helper: a user namespace, then the other kinds in it; it holds them until killed. It
 * keeps none of criu's fds: an end of the tasks' pipes held here would hide their death.
 */
static void __attribute__((noreturn)) helper_main(int rfd, int wfd, uint64_t kinds)
{
	char c = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (dup2(rfd, 0) != 0 || dup2(wfd, 1) != 1)
		_exit(1);
	rfd = 0;
	wfd = 1;
	syscall(SYS_close_range, 2, ~0U, 0);
	if (unshare(CLONE_NEWUSER) || write(wfd, &c, 1) != 1)
		_exit(1);
	/* criu writes the maps meanwhile */
	if (read(rfd, &c, 1) != 1 || unshare(kinds) || write(wfd, &c, 1) != 1)
		_exit(2);
	while (read(rfd, &c, 1) > 0 || errno == EINTR)
		;
	_exit(0);
}

static int write_proc(pid_t pid, const char *name, const char *text, size_t len)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		pr_perror("Can't write the tree's user namespace's %s (%s)", name, path);
		ret = -EPERM;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

int userns_write_maps(pid_t pid, const struct userns_maps *m)
{
	char buf[USERNS_MAX_EXTENTS * 36];
	int len, ret = 0;

	/* "deny" must come before the gid map */
	if (!m->setgroups)
		ret = write_proc(pid, "setgroups", "deny", 4);
	/* a namespace nobody gave a map (unshare -U) keeps none: its ids are all unmapped */
	len = userns_map_format(&m->uid, buf, sizeof(buf));
	if (m->uid.nr)
		ret = ret ?: write_proc(pid, "uid_map", buf, len);
	len = userns_map_format(&m->gid, buf, sizeof(buf));
	if (m->gid.nr)
		ret = ret ?: write_proc(pid, "gid_map", buf, len);
	return ret;
}

static int helper_step(struct rst_userns *u)
{
	char c;

	if (read(u->from_helper, &c, 1) == 1)
		return 0;
	pr_err("The helper that makes the tree's user namespace failed (criu needs "
	       "CAP_SYS_ADMIN and a kernel with user namespaces)\n");
	return -EPERM;
}

static int start_helper(struct rst_userns *u, uint64_t kinds)
{
	int down[2], up[2];

	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC)) {
		pr_perror("Can't make the pipes of the user namespace's helper");
		return -errno;
	}
	u->helper = fork();
	if (u->helper == 0) {
		close(down[1]);
		close(up[0]);
		helper_main(down[0], up[1], kinds);
	}
	close(down[0]);
	close(up[1]);
	u->to_helper = down[1];
	u->from_helper = up[0];
	if (u->helper < 0) {
		pr_perror("Can't fork the user namespace's helper");
		return -EPERM;
	}
	return 0;
}

/* criu into the helper's namespaces of each kind made, keeping its own to go back to. */
static int enter_made(struct rst_userns *u)
{
	char path[64];
	size_t i;
	int fd;

	for (i = 0; i < NR_MADE; i++) {
		if (!(u->made & made_in_user[i].flag))
			continue;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", made_in_user[i].link);
		u->criu_own[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (u->criu_own[i] < 0) {
			pr_perror("Can't open criu's own %s", path);
			return -EPERM;
		}
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", u->helper, made_in_user[i].link);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, made_in_user[i].flag)) {
			pr_perror("Can't enter the tree's new %s namespace (%s)",
				  made_in_user[i].link, path);
			if (fd >= 0)
				close(fd);
			return -EPERM;
		}
		close(fd);
	}
	return 0;
}

static int open_helper_mnt(struct rst_userns *u)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", u->helper);
	u->mnt_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (u->mnt_fd < 0) {
		pr_perror("Can't open the tree's new mount namespace (%s)", path);
		return -errno;
	}
	return 0;
}

int userns_rst_before_root(struct rst_ns *ns, int dfd, int fd_top)
{
	struct rst_userns *u = ns->user;
	uint64_t all = 0;
	size_t i;
	int ret;

	for (i = 0; i < NR_MADE; i++)
		all |= made_in_user[i].flag;
	u->made = (ns->clone_flags & (all | CLONE_NEWNS)) | (ns->time_id ? CLONE_NEWTIME : 0);
	ret = start_helper(u, u->made);
	ret = ret ?: helper_step(u);
	ret = ret ?: userns_write_maps(u->helper, &u->maps);
	if (!ret && write(u->to_helper, "", 1) != 1)
		ret = -EPIPE;
	ret = ret ?: helper_step(u);
	/* before any task is in it */
	if (!ret && ns->time_id)
		ret = timens_restore_offsets(dfd, ns->time_id, u->helper);
	if (!ret && (u->made & CLONE_NEWNS))
		ret = open_helper_mnt(u);
	ret = ret ?: open_helper_user(u, fd_top);
	ret = ret ?: userns_nested_rst_make(tree_user_fd, &u->maps, fd_top);
	return ret ?: enter_made(u);
}

/* In the root, before it builds its mounts: the mount namespace the user namespace owns. */
int userns_rst_enter_mnt(const struct rst_ns *ns)
{
	const struct rst_userns *u = ns->user;

	if (!u || u->mnt_fd < 0)
		return 0;
	if (setns(u->mnt_fd, CLONE_NEWNS)) {
		pr_perror("Can't enter the mount namespace made in the tree's user namespace");
		return -errno;
	}
	return 0;
}

void userns_rst_after_root(struct rst_ns *ns)
{
	struct rst_userns *u = ns->user;
	size_t i;

	if (u->mnt_fd >= 0) {
		close(u->mnt_fd);
		u->mnt_fd = -1;
	}
	if (tree_user_fd >= 0) {
		close(tree_user_fd);
		tree_user_fd = -1;
	}
	userns_nested_rst_close_fds();
	for (i = 0; i < NR_MADE; i++) {
		if (u->criu_own[i] < 0)
			continue;
		if (setns(u->criu_own[i], made_in_user[i].flag))
			pr_perror("Can't go back to criu's own %s namespace", made_in_user[i].link);
		close(u->criu_own[i]);
		u->criu_own[i] = -1;
	}
}

uint64_t userns_rst_made_flags(const struct rst_ns *ns)
{
	return ns->user ? ns->user->made : 0;
}

void userns_rst_drop_helper(struct rst_ns *ns)
{
	struct rst_userns *u = ns->user;

	userns_threads_stop_writer();
	userns_nested_rst_drop();
	if (!u || u->helper <= 0)
		return;
	kill(u->helper, SIGKILL);
	waitpid(u->helper, NULL, 0);
	u->helper = -1;
}

void userns_rst_free(struct rst_ns *ns)
{
	struct rst_userns *u = ns->user;

	if (!u)
		return;
	userns_rst_after_root(ns);
	userns_rst_drop_helper(ns);
	if (u->to_helper >= 0)
		close(u->to_helper);
	if (u->from_helper >= 0)
		close(u->from_helper);
	free(u);
	ns->user = NULL;
}

bool rst_ns_keeps_groups(const struct rst_ctx *ctx)
{
	return ctx->ns && (ctx->ns->user || userns_nested_rst_any());
}

/*
 * The task's supplementary groups while it still can set them: as criu sees them (gid, its
 * namespace's map; NULL for one in criu's), or, for a task forked inside the tree's user
 * namespace going into one below it, as the tree's namespace sees them (tree, its map).
 */
static int set_groups(const struct userns_map *gid, const struct userns_map *tree,
		      const struct rst_task *t)
{
	const CredsEntry *ce = t->core->thread_core ? t->core->thread_core->creds : NULL;
	gid_t groups[RST_MAX_GROUPS];
	uint32_t outside;
	size_t i;

	if (!ce || ce->n_groups > RST_MAX_GROUPS) /* the state's fill refuses the latter */
		return 0;
	for (i = 0; i < ce->n_groups; i++) {
		outside = ce->groups[i];
		if ((gid && !userns_id_outside(gid, ce->groups[i], &outside) &&
		     (tree || !userns_unmapped_rst(gid, true, ce->groups[i], &outside))) ||
		    (tree && !userns_id_inside(tree, outside, &outside))) {
			pr_err("core-%d.img: group %u is not in the user namespace's gid map\n",
			       t->pid, ce->groups[i]);
			return -EINVAL;
		}
		groups[i] = outside;
	}
	if (setgroups(ce->n_groups, groups)) {
		pr_perror("Can't set the supplementary groups of task %d", t->pid);
		return -errno;
	}
	return 0;
}

/* The maps of the task's user namespace; NULL for criu's. */
static const struct userns_maps *task_maps(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const struct userns_maps *m = NULL;

	if (t->ids && t->ids->has_user_ns_id)
		m = userns_nested_rst_maps(t->ids->user_ns_id);
	if (!m && ctx->ns && ctx->ns->user)
		m = &ctx->ns->user->maps;
	return m;
}

static void keep_unmapped(const struct userns_map *m, bool gid, uint32_t *id)
{
	uint32_t kept;

	if (userns_id_outside(m, *id, &kept) || !userns_unmapped_rst(m, gid, *id, &kept))
		return;
	/*
	 * forked by criu with it: the restorer leaves it (-1: unchanged); a task forked inside
	 * sees its own (criu's 0, unmapped) as the overflow id, but has it all the same
	 */
	if (rst_ns_steered() || kept == (gid ? getegid() : geteuid()))
		*id = (uint32_t)-1;
}

void rst_ns_unmapped_creds(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_creds *c)
{
	const struct userns_maps *m = task_maps(ctx, t);
	uint32_t *uids[] = { &c->uid, &c->euid, &c->suid, &c->fsuid };
	uint32_t *gids[] = { &c->gid, &c->egid, &c->sgid, &c->fsgid };
	size_t i;

	for (i = 0; m && i < 4; i++) {
		keep_unmapped(&m->uid, false, uids[i]);
		keep_unmapped(&m->gid, true, gids[i]);
	}
}

int userns_rst_set_groups(const struct rst_ctx *ctx, const struct rst_task *t)
{
	return set_groups(&ctx->ns->user->maps.gid, NULL, t);
}

/* Forked inside the tree's user namespace: the groups as the task sees them, if they differ. */
static int set_groups_inside(const struct rst_task *t)
{
	const CredsEntry *ce = t->core->thread_core ? t->core->thread_core->creds : NULL;
	gid_t now[RST_MAX_GROUPS];
	int n;

	if (!ce || ce->n_groups > RST_MAX_GROUPS)
		return 0;
	n = getgroups(RST_MAX_GROUPS, now);
	/* no groups: the image's list may be NULL, which memcmp() must not get */
	if (n == (int)ce->n_groups && (!n || !memcmp(now, ce->groups, n * sizeof(gid_t))))
		return 0;
	if (setgroups(ce->n_groups, ce->groups)) {
		pr_perror("Can't set the supplementary groups of task %d in its user namespace "
			  "(its setgroups may be denied: its groups differ from its parent's)",
			  t->pid);
		return -errno;
	}
	return 0;
}

int rst_ns_enter_user(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const struct rst_userns *u = ctx->ns ? ctx->ns->user : NULL;
	const struct userns_maps *maps = NULL;
	int ret, fd = -1;

	rst_ns_steer_drop(); /* nothing of criu's may stay open in the task */

	/* a task in a user namespace below the root's enters that one */
	if (t->ids && t->ids->has_user_ns_id)
		fd = rst_ns_nested_user_fd(t->ids->user_ns_id, &maps);
	/* forked inside the tree's: there already */
	if (fd < 0 && u && rst_ns_tree_inside(ctx)) {
		close(tree_user_fd);
		tree_user_fd = -1;
		userns_nested_rst_close_fds();
		return set_groups_inside(t);
	}
	/* one in criu's, with others in nested ones: its groups as the restorer leaves them */
	if (fd < 0 && !u) {
		userns_nested_rst_close_fds();
		return rst_ns_keeps_groups(ctx) ? set_groups(NULL, NULL, t) : 0;
	}
	if (fd < 0) {
		fd = tree_user_fd;
		maps = &u->maps;
	}
	if (u && rst_ns_tree_inside(ctx))
		ret = set_groups(&maps->gid, &ctx->ns->user->maps.gid, t);
	else
		ret = set_groups(&maps->gid, NULL, t);
	if (!ret && setns(fd, CLONE_NEWUSER)) {
		pr_perror("Task %d can't enter its user namespace (fd %d)", t->pid, fd);
		ret = -EPERM;
	}
	close(tree_user_fd);
	tree_user_fd = -1;
	userns_nested_rst_close_fds();
	return ret;
}

/*
 * An ipc namespace's sysctls are writable by the root of the user namespace that owns it
 * (its uid 0, as the kernel sees it), not by criu's root: the root task takes that euid for
 * the time of the writes (its fsuid stays 0: the image is criu's to read). Its capabilities
 * come back with euid 0.
 */
int userns_rst_ipc_var_restore(const struct rst_ns *ns, int dfd, uint32_t id)
{
	uid_t owner;
	int ret;

	if (!ns->user || !userns_id_outside(&ns->user->maps.uid, 0, &owner) || !owner)
		return ipcns_var_restore(dfd, id);
	if (setresuid(-1, owner, -1)) {
		pr_perror("Can't take uid %u, the root of the tree's user namespace", owner);
		return -EPERM;
	}
	setfsuid(0);
	ret = ipcns_var_restore(dfd, id);
	if (setresuid(-1, 0, -1)) {
		pr_perror("Can't take back uid 0 after the ipc sysctls");
		return -EPERM;
	}
	return ret;
}

/*
 * In a child: a namespace of kind made inside the tree's user namespace, so owned by it (a
 * cgroup namespace in the root's cgroups, a task's mount namespace, a network namespace of
 * a task below the root for criu); the child holds it until its parent has taken it.
 */
static void __attribute__((noreturn)) ns_maker(int rfd, int wfd, int kind)
{
	char c = 0;

	if (setns(tree_user_fd, CLONE_NEWUSER) || unshare(kind) || write(wfd, &c, 1) != 1)
		_exit(1);
	while (read(rfd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/*
 * A task can't enter the user namespace before its end (it still forks with set_tid): a
 * child does, and the task enters what it made (kind: CLONE_NEWCGROUP, CLONE_NEWNS).
 */
static int unshare_in_user(int kind, const char *what, pid_t pid)
{
	int down[2], up[2], pidfd = -1, ret = -EPERM;
	pid_t kid;
	char c;

	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC)) {
		pr_perror("Task %d can't make the pipes for its %s namespace", pid, what);
		return -errno;
	}
	/* untraced: criu traces the tasks' children from birth, and would take it for a task */
	kid = syscall(SYS_clone, SIGCHLD | CLONE_UNTRACED, 0, NULL, NULL, 0);
	if (kid == 0) {
		close(down[1]);
		close(up[0]);
		ns_maker(down[0], up[1], kind);
	}
	close(down[0]);
	close(up[1]);
	if (kid > 0 && read(up[0], &c, 1) == 1)
		pidfd = syscall(SYS_pidfd_open, kid, 0);
	if (pidfd >= 0 && !setns(pidfd, kind))
		ret = 0;
	else
		pr_perror("Task %d can't make a %s namespace in the tree's user namespace", pid,
			  what);
	if (pidfd >= 0)
		close(pidfd);
	close(down[1]);
	close(up[0]);
	if (kid > 0)
		waitpid(kid, NULL, 0);
	return ret;
}

int rst_ns_make_net_in_user(void)
{
	int down[2], up[2], fd = -EPERM;
	char path[64], c;
	pid_t kid;

	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC)) {
		pr_perror("Can't make the pipes for a network namespace of the user namespace");
		return -errno;
	}
	kid = fork();
	if (kid == 0) {
		close(down[1]);
		close(up[0]);
		ns_maker(down[0], up[1], CLONE_NEWNET);
	}
	close(down[0]);
	close(up[1]);
	if (kid > 0 && read(up[0], &c, 1) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", kid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		pr_perror("Can't make a network namespace in the tree's user namespace");
	close(down[1]);
	close(up[0]);
	if (kid > 0)
		waitpid(kid, NULL, 0);
	return fd < 0 ? -EPERM : fd;
}

int rst_ns_unshare_cgroup(const struct rst_ctx *ctx, pid_t pid)
{
	if (ctx->ns && ctx->ns->user && !rst_ns_tree_inside(ctx))
		return unshare_in_user(CLONE_NEWCGROUP, "cgroup", pid);
	if (unshare(CLONE_NEWCGROUP)) {
		pr_perror("Task %d can't make its cgroup namespace", pid);
		return -errno;
	}
	return 0;
}

int rst_ns_unshare_mnt(const struct rst_ctx *ctx, pid_t pid)
{
	if (ctx->ns && ctx->ns->user && !rst_ns_tree_inside(ctx))
		return unshare_in_user(CLONE_NEWNS, "mount", pid);
	if (unshare(CLONE_NEWNS)) {
		pr_perror("Task %d can't make its mount namespace", pid);
		return -errno;
	}
	return 0;
}
