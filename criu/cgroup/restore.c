/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup/restore.c - the cgroups of cgroup.img made again, as --manage-cgroups says:
 *   none    every cgroup must exist; nothing is set
 *   props   every cgroup must exist; every property is set
 *   soft    missing cgroups are made and get their properties; existing ones are kept
 *   full    missing cgroups are made; every cgroup gets its properties
 *   strict  no cgroup may exist (a hierarchy's root aside); all are made with their properties
 *   ignore  cgroup.img is not read; tasks stay in criu's cgroups
 * --cgroup-root [CTL:]PATH puts a hierarchy's top cgroup (the tree's, one per hierarchy) at
 * PATH, the cgroups below it with it. criu makes them before the first fork; each task
 * moves itself in before it rebuilds anything (rst_cgroup_enter), through criu's fds on the
 * hierarchies (its own mount namespace may have no cgroup mounts). The cgroups criu made
 * are removed again when the restore fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "cgroup.h"
#include "cgroup-opts.h"
#include "image.h"
#include "internal.h"
#include "log.h"
#include "ns.h"
#include "restore-ctx.h"

#include "cgroup.pb-c.h"

#define CG_PATH_MAX 4096

/* A hierarchy of the images */
struct rst_cg_ctl {
	char *ctls; /* the cnames joined, as /proc/PID/cgroup names the hierarchy */
	const CgControllerEntry *ce;
	const struct cg_hier *h;
	char *old_top;	     /* the top cgroup in the images, with --cgroup-root only */
	const char *new_top; /* --cgroup-root's path for it, or NULL */
	int dir_fd;	     /* O_PATH on h->dir, above the tasks' fds: how tasks reach it */
};

struct rst_cg {
	CgroupEntry *e;
	enum cg_mode mode;
	struct cg_hiers hs;
	struct rst_cg_ctl *ctls;
	size_t nr_ctls;
	char **made; /* the cgroups criu made, parents first */
	size_t nr_made;
};

static const struct rst_cg_ctl *ctl_of(const struct rst_cg *cg, const char *ctls)
{
	size_t i;

	for (i = 0; i < cg->nr_ctls; i++)
		if (!strcmp(cg->ctls[i].ctls, ctls))
			return &cg->ctls[i];
	return NULL;
}

/* Is path the top old (or below it), by whole components? */
static bool under(const char *old, const char *path)
{
	size_t n = strlen(old);

	if (!strcmp(old, "/"))
		return true;
	return !strncmp(path, old, n) && (!path[n] || path[n] == '/');
}

/* A path of the images, moved under --cgroup-root, then in criu's file system: into out */
static int host_path(const struct rst_cg_ctl *c, const char *path, char *out, size_t len)
{
	const char *rest;
	int w;

	if (!c->new_top || !under(c->old_top, path)) {
		w = snprintf(out, len, "%s%s", c->h->dir, path);
	} else {
		/* what is below the old top: "" for the top itself, else "/x/y" */
		rest = strcmp(c->old_top, "/") ? path + strlen(c->old_top) : path;
		if (!strcmp(rest, "/"))
			rest = "";
		w = snprintf(out, len, "%s%s%s", c->h->dir,
			     strcmp(c->new_top, "/") || !rest[0] ? c->new_top : "", rest);
	}
	if (w < 0 || (size_t)w >= len) {
		pr_err("cgroup path too long: %s%s\n", c->h->dir, path);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* Images are input: a path that climbs out of its hierarchy or a name with '/' is refused. */
static bool bad_path(const char *p, bool child)
{
	const char *c;

	if (child && (!p[0] || strchr(p, '/')))
		return true;
	for (c = p; *c; c += strcspn(c, "/") + (c[strcspn(c, "/")] == '/'))
		if (!strncmp(c, "..", 2) && (!c[2] || c[2] == '/'))
			return true;
	return false;
}

#define CG_DEPTH_MAX 128 /* deeper than any path of CG_PATH_MAX bytes can go */

static int check_dirs(CgroupDirEntry **dirs, size_t nr, unsigned int depth)
{
	size_t i;

	if (depth > CG_DEPTH_MAX) {
		pr_err("cgroup.img: cgroups nested deeper than %d\n", CG_DEPTH_MAX);
		return -EINVAL;
	}
	for (i = 0; i < nr; i++) {
		if (bad_path(dirs[i]->dir_name, depth > 0)) {
			pr_err("cgroup.img: bad cgroup name '%s'\n", dirs[i]->dir_name);
			return -EINVAL;
		}
		if (check_dirs(dirs[i]->children, dirs[i]->n_children, depth + 1))
			return -EINVAL;
	}
	return 0;
}

static char *join_names(const CgControllerEntry *ce)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < ce->n_cnames; i++)
		len += strlen(ce->cnames[i]) + 1;
	s = calloc(1, len);
	for (i = 0; s && i < ce->n_cnames; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, ce->cnames[i]);
	}
	return s;
}

