/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task-tree.c - the dump's checks on sessions and process groups. A session or group whose
 * leader is not in the dumped tree cannot be recreated as it was: with --shell-job the
 * restored tasks join criu's session and group instead (a job started from a shell);
 * without it the dump is refused before anything is changed.
 */
#include <errno.h>

#include "dump.h"
#include "log.h"

int check_task_sessions(const struct dump_ctx *dc)
{
	const struct proc_stat *st = &dc->stat;
	bool outside = st->sid != dc->pid;

	if (outside && !dc->opts->shell_job) {
		pr_err("The root task %d is not a session leader: its session %d lies outside "
		       "the dumped tree; dump it with --shell-job (-j) to restore it into "
		       "criu's session\n", dc->pid, st->sid);
		return -EOPNOTSUPP;
	}
	/* a group led from outside: only a shell job's group may be replaced by criu's */
	if (st->pgid != dc->pid && !outside) {
		pr_err("Task %d is in process group %d whose leader is not in the dumped tree: "
		       "not supported yet\n", dc->pid, st->pgid);
		return -EOPNOTSUPP;
	}
	if (outside)
		pr_info("Task %d: session %d and group %d outside the tree (shell job)\n",
			dc->pid, st->sid, st->pgid);
	return 0;
}
