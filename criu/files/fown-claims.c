// SPDX-License-Identifier: GPL-2.0
/*
 * files/fown-claims.c - the owner of an open file (F_SETOWN) when it is a task of the tree.
 *
 * The task that opens a shared file may run before the task its owner names exists (a child
 * that took SIGIO on a file its parent opened), and F_SETOWN needs a live pid. So the named
 * task sets the owner itself once it runs: it counts as a user of the file, which therefore
 * reaches it on a transit fd if it has no fd of its own (tree/fork.c), and the opener
 * leaves the owner alone (rst_open_file()). Owners outside the tree, process groups, and
 * zombies or helpers, which never restore fds, are set by the opener as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "array.h"
#include "files.h"
#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "tree.h"

const FownEntry *rst_file_fown(const FileEntry *fe)
{
	const struct fd_handler *h = fd_handler_of(fe->type);
	const FownEntry *fown = h->fown ? h->fown(fe) : NULL;

	return fown && (fown->pid || fown->signum) ? fown : NULL;
}

/* The task of the tree that sets fe's owner itself, or 0. */
static pid_t claiming_task(const struct rst_ctx *ctx, const FileEntry *fe)
{
	const FownEntry *fown = rst_file_fown(fe);
	const struct rst_task *t;

	if (!fown || !fown->pid || fown->pid_type == F_OWNER_PGRP)
		return 0;
	t = rst_task_by_pid(ctx, rst_pid_from_img(ctx, fown->pid));
	return t && rst_task_has_restorer(t) ? t->pid : 0;
}

int rst_plan_fown_claims(struct rst_ctx *ctx)
{
	size_t i;
	pid_t pid;

	for (i = 0; i < ctx->nr_files; i++) {
		pid = claiming_task(ctx, ctx->files[i]);
		if (!pid)
			continue;
		if (ARRAY_ADD_ROOM(ctx->fown_claims, ctx->nr_fown_claims))
			return -ENOMEM;
		ctx->fown_claims[ctx->nr_fown_claims++] =
			(struct rst_fown_claim){ ctx->files[i], pid };
		pr_debug("file id %u: its owner, task %d, sets it\n", ctx->files[i]->id, pid);
	}
	return 0;
}

pid_t rst_fown_claimer(const struct rst_ctx *ctx, const FileEntry *fe)
{
	size_t i;

	for (i = 0; i < ctx->nr_fown_claims; i++)
		if (ctx->fown_claims[i].fe == fe)
			return ctx->fown_claims[i].task;
	return 0;
}

/* This task's fd on file id, in its own table or the one it shares; or its transit fd. */
static int fd_of_file(const struct rst_ctx *ctx, const struct rst_task *t, uint32_t id)
{
	const struct rst_task *table = t;
	size_t i;

	while (table && table->shares_files)
		table = rst_task_by_pid(ctx, table->pstree->ppid);
	for (i = 0; table && i < table->nr_fds; i++)
		if (table->fds[i]->id == id)
			return table->fds[i]->fd;
	for (i = 0; i < ctx->nr_transit; i++)
		if (ctx->transit[i].id == id)
			return ctx->transit[i].fd;
	return -ENOENT;
}

int rst_claim_fowns(const struct rst_ctx *ctx, const struct rst_task *t)
{
	size_t i;
	int fd, ret;

	for (i = 0; i < ctx->nr_fown_claims; i++) {
		const FileEntry *fe = ctx->fown_claims[i].fe;

		if (ctx->fown_claims[i].task != t->pid)
			continue;
		fd = fd_of_file(ctx, t, fe->id);
		if (fd < 0) {
			pr_err("File id %u names task %d as its owner (F_SETOWN), which has no fd "
			       "on it\n",
			       fe->id, t->pid);
			return -EINVAL;
		}
		ret = rst_set_fown(ctx, fd, rst_file_fown(fe));
		if (ret)
			return ret;
	}
	return 0;
}