/* --cgroup-root for this hierarchy: the one naming it, else the one without a controller */
static const char *root_for(const struct cg_options *o, const struct rst_cg_ctl *c)
{
	const char *dflt = NULL;
	int i;
	size_t j;

	for (i = 0; i < o->nr_roots; i++) {
		const char *r = o->roots[i], *colon = strchr(r, ':');
		size_t n = colon ? (size_t)(colon - r) : 0;

		if (!colon) {
			dflt = r;
			continue;
		}
		if ((strlen(c->ctls) == n && !strncmp(c->ctls, r, n)) ||
		    (!c->ctls[0] && n == 7 && !strncmp(r, "unified", 7)))
			return colon + 1;
		for (j = 0; j < c->ce->n_cnames; j++)
			if (strlen(c->ce->cnames[j]) == n && !strncmp(c->ce->cnames[j], r, n))
				return colon + 1;
	}
	return dflt;
}

static int setup_root(const struct cg_options *o, struct rst_cg_ctl *c)
{
	const char *root = root_for(o, c);

	if (!root)
		return 0;
	if (c->ce->n_dirs != 1) {
		pr_err("--cgroup-root %s: the tree has %zu top cgroups in the hierarchy '%s', not "
		       "one; give each a path with the cgroups made beforehand instead\n",
		       root, c->ce->n_dirs, cg_hier_label(c->ctls));
		return -EINVAL;
	}
	if (asprintf(&c->old_top, "/%s", c->ce->dirs[0]->dir_name) < 0) {
		c->old_top = NULL;
		return -ENOMEM;
	}
	c->new_top = root;
	pr_info("cgroups of '%s': %s goes to %s\n", cg_hier_label(c->ctls), c->old_top, root);
	return 0;
}

static int setup_ctls(struct rst_cg *cg, const struct cg_options *o)
{
	size_t i;
	int ret = 0;

	cg->ctls = calloc(cg->e->n_controllers ?: 1, sizeof(*cg->ctls));
	if (!cg->ctls)
		return -ENOMEM;
	for (i = 0; !ret && i < cg->e->n_controllers; i++) {
		struct rst_cg_ctl *c = &cg->ctls[i];

		c->ce = cg->e->controllers[i];
		c->dir_fd = -1;
		c->ctls = join_names(c->ce);
		cg->nr_ctls++;
		if (!c->ctls)
			return -ENOMEM;
		ret = check_dirs(c->ce->dirs, c->ce->n_dirs, 0);
		if (!ret) {
			c->h = cg_hier_get(&cg->hs, o->yard, c->ctls);
			ret = c->h ? setup_root(o, c) : -ENOENT;
		}
	}
	return ret;
}

