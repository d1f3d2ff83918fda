/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch.h - what the generic infection code needs from an architecture: register access,
 * how to set up a syscall or the parasite start, the restart fixup, and where to find a
 * syscall instruction in the task. Implemented in compel/arch/<arch>/src/.
 */
#ifndef COMPEL_ARCH_H
#define COMPEL_ARCH_H

#include <stdbool.h>
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

/*
 * Find a syscall instruction in the task's vdso: sets ctl->syscall_ip, vdso_start and
 * vdso_size, or leaves them 0 for a task without vdso.
 */
int arch_find_syscall_insn(struct compel_ctl *ctl);
/*
 * A task without vdso: ctl->syscall_ip at an instruction the guard found in its own code,
 * else at a borrowed word of it (ctl->patch_*).
 */
int arch_syscall_insn_without_vdso(struct compel_ctl *ctl);

/* ---- task-code.c: the instructions the cure frames need, in the task (guard.c) */
/* guard.unmap_insn in the vdso (0 if none or no vdso). */
void arch_find_unmap_insn(struct compel_ctl *ctl);
/* guard.sigreturn_insn in its file mappings, and guard.unmap_insn there if still 0. */
void arch_find_sigreturn_insn(struct compel_ctl *ctl);
/* Write both instructions into a tail page (local view), remote its address in the task. */
void arch_tail_code(void *tail, unsigned long remote, unsigned long *unmap_insn,
		    unsigned long *sigreturn_insn);

/* ---- cure-frame.c: what lets the task return to itself without criu (guard.c) */
size_t arch_cure_frames_size(const struct compel_ctl *ctl);
/* Build F0 and FU for ctl->guard and write them below the task's stack pointer. */
int arch_write_cure_frames(struct compel_ctl *ctl);
/* Registers that unmap the area through unmap_insn and return through F0. */
void arch_prep_self_unmap(const struct compel_ctl *ctl, struct user_regs_struct *regs);
bool arch_task_has_shadow_stack(pid_t pid);
/* Where the task is on its way back: between the final munmap and rt_sigreturn. */
bool arch_in_cure_chain(const struct compel_ctl *ctl, const struct user_regs_struct *regs);

#endif /* COMPEL_ARCH_H */
