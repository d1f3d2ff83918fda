/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree/session-restore.c - sessions and process groups of the restored tasks. Runs in the forked
 * task, before it rebuilds anything: a session leader makes its session again; a task whose
 * session was outside the dumped tree (a shell job, dumped with --shell-job) stays in
 * criu's session, and in criu's process group unless it led its own group.
 */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "task-state-image.h"
#include "log.h"
#include "restore-ctx.h"
#include "tree.h"

int rst_restore_session(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const PstreeEntry *pe = t->pstree;

	if ((pid_t)pe->sid == t->pid) {
		if (setsid() < 0) {
			pr_perror("Can't make task %d a session leader again", t->pid);
			return -errno;
		}
		return 0;
	}
	/* other tasks of the tree get their session from their parent, by fork */
	if (!pe->ppid && !ctx->ro->shell_job) {
		pr_err("Task %d was in session %d, outside the dumped tree: restore it with "
		       "--shell-job (-j) to put it into criu's session\n",
		       t->pid, pe->sid);
		return -EOPNOTSUPP;
	}
	/* a group leader leads before it forks; joining other groups waits (rst_join_group) */
	if ((pid_t)pe->pgid == t->pid && setpgid(0, 0) < 0) {
		pr_perror("Can't make task %d a process group leader again", t->pid);
		return -errno;
	}
	return 0;
}

/*
 * Queued while the task still sits in its last ptrace stop, the stop signal is the first
 * thing it handles once detached: it enters group stop before running any of its code.
 */
int rst_stop_if_stopped(const struct rst_task *t)
{
	const TaskCoreEntry *tc = t->core->tc;
	int sig = SIGSTOP;

	if (tc->task_state != TASK_STOPPED)
		return 0;
	if (tc->has_stop_signo &&
	    (tc->stop_signo == SIGTSTP || tc->stop_signo == SIGTTIN || tc->stop_signo == SIGTTOU))
		sig = tc->stop_signo;
	if (kill(t->pid, sig)) {
		pr_perror("Can't stop the restored task %d again (signal %d)", t->pid, sig);
		return -errno;
	}
	pr_info("Task %d was dumped stopped: stopped again with signal %d\n", t->pid, sig);
	return 0;
}
