/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup/opts.c - the cgroup options of the command line (cgroup-opts.h), checked as they
 * are parsed so that a typo fails before anything is seized.
 */
#include <string.h>

#include "cgroup-opts.h"
#include "log.h"
#include "opts.h"

static const char *const mode_names[] = {
	[CG_MODE_IGNORE] = "ignore", [CG_MODE_NONE] = "none", [CG_MODE_PROPS] = "props",
	[CG_MODE_SOFT] = "soft",     [CG_MODE_FULL] = "full", [CG_MODE_STRICT] = "strict",
};

int cg_mode_parse(const char *name, enum cg_mode *mode)
{
	unsigned int i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(mode_names[i], name)) {
			*mode = i;
			return 0;
		}
	return -1;
}

const char *cg_mode_name(enum cg_mode mode)
{
	return (unsigned int)mode <= CG_MODE_STRICT ? mode_names[mode] : "?";
}

/* --manage-cgroups alone is soft, as in CRIU */
int cg_opt_manage(struct cr_options *o, const char *arg)
{
	if (!arg) {
		o->cg.mode = CG_MODE_SOFT;
		return 0;
	}
	if (cg_mode_parse(arg, &o->cg.mode)) {
		pr_err("Invalid value for --manage-cgroups: %s (none, props, soft, full, strict or "
		       "ignore)\n",
		       arg);
		return -1;
	}
	return 0;
}

/* [CTL:]PATH: the path is absolute; CTL names a hierarchy's controllers (cpu,cpuacct) */
int cg_opt_root(struct cr_options *o, const char *arg)
{
	const char *colon = strchr(arg, ':');
	const char *path = colon ? colon + 1 : arg;

	if (path[0] != '/' || (colon && colon == arg)) {
		pr_err("Invalid value for --cgroup-root: %s ([CONTROLLER:]/PATH, an absolute path "
		       "in the hierarchy)\n",
		       arg);
		return -1;
	}
	if (o->cg.nr_roots == CG_OPT_MAX) {
		pr_err("Too many --cgroup-root options (at most %d)\n", CG_OPT_MAX);
		return -1;
	}
	o->cg.roots[o->cg.nr_roots++] = arg;
	return 0;
}

int cg_opt_dump_controller(struct cr_options *o, const char *arg)
{
	if (!arg[0] || strchr(arg, '/')) {
		pr_err("Invalid value for --cgroup-dump-controller: '%s' (a controller name)\n",
		       arg);
		return -1;
	}
	if (o->cg.nr_dump_ctls == CG_OPT_MAX) {
		pr_err("Too many --cgroup-dump-controller options (at most %d)\n", CG_OPT_MAX);
		return -1;
	}
	o->cg.dump_ctls[o->cg.nr_dump_ctls++] = arg;
	return 0;
}
