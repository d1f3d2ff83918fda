/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/x86/regs-image.c - general registers into the image, with the syscall-restart fix-up: the
 * kernel keeps -ERESTART* codes in ax while a task sits in a stop inside a syscall and
 * rewrites ip/ax on the way out. A restored task never passes that way, so do it here.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/syscall.h>

#include "log.h"
#include "regs-image.h"

/* Kernel-internal restart codes (include/linux/errno.h). */
#define ERESTARTSYS	      512
#define ERESTARTNOINTR	      513
#define ERESTARTNOHAND	      514
#define ERESTART_RESTARTBLOCK 516
#define SYSCALL_INSN_LEN      2

#define FUTEX_CMD_MASK	      0x7f /* without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME */
#define FUTEX_WAIT_BITSET_CMD 9

/*
 * A syscall stopped with a restart block: running it again from the start does exactly what
 * the kernel's restart would, when it waits with no timeout or until an absolute time (poll
 * with a negative timeout, which the kernel always parks as a restart block;
 * FUTEX_WAIT_BITSET, whose timeout is absolute: condition variables). Its
 * arguments are still in the registers. Others (a relative timeout) would wait longer.
 * (clock_nanosleep until an absolute time comes back as -ERESTARTNOHAND, restarted above.)
 */
static bool restart_is_exact(const UserX86RegsEntry *r)
{
	switch ((long)r->orig_ax) {
	case SYS_poll:
		return (int)r->dx < 0;
	case SYS_futex:
		return (r->si & FUTEX_CMD_MASK) == FUTEX_WAIT_BITSET_CMD;
	}
	return false;
}

static void fixup_syscall_restart(UserX86RegsEntry *r)
{
	long ax = (long)r->ax;

	if ((long)r->orig_ax < 0)
		return;
	switch (ax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		/* run the same syscall again */
		r->ax = r->orig_ax;
		r->ip -= SYSCALL_INSN_LEN;
		break;
	case -ERESTART_RESTARTBLOCK:
		if (restart_is_exact(r)) {
			r->ax = r->orig_ax;
			r->ip -= SYSCALL_INSN_LEN;
			break;
		}
		/* the restart block lives in the kernel and is lost: report EINTR */
		pr_warn("Task stopped in syscall %lld with a restart block (a relative timeout); "
			"it will see EINTR\n",
			(long long)r->orig_ax);
		r->ax = -EINTR;
		break;
	}
}

void regs_to_image(UserX86RegsEntry *r, const struct user_regs_struct *u)
{
	user_x86_regs_entry__init(r);
	r->r15 = u->r15;
	r->r14 = u->r14;
	r->r13 = u->r13;
	r->r12 = u->r12;
	r->bp = u->rbp;
	r->bx = u->rbx;
	r->r11 = u->r11;
	r->r10 = u->r10;
	r->r9 = u->r9;
	r->r8 = u->r8;
	r->ax = u->rax;
	r->cx = u->rcx;
	r->dx = u->rdx;
	r->si = u->rsi;
	r->di = u->rdi;
	r->orig_ax = u->orig_rax;
	r->ip = u->rip;
	r->cs = u->cs;
	r->flags = u->eflags;
	r->sp = u->rsp;
	r->ss = u->ss;
	r->fs_base = u->fs_base;
	r->gs_base = u->gs_base;
	r->ds = u->ds;
	r->es = u->es;
	r->fs = u->fs;
	r->gs = u->gs;
	r->has_mode = 1;
	r->mode = USER_X86_REGS_MODE__NATIVE;
	fixup_syscall_restart(r);
}
