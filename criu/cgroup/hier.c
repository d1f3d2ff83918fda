/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup/hier.c - where criu reaches each cgroup hierarchy (internal.h): in the yard given
 * with --cgroup-yard, else at a mount of criu's mount namespace that shows the hierarchy's
 * root (a cgroup mount whose super options name every controller of the hierarchy, or the
 * cgroup2 mount).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "proc-mountinfo.h"

const char *cg_hier_label(const char *ctls)
{
	return ctls[0] ? ctls : "unified";
}

/* Is every controller of ctls among the comma-separated options opts? */
static bool opts_have_all(const char *opts, const char *ctls)
{
	size_t olen = strlen(opts);
	const char *c = ctls;

	while (*c) {
		size_t n = strcspn(c, ",");
		const char *o = opts;
		bool found = false;

		while (!found && o < opts + olen) {
			size_t m = strcspn(o, ",");

			found = m == n && !strncmp(o, c, n);
			o += m + 1;
		}
		if (!found)
			return false;
		c += n;
		if (*c)
			c++;
	}
	return true;
}

static bool mount_matches(const struct proc_mount *m, const char *ctls)
{
	if (strcmp(m->root, "/"))
		return false; /* a bind of a cgroup below the root: paths would not match */
	if (!ctls[0])
		return !strcmp(m->fstype, "cgroup2");
	return !strcmp(m->fstype, "cgroup") && opts_have_all(m->super_opts, ctls);
}

static char *find_mount(const char *ctls)
{
	struct proc_mount_list l;
	char *dir = NULL;
	size_t i;

	if (parse_mountinfo(0, &l))
		return NULL; /* said */
	for (i = 0; !dir && i < l.nr; i++)
		if (mount_matches(&l.m[i], ctls))
			dir = strdup(l.m[i].mountpoint);
	free_mountinfo(&l);
	if (!dir)
		pr_err("The cgroup hierarchy '%s' is not mounted in criu's mount namespace: mount "
		       "it, or give --cgroup-yard a folder that holds it\n",
		       cg_hier_label(ctls));
	return dir;
}

static char *yard_dir(const char *yard, const char *ctls)
{
	char path[4096], name[256];
	const char *c = ctls;
	size_t n = 0;
	struct stat st;

	/* "name=systemd" is "systemd" in the yard, "cpu,name=x" is "cpu,x" */
	while (*c && n < sizeof(name) - 1) {
		if (!strncmp(c, "name=", 5) && (c == ctls || c[-1] == ','))
			c += 5;
		else
			name[n++] = *c++;
	}
	name[n] = 0;
	snprintf(path, sizeof(path), "%s/%s", yard, ctls[0] ? name : "unified");
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		pr_err("The cgroup yard %s has no folder %s for the hierarchy '%s'\n", yard, path,
		       cg_hier_label(ctls));
		return NULL;
	}
	return strdup(path);
}

const struct cg_hier *cg_hier_get(struct cg_hiers *hs, const char *yard, const char *ctls)
{
	struct cg_hier *h;
	size_t i;

	for (i = 0; i < hs->nr; i++)
		if (!strcmp(hs->h[i]->ctls, ctls))
			return hs->h[i];
	if (ARRAY_ADD_ROOM(hs->h, hs->nr))
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->dir = yard ? yard_dir(yard, ctls) : find_mount(ctls);
	h->ctls = h->dir ? strdup(ctls) : NULL;
	if (!h->ctls) {
		free(h->dir);
		free(h);
		return NULL;
	}
	hs->h[hs->nr++] = h;
	return h;
}

void cg_hiers_free(struct cg_hiers *hs)
{
	size_t i;

	for (i = 0; i < hs->nr; i++) {
		free(hs->h[i]->ctls);
		free(hs->h[i]->dir);
		free(hs->h[i]);
	}
	free(hs->h);
	hs->h = NULL;
	hs->nr = 0;
}