/* Every member of every set names a saved hierarchy by a sane path. */
static int check_sets(const struct rst_cg *cg)
{
	size_t i, j;

	for (i = 0; i < cg->e->n_sets; i++)
		for (j = 0; j < cg->e->sets[i]->n_ctls; j++) {
			const CgMemberEntry *m = cg->e->sets[i]->ctls[j];

			if (!ctl_of(cg, m->name)) {
				pr_err("cgroup.img: set %u names the hierarchy '%s', which it does "
				       "not save\n",
				       cg->e->sets[i]->id, m->name);
				return -EINVAL;
			}
			if (m->path[0] != '/' || bad_path(m->path, false) ||
			    strlen(m->path) >= CG_PATH_MAX ||
			    (m->has_cgns_prefix &&
			     (m->cgns_prefix > strlen(m->path) ||
			      (m->path[m->cgns_prefix] && m->path[m->cgns_prefix] != '/')))) {
				pr_err("cgroup.img: set %u: bad path '%s'\n", cg->e->sets[i]->id,
				       m->path);
				return -EINVAL;
			}
		}
	return 0;
}

static int note_made(struct rst_cg *cg, const char *path)
{
	if (ARRAY_ADD_ROOM(cg->made, cg->nr_made))
		return -ENOMEM;
	cg->made[cg->nr_made] = strdup(path);
	return cg->made[cg->nr_made] ? (cg->nr_made++, 0) : -ENOMEM;
}

static bool has_ctl(const char *ctls, const char *name)
{
	size_t n = strlen(name);
	const char *c;

	for (c = ctls; *c; c += strcspn(c, ",") + (c[strcspn(c, ",")] == ','))
		if (strcspn(c, ",") == n && !strncmp(c, name, n))
			return true;
	return false;
}

/*
 * A new v1 cpuset has no cpus and mems, and takes no task so: it gets its parent's, as a
 * cgroup made with cgroup.clone_children would; saved values come on top.
 */
static int copy_cpuset(const char *path)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char file[CG_PATH_MAX + 32], val[4096];
	const char *slash = strrchr(path, '/');
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < 2; i++) {
		snprintf(file, sizeof(file), "%.*s/%s", (int)(slash - path), path, files[i]);
		if (cg_read_file(file, val, sizeof(val)) || !val[0])
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, files[i]);
		ret = cg_write_file(file, val);
		if (ret)
			pr_err("Can't give the new cpuset %s its parent's %s: %s\n", path, files[i],
			       strerror(-ret));
	}
	return ret;
}

/* mkdir, noted for the clean-up; 1 if made, 0 if it was there, or -errno (said) */
static int make_dir(struct rst_cg *cg, const struct rst_cg_ctl *c, const char *path)
{
	if (mkdir(path, 0755) == 0) {
		int ret = note_made(cg, path);

		if (!ret && c->ctls[0] && has_ctl(c->ctls, "cpuset"))
			ret = copy_cpuset(path);
		return ret ?: 1;
	}
	if (errno == EEXIST)
		return 0;
	pr_perror("Can't make the cgroup %s (--manage-cgroups=%s)", path, cg_mode_name(cg->mode));
	return -errno;
}

/* The folders above a top cgroup, below the hierarchy's root */
static int make_parents(struct rst_cg *cg, const struct rst_cg_ctl *c, const char *path)
{
	const struct cg_hier *h = c->h;
	char buf[CG_PATH_MAX];
	char *slash;
	int ret = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	for (slash = strchr(buf + strlen(h->dir) + 1, '/'); !ret && slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = 0;
		ret = make_dir(cg, c, buf);
		*slash = '/';
		ret = ret < 0 ? ret : 0; /* made or there: the next one */
	}
	return ret;
}

/* cgroup.subtree_control reads "cpu memory" and takes "+cpu +memory" */
static int write_value(const char *file, const char *name, const char *val)
{
	char buf[4096], *o = buf;
	const char *v = val;
	int ret = 0;

	if (!strcmp(name, "cgroup.subtree_control")) {
		while (*v && o < buf + sizeof(buf) - 2) {
			*o++ = '+';
			while (*v && *v != ' ' && o < buf + sizeof(buf) - 1)
				*o++ = *v++;
			while (*v == ' ' && o < buf + sizeof(buf) - 1)
				*o++ = *v++;
		}
		*o = 0;
		return cg_write_file(file, buf);
	}
	/* a value of several lines is written line by line (net_prio.ifpriomap) */
	while (!ret && *v) {
		size_t n = strcspn(v, "\n");

		snprintf(buf, sizeof(buf), "%.*s", (int)n, v);
		ret = cg_write_file(file, buf);
		v += n + (v[n] == '\n');
	}
	return ret;
}

