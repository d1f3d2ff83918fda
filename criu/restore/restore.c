/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore/restore.c - `criu restore`: check the images, fork the task with its original pid,
 * let it rebuild itself, then remove the restorer blob and detach or wait.
 *
 * The forked task does all the rebuilding itself (fds, fs, memory, restorer). criu seizes
 * it with ptrace only so that, once the restorer has stopped itself right before its
 * rt_sigreturn, criu can let that sigreturn run and then unmap the restorer area with one
 * injected munmap: code cannot unmap itself and go on. Failures anywhere kill the task.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "fault.h"
#include "image.h"
#include "lazy.h"
#include "log.h"
#include "internal.h"
#include "net-lock.h"
#include "plugin.h"
#include "netns.h"
#include "proc-parse.h"
#include "proc-status.h"
#include "threads.h"
#include "sigframe.h"
#include "mem.h"
#include "task-state.h"
#include "tree.h"
#include "fdstore.h"
#include "files.h"
#include "ns.h"
#include "stats.pb-c.h"

/* every task the tree creates is traced from birth (threads: add PTRACE_O_TRACECLONE) */
#define RST_TRACE_NEW PTRACE_O_TRACEFORK

/*
 * log.c may offer to move its fd (asked of the log's owner); without it a log fd that
 * collides with one of the task's fds is refused.
 */

struct rst_channel {
	int go[2];     /* criu -> task: "you are seized, go on" */
	int report[2]; /* task -> criu: struct rst_report, then EOF */
};

uint64_t rst_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/* Move fd to a number above every target fd, so installing the task's fds can't hit it. */
static int move_above(int *fd, int min)
{
	int nfd;

	if (*fd > min)
		return 0;
	nfd = fcntl(*fd, F_DUPFD_CLOEXEC, min + 1);
	if (nfd < 0) {
		pr_perror("Can't move criu's fd %d above %d", *fd, min);
		return -errno;
	}
	close(*fd);
	*fd = nfd;
	return 0;
}

static int open_channel(struct rst_channel *ch, int max_fd)
{
	int i, ret = 0;

	if (pipe2(ch->go, O_CLOEXEC) || pipe2(ch->report, O_CLOEXEC)) {
		pr_perror("Can't create pipes to the restored task");
		return -errno;
	}
	for (i = 0; i < 2 && !ret; i++) {
		ret = move_above(&ch->go[i], max_fd);
		if (!ret)
			ret = move_above(&ch->report[i], max_fd);
	}
	return ret;
}

static void close_channel(struct rst_channel *ch)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (ch->go[i] >= 0)
			close(ch->go[i]);
		if (ch->report[i] >= 0)
			close(ch->report[i]);
		ch->go[i] = ch->report[i] = -1;
	}
}

/* The images directory fd must sit above the task's fds while the task rebuilds itself. */
static int make_room_for_fds(struct rst_ctx *ctx, const struct rst_task *t)
{
	/* main.c owns images_dfd: take a copy; the task closes the original */
	if (ctx->dfd <= ctx->fd_top) {
		ctx->dfd = fcntl(ctx->dfd, F_DUPFD_CLOEXEC, ctx->fd_top + 1);
		if (ctx->dfd < 0) {
			pr_perror("Can't move the images directory fd above %d", ctx->fd_top);
			ctx->dfd = ctx->ro->images_dfd;
			return -errno;
		}
	}
	return 0;
}

/*
 * In the task, criu's log must not sit on a number the task's fds will take (stderr when
 * there is no -o, or a low fd). Returns the log fd to keep, or -errno.
 */
/* The task gets its own fd numbers, fd 2 included: the log moves above all of them. */
static int task_log_fd(const struct rst_ctx *ctx, const struct rst_task *t)
{
	int top = ctx->fd_top + 1;
	int ret = ctx->ro->log_pid ? log_split_per_pid(top) : log_move_fd(top);

	if (ret) {
		pr_err("Can't move criu's log fd above the task's fds: %d\n", ret);
		return ret;
	}
	return log_get_fd();
}

