/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cure-frame.c - the x86_64 half of "criu may die at any moment" (see compel/src/guard.c):
 * the signal frames compel writes on the task's own stack, below its red zone where any
 * signal delivery would write too, and the two instructions they need in the task: a
 * "syscall; ... ret" and a "mov $15, %rax; syscall" (rt_sigreturn), see task-code.c.
 *
 * Frame F0 holds the task's registers (with the syscall restart the kernel would do), its
 * FPU state and signal mask: a rt_sigreturn on it is the task as it was. Frame FU (only
 * when an area is mapped) runs munmap of the area through the "syscall; ret" and then
 * returns through F0. Stack layout, from high to low addresses:
 *   sp - 128 (red zone)  ... xsave area of F0 | F0 (at frame_sp) | FU (at unmap_sp)
 * The first word of each frame is the rt_sigreturn instruction, so a "ret" with %rsp at a
 * frame lands on rt_sigreturn with %rsp where the kernel looks for that frame.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

#define RED_ZONE	     128
#define UC_FP_XSTATE	     0x1
#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4
#define CF_XSTATE_MAGIC1     0x46505853u
#define CF_XSTATE_MAGIC2     0x46505845u
#define FXSAVE_SW_BYTES	     464
#define SS_FLAGS_KEEP	     0x7fff /* no valid mode: rt_sigreturn leaves sigaltstack alone */
#define X86_EFLAGS_TF	     0x100
#define X86_EFLAGS_DF	     0x400
#define NR_munmap	     11
#define SIGRETURN_LEN	     9 /* mov $15, %rax; syscall (task-code.c) */

struct cf_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
	uint64_t eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved[8];
};

struct cf_frame { /* struct rt_sigframe of the kernel */
	uint64_t pretcode;
	uint64_t uc_flags;
	uint64_t uc_link;
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t ss_pad;
	uint64_t ss_size;
	struct cf_sigcontext sc;
	uint64_t sigmask;
	uint8_t siginfo[128];
};

struct cf_sw_bytes { /* struct _fpx_sw_bytes */
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t pad[7];
};

static uint64_t xcr0(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static size_t xsave_room(const struct compel_ctl *ctl)
{
	return (ctl->xsave_size + sizeof(uint32_t) + 63) & ~63ul;
}

size_t arch_cure_frames_size(const struct compel_ctl *ctl)
{
	return xsave_room(ctl) + 2 * ((sizeof(struct cf_frame) + 15) & ~15ul) + 64;
}

/* The xsave area of F0 with what rt_sigreturn checks: software bytes and the end magic. */
static void fill_xsave(const struct compel_ctl *ctl, uint8_t *xs)
{
	struct cf_sw_bytes sw = { 0 };

	memcpy(xs, ctl->xsave, ctl->xsave_size);
	if (ctl->xsave_note != NT_X86_XSTATE)
		return; /* fxsave only: the kernel restores x87 and SSE from it */
	sw.magic1 = CF_XSTATE_MAGIC1;
	sw.xstate_size = ctl->xsave_size;
	sw.extended_size = ctl->xsave_size + sizeof(uint32_t);
	sw.xfeatures = xcr0();
	memcpy(xs + FXSAVE_SW_BYTES, &sw, sizeof(sw));
	memcpy(xs + ctl->xsave_size, &(uint32_t){ CF_XSTATE_MAGIC2 }, sizeof(uint32_t));
}

static void fill_sigcontext(struct cf_sigcontext *sc, const struct user_regs_struct *r)
{
	sc->r8 = r->r8;
	sc->r9 = r->r9;
	sc->r10 = r->r10;
	sc->r11 = r->r11;
	sc->r12 = r->r12;
	sc->r13 = r->r13;
	sc->r14 = r->r14;
	sc->r15 = r->r15;
	sc->rdi = r->rdi;
	sc->rsi = r->rsi;
	sc->rbp = r->rbp;
	sc->rbx = r->rbx;
	sc->rdx = r->rdx;
	sc->rax = r->rax;
	sc->rcx = r->rcx;
	sc->rsp = r->rsp;
	sc->rip = r->rip;
	sc->eflags = r->eflags;
	sc->cs = r->cs;
	sc->ss = r->ss;
}

static void fill_frame(struct cf_frame *f, const struct compel_ctl *ctl,
		       const struct user_regs_struct *regs, uint64_t mask, uint64_t fpstate)
{
	memset(f, 0, sizeof(*f));
	f->pretcode = ctl->guard.sigreturn_insn;
	f->uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	if (fpstate && ctl->xsave_note == NT_X86_XSTATE)
		f->uc_flags |= UC_FP_XSTATE;
	f->ss_flags = SS_FLAGS_KEEP;
	fill_sigcontext(&f->sc, regs);
	f->sc.fpstate = fpstate;
	f->sigmask = mask;
}

/* F0 and, when an area is mapped, FU, in buf which lands at guard.frames_base in the task. */
static void build_frames(struct compel_ctl *ctl, uint8_t *buf, unsigned long top)
{
	struct compel_guard *g = &ctl->guard;
	unsigned long xs = top - xsave_room(ctl);
	struct user_regs_struct regs = ctl->orig_regs;

	g->frame_sp = (xs - sizeof(struct cf_frame)) & ~15ul;
	g->unmap_sp = (g->frame_sp - sizeof(struct cf_frame)) & ~15ul;
	g->frames_base = g->unmap_sp;
	g->frames_len = top - g->frames_base;
	memset(buf, 0, g->frames_len);
	fill_xsave(ctl, buf + (xs - g->frames_base));
	arch_fixup_restart(&regs);
	fill_frame((struct cf_frame *)(buf + (g->frame_sp - g->frames_base)), ctl, &regs,
		   ctl->sigmask, xs);

	regs = ctl->orig_regs;
	regs.rip = g->unmap_insn;
	regs.rax = NR_munmap;
	regs.rdi = g->unmap_start;
	regs.rsi = g->unmap_len;
	regs.rsp = g->frame_sp;
	regs.eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_DF);
	/* Every signal blocked until F0; no FPU state: F0 puts it back. */
	fill_frame((struct cf_frame *)buf, ctl, &regs, ~0ull, 0);
}

