/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/fdtable-dump.c - which tasks of the tree share one fd table (clone with CLONE_FILES but
 * not CLONE_THREAD). Tasks that share it get one files_id, and its fds are dumped once, by
 * the first of them met (parents come before children). Restore forks a sharer with
 * CLONE_FILES from its parent, so a table shared by tasks that are not parent and child
 * (siblings, a reparented task) can't come back: such a dump is refused.
 *
 * kcmp(KCMP_FILES) orders fd tables, so the distinct tables met so far are kept sorted and
 * each task costs a binary search.
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

/* <0, 0, >0 as the table of a sorts before, with, after the one of b; -EIO if kcmp fails. */
static int table_cmp(const struct dump_ctx *a, const struct dump_ctx *b, int *err)
{
	long r = syscall(SYS_kcmp, a->pid, b->pid, KCMP_FILES, 0, 0);

	if (r < 0 || r > 2) {
		pr_perror("kcmp of the fd tables of tasks %d and %d failed", a->pid, b->pid);
		*err = -EIO;
		return 0;
	}
	return r == 0 ? 0 : r == 1 ? -1 : 1;
}

/* The first task met with dc's table, or NULL; *pos is where dc's table goes otherwise. */
static struct dump_ctx *find_table(const struct fd_tables *ft, const struct dump_ctx *dc,
				   size_t *pos, int *err)
{
	size_t lo = 0, hi = ft->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = table_cmp(ft->owners[mid], dc, err);

		if (*err)
			return NULL;
		if (!c)
			return ft->owners[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

static int add_table(struct fd_tables *ft, struct dump_ctx *dc, size_t pos)
{
	if (ARRAY_ADD_ROOM(ft->owners, ft->nr))
		return -ENOMEM;
	memmove(&ft->owners[pos + 1], &ft->owners[pos], (ft->nr - pos) * sizeof(*ft->owners));
	ft->owners[pos] = dc;
	ft->nr++;
	return 0;
}

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
	struct fd_tables *ft = &dc->tree->fd_tables;
	struct dump_ctx *owner;
	size_t pos = 0;
	int err = 0;

	owner = find_table(ft, dc, &pos, &err);
	if (err)
		return err;
	if (!owner)
		return add_table(ft, dc, pos);
	pr_info("Task %d shares the fd table of task %d (CLONE_FILES)\n", dc->pid, owner->pid);
	dc->files_owner = owner;
	return check_sharer(dc, owner);
}

void dump_fd_tables_free(struct dump_tree *dt)
{
	free(dt->fd_tables.owners);
	memset(&dt->fd_tables, 0, sizeof(dt->fd_tables));
}
