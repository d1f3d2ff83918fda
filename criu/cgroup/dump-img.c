/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup/dump-img.c - cgroup.img from the sets of the dumped tasks (dump.c): the sets, then
 * per hierarchy the tree of the cgroups that hold a task, with their properties. Every
 * piece is malloc'ed on its own so that cgroup_entry__free_unpacked() frees it all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "image.h"
#include "internal.h"
#include "log.h"

#include "cgroup.pb-c.h"

#define CG_VALUE_MAX 65536

/* v1 files every cgroup has, saved with the controllers' own */
static const char *const v1_common_props[] = { "notify_on_release", "cgroup.clone_children" };

struct paths {
	char **p;
	size_t nr;
};

static int add_path(struct paths *ps, const char *path)
{
	size_t i;

	for (i = 0; i < ps->nr; i++)
		if (!strcmp(ps->p[i], path))
			return 0;
	if (ARRAY_ADD_ROOM(ps->p, ps->nr))
		return -ENOMEM;
	ps->p[ps->nr] = strdup(path);
	return ps->p[ps->nr] ? (ps->nr++, 0) : -ENOMEM;
}

static void free_paths(struct paths *ps)
{
	size_t i;

	for (i = 0; i < ps->nr; i++)
		free(ps->p[i]);
	free(ps->p);
}

/* Is a a proper ancestor of b (by whole components)? */
static bool is_below(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (!strcmp(a, "/"))
		return strcmp(b, "/") != 0;
	return !strncmp(a, b, n) && b[n] == '/';
}

static char *parent_of(const char *path)
{
	char *p = strdup(path), *slash;

	if (!p)
		return NULL;
	slash = strrchr(p, '/');
	if (slash == p)
		p[1] = 0;
	else if (slash)
		*slash = 0;
	return p;
}

/* The cgroups strictly between top and path, top an ancestor of path. */
static int add_between(struct paths *ps, const char *top, const char *path)
{
	char *up = parent_of(path), *next;
	int ret = 0;

	while (!ret && up && strcmp(up, top) && is_below(top, up)) {
		ret = add_path(ps, up);
		next = parent_of(up);
		free(up);
		up = next;
	}
	ret = ret ?: (up ? 0 : -ENOMEM);
	free(up);
	return ret;
}

/* The cgroups of the hierarchy's members and every cgroup between them and their top. */
static int collect_paths(const char *ctls, const struct cg_set *sets, size_t nr_sets,
			 struct paths *ps)
{
	size_t i, j, nr_held;
	int ret = 0;

	for (i = 0; !ret && i < nr_sets; i++)
		for (j = 0; !ret && j < sets[i].ms.nr; j++)
			if (!strcmp(sets[i].ms.m[j].ctls, ctls))
				ret = add_path(ps, sets[i].ms.m[j].path);
	nr_held = ps->nr;
	for (i = 0; !ret && i < nr_held; i++) {
		for (j = 0; j < nr_held && !is_below(ps->p[j], ps->p[i]); j++)
			;
		if (j < nr_held)
			ret = add_between(ps, ps->p[j], ps->p[i]);
	}
	return ret;
}

static bool is_top(const struct paths *ps, const char *path)
{
	size_t i;

	for (i = 0; i < ps->nr; i++)
		if (is_below(ps->p[i], path))
			return false;
	return true;
}

/* memory.oom_control reads "oom_kill_disable N\nunder_oom M...": N is what it takes */
static void value_to_write(const char *prop, char *val)
{
	int disable;

	if (!strcmp(prop, "memory.oom_control") &&
	    sscanf(val, "oom_kill_disable %d", &disable) == 1)
		snprintf(val, CG_VALUE_MAX, "%d", disable);
}

static int add_prop(CgroupDirEntry *d, const char *dir, const char *prop, char *buf)
{
	CgroupPropEntry *pe;
	char path[4096];
	struct stat st;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, prop);
	ret = cg_read_file(path, buf, CG_VALUE_MAX);
	if (ret == -ENOENT)
		return 0; /* the controller or the kernel has no such file */
	if (ret) {
		pr_err("Can't read the cgroup property %s: %s; leave it out with --cgroup-props\n",
		       path, strerror(-ret));
		return ret;
	}
	value_to_write(prop, buf);
	if (stat(path, &st))
		return -errno;
	pe = calloc(1, sizeof(*pe));
	if (!pe || ARRAY_ADD_ROOM(d->properties, d->n_properties)) {
		free(pe);
		return -ENOMEM;
	}
	cgroup_prop_entry__init(pe);
	d->properties[d->n_properties++] = pe;
	pe->name = strdup(prop);
	pe->value = strdup(buf);
	pe->perms = calloc(1, sizeof(*pe->perms));
	if (!pe->name || !pe->value || !pe->perms)
		return -ENOMEM;
	cgroup_perms__init(pe->perms);
	pe->perms->mode = st.st_mode;
	pe->perms->uid = st.st_uid;
	pe->perms->gid = st.st_gid;
	return 0;
}

