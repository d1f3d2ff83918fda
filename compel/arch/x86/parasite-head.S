/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parasite-head.S - the parasite's entry point. compel starts the task here with rdi
 * pointing at the control header and rsp at the top of the parasite stack. When the daemon
 * loop returns (its fds closed), the parasite removes itself: it jumps to a
 * "syscall; ... ret" outside the area with munmap's arguments, and the ret lands on a
 * rt_sigreturn whose frame (on the task's own stack, below its red zone) holds the task's
 * registers, FPU state and signal mask. Nothing here needs criu to be alive.
 */
#include "compel/ctl-proto.h"

	.section .head.text, "ax"
	.globl __export_entry
	.type __export_entry, @function
__export_entry:
	/* The C ABI wants rsp 16-byte aligned at the call; do not trust the caller's sp. */
	andq	$-16, %rsp
	movq	%rdi, %rbx			/* callee-saved: the header survives the call */
	call	parasite_head_main
	movq	COMPEL_HDR_UNMAP_START(%rbx), %rdi
	movq	COMPEL_HDR_UNMAP_LEN(%rbx), %rsi
	movq	COMPEL_HDR_UNMAP_INSN(%rbx), %rcx
	movq	COMPEL_HDR_CURE_SP(%rbx), %rsp
	movl	$11, %eax			/* __NR_munmap */
	jmpq	*%rcx
	.size __export_entry, . - __export_entry

	.section .note.GNU-stack, "", @progbits
