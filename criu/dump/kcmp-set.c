/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dump/kcmp-set.c - which tasks of the tree share a kernel object of one kind (an fd table,
 * an mm), without comparing every pair: kcmp(2) orders the objects, so the distinct ones
 * met so far are kept sorted and each task costs a binary search.
 *
 * Tasks that share an mm without being threads of one process (clone(CLONE_VM) without
 * CLONE_THREAD, a vfork() child before it execs) can't be restored: each would get a copy
 * of the memory, and a write of one would no longer show in the other. Refused.
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

/* <0, 0, >0 as the object of a sorts before, with, after the one of b; -EIO if kcmp fails. */
static int object_cmp(const struct dump_ctx *a, const struct dump_ctx *b, int type, int *err)
{
	long r = syscall(SYS_kcmp, a->pid, b->pid, type, 0, 0);

	if (r < 0 || r > 2) {
		pr_perror("kcmp (type %d) of tasks %d and %d failed", type, a->pid, b->pid);
		*err = -EIO;
		return 0;
	}
	return r == 0 ? 0 : r == 1 ? -1 : 1;
}

struct dump_ctx *kcmp_set_find(const struct kcmp_set *ks, int type, const struct dump_ctx *dc,
			       size_t *pos, int *err)
{
	size_t lo = 0, hi = ks->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = object_cmp(ks->owners[mid], dc, type, err);

		if (*err)
			return NULL;
		if (!c)
			return ks->owners[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

int kcmp_set_add(struct kcmp_set *ks, struct dump_ctx *dc, size_t pos)
{
	if (ARRAY_ADD_ROOM(ks->owners, ks->nr))
		return -ENOMEM;
	memmove(&ks->owners[pos + 1], &ks->owners[pos], (ks->nr - pos) * sizeof(*ks->owners));
	ks->owners[pos] = dc;
	ks->nr++;
	return 0;
}

void kcmp_set_free(struct kcmp_set *ks)
{
	free(ks->owners);
	memset(ks, 0, sizeof(*ks));
}

int dump_check_own_mm(struct dump_ctx *dc)
{
	struct dump_ctx *owner;
	size_t pos = 0;
	int err = 0;

	owner = kcmp_set_find(&dc->tree->mms, KCMP_VM, dc, &pos, &err);
	if (err)
		return err;
	if (!owner)
		return kcmp_set_add(&dc->tree->mms, dc, pos);
	pr_err("Tasks %d and %d share their memory (clone(CLONE_VM) without CLONE_THREAD, or a "
	       "vfork() child that has not exec'ed yet): restoring a memory shared by two "
	       "processes is not supported yet\n",
	       owner->pid, dc->pid);
	return -EOPNOTSUPP;
}
