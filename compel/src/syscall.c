/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syscall.c - run one syscall inside a stopped task: point its registers at a syscall
 * instruction of its own (vdso or C library), step it from syscall-enter stop to
 * syscall-exit stop with PTRACE_SYSCALL, read the result and put the saved registers back.
 * Guarded (guard.c), the syscall returns through the task's own signal frame should criu
 * die, and every signal is blocked meanwhile; unguarded, signals that arrive are held back
 * and queued again at cure, and a task with no syscall instruction of its own lends a word
 * of its code for the time of the syscall.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

int compel_wait(struct compel_ctl *ctl, int *status, int flags)
{
	pid_t ret;

	do {
		ret = waitpid(ctl->pid, status, flags | __WALL);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0) {
		pr_perror("Can't wait for task %d", ctl->pid);
		return -errno;
	}
	if (ret == 0)
		return 0;
	if (WIFEXITED(*status) || WIFSIGNALED(*status)) {
		ctl->task_dead = true;
		pr_err("Task %d exited (wait status %#x) while compel was working on it\n",
		       ctl->pid, *status);
		return -ESRCH;
	}
	return ret;
}

long compel_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sleep until the kernel says a tracee changed state (SIGCHLD, blocked in this thread for
 * the time of the wait so that it queues for sigtimedwait) or the deadline passes. A poll
 * with naps cost each stop of a cure tens of microseconds of timer slack; this wakes at
 * once. The nap is capped: a SIGCHLD taken by another thread of ours only delays us.
 */
#define WAIT_NAP_MAX_MS 10

int compel_wait_until(struct compel_ctl *ctl, int *status, long deadline_ms)
{
	sigset_t chld, old;
	int ret;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &old);
	for (;;) {
		long left;
		struct timespec nap;

		ret = compel_wait(ctl, status, WNOHANG);
		if (ret)
			break;
		left = deadline_ms - compel_now_ms();
		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		if (left > WAIT_NAP_MAX_MS)
			left = WAIT_NAP_MAX_MS;
		nap = (struct timespec){ 0, left * 1000000 };
		sigtimedwait(&chld, NULL, &nap);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

void compel_note_signal(struct compel_ctl *ctl)
{
	siginfo_t si;

	if (ptrace(PTRACE_GETSIGINFO, ctl->pid, NULL, &si)) {
		pr_perror("Can't read the signal that stopped task %d", ctl->pid);
		return;
	}
	if (ctl->nr_noted == COMPEL_MAX_NOTED_SIGS) {
		pr_warn("Task %d: too many signals held back, signal %d is lost\n", ctl->pid,
			si.si_signo);
		return;
	}
	pr_debug("Task %d: holding back signal %d until cure\n", ctl->pid, si.si_signo);
	ctl->noted[ctl->nr_noted++] = si;
}

void compel_note_event_stop(struct compel_ctl *ctl, int status)
{
	int sig = WSTOPSIG(status);

	if ((status >> 16) != PTRACE_EVENT_STOP || ctl->group_stop_sig)
		return;
	if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
		pr_debug("Task %d entered a group stop (signal %d)\n", ctl->pid, sig);
		ctl->group_stop_sig = sig;
	}
}

int compel_group_stop_sig(const struct compel_ctl *ctl)
{
	return ctl->group_stop_sig;
}

void compel_requeue_signals(struct compel_ctl *ctl)
{
	int i;

	for (i = 0; i < ctl->nr_noted; i++) {
		siginfo_t *si = &ctl->noted[i];

		/* The kernel takes foreign siginfo only with si_code < 0; else plain tgkill. */
		if (si->si_code < 0 &&
		    !syscall(SYS_rt_tgsigqueueinfo, ctl->tgid, ctl->pid, si->si_signo, si))
			continue;
		if (syscall(SYS_tgkill, ctl->tgid, ctl->pid, si->si_signo))
			pr_perror("Can't queue signal %d to task %d again", si->si_signo, ctl->pid);
	}
	ctl->nr_noted = 0;
}

/*
 * Resume with PTRACE_SYSCALL until the next syscall stop. Group stop or interrupt: go on
 * (a group stop stays in force for when we let the task go). SIGSTOP can't be blocked: let
 * it through, so that it holds even if criu dies. Other signals are held back.
 */
