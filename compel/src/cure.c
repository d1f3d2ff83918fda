/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cure.c - the end of an infection, from whatever stage was reached. The parasite always
 * removes itself (parasite-head.S): we stop it, close our end of the control socket and
 * follow its syscalls until the munmap of the area returns; there the task's signal mask,
 * FPU state and registers are put back, the registers last. A parasite that crashed, or
 * one that never started, is made to take the same way out. A parasite that already left
 * by itself (criu silent past the timeout) needs nothing more.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

static bool parasite_left(const struct compel_ctl *ctl)
{
	return ctl->local && ctl_hdr(ctl)->state == COMPEL_PARASITE_CURING;
}

/*
 * Sent by someone (kill, sigqueue, tgkill: si_code <= 0), perhaps queued since before we
 * came, e.g. a SIGTRAP: the task's own, never a fault of the parasite. Every signal is
 * blocked while the parasite runs, so none should stop it; one that does is held back for
 * the cure like any other.
 */
static bool queued_signal(struct compel_ctl *ctl)
{
	siginfo_t si;

	return !ptrace(PTRACE_GETSIGINFO, ctl->pid, NULL, &si) && si.si_code <= 0;
}

/*
 * A signal stop of the task while the parasite may run: SIGSTOP goes through (it can't be
 * blocked and must hold even if criu dies), a signal for the task's own code (the parasite
 * has left) is delivered, a queued one held back, anything else is the parasite crashing.
 * Returns the signal to resume with, or -1 for a crash.
 */
int compel_parasite_signal(struct compel_ctl *ctl, int sig)
{
	if (sig == SIGSTOP || parasite_left(ctl))
		return sig;
	if (queued_signal(ctl)) {
		compel_note_signal(ctl);
		return 0;
	}
	compel_report_crash(ctl, sig);
	ctl->parasite_crashed = true;
	return -1;
}

/* PTRACE_INTERRUPT the running parasite and wait for the stop. */
static int interrupt_parasite(struct compel_ctl *ctl)
{
	long deadline = compel_now_ms() + ctl->timeout_ms;
	int status, ret, sig;

	if (ptrace(PTRACE_INTERRUPT, ctl->pid, NULL, NULL)) {
		pr_perror("Can't interrupt the parasite in task %d", ctl->pid);
		return -errno;
	}
	for (;;) {
		ret = compel_wait_until(ctl, &status, deadline);
		if (ret < 0)
			return ret;
		compel_note_event_stop(ctl, status);
		if ((status >> 16) == PTRACE_EVENT_STOP || WSTOPSIG(status) == (SIGTRAP | 0x80))
			break;
		sig = compel_parasite_signal(ctl, WSTOPSIG(status));
		if (sig < 0)
			break;
		ptrace(PTRACE_CONT, ctl->pid, NULL, (void *)(long)sig);
	}
	ctl->parasite_running = false;
	ctl->parasite_stopped = true;
	return 0;
}

/* The whole area, as mapped: the parasite's munmap splits or removes it. */
static bool area_mapped(const struct compel_ctl *ctl)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", ctl->pid, ctl->remote_base,
		 ctl->remote_base + ctl->map_size);
	return !lstat(path, &st);
}

static bool is_our_munmap(const struct compel_ctl *ctl)
{
	struct __ptrace_syscall_info info;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, ctl->pid, (void *)sizeof(info), &info) <= 0)
		return false;
	return info.op == PTRACE_SYSCALL_INFO_ENTRY && info.entry.nr == SYS_munmap &&
	       info.entry.args[0] == ctl->guard.unmap_start;
}

static bool is_sigreturn(const struct compel_ctl *ctl)
{
	struct __ptrace_syscall_info info;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, ctl->pid, (void *)sizeof(info), &info) <= 0)
		return false;
	return info.op == PTRACE_SYSCALL_INFO_ENTRY && info.entry.nr == SYS_rt_sigreturn;
}

/*
 * Follow the task's syscalls until the exit of the one `match` picks at its entry. SIGSTOP
 * and the task's own signals go through; a crash ends it.
 */
