/* SPDX-License-Identifier: GPL-2.0 */
/*
 * seize.c - attach to a task with PTRACE_SEIZE and bring it to a ptrace stop without
 * changing what it will do next; release it running, stopped or killed.
 * A task found in group stop (SIGSTOP and friends) is reported as COMPEL_TASK_STOPPED so
 * that its release can leave it stopped.
 */
#include <errno.h>
#include <sched.h>
#include <time.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define SEIZE_MAX_SIGNALS 64 /* pending signals delivered before we give up */

/* The State: letter of /proc/PID/status, or 0 if the task is gone. */
static char task_state(pid_t pid)
{
	char path[64], line[256], st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "State: %c", &st) == 1)
			break;
	}
	fclose(f);
	return st;
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static int do_seize(pid_t pid)
{
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_SUSPEND_SECCOMP;

	if (!ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts))
		return 0;
	if (errno != EPERM && errno != EINVAL)
		return -errno;
	/* SUSPEND_SECCOMP needs CAP_SYS_ADMIN (and CONFIG_SECCOMP); go on without it. */
	opts &= ~PTRACE_O_SUSPEND_SECCOMP;
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts))
		return -errno;
	pr_warn("Task %d seized without PTRACE_O_SUSPEND_SECCOMP: its seccomp filters will "
		"apply to the parasite's syscalls\n",
		pid);
	return 0;
}

/*
 * Wait for the stop PTRACE_INTERRUPT asked for. Signals that were already pending are
 * delivered on the way (we must not eat them); a pending stop signal ends in group stop.
 */
static long seize_timeout_ms = COMPEL_DEFAULT_TIMEOUT_MS;

void compel_set_seize_timeout(int ms)
{
	seize_timeout_ms = ms > 0 ? ms : COMPEL_DEFAULT_TIMEOUT_MS;
}

/* Why a task may not stop: what it waits in, from /proc/PID/wchan. */
static void tell_no_stop(pid_t pid)
{
	char path[64], wchan[64] = "";
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	f = fopen(path, "r");
	if (f) {
		n = fread(wchan, 1, sizeof(wchan) - 1, f);
		wchan[n > 0 ? n : 0] = 0;
		fclose(f);
	}
	pr_err("Task %d did not stop within %ld ms of being interrupted (state %c, waiting in "
	       "%s)%s; it is left running, released when criu exits. Give it more time with "
	       "--timeout\n",
	       pid, seize_timeout_ms, task_state(pid), wchan[0] ? wchan : "?",
	       strcmp(wchan, "kernel_clone") ? ""
					     : ": it is in vfork(), waiting for its child to exec "
					       "or exit, and can't be stopped before");
}

/*
 * waitpid() for pid's next report. A task that was in an uninterruptible or killable wait
 * when seized (state D: vfork()'s parent, a hung file system) may never reach the stop we
 * asked for: it is polled within the seize timeout, yielding first, then sleeping a little
 * longer each time. Any other task stops within microseconds of PTRACE_INTERRUPT.
 */
static int wait_report(pid_t pid, int *status, bool may_hang)
{
	long deadline = compel_now_ms() + seize_timeout_ms;
	struct timespec nap = { 0, 0 };
	pid_t got;
	int i;

	for (i = 0;; i++) {
		got = waitpid(pid, status, __WALL | (may_hang ? WNOHANG : 0));
		if (got == pid)
			return 0;
		if (got < 0 && errno != EINTR) {
			pr_perror("Can't wait for task %d", pid);
			return -errno;
		}
		if (compel_now_ms() > deadline) {
			tell_no_stop(pid);
			return -ETIMEDOUT;
		}
		if (i < 200) {
			sched_yield();
			continue;
		}
		nap.tv_nsec = nap.tv_nsec < 1000000 ? nap.tv_nsec + 50000 : 1000000;
		nanosleep(&nap, NULL);
	}
}

