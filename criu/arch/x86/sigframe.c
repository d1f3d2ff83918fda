/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/x86/sigframe.c - build the x86_64 rt_sigframe that turns the restorer into the dumped
 * program, and jump onto the restorer's stack.
 *
 * The xsave part of a frame must match what this kernel accepts: its size, the features in
 * the software bytes and the trailing magic. Rather than recompute the kernel's rules, we
 * take one real signal at start-up and copy the parameters the kernel itself wrote.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "fpu-image.h"
#include "log.h"
#include "sigframe.h"

#define FXSAVE_SIZE	512
#define SW_BYTES_OFF	464 /* struct _fpx_sw_bytes inside the fxsave area */
#define XSTATE_BV_OFF	512 /* xsave header: xstate_bv, then xcomp_bv */
#define SS_DISABLE_FLAG 2

struct fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};

static struct fpx_sw_bytes probed; /* magic1 == 0: the kernel gave an fxsave-only frame */
static int probe_done;

static void probe_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	const uint8_t *fp = (const uint8_t *)uc->uc_mcontext.fpregs;

	(void)sig;
	(void)si;
	if (!fp || !(uc->uc_flags & RST_UC_FP_XSTATE))
		return;
	memcpy(&probed, fp + SW_BYTES_OFF, sizeof(probed));
	if (probed.magic1 != RST_FP_XSTATE_MAGIC1)
		memset(&probed, 0, sizeof(probed));
}

int rst_arch_probe_xstate(void)
{
	struct sigaction sa = { .sa_sigaction = probe_handler, .sa_flags = SA_SIGINFO }, old;
	sigset_t set, oldset;

	if (probe_done)
		return 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	if (sigaction(SIGUSR2, &sa, &old)) {
		pr_perror("Can't install the xstate probe handler");
		return -errno;
	}
	sigprocmask(SIG_UNBLOCK, &set, &oldset);
	/* not raise(): after a raw clone3 glibc still caches the parent's tid */
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
	sigprocmask(SIG_SETMASK, &oldset, NULL);
	sigaction(SIGUSR2, &old, NULL);
	probe_done = 1;
	if (!probed.magic1)
		pr_warn("The kernel's signal frames carry no xstate: only x87/SSE state is "
			"restored\n");
	pr_debug("xstate frame: size %u, extended %u, features %#lx\n", probed.xstate_size,
		 probed.extended_size, (unsigned long)probed.xfeatures);
	return 0;
}

static size_t xsave_alloc_size(void)
{
	size_t size = cpu_xsave_size();

	if (probed.xstate_size > size)
		size = probed.xstate_size;
	if (size < FXSAVE_SIZE)
		size = FXSAVE_SIZE;
	/* room for FP_XSTATE_MAGIC2, then 64-byte granularity */
	return (size + sizeof(uint32_t) + 63) & ~63UL;
}

size_t rst_sigframe_size(void)
{
	return 64 + xsave_alloc_size() + sizeof(struct rst_rt_sigframe) + 64;
}

static int fill_xsave(uint8_t *xs, size_t size, const UserX86FpregsEntry *fpregs)
{
	uint64_t bv;
	int ret;

	ret = fpu_image_to_xsave(fpregs, xs, size);
	if (ret) {
		pr_err("Can't rebuild the FPU state: the dump used CPU features this CPU lacks "
		       "(%d)\n",
		       ret);
		return ret;
	}
	if (!probed.magic1)
		return 0;
	/* Keep only what the kernel's own frames carry; it restores nothing else. */
	memcpy(&bv, xs + XSTATE_BV_OFF, sizeof(bv));
	bv &= probed.xfeatures;
	memcpy(xs + XSTATE_BV_OFF, &bv, sizeof(bv));
	memcpy(xs + SW_BYTES_OFF, &probed, sizeof(probed));
	memcpy(xs + probed.xstate_size, &(uint32_t){ RST_FP_XSTATE_MAGIC2 }, sizeof(uint32_t));
	return 0;
}

static void fill_gpregs(struct rst_sigcontext *sc, const UserX86RegsEntry *g)
{
	sc->r8 = g->r8;
	sc->r9 = g->r9;
	sc->r10 = g->r10;
	sc->r11 = g->r11;
	sc->r12 = g->r12;
	sc->r13 = g->r13;
	sc->r14 = g->r14;
	sc->r15 = g->r15;
	sc->rdi = g->di;
	sc->rsi = g->si;
	sc->rbp = g->bp;
	sc->rbx = g->bx;
	sc->rdx = g->dx;
	sc->rax = g->ax;
	sc->rcx = g->cx;
	sc->rsp = g->sp;
	sc->rip = g->ip;
	sc->eflags = g->flags;
	sc->cs = g->cs;
	sc->ss = g->ss;
	sc->fs = g->fs;
	sc->gs = g->gs;
}

int rst_sigframe_build(void *buf, size_t size, const CoreEntry *core, uint64_t *frame)
{
	const ThreadCoreEntry *tcore = core->thread_core;
	uintptr_t base = ((uintptr_t)buf + 63) & ~63UL;
	size_t xs_size = xsave_alloc_size();
	struct rst_rt_sigframe *f;
	int ret;

	if (rst_sigframe_size() > size)
		return -ENOSPC;
	ret = fill_xsave((uint8_t *)base, xs_size, core->thread_info->fpregs);
	if (ret)
		return ret;
	f = (struct rst_rt_sigframe *)(base + xs_size);
	memset(f, 0, sizeof(*f));
	fill_gpregs(&f->uc.uc_mcontext, core->thread_info->gpregs);
	f->uc.uc_mcontext.fpstate = base;
	f->uc.uc_flags = RST_UC_SIGCONTEXT_SS | RST_UC_STRICT_RESTORE_SS;
	if (probed.magic1)
		f->uc.uc_flags |= RST_UC_FP_XSTATE;
	f->uc.uc_sigmask = core->tc ? core->tc->blk_sigset : 0; /* a thread has only its own */
	if (tcore && tcore->has_blk_sigset)
		f->uc.uc_sigmask = tcore->blk_sigset;
	f->uc.ss_flags = SS_DISABLE_FLAG;
	if (tcore && tcore->sas) {
		f->uc.ss_sp = tcore->sas->ss_sp;
		f->uc.ss_size = tcore->sas->ss_size;
		f->uc.ss_flags = tcore->sas->ss_flags & ~1; /* SS_ONSTACK is a state, not a flag */
	}
	*frame = (uint64_t)(uintptr_t)f;
	return 0;
}

uint64_t rst_resume_ip(const CoreEntry *core)
{
	return core->thread_info->gpregs->ip;
}

void rst_arch_jump(uint64_t entry, uint64_t args, uint64_t stack_top)
{
	/* A zero return address as if called: the stack is 16-byte aligned minus 8 at entry. */
	asm volatile("movq %2, %%rsp\n\t"
		     "pushq $0\n\t"
		     "xorl %%ebp, %%ebp\n\t"
		     "jmpq *%0\n\t"
		     :
		     : "r"(entry), "D"(args), "r"(stack_top & ~15UL)
		     : "memory");
	__builtin_unreachable();
}
