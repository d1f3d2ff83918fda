/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/netns-tasks.c - a tree whose tasks are in several network namespaces below the root's
 * own (net/ns/others.c saves and makes them): at restore, which they are (ids-PID.img's
 * net_ns_id), the fds on them every task keeps until its children are forked (a child
 * enters its own first thing, rst_ns_task_setup()), and their lock's end.
 */
#include <errno.h>

#include "log.h"
#include "netns.h"
#include "ns.h"
#include "internal.h"
#include "restore-ctx.h"

int rst_netns_others(const struct rst_ctx *ctx, uint32_t root)
{
	uint32_t ids[NETNS_MAX_OTHERS + 1];
	size_t i, j, n = 0;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const TaskKobjIdsEntry *t = ctx->tasks[i].ids;

		if (!t || !t->has_net_ns_id || t->net_ns_id == root || ctx->tasks[i].helper)
			continue;
		for (j = 0; j < n && ids[j] != t->net_ns_id; j++)
			;
		if (j < n)
			continue;
		if (n == NETNS_MAX_OTHERS + 1)
			break;
		ids[n++] = t->net_ns_id;
	}
	return netns_rst_others(ids, n);
}

int rst_ns_hold_fds(const struct rst_ctx *ctx)
{
	return ctx->ns && ctx->ns->net_id ? netns_rst_hold_fds(ctx->fd_top + 1) : 0;
}

int rst_ns_unlock_others(const struct rst_ctx *ctx, pid_t root)
{
	return ctx->ns && ctx->ns->net_id ? netns_rst_unlock_others(root) : 0;
}
