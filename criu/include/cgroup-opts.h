/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup-opts.h - the cgroup options of the command line (criu/cgroup/opts.c), kept as
 * given in struct cr_options; criu/cgroup/ reads them at dump and restore.
 * --manage-cgroups[=MODE], --cgroup-root [CTL:]PATH, --cgroup-props, --cgroup-props-file,
 * --cgroup-dump-controller, --cgroup-yard and --freeze-cgroup are CRIU's.
 */
#ifndef CRIU_CGROUP_OPTS_H
#define CRIU_CGROUP_OPTS_H

/* rpc.proto's criu_cg_mode numbers, so that RPC maps them one to one (DEFAULT is SOFT) */
enum cg_mode {
	CG_MODE_IGNORE = 0, /* cgroups are not saved nor restored */
	CG_MODE_NONE = 1,   /* the cgroups must exist; no property is set */
	CG_MODE_PROPS = 2,  /* the cgroups must exist; every property is set */
	CG_MODE_SOFT = 3,   /* missing ones are made, with their properties (default) */
	CG_MODE_FULL = 4,   /* missing ones are made; every property is set */
	CG_MODE_STRICT = 5, /* none may exist: all are made, with their properties */
};

#define CG_OPT_MAX 16

struct cg_options {
	enum cg_mode mode;
	const char *roots[CG_OPT_MAX]; /* --cgroup-root, as given: [CTL:]PATH */
	int nr_roots;
	const char *props;	/* --cgroup-props: CRIU's property list text */
	const char *props_file; /* --cgroup-props-file */
	const char *dump_ctls[CG_OPT_MAX];
	int nr_dump_ctls;   /* --cgroup-dump-controller: only these are saved (all if none) */
	const char *yard;   /* --cgroup-yard: a directory of the hierarchies, one per folder */
	const char *freeze; /* --freeze-cgroup: the freezer cgroup of the tree */
};

struct cr_options;

/* The option table's handlers (criu/opts.c): 0, or -1 said. */
int cg_opt_manage(struct cr_options *o, const char *arg);
int cg_opt_root(struct cr_options *o, const char *arg);
int cg_opt_dump_controller(struct cr_options *o, const char *arg);
/* A mode by name (none, props, soft, full, strict, ignore): 0 or -1, not logged. */
int cg_mode_parse(const char *name, enum cg_mode *mode);
const char *cg_mode_name(enum cg_mode mode);

#endif /* CRIU_CGROUP_OPTS_H */
