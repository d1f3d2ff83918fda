/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files-locks.c - file locks held by the dumped task. /proc/PID/fdinfo/N lists the locks
 * the task holds on that open file ("lock:" lines: flock, POSIX and OFD locks, leases).
 * Saving them needs --file-locks, which comes later: until then such a task is refused,
 * with the words users know from CRIU.
 */
#include <string.h>

#include "dump.h"
#include "files.h"
#include "log.h"

int check_fd_locks(struct dump_ctx *dc, const struct fd_parms *p)
{
	const char *lock = fdinfo_field(p->fdinfo, "lock");

	if (!lock)
		return 0;
	pr_info("fd %d of task %d holds a lock:%.*s\n", p->fd, p->pid, (int)strcspn(lock, "\n"),
		lock);
	pr_err("Some file locks are hold by dumping tasks! You can try --file-locks to dump them\n");
	return -EOPNOTSUPP;
}