static int wait_interrupt_stop(pid_t pid, char state, int *stop_sig)
{
	bool was_stopped = state == 'T';
	int status, i, sig, ret;

	for (i = 0; i < SEIZE_MAX_SIGNALS; i++) {
		ret = wait_report(pid, &status, state == 'D');
		if (ret)
			return ret;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return COMPEL_TASK_DEAD;
		if (!WIFSTOPPED(status)) {
			pr_err("Task %d: unexpected wait status %#x after seize\n", pid, status);
			return -EIO;
		}
		sig = WSTOPSIG(status);
		if ((status >> 16) == PTRACE_EVENT_STOP) {
			/* a group stop reports its signal; a task caught stopping, SIGTRAP */
			if (is_stop_signal(sig))
				*stop_sig = sig;
			else if (was_stopped)
				*stop_sig = SIGSTOP;
			return *stop_sig ? COMPEL_TASK_STOPPED : COMPEL_TASK_ALIVE;
		}
		/* A signal-delivery stop: let the task have its signal and wait again. */
		pr_debug("Task %d: delivering pending signal %d before the interrupt stop\n", pid,
			 sig);
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig)) {
			pr_perror("Can't resume task %d with signal %d", pid, sig);
			return -errno;
		}
	}
	pr_err("Task %d keeps receiving signals; can't stop it\n", pid);
	return -EAGAIN;
}

bool compel_seized_by_us(pid_t pid)
{
	char path[64], line[256];
	int tracer = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &tracer) == 1)
			break;
	fclose(f);
	return tracer == getpid();
}

int compel_seize_nowait(pid_t pid)
{
	int ret = do_seize(pid);

	if (ret) {
		errno = -ret;
		pr_perror("Can't seize task %d", pid);
		return ret;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL)) {
		ret = -errno;
		pr_perror("Can't interrupt task %d", pid);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	return ret;
}

int compel_seize_task(pid_t pid)
{
	int stop_sig;

	return compel_seize_task_sig(pid, &stop_sig);
}

int compel_seize_task_sig(pid_t pid, int *stop_sig)
{
	char st = task_state(pid);
	int ret;

	*stop_sig = 0;
	if (!st) {
		pr_err("Task %d does not exist\n", pid);
		return -ESRCH;
	}
	if (st == 'Z')
		return COMPEL_TASK_ZOMBIE;
	if (st == 'X')
		return COMPEL_TASK_DEAD;

	ret = do_seize(pid);
	/* seized and interrupted already (compel_seize_nowait()): its stop is on the way */
	if (ret == -EPERM && compel_seized_by_us(pid))
		goto wait_stop;
	if (ret) {
		/* It may have become a zombie meanwhile; that is not an error. */
		st = task_state(pid);
		if (st == 'Z')
			return COMPEL_TASK_ZOMBIE;
		errno = -ret;
		pr_perror("Can't seize task %d (is it traced already, or does "
			  "/proc/sys/kernel/yama/ptrace_scope forbid it?)",
			  pid);
		return ret;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL)) {
		ret = -errno;
		pr_perror("Can't interrupt task %d", pid);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
		return ret;
	}
wait_stop:
	ret = wait_interrupt_stop(pid, st, stop_sig);
	if (ret < 0)
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	if (ret != COMPEL_TASK_DEAD)
		return ret;
	/*
	 * It exited on its own meanwhile (a server's worker ending): not an error. Our wait
	 * took only the tracer's report: it stays a zombie of its parent, unless that parent
	 * has its children reaped for it (SIGCHLD ignored), and the caller decides.
	 */
	if (task_state(pid) == 'Z') {
		pr_info("Task %d exited while being seized: a zombie now\n", pid);
		return COMPEL_TASK_ZOMBIE;
	}
	pr_info("Task %d exited while being seized and is gone\n", pid);
	return COMPEL_TASK_DEAD;
}

/* SIGKILL and collect the exit report we get as its tracer. */
static int kill_task(pid_t pid)
{
	int status;

	if (kill(pid, SIGKILL) && errno != ESRCH) {
		pr_perror("Can't kill task %d", pid);
		return -errno;
	}
	for (;;) {
		if (waitpid(pid, &status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			/* ECHILD: someone else reaped it or it is not ours to wait for. */
			return 0;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return 0;
	}
}

int compel_release_task(pid_t pid, int orig_state, enum compel_release_mode mode)
{
	if (orig_state == COMPEL_TASK_ZOMBIE || orig_state == COMPEL_TASK_DEAD)
		return 0; /* never attached */
	if (mode == COMPEL_RELEASE_KILL)
		return kill_task(pid);
	/*
	 * A queued SIGSTOP takes effect as soon as the detached task runs, which leaves it in
	 * group stop, as it was or as asked.
	 */
	if ((mode == COMPEL_RELEASE_STOP || orig_state == COMPEL_TASK_STOPPED) &&
	    kill(pid, SIGSTOP)) {
		pr_perror("Can't stop task %d", pid);
		return -errno;
	}
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL)) {
		pr_perror("Can't detach from task %d", pid);
		return -errno;
	}
	return 0;
}