/* Steps of the forked task; each logs its own failure. */
static int task_rebuild(const struct rst_ctx *ctx, const struct rst_task *t,
			const struct rst_channel *ch, int up_fd)
{
	int keep[4] = { -1, ctx->dfd, ch->report[1], rst_ns_user_fd() };
	struct rst_mem mem = {};
	char c;
	int ret;

	/* the root waits until criu traces it; its descendants are traced from birth */
	if (!t->pstree->ppid && read(ch->go[0], &c, 1) != 1)
		return -ECANCELED; /* criu gave up on us */
	/* into its cgroups first: what it makes (children, threads, memory) is born there */
	ret = rst_cgroup_enter(ctx, t);
	if (ret)
		return ret;
	/* the root fills its new namespaces before anything of the tree uses them */
	ret = t->pstree->ppid ? rst_ns_task_setup(ctx, t) : rst_ns_root_setup(ctx);
	ret = ret ?: rst_restore_session(ctx, t);
	if (ret)
		return ret;
	if (t->helper)
		rst_be_helper(ctx, t, ch);
	if (rst_task_is_zombie(t))
		rst_become_zombie(ctx, t);
	keep[0] = task_log_fd(ctx, t);
	if (keep[0] < 0)
		return keep[0];
	/* a shared table holds the parent's fds: nothing in it is foreign */
	if (!t->shares_files)
		ret = rst_close_inherited(ctx, keep, keep[3] >= 0 ? 4 : 3);
	if (!ret)
		ret = rst_make_shared(ctx, t);
	if (!ret && !t->pstree->ppid)
		ret = rst_ns_root_finish(ctx);
	if (!ret)
		ret = rst_restore_fds(ctx, t);
	if (!ret)
		ret = rst_claim_fowns(ctx, t);
	if (!ret && fault_injected("restore-premap"))
		ret = -EIO;
	/* private memory before the fork: pages shared with the children stay shared */
	if (!ret)
		ret = rst_premap(ctx, t, &mem);
	if (!ret)
		ret = rst_fill_pages(ctx, t, &mem);
	if (ret)
		return ret;
	rst_cow_hand_down(t, &mem);
	ret = rst_fork_children(ctx, t, ch, up_fd);
	/* once in its group: a task of a terminal's foreground group takes the foreground */
	if (!ret)
		ret = tty_restore_foreground(ctx, t);
	/* after the transit fds are closed: closing any fd of a file drops the POSIX locks */
	if (!ret)
		ret = rst_restore_file_locks(ctx, t);
	if (!ret)
		ret = rst_restore_cwd(ctx, t);
	if (!ret)
		ret = rst_map_shared(ctx, t, &mem);
	if (!ret)
		ret = rst_aio_rings(t, &mem);
	if (!ret)
		ret = rst_jump_to_restorer(ctx, t, &mem, ch->report[1]);
	return ret;
}

/*
 * Forked with CLONE_FILES, the task sees criu's fds of its parent (images directory, report
 * pipe, log), which the parent closes when it jumps into its restorer: take copies of our
 * own, above every fd of the tasks, and close only those.
 */
static int take_own_fds(struct rst_ctx *ctx, struct rst_channel *ch)
{
	int min = ctx->fd_top + 1, ret;

	ret = log_own_fd(min);
	if (ret) {
		pr_err("Can't take a log fd of our own: %d\n", ret);
		return ret;
	}
	ctx->dfd = fcntl(ctx->dfd, F_DUPFD_CLOEXEC, min);
	ch->report[1] = fcntl(ch->report[1], F_DUPFD_CLOEXEC, min);
	if (ctx->dfd < 0 || ch->report[1] < 0 || rst_ns_own_user_fd(min)) {
		pr_perror("Can't copy criu's fds in a task sharing its parent's fd table");
		return -errno;
	}
	return 0;
}

static void __attribute__((noreturn)) task_main(const struct rst_ctx *ctx, const struct rst_task *t,
						const struct rst_channel *ch, int up_fd)
{
	struct rst_ctx own_ctx;
	struct rst_channel own_ch;
	sigset_t all;

	/* Until rt_sigreturn sets the program's mask, no signal may run criu's handlers. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	rst_note_own_pid(t->pid);
	log_set_pid_prefix(1);
	if (!t->pstree->ppid) {
		close(ch->go[1]);
		close(ch->report[0]);
	}
	if (t->shares_files) {
		own_ctx = *ctx;
		own_ch = *ch;
		if (take_own_fds(&own_ctx, &own_ch))
			goto out_fail;
		ctx = &own_ctx;
		ch = &own_ch;
	}
	/* the images directory as the task keeps it, for a plugin that restores its files */
	cr_plugin_set_image_dir(ctx->dfd);
	task_rebuild(ctx, t, ch, up_fd);
out_fail:
	pr_err("Restoring task %d failed\n", t->pid);
	_exit(1);
}

