/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch.h - what the generic infection code needs from an architecture: register access,
 * how to set up a syscall or the parasite start, the restart fixup, and where to find a
 * syscall instruction in the task. Implemented in compel/arch/<arch>/src/.
 */
#ifndef COMPEL_ARCH_H
#define COMPEL_ARCH_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct compel_ctl;

int arch_get_regs(pid_t pid, struct user_regs_struct *regs);
int arch_set_regs(pid_t pid, const struct user_regs_struct *regs);
/* Allocate and fill ctl->xsave, ctl->xsave_size, ctl->xsave_note. */
int arch_save_fpu(struct compel_ctl *ctl);
int arch_restore_fpu(struct compel_ctl *ctl);

/* Registers to run syscall nr with args at ip, starting from the saved ones. */
void arch_prep_syscall(struct user_regs_struct *regs, unsigned long ip, long nr,
		       const unsigned long args[6]);
long arch_syscall_retval(const struct user_regs_struct *regs);
/* Registers to call the parasite entry at ip on a stack ending at stack_end with one arg. */
void arch_prep_parasite(struct user_regs_struct *regs, unsigned long ip, unsigned long stack_end,
			unsigned long arg);
/* Registers to put back: apply the syscall restart the kernel would do without a signal. */
void arch_fixup_restart(struct user_regs_struct *regs);

/* Find a syscall instruction the task can run: sets ctl->syscall_ip and ctl->vdso_start. */
int arch_find_syscall_insn(struct compel_ctl *ctl);

#endif /* COMPEL_ARCH_H */
