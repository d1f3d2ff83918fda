/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parasite-head.S - the parasite's entry point. compel starts the task here with rdi
 * pointing at the control header and rsp at the top of the parasite stack. When the daemon
 * loop returns (after COMPEL_CMD_FINI or a broken channel) the int3 hands the task back to
 * compel, which then restores the task's own registers.
 */
	.section .head.text, "ax"
	.globl __export_entry
	.type __export_entry, @function
__export_entry:
	/* The C ABI wants rsp 16-byte aligned at the call; do not trust the caller's sp. */
	andq	$-16, %rsp
	call	parasite_head_main
1:	int3
	/* Resumed without new registers: trap again rather than run off the end. */
	jmp	1b
	.size __export_entry, . - __export_entry

	.section .note.GNU-stack, "", @progbits