static int set_prop(const char *dir, const CgroupPropEntry *pe, bool made)
{
	char file[CG_PATH_MAX + 256], now[4096];
	int ret;

	if (!pe->value[0] || strchr(pe->name, '/'))
		return 0; /* nothing to set (an empty cpuset of a cgroup without tasks) */
	/* cgroup2 takes only "threaded"; "domain threaded" follows from a threaded child */
	if (!strcmp(pe->name, "cgroup.type") && strcmp(pe->value, "threaded"))
		return 0;
	snprintf(file, sizeof(file), "%s/%s", dir, pe->name);
	if (!cg_read_file(file, now, sizeof(now)) && !strcmp(now, pe->value))
		return 0;
	ret = write_value(file, pe->name, pe->value);
	if (ret) {
		pr_err("Can't set the cgroup property %s to '%s': %s; leave it out at dump "
		       "(--cgroup-props) or restore with --manage-cgroups=soft or none\n",
		       file, pe->value, strerror(-ret));
		return ret;
	}
	if (made && pe->perms &&
	    (chown(file, pe->perms->uid, pe->perms->gid) || chmod(file, pe->perms->mode & 07777))) {
		pr_perror("Can't give %s its owner and mode", file);
		return -errno;
	}
	return 0;
}

static int set_props(const char *dir, const CgroupDirEntry *d, bool made)
{
	size_t i;
	int ret = 0;

	if (made && d->dir_perms &&
	    (chown(dir, d->dir_perms->uid, d->dir_perms->gid) ||
	     chmod(dir, d->dir_perms->mode & 07777))) {
		pr_perror("Can't give the cgroup %s its owner and mode", dir);
		return -errno;
	}
	for (i = 0; !ret && i < d->n_properties; i++)
		ret = set_prop(dir, d->properties[i], made);
	return ret;
}

/* Is the mode's rule about an existing or missing cgroup kept? 0 or -errno (said) */
static int check_exists(const struct rst_cg *cg, const char *dir, bool exists, bool root)
{
	if (!exists && (cg->mode == CG_MODE_NONE || cg->mode == CG_MODE_PROPS)) {
		pr_err("The cgroup %s does not exist: --manage-cgroups=%s needs it made "
		       "beforehand (soft, full or strict make it)\n",
		       dir, cg_mode_name(cg->mode));
		return -ENOENT;
	}
	if (exists && !root && cg->mode == CG_MODE_STRICT) {
		pr_err("The cgroup %s exists already: --manage-cgroups=strict makes every cgroup "
		       "anew (remove it, or use soft or full)\n",
		       dir);
		return -EEXIST;
	}
	return 0;
}

static int restore_dir(struct rst_cg *cg, const struct rst_cg_ctl *c, const CgroupDirEntry *d,
		       const char *path)
{
	char dir[CG_PATH_MAX], child[CG_PATH_MAX];
	bool root, made = false;
	struct stat st;
	size_t i;
	int ret;

	ret = host_path(c, path, dir, sizeof(dir));
	if (ret)
		return ret;
	/* the hierarchy's root itself: it is there and has no limits to set */
	root = !strcmp(dir + strlen(c->h->dir), "/") || !dir[strlen(c->h->dir)];
	ret = check_exists(cg, dir, !stat(dir, &st), root);
	if (!ret && cg->mode != CG_MODE_NONE && cg->mode != CG_MODE_PROPS) {
		ret = make_parents(cg, c, dir) ?: make_dir(cg, c, dir);
		made = ret == 1;
		ret = ret < 0 ? ret : 0;
	}
	if (!ret && !root && (made || cg->mode == CG_MODE_PROPS || cg->mode == CG_MODE_FULL))
		ret = set_props(dir, d, made);
	for (i = 0; !ret && i < d->n_children; i++) {
		if (snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "",
			     d->children[i]->dir_name) >= (int)sizeof(child)) {
			pr_err("cgroup.img: the path of a cgroup below %s is too long\n", path);
			return -ENAMETOOLONG;
		}
		ret = restore_dir(cg, c, d->children[i], child);
	}
	return ret;
}

