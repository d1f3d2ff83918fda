/* SPDX-License-Identifier: GPL-2.0 */
/*
 * regs00: general purpose registers survive a checkpoint.
 *
 * regs_hold() loads a random value into each of the 15 GPRs other than rsp and spins,
 * touching nothing but a flag in memory, until the SIGTERM handler sets the flag. The
 * checkpoint lands somewhere in that loop, so every value is live in a register across
 * dump and restore. The handler runs on this thread, but the kernel saves and restores
 * the registers around it; whatever restore got wrong shows in the values stored after
 * the loop, which C then compares with what went in.
 */
#include <inttypes.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_GPRS 15

/* The order of slots in the in and out arrays, as regs_hold() uses them. */
static const char *const gpr_names[NR_GPRS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
	"r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

/* void regs_hold(const uint64_t *in, uint64_t *out): SysV ABI, so save callee-saved regs. */
void regs_hold(const uint64_t *in, uint64_t *out);
/* clang-format off */
asm(	".text\n"
	".type regs_hold, @function\n"
	"regs_hold:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	push %rsi\n"			/* out, needed again after the loop */
	"	mov 0(%rdi), %rax\n"
	"	mov 8(%rdi), %rbx\n"
	"	mov 16(%rdi), %rcx\n"
	"	mov 24(%rdi), %rdx\n"
	"	mov 32(%rdi), %rsi\n"
	"	mov 48(%rdi), %rbp\n"
	"	mov 56(%rdi), %r8\n"
	"	mov 64(%rdi), %r9\n"
	"	mov 72(%rdi), %r10\n"
	"	mov 80(%rdi), %r11\n"
	"	mov 88(%rdi), %r12\n"
	"	mov 96(%rdi), %r13\n"
	"	mov 104(%rdi), %r14\n"
	"	mov 112(%rdi), %r15\n"
	"	mov 40(%rdi), %rdi\n"		/* last: it held the pointer */
	"1:	pause\n"
	"	cmpl $0, test_sig_received(%rip)\n"
	"	je 1b\n"
	"	xchg %rax, (%rsp)\n"		/* rax = out; the stack keeps rax's value */
	"	mov %rbx, 8(%rax)\n"
	"	mov %rcx, 16(%rax)\n"
	"	mov %rdx, 24(%rax)\n"
	"	mov %rsi, 32(%rax)\n"
	"	mov %rdi, 40(%rax)\n"
	"	mov %rbp, 48(%rax)\n"
	"	mov %r8, 56(%rax)\n"
	"	mov %r9, 64(%rax)\n"
	"	mov %r10, 72(%rax)\n"
	"	mov %r11, 80(%rax)\n"
	"	mov %r12, 88(%rax)\n"
	"	mov %r13, 96(%rax)\n"
	"	mov %r14, 104(%rax)\n"
	"	mov %r15, 112(%rax)\n"
	"	pop %rcx\n"
	"	mov %rcx, 0(%rax)\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size regs_hold, .-regs_hold\n");
/* clang-format on */

/* splitmix64: distinct, hard-to-guess values so a register zeroed or swapped shows. */
static uint64_t next_value(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
	uint64_t in[NR_GPRS], out[NR_GPRS] = { 0 };
	uint64_t seed;
	int i;

	test_init(argc, argv);

	seed = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	for (i = 0; i < NR_GPRS; i++)
		in[i] = next_value(&seed);

	test_daemon();
	regs_hold(in, out);

	for (i = 0; i < NR_GPRS; i++)
		if (in[i] != out[i])
			fail("%s is %#" PRIx64 ", expected %#" PRIx64, gpr_names[i], out[i], in[i]);
	if (test_failed())
		return 1;
	pass();
	return 0;
}