/* clone3 with set_tid: the only way to get the dumped pid back without races. */
pid_t rst_fork_with_pid(const struct rst_ctx *ctx, const struct rst_task *t,
			const struct rst_channel *ch, int up_fd)
{
	pid_t want = t->pid, set_tid[RST_PID_LEVELS];
	struct clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = (uint64_t)(uintptr_t)set_tid,
	};
	long pid;
	int levels;

	/* innermost first: in the tree's pid namespace, then criu's */
	levels = rst_pid_levels(ctx, t->pid, set_tid, RST_PID_LEVELS);
	if (levels < 0)
		return -1;
	args.set_tid_size = levels;
	/* the parent sees its child by its pid in the parent's namespace */
	want = t->pstree->ppid ? rst_pid_here(ctx, t->pid) : t->pid;
	if (!t->pstree->ppid)
		args.flags |= rst_ns_clone_flags(ctx);
	else if (rst_pid_new_ns(ctx, t))
		args.flags |= CLONE_NEWPID; /* the init of a nested pid namespace */

	/*
	 * --restore-sibling: the root goes to criu's parent, which will wait for it. clone3
	 * wants exit_signal 0 then: the child inherits criu's own exit signal.
	 */
	if (!t->pstree->ppid && ctx->ro->restore_sibling) {
		args.flags |= CLONE_PARENT;
		args.exit_signal = 0;
	}
	/* the parent's fds are in place: its table becomes ours */
	if (t->shares_files)
		args.flags |= CLONE_FILES;
	if (fault_injected("restore-fork"))
		return -1;
	if (rst_ns_tree_inside(ctx)) {
		/* inside the tree's user namespace: criu's level is steered, not set */
		args.set_tid_size = levels - 1;
		if (!t->pstree->ppid)
			pid = userns_rst_clone_root(ctx, t, &args, set_tid[levels - 1]);
		else
			pid = rst_ns_clone_steered(&args, set_tid[levels - 1]);
	} else
		pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		task_main(ctx, t, ch, up_fd);
	if (pid < 0) {
		if (errno == EEXIST && levels > 1)
			pr_err("pid %d (%d in the tree's pid namespace) is taken by another "
			       "process; "
			       "restore needs it free\n",
			       t->pid, set_tid[0]);
		else if (errno == EEXIST)
			pr_err("pid %d is taken by another process; restore needs it free\n", want);
		else
			pr_perror("Can't create task %d (clone3 with set_tid)", want);
		return -1;
	}
	if (pid != want) {
		pr_err("clone3 gave pid %ld instead of %d\n", pid, want);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, __WALL);
		return -1;
	}
	return pid;
}

static int seize_task(pid_t pid, long opts)
{
	if (ptrace(PTRACE_SEIZE, pid, 0, opts)) {
		pr_perror("Can't seize the restored task %d", pid);
		return -errno;
	}
	return 0;
}

/* One task stopped in its restorer: let it become the program (threads: each of them). */
static int finish_task(const struct rst_task *t, const struct rst_report *rep)
{
	return rst_remove_restorer(t->pid, t->tids, t->nr_threads, rep);
}

/* criu's view of one task while the tree rebuilds itself */
struct rst_watch {
	bool seen; /* criu met it: it exists, it may be killed */
	bool reported, stopped;
	bool done; /* stopped, and so is every thread of it */
	struct rst_report rep;
	struct rst_thread_wait thr; /* task/threads-restore.c: its threads' births and stops */
};

static void free_watch(const struct rst_ctx *ctx, struct rst_watch *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < ctx->nr_tasks; i++)
		free(w[i].thr.state);
	free(w);
}

static int task_index(const struct rst_ctx *ctx, pid_t pid)
{
	size_t i;

	for (i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i].pid == pid)
			return i;
	return -ENOENT;
}