int compel_step_syscall(struct compel_ctl *ctl)
{
	int status, ret, sig = 0;

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, ctl->pid, NULL, (void *)(long)sig)) {
			pr_perror("Can't resume task %d for a syscall", ctl->pid);
			return -errno;
		}
		sig = 0;
		ret = compel_wait(ctl, &status, 0);
		if (ret < 0)
			return ret;
		if (!WIFSTOPPED(status)) {
			pr_err("Task %d: unexpected wait status %#x\n", ctl->pid, status);
			return -EIO;
		}
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			return 0;
		if ((status >> 16) != 0) {
			compel_note_event_stop(ctl, status);
			continue;
		}
		if (WSTOPSIG(status) == SIGSTOP)
			sig = SIGSTOP;
		else
			compel_note_signal(ctl);
	}
}

static int check_entry(struct compel_ctl *ctl, long nr)
{
	struct __ptrace_syscall_info info;
	long n;

	n = ptrace(PTRACE_GET_SYSCALL_INFO, ctl->pid, (void *)sizeof(info), &info);
	if (n < 0)
		return 0; /* old kernel: trust the stop order */
	if (info.op != PTRACE_SYSCALL_INFO_ENTRY || (long)info.entry.nr != nr) {
		pr_err("Task %d: expected entry into syscall %ld, got op %d nr %ld\n", ctl->pid, nr,
		       info.op, (long)info.entry.nr);
		return -EIO;
	}
	return 0;
}

/* Put the borrowed syscall instruction in (on) or the task's own bytes back (off). */
static int patch_code(struct compel_ctl *ctl, bool on)
{
	unsigned long word = on ? ctl->patch_word : ctl->patch_orig;

	if (ptrace(PTRACE_POKEDATA, ctl->pid, (void *)ctl->patch_addr, (void *)word)) {
		pr_perror("Can't %s the code of task %d at %#lx", on ? "borrow" : "put back",
			  ctl->pid, ctl->patch_addr);
		return -errno;
	}
	return 0;
}

int compel_syscall_begin(struct compel_ctl *ctl, long nr, long *ret, const unsigned long args[6],
			 unsigned long ret_sp, const char *entry_point)
{
	struct user_regs_struct regs = ctl->orig_regs;
	bool patched;
	int err;

	if (ctl->task_dead)
		return -ESRCH;
	if (ctl->parasite_running) {
		pr_err("Task %d runs the parasite: no remote syscalls until it is stopped\n",
		       ctl->pid);
		return -EBUSY;
	}
	if (ctl->guard.armed) {
		arch_prep_syscall(&regs, ctl->guard.unmap_insn, nr, args);
		regs.rsp = ret_sp ? ret_sp : ctl->guard.frame_sp;
	} else {
		arch_prep_syscall(&regs, ctl->syscall_ip, nr, args);
	}
	/* The registers first: from now on a death of criu returns through the frame. */
	ctl->regs_dirty = true;
	patched = !ctl->guard.armed && ctl->patch_addr;
	err = patched ? patch_code(ctl, true) : 0;
	err = err ?: arch_set_regs(ctl->pid, &regs);
	if (!err && ctl->guard.armed)
		err = compel_block_signals(ctl);
	err = err ?: compel_step_syscall(ctl);
	err = err ?: check_entry(ctl, nr);
	if (!err && entry_point)
		compel_point(entry_point);
	err = err ?: compel_step_syscall(ctl);
	err = err ?: arch_get_regs(ctl->pid, &regs);
	/* the task's code is its own again before anything else can run or read it */
	if (patched && !ctl->task_dead)
		err = patch_code(ctl, false) ?: err;
	if (err) {
		pr_err("Remote syscall %ld in task %d failed\n", nr, ctl->pid);
		return err;
	}
	*ret = arch_syscall_retval(&regs);
	pr_debug("task %d: remote syscall %ld = %ld\n", ctl->pid, nr, *ret);
	return 0;
}

int compel_syscall(struct compel_ctl *ctl, long nr, long *ret, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, unsigned long a5, unsigned long a6)
{
	const unsigned long args[6] = { a1, a2, a3, a4, a5, a6 };
	int err;

	if (!ctl->guard.armed && !ctl->task_dead) {
		err = compel_guard_arm(ctl);
		if (err)
			return err;
	}
	err = compel_syscall_begin(ctl, nr, ret, args, 0, NULL);
	if (!err)
		compel_point("syscall");
	return err ?: compel_put_back(ctl);
}
