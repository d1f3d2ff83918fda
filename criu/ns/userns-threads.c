/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/userns-threads.c - the pids of threads restored in the tree's user namespace (ns.h).
 *
 * A thread is cloned by its task's restorer, which is in the user namespace by then (a task
 * with threads can't enter one), and clone3's set_tid needs CAP_CHECKPOINT_RESTORE over the
 * user namespace that owns each pid namespace level: criu's, for both criu's level and the
 * tree's (made by the root's clone3). So the restorer clones without set_tid, after a stop
 * in which criu writes each level's ns_last_pid to the thread's pid - 1. The kernel's
 * ns_last_pid is the writer's own active pid namespace's: criu writes its own level, and a
 * writer child of criu, forked into the tree's pid namespace (with criu's privileges), the
 * tree's. criu lets one clone go at a time, once every task of the tree is stopped in its
 * restorer (restore/restore.c), so that no task of the tree takes the pid; a process
 * outside the tree may still take the pid at criu's level in between, which criu and the
 * restorer see: the restore then fails, saying so.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "internal.h"
#include "userns.h"

static struct {
	pid_t pid;
	int pidfd;    /* a killed tree's init reaps it too: its pid may be another's then */
	int to, from; /* criu's ends of its pipes */
} writer = { -1, -1, -1, -1 };

bool rst_ns_threads_by_last_pid(const struct rst_ctx *ctx)
{
	return ctx->ns && (ctx->ns->user || userns_nested_rst_any());
}

/* criu's ns_last_pid before it moved it back for a clone, or 0 */
static pid_t criu_last_pid;

/* The writer, in the tree's pid namespace: a pid in, the result (0 or -errno) out. */
static void __attribute__((noreturn)) writer_main(int rfd, int wfd)
{
	pid_t last;
	int ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (dup2(rfd, 0) != 0 || dup2(wfd, 1) != 1)
		_exit(1);
	syscall(SYS_close_range, 2, ~0U, 0);
	while (read(0, &last, sizeof(last)) == sizeof(last)) {
		ret = ns_last_pid_write(last);
		if (write(1, &ret, sizeof(ret)) != sizeof(ret))
			_exit(1);
	}
	_exit(0);
}

static pid_t fork_writer(int down[2], int up[2])
{
	pid_t pid = fork();

	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		writer_main(down[0], up[1]);
	}
	return pid;
}

/* Fork the writer into the root's pid namespace (pid_for_children), then come back. */
static int start_writer(pid_t root)
{
	int down[2], up[2], back, ret;

	if (pipe2(down, O_CLOEXEC) || pipe2(up, O_CLOEXEC)) {
		pr_perror("Can't make the pipes of the ns_last_pid writer");
		return -errno;
	}
	ret = ns_enter(root, "pid", CLONE_NEWPID, &back);
	if (!ret) {
		writer.pid = fork_writer(down, up);
		if (writer.pid < 0)
			pr_perror("Can't fork the ns_last_pid writer of the tree's pid namespace");
		ret = ns_leave(back, CLONE_NEWPID, "pid");
		if (writer.pid > 0)
			writer.pidfd = syscall(SYS_pidfd_open, writer.pid, 0);
		if (writer.pid > 0 && writer.pidfd < 0) {
			pr_perror("Can't open a pidfd of the ns_last_pid writer");
			kill(writer.pid, SIGKILL);
			waitpid(writer.pid, NULL, 0);
		}
		ret = ret ?: (writer.pidfd < 0 ? -EPERM : 0);
	}
	close(down[0]);
	close(up[1]);
	writer.to = down[1];
	writer.from = up[0];
	return ret;
}

static int write_tree_level(pid_t root, pid_t last)
{
	int ret;

	if (writer.pidfd < 0) {
		ret = start_writer(root);
		if (ret)
			return ret;
	}
	if (write(writer.to, &last, sizeof(last)) != sizeof(last) ||
	    read(writer.from, &ret, sizeof(ret)) != sizeof(ret)) {
		pr_err("The ns_last_pid writer of the tree's pid namespace is gone\n");
		return -EPIPE;
	}
	if (ret)
		pr_err("Can't set ns_last_pid of the tree's pid namespace to %d: %s\n", last,
		       strerror(-ret));
	return ret;
}

int rst_ns_set_last_pid(const struct rst_ctx *ctx, const pid_t *levels, int n)
{
	int ret;

	if (n > USERNS_THREAD_LEVELS) {
		pr_err("Thread %d is in a pid namespace below the tree's, in its user namespace: "
		       "not supported yet\n",
		       levels[n - 1]);
		return -EOPNOTSUPP;
	}
	rst_ns_last_pid_lock();
	/* the tree's first: the writer's fork, the first time, takes a pid at criu's level */
	if (n == USERNS_THREAD_LEVELS) {
		ret = write_tree_level(ctx->tasks[0].pid, levels[0] - 1);
		if (ret)
			return ret;
	}
	/* put back after the clone: the host's forks would take the next threads' pids */
	if (!criu_last_pid)
		criu_last_pid = ns_last_pid_read();
	ret = ns_last_pid_write(levels[n - 1] - 1);
	if (ret)
		pr_err("Can't set criu's ns_last_pid to %d: %s\n", levels[n - 1] - 1,
		       strerror(-ret));
	return ret;
}

void rst_ns_put_back_last_pid(void)
{
	pid_t now = ns_last_pid_read();

	if (criu_last_pid > now)
		ns_last_pid_write(criu_last_pid);
	criu_last_pid = 0;
	rst_ns_last_pid_unlock();
}

void userns_threads_stop_writer(void)
{
	if (writer.pidfd >= 0 && !syscall(SYS_pidfd_send_signal, writer.pidfd, SIGKILL, NULL, 0))
		waitpid(writer.pid, NULL, 0);
	if (writer.pidfd >= 0)
		close(writer.pidfd);
	if (writer.to >= 0)
		close(writer.to);
	if (writer.from >= 0)
		close(writer.from);
	writer.pid = writer.pidfd = writer.to = writer.from = -1;
}