/* Reports come in any order on the one pipe: file each under its task until i's is in. */
static int read_report(const struct rst_ctx *ctx, const struct rst_channel *ch, struct rst_watch *w,
		       int i)
{
	struct rst_report rep;
	int j;

	while (!w[i].reported) {
		if (read(ch->report[0], &rep, sizeof(rep)) != sizeof(rep)) {
			pr_err("Task %d stopped without reporting its restorer area\n",
			       ctx->tasks[i].pid);
			return -EPROTO;
		}
		j = task_index(ctx, rep.pid);
		if (j < 0) {
			pr_err("A report came from unknown task %lld\n", (long long)rep.pid);
			return -EPROTO;
		}
		w[j].rep = rep;
		w[j].reported = true;
	}
	return 0;
}

static int ptrace_resume(int req, pid_t pid, long data)
{
	if (ptrace(req, pid, 0, data)) {
		pr_perror("Can't resume restored task %d", pid);
		return -errno;
	}
	return 0;
}

/*
 * A new task stops once, traced from birth: give it its own options, or let a zombie or
 * group helper go. A session helper stays traced: the tasks it forks must be born traced.
 */
static int new_task_stop(const struct rst_ctx *ctx, const struct rst_task *t)
{
	if (!rst_task_has_restorer(t) && !rst_is_session_helper(t))
		return ptrace_resume(PTRACE_DETACH, t->pid, 0);
	if (ptrace(PTRACE_SETOPTIONS, t->pid, 0, rst_task_seize_opts(t) | RST_TRACE_NEW)) {
		pr_perror("Can't set ptrace options of restored task %d", t->pid);
		return -errno;
	}
	return ptrace_resume(PTRACE_CONT, t->pid, 0);
}

/* One stop of any task of the tree; returns 1 when it is a restorer's final stop. */
static int handle_stop(const struct rst_ctx *ctx, const struct rst_channel *ch, struct rst_watch *w,
		       int i, int status)
{
	const struct rst_task *t = &ctx->tasks[i];
	int ev = status >> 16, sig = WSTOPSIG(status), ret;

	if (ev == PTRACE_EVENT_CLONE && t->nr_threads) /* by_last_pid checks the new tid */
		return rst_threads_event(&w[i].thr, t->pid, status);
	if (ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_CLONE)
		return ptrace_resume(PTRACE_CONT, t->pid, 0);
	if (ev == PTRACE_EVENT_STOP)
		return new_task_stop(ctx, t);
	if (ev || sig != SIGSTOP) /* not ours: the task gets it as it would have */
		return ptrace_resume(PTRACE_CONT, t->pid, ev ? 0 : sig);
	if (t->nr_threads) {
		/* its first stop comes before it clones its threads: not the final one */
		ret = rst_threads_event(&w[i].thr, t->pid, status);
		if (ret || !w[i].thr.leader_done)
			return ret;
	}
	ret = read_report(ctx, ch, w, i);
	if (ret)
		return ret;
	w[i].stopped = true;
	fault_point("restore-stopped");
	return 0;
}

/* The task a thread (not a leader) belongs to, or -ENOENT. */
static int thread_owner(const struct rst_ctx *ctx, pid_t tid)
{
	size_t i, j;

	for (i = 0; i < ctx->nr_tasks; i++)
		for (j = 0; j < ctx->tasks[i].nr_threads; j++)
			if (ctx->tasks[i].tids[j] == tid)
				return i;
	return -ENOENT;
}

/* criu, its tracer, reaps it first; then its parent can (reap_helpers()). */
static bool session_helper_done(const struct rst_task *t, int status)
{
	if (!rst_is_session_helper(t) || !WIFEXITED(status) || WEXITSTATUS(status))
		return false;
	pr_info("Session helper %d forked its members and exited\n", t->pid);
	return true;
}

/*
 * A tree forked inside its user namespace: a child that got a pid of criu's level not its
 * own (ns/userns-inside.c) is killed by its parent, which clones it again. criu, which
 * traces it from birth, lets it be (it may even have another task's pid): known by the
 * innermost pid at its first event, then by its pid until it is gone.
 */
#define MAX_STRAYS 16
static pid_t strays[MAX_STRAYS];

