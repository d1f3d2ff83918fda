/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore-sigframe-test.c - the restorer's last step, on ourselves: build an rt_sigframe with
 * rst_sigframe_build() from a core image of made-up registers (GP, xmm, signal mask) and
 * rt_sigreturn into a landing function that checks every one of them arrived. Needs no root.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <sys/syscall.h>

#include "fpu-image.h"
#include "log.h"
#include "sigframe.h"

#define MAGIC_DI    0x1122334455667788ULL
#define MAGIC_BX    0x0badc0dedeadbeefULL
#define MAGIC_R15   0x0123456789abcdefULL
#define MAGIC_XMM0  0x5555aaaa3333ccccULL
#define MAGIC_XMM15 0x7777888899990000ULL

static uint8_t landing_stack[64 << 10] __attribute__((aligned(16)));
static int passed, failed;

void sf_check(uint64_t di, uint64_t bx, uint64_t r15, uint64_t xmm0, uint64_t xmm15);
void sf_landing(void);

/* Registers the C check can't see reliably are moved into argument registers first. */
asm(".text\n"
    ".globl sf_landing\n"
    "sf_landing:\n"
    "	movq %rbx, %rsi\n"
    "	movq %r15, %rdx\n"
    "	movq %xmm0, %rcx\n"
    "	movq %xmm15, %r8\n"
    "	jmp sf_check\n");

static void check(int ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	if (ok)
		passed++;
	else
		failed++;
}

void sf_check(uint64_t di, uint64_t bx, uint64_t r15, uint64_t xmm0, uint64_t xmm15)
{
	sigset_t cur;

	check(di == MAGIC_DI, "rdi restored");
	check(bx == MAGIC_BX, "rbx restored");
	check(r15 == MAGIC_R15, "r15 restored");
	check(xmm0 == MAGIC_XMM0, "xmm0 restored from the xsave area");
	check(xmm15 == MAGIC_XMM15, "xmm15 restored from the xsave area");
	sigprocmask(SIG_SETMASK, NULL, &cur);
	check(sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGUSR2), "signal mask restored");
	printf("%d passed, %d failed\n", passed, failed);
	fflush(stdout);
	_exit(failed ? 1 : 0);
}

/* Our own FPU state as an image: xsave it, then convert with the lead's helper. */
static int own_fpregs(UserX86FpregsEntry *fp, struct fpu_image_storage *stor)
{
	size_t size = cpu_xsave_size();
	uint8_t *xs = aligned_alloc(64, (size + 63) & ~63UL);

	if (!xs)
		return -1;
	memset(xs, 0, size);
	asm volatile("xsave64 (%0)" : : "r"(xs), "a"(-1), "d"(-1) : "memory");
	return fpu_image_from_xsave(fp, stor, xs, size);
}

static void fill_gpregs(UserX86RegsEntry *g)
{
	uint16_t cs, ss;

	asm volatile("mov %%cs, %0" : "=r"(cs));
	asm volatile("mov %%ss, %0" : "=r"(ss));
	g->di = MAGIC_DI;
	g->bx = MAGIC_BX;
	g->r15 = MAGIC_R15;
	g->ip = (uint64_t)(uintptr_t)sf_landing;
	/* as if sf_landing had been called: 16-byte aligned minus the return address */
	g->sp = (uint64_t)(uintptr_t)(landing_stack + sizeof(landing_stack)) - 8;
	g->flags = 0x202;
	g->cs = cs;
	g->ss = ss;
}

int main(void)
{
	UserX86RegsEntry gp = USER_X86_REGS_ENTRY__INIT;
	UserX86FpregsEntry fp = USER_X86_FPREGS_ENTRY__INIT;
	static struct fpu_image_storage stor;
	ThreadInfoX86 ti = THREAD_INFO_X86__INIT;
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;
	CoreEntry core = CORE_ENTRY__INIT;
	uint64_t frame;
	void *buf;

	log_init(-1, NULL, LOG_WARN);
	if (own_fpregs(&fp, &stor) || rst_arch_probe_xstate()) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	memcpy(&fp.xmm_space[0], &(uint64_t){ MAGIC_XMM0 }, 8);
	memcpy(&fp.xmm_space[60], &(uint64_t){ MAGIC_XMM15 }, 8);
	fill_gpregs(&gp);
	ti.gpregs = &gp;
	ti.fpregs = &fp;
	tc.blk_sigset = 1ULL << (SIGUSR1 - 1);
	core.thread_info = &ti;
	core.tc = &tc;

	buf = aligned_alloc(64, (rst_sigframe_size() + 63) & ~63UL);
	if (!buf || rst_sigframe_build(buf, rst_sigframe_size(), &core, &frame)) {
		printf("0 passed, 1 failed\n");
		return 1;
	}
	fflush(stdout);
	asm volatile("movq %0, %%rsp\n\t"
		     "movq $15, %%rax\n\t"
		     "syscall\n\t"
		     "ud2"
		     :
		     : "r"(frame + 8)
		     : "memory");
	__builtin_unreachable();
}