static int follow_to_exit(struct compel_ctl *ctl, bool (*match)(const struct compel_ctl *))
{
	long deadline = compel_now_ms() + ctl->timeout_ms;
	int status, ret, sig = 0;
	bool entered = false;

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, ctl->pid, NULL, (void *)(long)sig)) {
			pr_perror("Can't resume task %d", ctl->pid);
			return -errno;
		}
		sig = 0;
		ret = compel_wait_until(ctl, &status, deadline);
		if (ret < 0) {
			if (ret == -ETIMEDOUT)
				pr_err("The parasite in task %d did not leave within %d ms\n",
				       ctl->pid, ctl->timeout_ms);
			return ret;
		}
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			if (entered)
				return 0;
			entered = match(ctl);
			continue;
		}
		if ((status >> 16) != 0) {
			compel_note_event_stop(ctl, status);
			continue;
		}
		sig = compel_parasite_signal(ctl, WSTOPSIG(status));
		if (sig < 0)
			return -EFAULT;
	}
}

/* Make a parasite that can't leave by itself (crashed, never started) take its way out. */
static int force_leave(struct compel_ctl *ctl)
{
	struct user_regs_struct regs;
	int ret;

	arch_prep_self_unmap(ctl, &regs);
	ctl->regs_dirty = true;
	ret = arch_set_regs(ctl->pid, &regs);
	return ret ?: compel_block_signals(ctl);
}

/* The parasite has unmapped itself already: let it finish the way back if it is on it. */
static int finish_left(struct compel_ctl *ctl)
{
	struct user_regs_struct regs;
	int ret;

	ret = arch_get_regs(ctl->pid, &regs);
	if (!ret && arch_in_cure_chain(ctl, &regs))
		ret = follow_to_exit(ctl, is_sigreturn);
	if (ret)
		return ret;
	/* rt_sigreturn put back all the task's state */
	ctl->regs_dirty = ctl->fpu_dirty = ctl->mask_dirty = false;
	return 0;
}

static int remote_close_fd(struct compel_ctl *ctl, int fd)
{
	long res;
	int ret;

	if (fd < 0)
		return 0;
	ret = compel_syscall(ctl, SYS_close, &res, fd, 0, 0, 0, 0, 0);
	return ret ?: (int)res;
}

/* Left open only by a parasite that crashed before its own cleanup. */
static int close_parasite_fds(struct compel_ctl *ctl)
{
	struct compel_ctl_hdr *hdr = ctl_hdr(ctl);
	int ret;

	ret = remote_close_fd(ctl, hdr->parasite_sock);
	ret = ret ?: remote_close_fd(ctl, hdr->parasite_log_fd);
	hdr->parasite_sock = hdr->parasite_log_fd = -1;
	return ret;
}

/* The tail page holds the instructions the guard uses: it goes last, unguarded. */
static int unmap_tail(struct compel_ctl *ctl)
{
	long res;
	int ret;

	ctl->guard.armed = false;
	ret = compel_syscall(ctl, SYS_munmap, &res, ctl->remote_base + ctl->tail_off,
			     COMPEL_PAGE_SIZE, 0, 0, 0, 0);
	return ret ?: (int)res;
}

static int remove_area(struct compel_ctl *ctl)
{
	bool crashed = ctl->parasite_crashed;
	int ret;

	/* Nobody but the parasite unmaps the area: gone means it has left. */
	if (ctl->parasite_started && !area_mapped(ctl)) {
		ret = finish_left(ctl);
	} else {
		if (!ctl->parasite_started || crashed)
			ret = force_leave(ctl);
		else
			ret = 0;
		ret = ret ?: follow_to_exit(ctl, is_our_munmap);
		if (!ret)
			compel_point("cure-unmap");
		ret = ret ?: compel_put_back(ctl);
	}
	if (!ret && crashed)
		ret = close_parasite_fds(ctl);
	if (!ret && ctl->tail_off)
		ret = unmap_tail(ctl);
	if (!ret)
		ctl->remote_base = 0;
	compel_shmem_local_unmap(ctl);
	return ret;
}

int compel_cure(struct compel_ctl *ctl)
{
	int ret = 0;

	if (ctl->parasite_running) {
		if (ctl->connected && compel_ctl_fini(ctl))
			pr_warn("Parasite in task %d did not finish cleanly; stopping it\n",
				ctl->pid);
		compel_point("cure-fini");
		ret = interrupt_parasite(ctl);
	}
	/* The parasite sees the end of the socket once we let it run again. */
	compel_ctl_close(ctl);
	if (ctl->task_dead) {
		pr_err("Task %d is gone; nothing to cure\n", ctl->pid);
		compel_shmem_local_unmap(ctl);
		return -ESRCH;
	}
	if (!ret && ctl->remote_base)
		ret = remove_area(ctl);
	else if (!ret)
		ret = compel_put_back(ctl);
	ctl->parasite_stopped = false;
	compel_requeue_signals(ctl);
	if (ret)
		pr_err("Task %d was not fully cured\n", ctl->pid);
	return ret;
}
