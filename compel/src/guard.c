/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guard.c - criu may die (or be stopped) at any instant while it drives a task; the task
 * must then run on as it was. When criu dies, the kernel detaches its tracees and they run
 * from whatever registers they hold, with whatever signal mask: so at every instant those
 * must lead back to the task itself, without criu.
 *
 * - Before any change, compel writes a signal frame with the task's registers, FPU state
 *   and mask below its stack pointer (below the red zone: where a signal would go).
 * - A remote syscall runs at a "syscall; ... ret" with %rsp at that frame, and the word at
 *   %rsp is a rt_sigreturn instruction: if criu is gone when the syscall returns, the task
 *   steps into rt_sigreturn and is itself again. Every signal stays blocked meanwhile, so
 *   none is taken and held by compel.
 * - The area's mmap returns through a second frame that unmaps it first.
 * - The parasite, when done or orphaned, unmaps itself the same way (parasite-head.S).
 * - criu alive catches the task at the exit of that munmap or syscall and puts the mask,
 *   FPU state and registers back itself, the registers last: until then, the frames are
 *   still there to do it.
 * The instructions are the task's own (vdso, its C library: arch/x86/src/task-code.c).
 * Tasks without them get them in a tail page of the area (one page stays if criu dies),
 * and remote syscalls before that page exists, and the removal of that page, are
 * unguarded (see README.md, "If criu dies").
 */
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>

#include "arch.h"
#include "internal.h"

int compel_guard_check_thread(struct compel_ctl *ctl)
{
	if (arch_task_has_shadow_stack(ctl->pid)) {
		pr_err("Task %d uses x86 user shadow stacks: compel can't return it to itself "
		       "safely; not supported\n",
		       ctl->pid);
		return -EOPNOTSUPP;
	}
	return 0;
}

int compel_guard_prepare(struct compel_ctl *ctl)
{
	int ret = compel_guard_check_thread(ctl);

	if (ret)
		return ret;
	arch_find_unmap_insn(ctl);
	arch_find_sigreturn_insn(ctl);
	if (!ctl->guard.unmap_insn || !ctl->guard.sigreturn_insn)
		pr_info("task %d: no %s in the task: the parasite brings its own\n", ctl->pid,
			ctl->guard.unmap_insn ? "rt_sigreturn instruction"
					      : "syscall-then-ret instruction");
	return 0;
}

int compel_guard_arm(struct compel_ctl *ctl)
{
	int ret;

	ctl->guard.armed = false;
	if (!ctl->guard.unmap_insn || !ctl->guard.sigreturn_insn)
		return 0;
	ret = arch_write_cure_frames(ctl);
	if (ret)
		return ret;
	ctl->guard.armed = true;
	return 0;
}

int compel_block_signals(struct compel_ctl *ctl)
{
	uint64_t all = ~0ull;

	ctl->mask_dirty = true;
	if (ptrace(PTRACE_SETSIGMASK, ctl->pid, (void *)sizeof(all), &all)) {
		pr_perror("Can't block the signals of task %d", ctl->pid);
		return -errno;
	}
	return 0;
}

int compel_put_back(struct compel_ctl *ctl)
{
	struct user_regs_struct regs = ctl->orig_regs;
	int ret = 0;

	if (ctl->mask_dirty &&
	    ptrace(PTRACE_SETSIGMASK, ctl->pid, (void *)sizeof(ctl->sigmask), &ctl->sigmask)) {
		pr_perror("Can't restore the signal mask of task %d", ctl->pid);
		return -errno;
	}
	ctl->mask_dirty = false;
	compel_point("put-back");
	if (ctl->fpu_dirty) {
		ret = arch_restore_fpu(ctl);
		if (ret)
			return ret;
		ctl->fpu_dirty = false;
	}
	if (!ctl->regs_dirty)
		return 0;
	/* We resume from a syscall stop, where the kernel would not restart the task's own. */
	arch_fixup_restart(&regs);
	ret = arch_set_regs(ctl->pid, &regs);
	if (!ret)
		ctl->regs_dirty = false;
	return ret;
}
