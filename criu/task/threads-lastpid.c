/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/threads-lastpid.c - criu's side of the threads a restorer clones without set_tid, in
 * the tree's user namespace (by_last_pid: include/abi/restorer-threads.h, ns/userns-threads.c).
 *
 * The leader stops before each clone and stays parked until restore/restore.c finds the tree
 * quiet; criu then writes ns_last_pid at every level and lets it clone. A process outside the
 * tree may fork in between and take the pid at criu's level: the clone event then shows
 * another tid. That thread (a stray) is made to exit, and the leader, told so in r15, stops
 * to clone it again; it stays parked until the stray's pid is reaped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "fault.h"
#include "log.h"
#include "ns.h"
#include "proc-parse.h"
#include "threads.h"
#include "abi/restorer.h"

#define NR_EXIT		  60
#define SYSCALL_INSN_SIZE 2
#define MAX_RETRIES	  16
#define HOLDER_WAIT_MS	  1000
#define HELD_MS		  200

static int cont(pid_t who)
{
	if (ptrace(PTRACE_CONT, who, 0, 0)) {
		pr_perror("Can't resume %d", who);
		return -errno;
	}
	return 0;
}

/*
 * The thread being cloned: the last first (the restorer goes down too), so that a fork of
 * the host while ns_last_pid is set back can take the pid of none of the threads to come.
 */
static size_t cloning(const struct rst_thread_wait *w)
{
	return w->nr - w->clone_stops;
}

int rst_threads_before_clone(struct rst_thread_wait *w)
{
	if (!w->tracing_clones) {
		w->tracing_clones = true;
		if (ptrace(PTRACE_SETOPTIONS, w->pid, 0, w->opts | PTRACE_O_TRACECLONE)) {
			pr_perror("Can't trace the threads task %d creates", w->pid);
			return -errno;
		}
	}
	if (w->retrying) {
		/* the same thread again, once the stray is gone: its pid inside is free then */
		w->retrying = false;
		w->retry_pending = !w->stray_gone;
		w->parked = w->stray_gone;
		return 0;
	}
	w->clone_stops++;
	if (!w->by_last_pid)
		return cont(w->pid);
	w->parked = true;
	return 0;
}

/* The leader at its clone event: its restorer clones the same thread again (r15). */
static int ask_again(pid_t leader)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, leader, 0, &regs)) {
		pr_perror("Can't read the registers of task %d", leader);
		return -errno;
	}
	regs.r15 = RST_CLONE_AGAIN;
	if (ptrace(PTRACE_SETREGS, leader, 0, &regs)) {
		pr_perror("Can't tell task %d to clone its thread again", leader);
		return -errno;
	}
	return 0;
}

/* Is pid held now, and by whom ("NAME (Tgid: N)")? */
static bool holder(pid_t pid, char *buf, size_t len)
{
	char path[64], *text, *tgid;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = read_proc_file_quiet(path, NULL);
	tgid = text ? strstr(text, "\nTgid:") : NULL;
	if (tgid)
		snprintf(buf, len, "%.*s (%.*s)", (int)strcspn(text + 6, "\n"), text + 6,
			 (int)strcspn(tgid + 1, "\n"), tgid + 1);
	free(text);
	return tgid != NULL;
}

/*
 * Is pid held, and still after HOLDER_WAIT_MS? A process of the host forked in the moment
 * after the write of ns_last_pid is most often short-lived (a shell's command, a compiler);
 * the tree is stopped meanwhile, the stray thread too.
 */
static bool holder_stays(pid_t pid, char *buf, size_t len)
{
	int ms;

	for (ms = 0; ms < HOLDER_WAIT_MS; ms++) {
		if (!holder(pid, buf, len))
			return false;
		usleep(1000);
	}
	return holder(pid, buf, len);
}

int rst_threads_cloned(struct rst_thread_wait *w)
{
	pid_t want = w->tids[cloning(w)];
	unsigned long got = 0;
	char who[96];
	int ret;

	if (!w->clone_in_flight)
		return cont(w->pid);
	w->clone_in_flight = false;
	rst_clone_wake_leader_back();
	rst_ns_put_back_last_pid();
	if (ptrace(PTRACE_GETEVENTMSG, w->pid, 0, &got)) {
		pr_perror("Can't read the tid of task %d's new thread", w->pid);
		return -errno;
	}
	if ((pid_t)got == want) {
		w->retries = 0;
		return cont(w->pid);
	}
	if (holder_stays(want, who, sizeof(who))) {
		pr_err("Thread %d of task %d: its pid is taken by %s, still there after %d ms; the "
		       "restore needs it free\n",
		       want, w->pid, who, HOLDER_WAIT_MS);
		return -EEXIST;
	}
	pr_warn("Thread %d of task %d got pid %lu: a short-lived process took pid %d after criu "
		"set ns_last_pid; trying again\n",
		want, w->pid, got, want);
	if (++w->retries > MAX_RETRIES) {
		pr_err("Thread %d of task %d: its pid was taken by other processes %u times in a "
		       "row; restore again on a quieter system\n",
		       want, w->pid, w->retries - 1);
		return -EEXIST;
	}
	if (!w->stray)
		w->stray = (pid_t)got;
	ret = ask_again(w->pid);
	if (ret)
		return ret;
	w->retrying = true; /* it stops again before the next try */
	return cont(w->pid);
}

