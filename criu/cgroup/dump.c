/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup/dump.c - the tree's cgroups into cgroup.img (CRIU's cgroup.proto).
 *
 * sets: each distinct /proc/PID/cgroup of the tasks, numbered from 1; the core's cg_set
 * names the task's. controllers: per hierarchy, the cgroups that hold a task and the
 * cgroups between them, as a tree: a top dir is named by its path without the leading '/'
 * (the hierarchy's root is ""), a child by its own name, as CRIU writes them. Every dir but
 * a hierarchy's root gets its mode and owner and the properties of its controllers
 * (props.c) that it has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "cgroup.h"
#include "dump.h"
#include "image.h"
#include "internal.h"
#include "log.h"
#include "ns.h"
#include "threads.h"

#include "cgroup.pb-c.h"

/* A thread in other cgroups than its leader's (cgroup v1 tasks, cgroup2 threaded) */
struct cg_thread {
	pid_t tid;
	uint32_t set;
};

struct cg_dump {
	const struct cg_options *o;
	struct cg_hiers hs;
	struct cg_props props;
	struct cg_set *sets;
	size_t nr_sets;
	struct cg_thread *threads;
	size_t nr_threads;
};

int cg_dump_init(struct dump_tree *dt)
{
	const struct cg_options *o = &dt->opts->cg;
	struct cg_dump *cd;

	if (o->nr_roots)
		pr_warn("--cgroup-root is for restore: the dump saves the cgroups where they "
			"are\n");
	if (o->mode == CG_MODE_IGNORE)
		return 0;
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return -ENOMEM;
	cd->o = o;
	if (cg_props_init(&cd->props, o->props, o->props_file)) {
		free(cd);
		return -EINVAL;
	}
	dt->cg = cd;
	return 0;
}

/* --cgroup-dump-controller: is a controller of the hierarchy, or its label, named? */
static bool hier_wanted(const struct cg_options *o, const char *ctls)
{
	int i;

	if (!o->nr_dump_ctls)
		return true;
	for (i = 0; i < o->nr_dump_ctls; i++) {
		const char *n = o->dump_ctls[i], *c = ctls;
		size_t len = strlen(n);

		if (!strcmp(n, cg_hier_label(ctls)))
			return true;
		for (; *c; c += strcspn(c, ",") + (c[strcspn(c, ",")] == ',')) {
			size_t m = strcspn(c, ",");

			if ((m == len && !strncmp(c, n, m)) ||
			    (!strncmp(c, "name=", 5) && m - 5 == len && !strncmp(c + 5, n, len)))
				return true;
		}
	}
	return false;
}

/* Keep the hierarchies to save, each reachable; 0 or -errno (said). */
static int filter_members(struct cg_dump *cd, struct cg_members *ms)
{
	size_t i, kept = 0;

	for (i = 0; i < ms->nr; i++) {
		struct cg_member *m = &ms->m[i];

		if (!hier_wanted(cd->o, m->ctls)) {
			free(m->ctls);
			free(m->path);
			continue;
		}
		if (!cg_hier_get(&cd->hs, cd->o->yard, m->ctls))
			return -ENOENT;
		ms->m[kept++] = *m;
	}
	ms->nr = kept;
	return 0;
}

static bool same_members(const struct cg_members *a, const struct cg_members *b)
{
	size_t i;

	if (a->nr != b->nr)
		return false;
	for (i = 0; i < a->nr; i++)
		if (strcmp(a->m[i].ctls, b->m[i].ctls) || strcmp(a->m[i].path, b->m[i].path))
			return false;
	return true;
}

static uint32_t set_id(struct cg_dump *cd, struct cg_members *ms)
{
	struct cg_set *s;
	size_t i;

	for (i = 0; i < cd->nr_sets; i++)
		if (same_members(&cd->sets[i].ms, ms)) {
			cg_members_free(ms);
			return cd->sets[i].id;
		}
	if (ARRAY_ADD_ROOM(cd->sets, cd->nr_sets))
		return 0;
	s = &cd->sets[cd->nr_sets++];
	s->id = cd->nr_sets;
	s->ms = *ms;
	ms->m = NULL;
	ms->nr = 0;
	return s->id;
}

/* Threads may be moved one by one (v1 tasks, cgroup2 threaded): each gets its own set. */
static int collect_threads(struct cg_dump *cd, struct dump_ctx *dc, const struct cg_members *leader)
{
	struct cg_members ms;
	uint32_t *tids;
	size_t i, nr;
	int ret = 0;

	tids = threads_ids(dc, &nr);
	if (!tids)
		return -ENOMEM;
	for (i = 1; !ret && i < nr; i++) {
		ret = cg_parse_proc(dc->pid, tids[i], &ms);
		if (ret)
			break;
		ret = filter_members(cd, &ms);
		if (!ret && !same_members(&ms, leader)) {
			if (ARRAY_ADD_ROOM(cd->threads, cd->nr_threads)) {
				ret = -ENOMEM;
			} else {
				cd->threads[cd->nr_threads].tid = tids[i];
				cd->threads[cd->nr_threads].set = set_id(cd, &ms);
				ret = cd->threads[cd->nr_threads++].set ? 0 : -ENOMEM;
				pr_info("Thread %u of task %d has cgroups of its own\n", tids[i],
					dc->pid);
			}
		}
		cg_members_free(&ms);
	}
	return ret;
}

int cg_dump_task(struct dump_ctx *dc)
{
	struct cg_dump *cd = dc->tree->cg;
	struct cg_members ms;
	int ret;

	if (!cd)
		return 0;
	ret = cg_parse_proc(dc->pid, dc->pid, &ms);
	if (ret)
		return ret;
	ret = filter_members(cd, &ms);
	ret = ret ?: collect_threads(cd, dc, &ms);
	if (!ret) {
		dc->cg_set = set_id(cd, &ms);
		ret = dc->cg_set ? 0 : -ENOMEM;
	}
	cg_members_free(&ms);
	return ret;
}

void cg_fill_core(const struct dump_ctx *dc, CoreEntry *core)
{
	if (!dc->cg_set)
		return;
	core->tc->has_cg_set = 1;
	core->tc->cg_set = dc->cg_set;
	if (core->thread_core) {
		core->thread_core->has_cg_set = 1;
		core->thread_core->cg_set = dc->cg_set;
	}
}

void cg_fill_thread_core(const struct dump_ctx *dc, pid_t tid, CoreEntry *core)
{
	const struct cg_dump *cd = dc->tree->cg;
	uint32_t set = dc->cg_set;
	size_t i;

	for (i = 0; cd && i < cd->nr_threads; i++)
		if (cd->threads[i].tid == tid)
			set = cd->threads[i].set;
	if (!set || !core->thread_core)
		return;
	core->thread_core->has_cg_set = 1;
	core->thread_core->cg_set = set;
}

void cg_dump_fini(struct dump_tree *dt)
{
	struct cg_dump *cd = dt->cg;
	size_t i;

	if (!cd)
		return;
	for (i = 0; i < cd->nr_sets; i++)
		cg_members_free(&cd->sets[i].ms);
	free(cd->sets);
	free(cd->threads);
	cg_hiers_free(&cd->hs);
	cg_props_free(&cd->props);
	free(cd);
	dt->cg = NULL;
}

static const struct cg_set *set_by_id(const struct cg_dump *cd, uint32_t id)
{
	size_t i;

	for (i = 0; i < cd->nr_sets; i++)
		if (cd->sets[i].id == id)
			return &cd->sets[i];
	return NULL;
}

int cg_dump_write(struct dump_tree *dt)
{
	struct cg_members roots = {};
	const struct dump_ctx *root = dt->tasks[0];
	struct cg_dump *cd = dt->cg;
	const struct cg_set *rs;
	int own, ret = 0;

	if (!cd)
		return 0;
	own = ns_is_criu_own(root->pid, "cgroup");
	if (own < 0)
		return own;
	rs = set_by_id(cd, root->cg_set);
	if (!own && rs)
		ret = cg_cgns_roots(root->pid, &rs->ms, &roots);
	ret = ret
		      ?: cg_write_image(dt->dfd, &cd->hs, &cd->props, cd->sets, cd->nr_sets,
					!own && rs ? &roots : NULL);
	cg_members_free(&roots);
	return ret;
}
