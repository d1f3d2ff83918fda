/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rpc/req-cgroup.c - the cgroup fields of criu_opts that the option table can't take as
 * they come (an enum, repeated fields), as runc sends them: manage_cgroups (as in CRIU,
 * true is soft and false is ignore), manage_cgroups_mode on top of it (the modes of
 * rpc.proto's criu_cg_mode, DEFAULT being soft), cg_root (ctrl and path, each a
 * --cgroup-root) and cgroup_dump_controller (each a --cgroup-dump-controller).
 */
#define LOG_PREFIX "rpc: "

#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "log.h"

static int apply_mode(struct rpc_req_state *st, const CriuOpts *ro)
{
	if (ro->has_manage_cgroups)
		st->opts.cg.mode = ro->manage_cgroups ? CG_MODE_SOFT : CG_MODE_IGNORE;
	if (!ro->has_manage_cgroups_mode)
		return 0;
	switch (ro->manage_cgroups_mode) {
	case CRIU_CG_MODE__IGNORE:
	case CRIU_CG_MODE__CG_NONE:
	case CRIU_CG_MODE__PROPS:
	case CRIU_CG_MODE__SOFT:
	case CRIU_CG_MODE__FULL:
	case CRIU_CG_MODE__STRICT:
		/* rpc.proto's numbers are cgroup-opts.h's */
		st->opts.cg.mode = (enum cg_mode)ro->manage_cgroups_mode;
		return 0;
	case CRIU_CG_MODE__DEFAULT:
		st->opts.cg.mode = CG_MODE_SOFT;
		return 0;
	default:
		break;
	}
	pr_err("criu_opts.manage_cgroups_mode: unknown mode %d\n", ro->manage_cgroups_mode);
	return -EINVAL;
}

static int apply_roots(struct rpc_req_state *st, const CriuOpts *ro)
{
	size_t i;

	if (ro->n_cg_root > CG_OPT_MAX) {
		pr_err("criu_opts.cg_root: %zu roots, at most %d\n", ro->n_cg_root, CG_OPT_MAX);
		return -EINVAL;
	}
	for (i = 0; i < ro->n_cg_root; i++) {
		const CgroupRoot *r = ro->cg_root[i];
		bool ctrl;

		if (!r->path) {
			pr_err("criu_opts.cg_root: a root without a path\n");
			return -EINVAL;
		}
		/* runc sends ctrl "" for every hierarchy: no controller, as NULL */
		ctrl = r->ctrl && *r->ctrl;
		if (ctrl && asprintf(&st->cg_roots[i], "%s:%s", r->ctrl, r->path) < 0) {
			st->cg_roots[i] = NULL;
			return -ENOMEM;
		}
		if (opts_apply_named(&st->opts, "cgroup-root", ctrl ? st->cg_roots[i] : r->path)) {
			pr_err("criu_opts.cg_root %s refused\n", r->path);
			return -EINVAL;
		}
	}
	return 0;
}

int rpc_apply_cgroups(struct rpc_req_state *st, const CriuOpts *ro)
{
	size_t i;
	int ret;

	ret = apply_mode(st, ro) ?: apply_roots(st, ro);
	for (i = 0; !ret && i < ro->n_cgroup_dump_controller; i++)
		if (opts_apply_named(&st->opts, "cgroup-dump-controller",
				     ro->cgroup_dump_controller[i]))
			ret = -EINVAL;
	return ret;
}
