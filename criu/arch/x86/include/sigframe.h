/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/x86/include/sigframe.h - x86_64 parts of restore: the rt_sigframe that the restorer hands to
 * rt_sigreturn, and the jump from criu's code onto the restorer's own stack.
 *
 * The frame layouts mirror the kernel's (arch/x86/include/uapi/asm/sigcontext.h and
 * asm/sigframe.h); rt_sigreturn reads the frame at %rsp - 8.
 */
#ifndef CRIU_X86_SIGFRAME_H
#define CRIU_X86_SIGFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "core.pb-c.h"

#define RST_UC_FP_XSTATE	 0x1
#define RST_UC_SIGCONTEXT_SS	 0x2
#define RST_UC_STRICT_RESTORE_SS 0x4

#define RST_FP_XSTATE_MAGIC1 0x46505853U
#define RST_FP_XSTATE_MAGIC2 0x46505845U

struct rst_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct rst_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t ss_pad;
	uint64_t ss_size;
	struct rst_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct rst_rt_sigframe {
	uint64_t pretcode;
	struct rst_ucontext uc;
	uint8_t info[128]; /* siginfo, unused by rt_sigreturn */
};

/* Learn the xsave frame format this kernel uses (size, features) from a real signal. */
int rst_arch_probe_xstate(void);
/* Bytes rst_sigframe_build() needs at most. */
size_t rst_sigframe_size(void);
/*
 * Build the frame for core's registers at buf (buf is where the task will use it).
 * *frame gets the address of the rt_sigframe; the restorer sets %rsp = *frame + 8.
 */
int rst_sigframe_build(void *buf, size_t size, const CoreEntry *core, uint64_t *frame);
/* Where core's registers resume the program (its instruction pointer). */
uint64_t rst_resume_ip(const CoreEntry *core);
/* Switch to stack_top and jump to entry(args); never returns. */
void rst_arch_jump(uint64_t entry, uint64_t args, uint64_t stack_top) __attribute__((noreturn));

#endif /* CRIU_X86_SIGFRAME_H */