static bool inside_stray(const struct rst_ctx *ctx, const struct rst_watch *w, pid_t pid,
			 int status, int i)
{
	pid_t levels[RST_PID_LEVELS];
	size_t k;

	if (!rst_ns_tree_inside(ctx) || (i >= 0 && w[i].seen))
		return false;
	for (k = 0; k < MAX_STRAYS; k++) {
		if (strays[k] != pid)
			continue;
		if (!WIFSTOPPED(status))
			strays[k] = 0; /* gone */
		return true;
	}
	if (i >= 0 && rst_pid_levels(ctx, pid, levels, RST_PID_LEVELS) < 0)
		return false;
	if (!rst_ns_is_stray(pid, i >= 0 ? levels[0] : 0))
		return false;
	for (k = 0; k < MAX_STRAYS && WIFSTOPPED(status); k++) {
		if (!strays[k]) {
			strays[k] = pid;
			break;
		}
	}
	pr_info("Task %d is a clone that missed its pid: its parent clones it again\n", pid);
	return true;
}

/*
 * One wait status of a leader or of a thread; *i is set to the task it belongs to. 1: a
 * stray of a tree forked inside, none of the tree's.
 */
static int handle_event(const struct rst_ctx *ctx, const struct rst_channel *ch,
			struct rst_watch *w, pid_t pid, int status, int *i)
{
	*i = task_index(ctx, pid);
	if (*i >= 0 && inside_stray(ctx, w, pid, status, *i))
		return 1;
	if (*i >= 0) {
		w[*i].seen = true;
		if (session_helper_done(&ctx->tasks[*i], status)) {
			w[*i].seen = false; /* gone: its pid is nobody's to kill */
			return 0;
		}
		if (!WIFSTOPPED(status)) {
			rst_explain_status(pid, status, "while it rebuilt itself");
			return -ECHILD;
		}
		return handle_stop(ctx, ch, w, *i, status);
	}
	for (*i = 0; *i < (int)ctx->nr_tasks; (*i)++) /* by_last_pid: a clone with a wrong tid */
		if (rst_threads_is_stray(&w[*i].thr, pid, status))
			return rst_threads_stray_event(&w[*i].thr, pid, status);
	*i = thread_owner(ctx, pid);
	if (*i >= 0)
		return rst_threads_event(&w[*i].thr, pid, status);
	if (inside_stray(ctx, w, pid, status, -1))
		return 1;
	pr_err("Unexpected task %d stopped while the tree was restored\n", pid);
	return -ECHILD;
}

/* A task is done when its leader and every thread of it stopped before rt_sigreturn. */
static bool task_done(const struct rst_task *t, const struct rst_watch *w)
{
	return w->stopped && (!t->nr_threads || rst_threads_all_stopped(&w->thr));
}

static struct rst_watch *alloc_watch(const struct rst_ctx *ctx)
{
	struct rst_watch *w = calloc(ctx->nr_tasks, sizeof(*w));
	size_t i;

	if (!w)
		pr_err("Out of memory for the restore of %zu tasks\n", ctx->nr_tasks);

	for (i = 0; w && i < ctx->nr_tasks; i++) {
		const struct rst_task *t = &ctx->tasks[i];

		w[i].thr = (struct rst_thread_wait){
			.pid = t->pid,
			.tids = t->tids,
			.nr = t->nr_threads,
			.opts = rst_task_seize_opts(t) | RST_TRACE_NEW,
			.by_last_pid = rst_ns_threads_by_last_pid(ctx),
		};
		w[i].thr.state = calloc(t->nr_threads + 1, 1);
		if (!w[i].thr.state) {
			pr_err("Out of memory for the restore of %zu tasks\n", ctx->nr_tasks);
			free_watch(ctx, w);
			return NULL;
		}
	}
	return w;
}

/* by_last_pid: one thread clone at a time, once every task is in its restorer, stopped */
static int release_parked(const struct rst_ctx *ctx, struct rst_watch *w)
{
	struct rst_thread_wait *next = NULL;
	size_t k;

	for (k = 0; k < ctx->nr_tasks; k++) {
		if (w[k].thr.clone_in_flight)
			return 0;
		if (w[k].thr.parked)
			next = &w[k].thr;
		else if (rst_task_has_restorer(&ctx->tasks[k]) && !w[k].stopped)
			return 0;
	}
	return next ? rst_threads_clone_next(ctx, next) : 0;
}

