/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/userns-unmapped.c - ids a task holds that its user namespace has no map for.
 *
 * A task that made or entered a user namespace keeps its ids, mapped there or not: after
 * `unshare -U` without -r its uid 0 is in no map, and the task sees the overflow id
 * (/proc/sys/kernel/overflowuid and overflowgid, 65534) in its place. The images hold the
 * ids a task sees (CRIU's convention), so the dump writes the overflow id, and the restore
 * reads an overflow id that the map does not hold as "not mapped": the task keeps the id
 * criu forked it with. That is root's, so only root's ids can be kept: a task whose
 * unmapped id is another (a user's `unshare -U`) is refused at dump, naming the id.
 */
#include <errno.h>

#include "log.h"
#include "proc-parse.h"
#include "userns.h"

/* the id criu's tasks are forked with, which an unmapped id keeps at restore */
#define UNMAPPED_KEPT_ID 0

static int overflow_id(bool gid, uint32_t *out)
{
	static int64_t cached[2] = { -1, -1 };
	const char *path = gid ? "/proc/sys/kernel/overflowgid" : "/proc/sys/kernel/overflowuid";
	int64_t v = cached[gid];
	int ret;

	if (v < 0) {
		ret = read_proc_number(path, 0, UINT32_MAX - 1, &v);
		if (ret)
			return ret;
		cached[gid] = v;
	}
	*out = v;
	return 0;
}

/* Does the map give no meaning of its own to the overflow id? Then it can stand for "none". */
static bool overflow_free(const struct userns_map *m, bool gid, uint32_t *overflow)
{
	uint32_t outside;

	return !overflow_id(gid, overflow) && !userns_id_outside(m, *overflow, &outside);
}

int userns_unmapped_dump(const struct userns_map *m, bool gid, pid_t pid, const char *what,
			 uint32_t *id)
{
	uint32_t overflow;

	if (*id != UNMAPPED_KEPT_ID) {
		pr_err("Task %d: its %s %u is not mapped in its user namespace: only an unmapped "
		       "root (0) can be restored; map %u in the namespace (unshare -r, or "
		       "--map-user) or have the task take a mapped id\n",
		       pid, what, *id, *id);
		return -EOPNOTSUPP;
	}
	if (!overflow_free(m, gid, &overflow)) {
		pr_err("Task %d: its %s 0 is not mapped in its user namespace, and the overflow id "
		       "it sees instead is (or can't be read): it can't be saved; map 0 in the "
		       "namespace\n",
		       pid, what);
		return -EOPNOTSUPP;
	}
	pr_debug("Task %d: its %s 0 is not mapped in its user namespace: saved as %u, the "
		 "overflow id it sees\n",
		 pid, what, overflow);
	*id = overflow;
	return 0;
}

bool userns_unmapped_rst(const struct userns_map *m, bool gid, uint32_t id, uint32_t *kept)
{
	uint32_t overflow;

	if (!overflow_free(m, gid, &overflow) || id != overflow)
		return false;
	*kept = UNMAPPED_KEPT_ID;
	return true;
}