bool rst_threads_is_stray(struct rst_thread_wait *w, pid_t who, int status)
{
	size_t i;

	if (w->stray && who == w->stray)
		return true;
	/*
	 * Only the clone in flight makes a new thread now: a birth stop of a tid other than
	 * its own or an earlier thread's (above it; its stop may come late) has a wrong tid.
	 */
	if (!w->clone_in_flight || !WIFSTOPPED(status) || (status >> 16) != PTRACE_EVENT_STOP)
		return false;
	for (i = cloning(w); i < w->nr; i++)
		if (w->tids[i] == who)
			return false;
	w->stray = who;
	return true;
}

/* Make it exit: its first stop is right after the clone3 syscall of the restorer. */
static int stray_exit(pid_t who)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, who, 0, &regs)) {
		pr_perror("Can't read the registers of stray thread %d", who);
		return -errno;
	}
	regs.rax = NR_EXIT;
	regs.rdi = 0;
	regs.rip -= SYSCALL_INSN_SIZE;
	if (ptrace(PTRACE_SETREGS, who, 0, &regs)) {
		pr_perror("Can't make stray thread %d exit", who);
		return -errno;
	}
	return cont(who);
}

int rst_threads_stray_event(struct rst_thread_wait *w, pid_t who, int status)
{
	if (WIFSTOPPED(status))
		return (status >> 16) == PTRACE_EVENT_STOP ? stray_exit(who) : cont(who);
	w->stray_gone = true;
	pr_info("Stray thread %d of task %d is gone\n", who, w->pid);
	if (w->retry_pending) {
		w->retry_pending = false;
		w->parked = true;
	}
	return 0;
}

/*
 * thread-pid-held (a test): a process holds pid at criu's level for HELD_MS, as a command a
 * shell of the host forked in the moment after the write would. Its parent is a child of
 * criu's parent (CLONE_PARENT), which reaps it: criu's own wait sees neither of them.
 */
static void hold_pid_briefly(pid_t pid)
{
	struct clone_args outer = { .flags = CLONE_PARENT };
	struct clone_args inner = { .exit_signal = SIGCHLD,
				    .set_tid = (uintptr_t)&pid,
				    .set_tid_size = 1 };
	char who[96];
	pid_t holder_pid;
	int i;

	if (syscall(SYS_clone3, &outer, sizeof(outer)) == 0) {
		holder_pid = syscall(SYS_clone3, &inner, sizeof(inner));
		if (holder_pid == 0) {
			usleep(HELD_MS * 1000);
			_exit(0);
		}
		if (holder_pid > 0)
			waitpid(holder_pid, NULL, 0);
		_exit(0);
	}
	for (i = 0; i < HELD_MS && !holder(pid, who, sizeof(who)); i++)
		usleep(1000);
}

int rst_threads_clone_next(const struct rst_ctx *ctx, struct rst_thread_wait *w)
{
	pid_t levels[RST_THREAD_PID_LEVELS];
	int n, ret;

	n = rst_pid_levels(ctx, w->tids[cloning(w)], levels, RST_THREAD_PID_LEVELS);
	if (n < 0)
		return n;
	/* a test: each thread's first try as if another fork had taken its pid at criu's level */
	if (!w->stray && fault_injected("thread-pid-taken"))
		levels[n - 1]++;
	if (!w->stray && fault_injected("thread-pid-held"))
		hold_pid_briefly(levels[n - 1]);
	rst_clone_wake_raise(w->pid); /* woken, it clones within microseconds of the write */
	ret = rst_ns_set_last_pid(ctx, levels, n);
	if (ret) {
		rst_clone_wake_criu_back();
		rst_clone_wake_leader_back();
		return ret;
	}
	w->parked = false;
	w->clone_in_flight = true;
	w->stray = 0;
	w->stray_gone = false;
	ret = cont(w->pid);
	rst_clone_wake_criu_back();
	return ret;
}
