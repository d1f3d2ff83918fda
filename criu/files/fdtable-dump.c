/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/fdtable-dump.c - which tasks of the tree share one fd table (clone with CLONE_FILES but
 * not CLONE_THREAD). Tasks that share it get one files_id, and its fds are dumped once, by
 * the first of them met (parents come before children). Restore forks a sharer with
 * CLONE_FILES from its parent, so a table shared by tasks that are not parent and child
 * (siblings, a reparented task) can't come back: such a dump is refused.
 *
 * The distinct tables met so far are a kcmp set (dump/kcmp-set.c).
 */
#include <errno.h>
#include <linux/kcmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "compel/infect.h"
#include "dump.h"
#include "log.h"

static const struct dump_ctx *parent_of(const struct dump_ctx *dc)
{
	const struct dump_tree *dt = dc->tree;
	size_t i;

	for (i = 0; i < dt->nr_tasks; i++)
		if (dt->tasks[i]->pid == dc->ppid)
			return dt->tasks[i];
	return NULL;
}

/* Restore can only share a table from parent to child: the parent must be in it too. */
static int check_sharer(const struct dump_ctx *dc, const struct dump_ctx *owner)
{
	const struct dump_ctx *parent = parent_of(dc);

	if (parent && parent->seize_state != COMPEL_TASK_ZOMBIE &&
	    dump_files_owner(parent) == owner)
		return 0;
	pr_err("Tasks %d and %d have a shared fd table (CLONE_FILES) but %d is not a child of "
	       "a task in it: only a table shared by parent and child can be restored\n",
	       owner->pid, dc->pid, dc->pid);
	return -EOPNOTSUPP;
}

int dump_find_fd_table(struct dump_ctx *dc)
{
	struct kcmp_set *ft = &dc->tree->fd_tables;
	struct dump_ctx *owner;
	size_t pos = 0;
	int err = 0;

	owner = kcmp_set_find(ft, KCMP_FILES, dc, &pos, &err);
	if (err)
		return err;
	if (!owner)
		return kcmp_set_add(ft, dc, pos);
	pr_info("Task %d shares the fd table of task %d (CLONE_FILES)\n", dc->pid, owner->pid);
	dc->files_owner = owner;
	return check_sharer(dc, owner);
}

void dump_fd_tables_free(struct dump_tree *dt)
{
	kcmp_set_free(&dt->fd_tables);
	kcmp_set_free(&dt->mms);
}