static int add_ctl_props(CgroupDirEntry *d, const char *dir, const struct cg_prop_list *l,
			 char *buf)
{
	size_t i;
	int ret = 0;

	for (i = 0; l && !ret && i < l->nr; i++)
		ret = add_prop(d, dir, l->props[i], buf);
	return ret;
}

/* The properties of every controller of the hierarchy, then v1's common ones. */
static int add_props(CgroupDirEntry *d, const char *ctls, const char *dir,
		     const struct cg_props *props, char *buf)
{
	char name[256];
	const char *c = ctls;
	size_t i;
	int ret = 0;

	if (!ctls[0])
		return add_ctl_props(d, dir, cg_props_of(props, ""), buf);
	while (!ret && *c) {
		size_t n = strcspn(c, ",");

		snprintf(name, sizeof(name), "%.*s", (int)n, c);
		ret = add_ctl_props(d, dir, cg_props_of(props, name), buf);
		c += n + (c[n] == ',');
	}
	for (i = 0; !ret && i < sizeof(v1_common_props) / sizeof(v1_common_props[0]); i++)
		ret = add_prop(d, dir, v1_common_props[i], buf);
	return ret;
}

struct img_ctx {
	const struct cg_hier *h;
	const struct cg_props *props;
	const struct paths *ps;
	char *buf;
};

static CgroupDirEntry *make_dir(const struct img_ctx *ic, const char *path, bool top);

static int add_children(const struct img_ctx *ic, CgroupDirEntry *d, const char *path)
{
	size_t i;

	for (i = 0; i < ic->ps->nr; i++) {
		char *up = parent_of(ic->ps->p[i]);
		bool child = up && strcmp(ic->ps->p[i], "/") && !strcmp(up, path);
		CgroupDirEntry *c;

		free(up);
		if (!child)
			continue;
		if (ARRAY_ADD_ROOM(d->children, d->n_children))
			return -ENOMEM;
		c = make_dir(ic, ic->ps->p[i], false);
		if (!c)
			return -EIO;
		d->children[d->n_children++] = c;
	}
	return 0;
}

static CgroupDirEntry *make_dir(const struct img_ctx *ic, const char *path, bool top)
{
	CgroupDirEntry *d = calloc(1, sizeof(*d));
	char dir[4096];
	struct stat st;
	int ret;

	if (!d)
		return NULL;
	cgroup_dir_entry__init(d);
	d->dir_name = strdup(top ? path + 1 : strrchr(path, '/') + 1);
	d->dir_perms = calloc(1, sizeof(*d->dir_perms));
	snprintf(dir, sizeof(dir), "%s%s", ic->h->dir, path);
	ret = d->dir_name && d->dir_perms ? 0 : -ENOMEM;
	if (!ret && stat(dir, &st)) {
		ret = -errno;
		pr_perror("Can't stat the cgroup %s", dir);
	}
	if (!ret) {
		cgroup_perms__init(d->dir_perms);
		d->dir_perms->mode = st.st_mode;
		d->dir_perms->uid = st.st_uid;
		d->dir_perms->gid = st.st_gid;
		/* a hierarchy's root has no limits of its own to set */
		if (strcmp(path, "/"))
			ret = add_props(d, ic->h->ctls, dir, ic->props, ic->buf);
	}
	ret = ret ?: add_children(ic, d, path);
	if (ret) {
		cgroup_dir_entry__free_unpacked(d, NULL);
		return NULL;
	}
	return d;
}

static int split_names(const char *ctls, CgControllerEntry *ce)
{
	const char *c = ctls;

	do {
		size_t n = strcspn(c, ",");

		if (ARRAY_ADD_ROOM(ce->cnames, ce->n_cnames))
			return -ENOMEM;
		ce->cnames[ce->n_cnames] = strndup(c, n);
		if (!ce->cnames[ce->n_cnames])
			return -ENOMEM;
		ce->n_cnames++;
		c += n + (c[n] == ',');
	} while (*c);
	return 0;
}