/*
 * The frames must lie in the mapping that holds the stack pointer, as a signal frame would:
 * never in a neighbour (a small sigaltstack or a thread stack near its end). The task is
 * stopped and only compel maps anything in it, never over its stack: the mapping found for
 * the first remote syscall holds for the next ones.
 */
static bool fits_stack_vma(struct compel_ctl *ctl, unsigned long low, unsigned long sp)
{
	struct compel_guard *g = &ctl->guard;
	unsigned long start, end;
	char path[64], line[512];
	FILE *f;

	if (g->stack_vma_start <= low && sp <= g->stack_vma_end)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/maps", ctl->pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 && start <= low && sp <= end) {
			g->stack_vma_start = start;
			g->stack_vma_end = end;
			break;
		}
	fclose(f);
	return g->stack_vma_start <= low && sp <= g->stack_vma_end;
}

int arch_write_cure_frames(struct compel_ctl *ctl)
{
	unsigned long top = (ctl->orig_regs.rsp - RED_ZONE) & ~63ul;
	size_t size = arch_cure_frames_size(ctl);
	struct iovec local, remote;
	uint8_t *buf = malloc(size);
	ssize_t n;

	if (!buf) {
		pr_err("Can't allocate %zu bytes for the cure frames of task %d\n", size, ctl->pid);
		return -ENOMEM;
	}
	build_frames(ctl, buf, top);
	if (!fits_stack_vma(ctl, ctl->guard.frames_base, ctl->orig_regs.rsp)) {
		pr_err("Task %d has no room for %zu bytes below its stack pointer %#llx in the "
		       "same "
		       "mapping: can't make it safe to infect\n",
		       ctl->pid, ctl->guard.frames_len, (unsigned long long)ctl->orig_regs.rsp);
		free(buf);
		return -ENOSPC;
	}
	local = (struct iovec){ buf, ctl->guard.frames_len };
	remote = (struct iovec){ (void *)ctl->guard.frames_base, ctl->guard.frames_len };
	n = process_vm_writev(ctl->pid, &local, 1, &remote, 1, 0);
	free(buf);
	if (n != (ssize_t)ctl->guard.frames_len) {
		pr_perror("Can't write %zu bytes of cure frames below the stack pointer %#llx of "
			  "task %d",
			  ctl->guard.frames_len, (unsigned long long)ctl->orig_regs.rsp, ctl->pid);
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

void arch_prep_self_unmap(const struct compel_ctl *ctl, struct user_regs_struct *regs)
{
	*regs = ctl->orig_regs;
	regs->rip = ctl->guard.unmap_insn;
	regs->rax = NR_munmap;
	regs->orig_rax = -1;
	regs->rdi = ctl->guard.unmap_start;
	regs->rsi = ctl->guard.unmap_len;
	regs->rsp = ctl->guard.frame_sp;
	regs->eflags &= ~(X86_EFLAGS_TF | X86_EFLAGS_DF);
}

/* x86 user shadow stacks would fault on our ret: /proc/PID/status names them if enabled. */
bool arch_task_has_shadow_stack(pid_t pid)
{
	char path[64], line[256];
	bool shstk = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "x86_Thread_features:", 20) && strstr(line + 20, "shstk"))
			shstk = true;
	fclose(f);
	return shstk;
}

bool arch_in_cure_chain(const struct compel_ctl *ctl, const struct user_regs_struct *regs)
{
	const struct compel_guard *g = &ctl->guard;

	if (regs->rsp != g->frame_sp && regs->rsp != g->frame_sp + 8)
		return false;
	return (regs->rip >= g->unmap_insn && regs->rip < g->unmap_insn + 64) ||
	       (regs->rip >= g->sigreturn_insn && regs->rip <= g->sigreturn_insn + SIGRETURN_LEN);
}
