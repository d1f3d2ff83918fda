/* SPDX-License-Identifier: GPL-2.0 */
/*
 * syscall.c - run one syscall inside a stopped task: point its registers at a syscall
 * instruction of its vdso, step it from syscall-enter stop to syscall-exit stop with
 * PTRACE_SYSCALL, read the result and put the saved registers back. The task's memory is
 * never written. Signals that arrive meanwhile are held back and queued again at cure.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* Resume with PTRACE_SYSCALL until the next syscall stop, holding back signals. */
static int step_to_syscall_stop(struct compel_ctl *ctl)
{
	int status, ret;

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, ctl->pid, NULL, NULL)) {
			pr_perror("Can't resume task %d for a syscall", ctl->pid);
			return -errno;
		}
		ret = compel_wait(ctl, &status, 0);
		if (ret < 0)
			return ret;
		if (!WIFSTOPPED(status)) {
			pr_err("Task %d: unexpected wait status %#x\n", ctl->pid, status);
			return -EIO;
		}
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			return 0;
		/* Group stop or interrupt: just go on. A signal: keep it for later. */
		if ((status >> 16) == 0)
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

	if (!ctl->patch_addr)
		return 0;
	if (ptrace(PTRACE_POKEDATA, ctl->pid, (void *)ctl->patch_addr, (void *)word)) {
		pr_perror("Can't %s the code of task %d at %#lx", on ? "borrow" : "put back",
			  ctl->pid, ctl->patch_addr);
		return -errno;
	}
	return 0;
}

int compel_syscall(struct compel_ctl *ctl, long nr, long *ret, unsigned long a1, unsigned long a2,
		   unsigned long a3, unsigned long a4, unsigned long a5, unsigned long a6)
{
	const unsigned long args[6] = { a1, a2, a3, a4, a5, a6 };
	struct user_regs_struct regs = ctl->orig_regs;
	int err;

	if (ctl->task_dead)
		return -ESRCH;
	if (ctl->parasite_running) {
		pr_err("Task %d runs the parasite: no remote syscalls until it is stopped\n",
		       ctl->pid);
		return -EBUSY;
	}
	arch_prep_syscall(&regs, ctl->syscall_ip, nr, args);
	ctl->regs_dirty = true;
	err = patch_code(ctl, true) ?: arch_set_regs(ctl->pid, &regs);
	if (!err)
		err = step_to_syscall_stop(ctl);
	if (!err)
		err = check_entry(ctl, nr);
	if (!err)
		err = step_to_syscall_stop(ctl);
	if (!err)
		err = arch_get_regs(ctl->pid, &regs);
	/* the task's code is its own again before anything else can run or read it */
	if (!ctl->task_dead)
		err = patch_code(ctl, false) ?: err;
	if (err) {
		pr_err("Remote syscall %ld in task %d failed\n", nr, ctl->pid);
		return err;
	}
	*ret = arch_syscall_retval(&regs);
	pr_debug("task %d: remote syscall %ld = %ld\n", ctl->pid, nr, *ret);
	return arch_set_regs(ctl->pid, &ctl->orig_regs);
}
