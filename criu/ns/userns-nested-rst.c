/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/userns-nested-rst.c - user namespaces below the tree root's, made again (userns.h).
 *
 * Each one is made by a helper child of criu that enters its parent (the root's user
 * namespace, made by userns-restore.c, or a nested one made before it), takes the owner's
 * uid (the kernel wants the creator's ids mapped in the parent) and unshares a user
 * namespace. Its maps are written by a second child that enters the parent: the kernel takes
 * a map only from an opener in the namespace or its parent, with the lower ids in the
 * parent's view, so the images' ones (criu's view) go through the parent's maps. criu opens
 * each namespace above every fd of the tasks; each task of one enters it at its end as the
 * root's tasks enter theirs (rst_ns_enter_user()). The helpers hold the namespaces until the
 * tree is in place, and die with criu (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "internal.h"
#include "userns.h"

_Static_assert(USERNS_MAX_NESTED == NS_USER_MAX_NESTED, "ns.h and userns.h disagree");

struct nested_rst {
	uint32_t id;
	struct userns_maps *maps; /* as the images hold them: lower ids in criu's view */
	pid_t helper;
	int ctl; /* criu's end of the helper's pipe: it holds the namespace until EOF */
	int fd;	 /* the namespace, above every fd of the tasks; a task's own copy after fork */
};

static struct nested_rst nested[USERNS_MAX_NESTED];
static size_t nr_nested;
static uint32_t nested_root_id; /* the images' id of the root's user namespace */

bool userns_nested_rst_any(void)
{
	return nr_nested > 0;
}

static struct nested_rst *nested_by_id(uint32_t id)
{
	size_t i;

	for (i = 0; i < nr_nested; i++)
		if (nested[i].id == id)
			return &nested[i];
	return NULL;
}

static int add_one(int dfd, uint32_t id, uint32_t root_id)
{
	struct nested_rst *n = &nested[nr_nested];
	int ret;

	if (nr_nested == USERNS_MAX_NESTED) {
		pr_err("The images hold more than %d user namespaces below the root's\n",
		       USERNS_MAX_NESTED);
		return -E2BIG;
	}
	n->maps = calloc(1, sizeof(*n->maps));
	if (!n->maps)
		return -ENOMEM;
	n->id = id;
	n->helper = -1;
	n->ctl = n->fd = -1;
	nr_nested++;
	ret = userns_read_maps(dfd, id, n->maps);
	if (!ret && (!n->maps->parent || n->maps->parent == id)) {
		pr_err("userns-extra-%u.img: the nested user namespace has no parent (the root's "
		       "is %u)\n",
		       id, root_id);
		ret = -EINVAL;
	}
	if (!ret)
		pr_info("User namespace %u below %u: %zu uid and %zu gid extents, setgroups %s\n",
			id, n->maps->parent, n->maps->uid.nr, n->maps->gid.nr,
			n->maps->setgroups ? "allow" : "deny");
	return ret;
}

int userns_nested_rst_prepare(const struct rst_ctx *ctx, uint32_t root_id)
{
	size_t i;
	int ret;

	nested_root_id = root_id;
	for (i = 0; i < ctx->nr_tasks; i++) {
		const TaskKobjIdsEntry *ids = ctx->tasks[i].ids;

		if (!ids || !ids->has_user_ns_id || ids->user_ns_id == root_id ||
		    nested_by_id(ids->user_ns_id))
			continue;
		ret = add_one(ctx->dfd, ids->user_ns_id, root_id);
		if (ret)
			return ret;
	}
	for (i = 0; i < nr_nested; i++) {
		uint32_t parent = nested[i].maps->parent;

		if (parent != root_id && !nested_by_id(parent)) {
			pr_err("userns-extra-%u.img: its parent user namespace %u is no task's: "
			       "bad images\n",
			       nested[i].id, parent);
			return -EINVAL;
		}
	}
	return 0;
}

/* The helper: in the parent, as the owner, a new user namespace held until EOF on rfd. */
static void __attribute__((noreturn)) helper_main(int pfd, uid_t uid, gid_t gid, int rfd, int wfd)
{
	char c = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((pfd >= 0 && setns(pfd, CLONE_NEWUSER)) || setresgid(-1, gid, -1) ||
	    setresuid(-1, uid, -1))
		_exit(1);
	if (dup2(rfd, 0) != 0 || dup2(wfd, 1) != 1)
		_exit(1);
	syscall(SYS_close_range, 2, ~0U, 0);
	if (unshare(CLONE_NEWUSER))
		_exit(2);
	/* its /proc files owned by its euid (mapped in the parent), not by the host's root */
	prctl(PR_SET_DUMPABLE, 1);
	if (write(1, &c, 1) != 1)
		_exit(2);
	while (read(0, &c, 1) > 0 || errno == EINTR)
		;
	_exit(0);
}

/* The creator's ids in the parent's view: the owner's uid, and gid 0 or the first mapped. */
static void creator_ids(const struct userns_maps *m, const struct userns_maps *pm, uid_t *uid,
			gid_t *gid)
{
	uint32_t any;

	if (!pm) { /* criu's own: every id is there */
		*uid = m->has_owner ? m->owner : 0;
		*gid = 0;
		return;
	}
	/* a parent nobody gave maps: the helper keeps criu's ids there (unmapped, as the
	 * owner's were: userns-unmapped.c) */
	*uid = *gid = (uid_t)-1;
	if (pm->uid.nr && (!m->has_owner || !userns_id_inside(&pm->uid, m->owner, uid)))
		*uid = pm->uid.e[0].first;
	if (pm->gid.nr)
		*gid = userns_id_outside(&pm->gid, 0, &any) ? 0 : pm->gid.e[0].first;
}

static int start_helper(struct nested_rst *n, int pfd, const struct userns_maps *pm)
{
	int down[2], up[2], ret = 0;
	uid_t uid;
	gid_t gid;
	char c;

	creator_ids(n->maps, pm, &uid, &gid);
	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC)) {
		pr_perror("Can't make the pipes of user namespace %u's helper", n->id);
		return -errno;
	}
	n->helper = fork();
	if (n->helper == 0)
		helper_main(pfd, uid, gid, down[0], up[1]);
	close(down[0]);
	close(up[1]);
	n->ctl = down[1];
	if (n->helper < 0 || read(up[0], &c, 1) != 1) {
		pr_err("The helper of nested user namespace %u (owner %u, gid %u in its parent) "
		       "failed to make it\n",
		       n->id, uid, gid);
		ret = -EPERM;
	}
	close(up[0]);
	return ret;
}

/* A child in the parent writes the helper's maps, with the lower ids in the parent's view. */
static int write_maps(const struct nested_rst *n, int pfd, const struct userns_maps *pm)
{
	struct userns_maps *view = malloc(sizeof(*view));
	int status = 0, ret = 0;
	pid_t w;

	if (!view)
		return -ENOMEM;
	*view = *n->maps;
	if (pm)
		ret = userns_map_to_parent(&n->maps->uid, &pm->uid, &view->uid)
			      ?: userns_map_to_parent(&n->maps->gid, &pm->gid, &view->gid);
	if (ret) {
		pr_err("The maps of nested user namespace %u have ids its parent's maps have not "
		       "(or need more than %d extents there): bad images\n",
		       n->id, USERNS_MAX_EXTENTS);
		free(view);
		return ret;
	}
	w = fork();
	if (w == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (pfd >= 0 && setns(pfd, CLONE_NEWUSER)) {
			pr_perror("Can't enter the parent of nested user namespace %u", n->id);
			_exit(1);
		}
		_exit(userns_write_maps(n->helper, view) ? 1 : 0);
	}
	free(view);
	if (w < 0 || waitpid(w, &status, 0) != w || !WIFEXITED(status) || WEXITSTATUS(status)) {
		pr_err("Can't write the maps of nested user namespace %u\n", n->id);
		return -EPERM;
	}
	return 0;
}

static int open_above(struct nested_rst *n, int fd_top)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", n->helper);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n->fd = fcntl(fd, F_DUPFD_CLOEXEC, fd_top + 1);
		close(fd);
	}
	if (n->fd < 0) {
		pr_perror("Can't open nested user namespace %u (%s)", n->id, path);
		return -errno;
	}
	return 0;
}