static int restore_ctls(struct rst_cg *cg)
{
	char top[CG_PATH_MAX];
	size_t i, j;
	int ret = 0;

	for (i = 0; !ret && i < cg->nr_ctls; i++)
		for (j = 0; !ret && j < cg->ctls[i].ce->n_dirs; j++) {
			const CgroupDirEntry *d = cg->ctls[i].ce->dirs[j];

			if (snprintf(top, sizeof(top), "/%s", d->dir_name) >= (int)sizeof(top)) {
				pr_err("cgroup.img: a cgroup's path is too long\n");
				return -ENAMETOOLONG;
			}
			ret = restore_dir(cg, &cg->ctls[i], d, top);
		}
	return ret;
}

static int read_entry(struct rst_ctx *ctx, CgroupEntry **e)
{
	struct cr_img *img;
	int ret;

	*e = NULL;
	img = open_image_optional(ctx->dfd, CR_FD_CGROUP, 0);
	if (!img) /* none saved (--manage-cgroups=ignore at dump) */
		return errno == ENOENT ? 0 : -EIO;
	ret = pb_read_one(img, &cgroup_entry__descriptor, (ProtobufCMessage **)e);
	close_image(img);
	return ret;
}

int rst_cgroup_prepare(struct rst_ctx *ctx)
{
	const struct cg_options *o = ctx->ro->cg;
	struct rst_cg *cg;
	CgroupEntry *e;
	int ret;

	if (!o || o->mode == CG_MODE_IGNORE)
		return 0;
	ret = read_entry(ctx, &e);
	if (ret || !e)
		return ret;
	cg = calloc(1, sizeof(*cg));
	if (!cg) {
		cgroup_entry__free_unpacked(e, NULL);
		return -ENOMEM;
	}
	cg->e = e;
	cg->mode = o->mode;
	ctx->cg = cg;
	ret = setup_ctls(cg, o) ?: check_sets(cg) ?: restore_ctls(cg);
	if (!ret)
		pr_info("cgroups: %zu set(s) in %zu hierarch(ies), %zu cgroup(s) made (%s)\n",
			e->n_sets, cg->nr_ctls, cg->nr_made, cg_mode_name(cg->mode));
	return ret;
}

int rst_cgroup_hold_dirs(const struct rst_ctx *ctx)
{
	struct rst_cg *cg = ctx->cg;
	size_t i;
	int fd;

	if (cg && cg->nr_ctls > RST_CG_MAX_DIRS) {
		pr_err("cgroup.img names %zu hierarchies: a restore handles %d at most; leave "
		       "some out with --cgroup-dump-controller at dump\n",
		       cg->nr_ctls, RST_CG_MAX_DIRS);
		return -E2BIG;
	}
	for (i = 0; cg && i < cg->nr_ctls; i++) {
		struct rst_cg_ctl *c = &cg->ctls[i];

		fd = open(c->h->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			pr_perror("Can't open the cgroup hierarchy %s", c->h->dir);
			return -errno;
		}
		c->dir_fd = fcntl(fd, F_DUPFD_CLOEXEC, ctx->fd_top + 1);
		close(fd);
		if (c->dir_fd < 0) {
			pr_perror("Can't move the fd of the cgroup hierarchy %s above %d",
				  c->h->dir, ctx->fd_top);
			return -errno;
		}
	}
	return 0;
}

int rst_cgroup_dir_fds(const struct rst_ctx *ctx, int *fds)
{
	const struct rst_cg *cg = ctx->cg;
	size_t i;

	for (i = 0; cg && i < cg->nr_ctls; i++)
		fds[i] = cg->ctls[i].dir_fd;
	return cg ? (int)cg->nr_ctls : 0;
}