/* Until every live task stopped in its restorer; any task dying fails the restore. */
static int wait_tree(const struct rst_ctx *ctx, const struct rst_channel *ch, struct rst_watch *w)
{
	size_t left = 0, k;
	int status, ret, i;
	pid_t pid;

	for (k = 0; k < ctx->nr_tasks; k++)
		left += rst_task_has_restorer(&ctx->tasks[k]);
	while (left) {
		pid = waitpid(-1, &status, __WALL);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0) {
			pr_perror("Can't wait for the restored tasks");
			return -errno;
		}
		ret = handle_event(ctx, ch, w, pid, status, &i);
		if (ret == 1)
			continue;
		ret = ret < 0 ? ret : release_parked(ctx, w);
		if (ret < 0)
			return ret;
		if (!w[i].done && task_done(&ctx->tasks[i], &w[i])) {
			w[i].done = true;
			left--;
		}
	}
	return 0;
}

/* A task criu traces is one it created: safe to kill, unlike a stranger with that pid. */
static bool traced_by_us(pid_t pid)
{
	struct proc_status st;
	char path[64], *buf;
	int ret;

	/* quietly: a task that was never born has no status file */
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	buf = read_proc_file_quiet(path, NULL);
	if (!buf)
		return false;
	ret = parse_proc_status_buf(buf, path, PS_F(PS_TRACER_PID), &st);
	free(buf);
	return !ret && st.tracer_pid == getpid();
}

/*
 * Any failure: every task of the tree that exists dies: those criu met, and those born but
 * not met yet (traced from birth). The rest die with criu (PTRACE_O_EXITKILL).
 */
static void kill_tree(const struct rst_ctx *ctx, const struct rst_watch *w)
{
	/*
	 * The init of a pid namespace, killed, waits for every task inside to be reaped, and
	 * those criu traces are criu's to reap first: children before their parents then.
	 */
	bool children_first = rst_ns_own_pid(ctx);
	size_t n, i;

	for (n = 0; n < ctx->nr_tasks; n++) {
		const struct rst_task *t;

		i = children_first ? ctx->nr_tasks - 1 - n : n;
		t = &ctx->tasks[i];

		/* traced threads must be reaped by criu before their leader can go */
		if (!i && children_first)
			rst_kill_pidns_init(t->pid);
		else if (w[i].seen || !i || traced_by_us(t->pid))
			rst_threads_kill(t->pid, t->tids, t->nr_threads);
	}
}

/* For a test: the root dies (and is reaped) before criu tells it to go. */
static void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/*
 * Tell the root it is traced and may start. It may have died already (killed from outside):
 * the pipe then has no reader, which must be an error said here, not a SIGPIPE killing criu.
 */
static int send_go(int fd, pid_t root)
{
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	ssize_t n;
	int err;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &old);
	n = write(fd, "g", 1);
	err = errno;
	if (n < 0 && err == EPIPE)
		sigtimedwait(&pipe_set, NULL, &zero); /* ours, now pending: consume it */
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (n == 1)
		return 0;
	errno = n < 0 ? err : EIO;
	pr_perror("Can't tell the root task %d to start restoring (did it die?)", root);
	return n < 0 ? -err : -EIO;
}

static int run_stage_hook(const struct restore_opts *ro, const char *stage, pid_t pid);