static int make_one(struct nested_rst *n, int root_fd, const struct userns_maps *root_maps,
		    int fd_top)
{
	const struct nested_rst *p = nested_by_id(n->maps->parent);
	int pfd = p ? p->fd : root_fd;
	const struct userns_maps *pm = p ? p->maps : root_maps;

	return start_helper(n, pfd, pm) ?: write_maps(n, pfd, pm) ?: open_above(n, fd_top);
}

int userns_nested_rst_make(int root_fd, const struct userns_maps *root_maps, int fd_top)
{
	uint32_t root_id = nested_root_id;
	size_t i, made = 0, before;
	int ret;

	/* parents first: a pass makes those whose parent is there */
	while (made < nr_nested) {
		before = made;
		for (i = 0; i < nr_nested; i++) {
			const struct nested_rst *p = nested_by_id(nested[i].maps->parent);

			if (nested[i].helper > 0 ||
			    (nested[i].maps->parent != root_id && p && p->helper <= 0))
				continue;
			ret = make_one(&nested[i], root_fd, root_maps, fd_top);
			if (ret)
				return ret;
			made++;
		}
		if (made == before) {
			pr_err("The nested user namespaces of the images are their own parents\n");
			return -EINVAL;
		}
	}
	return 0;
}

int rst_ns_nested_user_fd(uint32_t id, const struct userns_maps **maps)
{
	const struct nested_rst *n = nested_by_id(id);

	if (!n)
		return -1;
	*maps = n->maps;
	return n->fd;
}

const struct userns_maps *userns_nested_rst_maps(uint32_t id)
{
	const struct nested_rst *n = nested_by_id(id);

	return n ? n->maps : NULL;
}

void userns_nested_rst_close_fds(void)
{
	size_t i;

	for (i = 0; i < nr_nested; i++) {
		if (nested[i].fd >= 0)
			close(nested[i].fd);
		nested[i].fd = -1;
	}
}

int rst_ns_nested_user_keep(int *fds)
{
	size_t i;

	for (i = 0; i < nr_nested; i++)
		fds[i] = nested[i].fd;
	return nr_nested;
}

int userns_nested_rst_own_fds(int min)
{
	size_t i;

	for (i = 0; i < nr_nested; i++) {
		if (nested[i].fd < 0)
			continue;
		nested[i].fd = fcntl(nested[i].fd, F_DUPFD_CLOEXEC, min);
		if (nested[i].fd < 0) {
			pr_perror("Can't copy the fd of nested user namespace %u", nested[i].id);
			return -errno;
		}
	}
	return 0;
}

void userns_nested_rst_drop(void)
{
	size_t i;

	userns_nested_rst_close_fds();
	for (i = 0; i < nr_nested; i++) {
		if (nested[i].helper > 0) {
			kill(nested[i].helper, SIGKILL);
			waitpid(nested[i].helper, NULL, 0);
		}
		nested[i].helper = -1;
		if (nested[i].ctl >= 0)
			close(nested[i].ctl);
		nested[i].ctl = -1;
	}
}

void userns_nested_rst_free(void)
{
	size_t i;

	userns_nested_rst_drop();
	for (i = 0; i < nr_nested; i++)
		free(nested[i].maps);
	nr_nested = 0;
}