void rst_cgroup_drop_dirs(const struct rst_ctx *ctx)
{
	const struct rst_cg *cg = ctx->cg;
	size_t i;

	for (i = 0; cg && i < cg->nr_ctls; i++)
		if (cg->ctls[i].dir_fd >= 0)
			close(cg->ctls[i].dir_fd);
}

static const CgSetEntry *set_of(const struct rst_cg *cg, uint32_t id)
{
	size_t i;

	for (i = 0; i < cg->e->n_sets; i++)
		if (cg->e->sets[i]->id == id)
			return cg->e->sets[i];
	return NULL;
}

/* Where the task is now in the hierarchy ctls (criu's cgroup, inherited), or NULL */
static const char *now_in(const struct cg_members *self, const char *ctls)
{
	size_t i;

	for (i = 0; i < self->nr; i++)
		if (!strcmp(self->m[i].ctls, ctls))
			return self->m[i].path;
	return NULL;
}

static int enter_one(const struct rst_cg *cg, const CgMemberEntry *m, const char *cur, pid_t pid)
{
	const struct rst_cg_ctl *c = ctl_of(cg, m->name);
	char dir[CG_PATH_MAX], file[CG_PATH_MAX + 16];
	const char *rel;
	int ret;

	ret = host_path(c, m->path, dir, sizeof(dir));
	if (ret)
		return ret;
	rel = dir + strlen(c->h->dir);
	/* already there (criu's own cgroup): writing would change nothing */
	if (cur && !strcmp(rel[0] ? rel : "/", cur))
		return 0;
	/* through criu's fd: the task's mount namespace may have no cgroup mounts */
	while (*rel == '/')
		rel++;
	snprintf(file, sizeof(file), "%s%scgroup.procs", rel, rel[0] ? "/" : "");
	ret = cg_write_file_at(c->dir_fd, file, "0");
	if (ret)
		pr_err("Task %d can't move into the cgroup %s: %s\n", pid, dir, strerror(-ret));
	return ret;
}

/* The root of a cgroup namespace of its own: into the namespace's roots, to unshare there. */
static int enter_cgns_roots(const struct rst_cg *cg, const CgSetEntry *set, pid_t pid)
{
	CgMemberEntry root;
	char path[CG_PATH_MAX];
	size_t i;
	int ret = 0;

	for (i = 0; cg && set && !ret && i < set->n_ctls; i++) {
		const CgMemberEntry *m = set->ctls[i];

		if (!m->has_cgns_prefix)
			continue;
		if (m->cgns_prefix > strlen(m->path)) {
			pr_err("cgroup.img: cgns_prefix %u is longer than the path %s\n",
			       m->cgns_prefix, m->path);
			return -EINVAL;
		}
		/* the namespace's root: the path's first cgns_prefix bytes, "/" for none */
		snprintf(path, sizeof(path), "%.*s", m->cgns_prefix ? (int)m->cgns_prefix : 1,
			 m->path);
		root = *m;
		root.path = path;
		ret = enter_one(cg, &root, NULL, pid);
	}
	return ret;
}

int rst_cgroup_enter(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const struct rst_cg *cg = ctx->cg;
	bool own_ns = rst_ns_own_cgroup(ctx), is_root = !t->pstree->ppid;
	const CgSetEntry *set = NULL;
	struct cg_members self = {};
	size_t i;
	int ret = 0;

	if (cg && t->core && t->core->tc && t->core->tc->has_cg_set) {
		set = set_of(cg, t->core->tc->cg_set);
		if (!set) {
			pr_err("core-%d.img: cgroup set %u is not in cgroup.img\n", t->pid,
			       t->core->tc->cg_set);
			return -EINVAL;
		}
	}
	if (own_ns && is_root)
		ret = enter_cgns_roots(cg, set, t->pid) ?: rst_ns_unshare_cgroup(ctx, t->pid);
	if (ret || !set)
		return ret;
	/* in the tree's cgroup namespace, /proc/self/cgroup is not criu's view: always move */
	if (!own_ns)
		ret = cg_parse_self(&self);
	for (i = 0; !ret && i < set->n_ctls; i++)
		ret = enter_one(cg, set->ctls[i], now_in(&self, set->ctls[i]->name), t->pid);
	cg_members_free(&self);
	return ret;
}

