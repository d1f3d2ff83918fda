/* SPDX-License-Identifier: GPL-2.0 */
/*
 * regs.c - x86_64 register access for compel: general registers, the xsave area, and how
 * to dress the saved registers up for a remote syscall or the parasite's start.
 */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "arch.h"
#include "internal.h"

#define X86_EFLAGS_TF 0x100
#define X86_EFLAGS_DF 0x400

/* Kernel-internal syscall return codes that ask for a restart (include/linux/errno.h). */
#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516
#define NR_restart_syscall    219

int arch_get_regs(pid_t pid, struct user_regs_struct *regs)
{
	if (ptrace(PTRACE_GETREGS, pid, NULL, regs)) {
		pr_perror("Can't read registers of task %d", pid);
		return -errno;
	}
	return 0;
}

int arch_set_regs(pid_t pid, const struct user_regs_struct *regs)
{
	if (ptrace(PTRACE_SETREGS, pid, NULL, regs)) {
		pr_perror("Can't set registers of task %d", pid);
		return -errno;
	}
	return 0;
}

/* The xsave size for the features this kernel enabled (CPUID leaf 0xD, sub-leaf 0, EBX). */
static size_t xsave_size(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &d) || b < 576)
		return 0;
	return b;
}

int arch_save_fpu(struct compel_ctl *ctl)
{
	size_t size = xsave_size();
	struct iovec iov;

	ctl->xsave_note = NT_X86_XSTATE;
	if (!size) {
		/* No xsave: the legacy 512-byte fxsave image is all there is. */
		ctl->xsave_note = NT_PRFPREG;
		size = 512;
	}
	ctl->xsave = calloc(1, size);
	if (!ctl->xsave) {
		pr_err("Can't allocate %zu bytes for the FPU state\n", size);
		return -ENOMEM;
	}
	iov.iov_base = ctl->xsave;
	iov.iov_len = size;
	if (ptrace(PTRACE_GETREGSET, ctl->pid, (void *)(unsigned long)ctl->xsave_note, &iov)) {
		pr_perror("Can't read the FPU/xsave state of task %d", ctl->pid);
		return -errno;
	}
	ctl->xsave_size = iov.iov_len;
	return 0;
}

/* Unchanged (our blobs use no FPU): leave it, so that unused parts stay in their init state. */
static bool fpu_unchanged(struct compel_ctl *ctl)
{
	void *now = malloc(ctl->xsave_size);
	struct iovec iov = { now, ctl->xsave_size };
	bool same;

	if (!now)
		return false;
	same = !ptrace(PTRACE_GETREGSET, ctl->pid, (void *)(unsigned long)ctl->xsave_note, &iov) &&
	       iov.iov_len == ctl->xsave_size && !memcmp(now, ctl->xsave, ctl->xsave_size);
	free(now);
	return same;
}

int arch_restore_fpu(struct compel_ctl *ctl)
{
	struct iovec iov = { .iov_base = ctl->xsave, .iov_len = ctl->xsave_size };

	if (!ctl->xsave || fpu_unchanged(ctl))
		return 0;
	if (ptrace(PTRACE_SETREGSET, ctl->pid, (void *)(unsigned long)ctl->xsave_note, &iov)) {
		pr_perror("Can't restore the FPU/xsave state of task %d", ctl->pid);
		return -errno;
	}
	return 0;
}

void arch_prep_syscall(struct user_regs_struct *regs, unsigned long ip, long nr,
		       const unsigned long args[6])
{
	regs->rip = ip;
	regs->rax = nr;
	/* Not "in a syscall": the kernel must not apply restart logic to our registers. */
	regs->orig_rax = -1;
	regs->rdi = args[0];
	regs->rsi = args[1];
	regs->rdx = args[2];
	regs->r10 = args[3];
	regs->r8 = args[4];
	regs->r9 = args[5];
	regs->eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_DF);
}

long arch_syscall_retval(const struct user_regs_struct *regs)
{
	return (long)regs->rax;
}

void arch_prep_parasite(struct user_regs_struct *regs, unsigned long ip, unsigned long stack_end,
			unsigned long arg)
{
	regs->rip = ip;
	/* As right after a call: 16-byte aligned minus the return address slot. */
	regs->rsp = (stack_end & ~15ul) - 8;
	regs->rdi = arg;
	regs->rax = 0;
	regs->orig_rax = -1;
	/* The C ABI wants DF clear at function entry. */
	regs->eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_DF);
}

void arch_fixup_restart(struct user_regs_struct *regs)
{
	if ((long)regs->orig_rax < 0)
		return;
	switch ((long)regs->rax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		regs->rax = regs->orig_rax;
		regs->rip -= 2;
		break;
	case -ERESTART_RESTARTBLOCK:
		regs->rax = NR_restart_syscall;
		regs->rip -= 2;
		break;
	default:
		return;
	}
	regs->orig_rax = -1;
}