/* Fork the root, let the tree rebuild itself, remove every restorer. Returns the root pid. */
static pid_t restore_tree(struct rst_ctx *ctx, struct rst_watch *w, uint64_t start)
{
	struct rst_channel ch = { { -1, -1 }, { -1, -1 } };
	struct rst_task *root = &ctx->tasks[0];
	size_t i;
	pid_t pid;
	int ret;

	ret = make_room_for_fds(ctx, root);
	if (!ret)
		ret = open_channel(&ch, ctx->fd_top);
	if (ret)
		goto out_close;
	ret = rst_ns_before_root(ctx);
	pid = ret ? -1 : rst_fork_with_pid(ctx, root, &ch, -1);
	rst_ns_after_root(ctx);
	if (pid < 0)
		goto out_close;
	w[0].seen = true;
	close(ch.go[0]);
	close(ch.report[1]);
	ch.go[0] = ch.report[1] = -1;

	ret = seize_task(pid, rst_task_seize_opts(root) | RST_TRACE_NEW);
	/*
	 * as CRIU: the root's namespaces are made, nothing of the tree is in them yet, and criu
	 * fills its network namespace after the action, which makes what criu doesn't (a link
	 * a plugin saved the parameters of)
	 */
	if (!ret && ctx->ns)
		ret = run_stage_hook(ctx->ro, "setup-namespaces", pid);
	ret = ret ?: rst_ns_fill_from_outside(ctx, pid);
	if (!ret && fault_injected("restore-root-gone"))
		kill_and_reap(pid);
	if (!ret)
		ret = send_go(ch.go[1], pid);
	ctx->stats.forking_time = rst_now_usec() - start;
	if (!ret)
		fault_point("restore-seized");
	if (!ret)
		ret = wait_tree(ctx, &ch, w);
	/* CRIU's is before the fork of the root's children; runtimes only need it after the above
	 */
	if (!ret && ctx->ns)
		ret = run_stage_hook(ctx->ro, "post-setup-namespaces", pid);
	if (!ret)
		rst_ns_tree_in_place(ctx);
	for (i = 0; !ret && i < ctx->nr_tasks; i++) {
		if (!rst_task_has_restorer(&ctx->tasks[i]))
			continue;
		/* its threads are made and wait: those with cgroups of their own go there */
		ret = rst_cgroup_threads(ctx, &ctx->tasks[i])
			      ?: finish_task(&ctx->tasks[i], &w[i].rep);
		ctx->stats.pages_restored += w[i].rep.pages_restored;
		ctx->stats.pages_skipped_cow += w[i].rep.pages_shared;
		ctx->stats.pages_compared += w[i].rep.pages_compared;
	}
	if (ret)
		goto out_kill;
	close_channel(&ch);
	return pid;

out_kill:
	kill_tree(ctx, w);
out_close:
	close_channel(&ch);
	return -1;
}

/*
 * The plugins' restore hooks once every task is forked and its memory in place, before any
 * runs: POST_FORKING, then RESUME_DEVICES_LATE for each task (-ENOTSUP: not theirs).
 */
static int plugins_resume_devices(const struct rst_ctx *ctx)
{
	size_t i;
	int ret;

	ret = run_plugins(POST_FORKING);
	for (i = 0; (!ret || ret == -ENOTSUP) && i < ctx->nr_tasks; i++)
		if (rst_task_has_restorer(&ctx->tasks[i]))
			ret = run_plugins(RESUME_DEVICES_LATE, ctx->tasks[i].pid);
	return ret == -ENOTSUP ? 0 : ret;
}

static int run_stage_hook(const struct restore_opts *ro, const char *stage, pid_t pid)
{
	return ro->stage_hook ? ro->stage_hook(stage, pid, ro->hook_arg) : 0;
}

/* Children first, so that no task runs on while a task below it is still traced. */
static int detach_tree(const struct rst_ctx *ctx)
{
	size_t i;
	int ret;

	for (i = ctx->nr_tasks; i-- > 0;) {
		const struct rst_task *t = &ctx->tasks[i];

		if (!rst_task_has_restorer(t))
			continue;
		ret = rst_stop_if_stopped(t) ?: rst_threads_detach(t->tids, t->nr_threads);
		if (ret)
			return ret;
		if (ptrace(PTRACE_DETACH, t->pid, 0, 0)) {
			pr_perror("Can't detach from the restored task %d", t->pid);
			return -errno;
		}
		fault_point("restore-detach");
	}
	return 0;
}