/* Is the member's path the one of the same hierarchy in set? */
static bool same_place(const CgSetEntry *set, const CgMemberEntry *m)
{
	size_t i;

	for (i = 0; set && i < set->n_ctls; i++)
		if (!strcmp(set->ctls[i]->name, m->name))
			return !strcmp(set->ctls[i]->path, m->path);
	return false;
}

/* A thread by its tid: v1's tasks file, cgroup2's cgroup.threads (a threaded cgroup) */
static int move_thread(const struct rst_cg *cg, const CgMemberEntry *m, pid_t tid)
{
	const struct rst_cg_ctl *c = ctl_of(cg, m->name);
	char dir[CG_PATH_MAX], file[CG_PATH_MAX + 16], num[16];
	int ret;

	ret = host_path(c, m->path, dir, sizeof(dir));
	if (ret)
		return ret;
	snprintf(file, sizeof(file), "%s/%s", dir, c->ctls[0] ? "tasks" : "cgroup.threads");
	snprintf(num, sizeof(num), "%d", tid);
	ret = cg_write_file(file, num);
	if (ret)
		pr_err("Thread %d can't move into the cgroup %s: %s\n", tid, dir, strerror(-ret));
	return ret;
}

int rst_cgroup_threads(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const struct rst_cg *cg = ctx->cg;
	const CgSetEntry *own, *set;
	size_t i, j;
	int ret = 0;

	if (!cg || !t->core || !t->core->tc || !t->core->tc->has_cg_set)
		return 0;
	own = set_of(cg, t->core->tc->cg_set);
	for (i = 0; !ret && i < t->nr_threads; i++) {
		const ThreadCoreEntry *tc = t->thread_cores[i]->thread_core;

		if (!tc || !tc->has_cg_set || tc->cg_set == t->core->tc->cg_set)
			continue;
		set = set_of(cg, tc->cg_set);
		if (!set) {
			pr_err("core-%d.img: cgroup set %u is not in cgroup.img\n", t->tids[i],
			       tc->cg_set);
			return -EINVAL;
		}
		for (j = 0; !ret && j < set->n_ctls; j++)
			if (!same_place(own, set->ctls[j]))
				ret = move_thread(cg, set->ctls[j], t->tids[i]);
	}
	return ret;
}

/* A cgroup whose last task died a moment ago may still be busy: wait a little. */
static void remove_dir(const char *path)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 200; i++) {
		if (!rmdir(path) || errno == ENOENT) {
			pr_info("Removed the cgroup %s that the failed restore made\n", path);
			return;
		}
		if (errno != EBUSY)
			break;
		nanosleep(&pause, NULL);
	}
	pr_perror("Can't remove the cgroup %s that the failed restore made", path);
}

void rst_cgroup_fini(struct rst_ctx *ctx, bool failed)
{
	struct rst_cg *cg = ctx->cg;
	size_t i;

	if (!cg)
		return;
	for (i = cg->nr_made; i-- > 0;) {
		if (failed)
			remove_dir(cg->made[i]);
		free(cg->made[i]);
	}
	free(cg->made);
	for (i = 0; i < cg->nr_ctls; i++) {
		if (cg->ctls[i].dir_fd >= 0)
			close(cg->ctls[i].dir_fd);
		free(cg->ctls[i].ctls);
		free(cg->ctls[i].old_top);
	}
	free(cg->ctls);
	cg_hiers_free(&cg->hs);
	cgroup_entry__free_unpacked(cg->e, NULL);
	free(cg);
	ctx->cg = NULL;
}