static int add_controller(CgroupEntry *e, struct img_ctx *ic, const struct cg_set *sets,
			  size_t nr_sets)
{
	struct paths ps = {};
	CgControllerEntry *ce;
	size_t i;
	int ret;

	ce = calloc(1, sizeof(*ce));
	if (!ce || ARRAY_ADD_ROOM(e->controllers, e->n_controllers)) {
		free(ce);
		return -ENOMEM;
	}
	cg_controller_entry__init(ce);
	e->controllers[e->n_controllers++] = ce;
	ic->ps = &ps;
	ret = split_names(ic->h->ctls, ce) ?: collect_paths(ic->h->ctls, sets, nr_sets, &ps);
	for (i = 0; !ret && i < ps.nr; i++) {
		CgroupDirEntry *d;

		if (!is_top(&ps, ps.p[i]))
			continue;
		if (ARRAY_ADD_ROOM(ce->dirs, ce->n_dirs)) {
			ret = -ENOMEM;
			break;
		}
		d = make_dir(ic, ps.p[i], true);
		if (!d)
			ret = -EIO;
		else
			ce->dirs[ce->n_dirs++] = d;
	}
	free_paths(&ps);
	return ret;
}

/* A member below its cgroup namespace's root: the root's length (0 for "/") into m */
static int set_prefix(CgMemberEntry *m, const struct cg_members *ns_roots, uint32_t id)
{
	size_t i;

	for (i = 0; ns_roots && i < ns_roots->nr; i++) {
		const char *r = ns_roots->m[i].path;

		if (strcmp(ns_roots->m[i].ctls, m->name))
			continue;
		if (strcmp(r, m->path) && !is_below(r, m->path)) {
			pr_err("A task of cgroup set %u is in %s of '%s', outside the tree's "
			       "cgroup "
			       "namespace (rooted at %s): it can't be restored\n",
			       id, m->path, cg_hier_label(m->name), r);
			return -EOPNOTSUPP;
		}
		m->has_cgns_prefix = 1;
		m->cgns_prefix = strcmp(r, "/") ? strlen(r) : 0;
	}
	return 0;
}

static int add_set(CgroupEntry *e, const struct cg_set *s, const struct cg_members *ns_roots)
{
	int ret;
	CgSetEntry *se = calloc(1, sizeof(*se));
	size_t i;

	if (!se || ARRAY_ADD_ROOM(e->sets, e->n_sets)) {
		free(se);
		return -ENOMEM;
	}
	cg_set_entry__init(se);
	e->sets[e->n_sets++] = se;
	se->id = s->id;
	se->ctls = calloc(s->ms.nr ?: 1, sizeof(*se->ctls));
	if (!se->ctls)
		return -ENOMEM;
	for (i = 0; i < s->ms.nr; i++) {
		CgMemberEntry *m = calloc(1, sizeof(*m));

		if (!m)
			return -ENOMEM;
		cg_member_entry__init(m);
		se->ctls[se->n_ctls++] = m;
		m->name = strdup(s->ms.m[i].ctls);
		m->path = strdup(s->ms.m[i].path);
		if (!m->name || !m->path)
			return -ENOMEM;
		ret = set_prefix(m, ns_roots, s->id);
		if (ret)
			return ret;
	}
	return 0;
}

static int write_entry(int dfd, CgroupEntry *e)
{
	struct cr_img *img;
	int ret;

	img = open_image_at(dfd, CR_FD_CGROUP, O_DUMP, 0);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &e->base);
	return close_image(img) ?: ret;
}

int cg_write_image(int dfd, struct cg_hiers *hs, const struct cg_props *props,
		   const struct cg_set *sets, size_t nr_sets, const struct cg_members *ns_roots)
{
	struct img_ctx ic = { .props = props };
	CgroupEntry *e = calloc(1, sizeof(*e));
	size_t i;
	int ret = 0;

	ic.buf = malloc(CG_VALUE_MAX);
	if (!e || !ic.buf) {
		free(e);
		free(ic.buf);
		return -ENOMEM;
	}
	cgroup_entry__init(e);
	for (i = 0; !ret && i < nr_sets; i++)
		ret = add_set(e, &sets[i], ns_roots);
	for (i = 0; !ret && i < hs->nr; i++) {
		ic.h = hs->h[i];
		ret = add_controller(e, &ic, sets, nr_sets);
	}
	if (ret == -ENOMEM)
		pr_err("Out of memory while saving the cgroups\n");
	ret = ret ?: write_entry(dfd, e);
	if (!ret)
		pr_info("cgroups: %zu set(s) in %zu hierarch(ies) saved\n", nr_sets, hs->nr);
	cgroup_entry__free_unpacked(e, NULL);
	free(ic.buf);
	return ret;
}