/* Without -d criu waits for its children (the root) and, as CRIU, exits 0 whatever they did. */
static void wait_children(pid_t root)
{
	int status;

	if (rst_wait_task(root, &status))
		return;
	if (WIFEXITED(status))
		pr_info("Restored task %d exited with %d\n", root, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		pr_info("Restored task %d was killed by signal %d\n", root, WTERMSIG(status));
	while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
		;
}

static int finish(struct rst_ctx *ctx, const struct rst_watch *w, pid_t pid)
{
	const struct restore_opts *ro = ctx->ro;
	uint64_t start = rst_now_usec();

	if (detach_tree(ctx)) {
		kill_tree(ctx, w);
		return 1;
	}
	ctx->stats.resume_time = rst_now_usec() - start;
	pr_info("Restore finished successfully. Task %d resumed.\n", pid);
	/* the tree runs now: a stats file we could not write is no reason to fail it */
	if (rst_write_stats(ctx))
		pr_err("Can't write stats-restore in %s; the restored tree runs on\n",
		       ro->work_dir);
	run_stage_hook(ro, "post-resume", pid);
	if (!ro->restore_detached)
		wait_children(pid);
	return 0;
}

int cr_restore_tasks(const struct restore_opts *ro)
{
	struct rst_ctx ctx = {
		.ro = ro,
		.dfd = ro->images_dfd,
		.criu_pid = getpid(),
		.lazy_sk = -1,
		.orphan_sk = { -1, -1 },
	};
	uint64_t start = rst_now_usec();
	struct rst_watch *w = NULL;
	int ret = 1, pidfd = -1;
	pid_t pid;

	/* before the fork: the probe's signal would stop the traced task */
	if (rst_read_images(&ctx) || rst_lazy_begin(&ctx) || plugins_restore_init() ||
	    netlock_test_hook_restore() || rst_ns_prepare(&ctx) || rst_cgroup_prepare(&ctx) ||
	    rst_plan_transit(&ctx) || rst_cgroup_hold_dirs(&ctx) || rst_ns_hold_fds(&ctx) ||
	    rst_inherit_prepare(&ctx) || rst_orphan_pts_prepare(&ctx) ||
	    rst_fdstore_prepare(&ctx) || rst_arch_probe_xstate() || rst_wait_pids_free(&ctx) ||
	    rst_remaps_premake(&ctx))
		goto out_free;
	w = alloc_watch(&ctx);
	if (!w)
		goto out_free;
	if (ro->pidfile) {
		pidfd = rst_open_pidfile(ro->pidfile);
		if (pidfd < 0)
			goto out_free;
	}
	pid = restore_tree(&ctx, w, start);
	/* every task opened its files: the deleted ones are deleted again before any runs */
	rst_remaps_unmake(&ctx, pid >= 0);
	if (pid < 0)
		goto out_unlink;
	ctx.stats.restore_time = rst_now_usec() - start;
	if (rst_orphan_pts_pass(&ctx) || plugins_resume_devices(&ctx) ||
	    (pidfd >= 0 && rst_write_pidfile(pidfd, ro->pidfile, pid)) ||
	    run_stage_hook(ro, "post-restore", pid)) {
		kill_tree(&ctx, w);
		goto out_unlink;
	}
	/* as CRIU: after post-restore, before pre-resume; a lock left would only hang the
	 * connections, not the tree, so its failure (logged) does not undo the restore */
	if (rst_ns_clone_flags(&ctx) & CLONE_NEWNET) /* as CRIU, its answer does not count */
		run_stage_hook(ro, "network-unlock", pid);
	rst_ns_unlock_others(&ctx, pid);
	if (!netns_rst_enter_tree(pid)) {
		/* a tree's own network namespace got the lock back with its ruleset */
		netlock_restore_unlock(pid);
		netns_rst_leave_tree();
	}
	/*
	 * Every socket of the tree exists: connections leave repair mode once the lock is gone,
	 * so that the window probes and unsent bytes they send reach their peers.
	 */
	if (inet_rst_repair_off(&ctx) || run_stage_hook(ro, "pre-resume", pid)) {
		kill_tree(&ctx, w);
		goto out_unlink;
	}
	close(pidfd);
	pidfd = -1;
	ret = finish(&ctx, w, pid);
	goto out_free;
out_unlink:
	if (pidfd >= 0) {
		close(pidfd);
		unlink(ro->pidfile);
	}
out_free:
	rst_lazy_end(&ctx, ret);
	rst_remaps_unmake(&ctx, false);
	/* a failed restore leaves no lock behind: nothing runs that it would protect */
	if (ret)
		netlock_restore_unlock(ctx.nr_pstree ? (int)ctx.pstree[0]->pid : 0);
	if (ctx.dfd != ro->images_dfd)
		close(ctx.dfd);
	free_watch(&ctx, w);
	rst_inherit_close(&ctx);
	rst_orphan_pts_close(&ctx);
	free(ctx.transit);
	free(ctx.fown_claims);
	free(ctx.scm_uses);
	free(ctx.usk_groups);
	rst_ns_free(&ctx);
	/* after kill_tree(): a failed restore's cgroups are empty and go */
	rst_cgroup_fini(&ctx, ret != 0);
	rst_free_images(&ctx);
	return ret;
}
