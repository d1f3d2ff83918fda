/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pie/restorer.c - the blob a restored task runs after it has left criu's code.
 *
 * criu (in the forked task) premapped and filled the private memory, put this blob, its
 * args and its stack in a hole no target mapping uses, and jumped here. This code removes
 * every mapping of criu, moves the premapped areas and this kernel's vdso to their dumped
 * addresses, maps the rest, sets the mm fields, signal state and TLS, and then becomes the
 * dumped program through rt_sigreturn. Just before that it stops itself with SIGSTOP so
 * criu (its ptracer) can unmap this blob once the program's registers are in place.
 *
 * Freestanding: raw sys_*() calls that return -errno, no libc, no TLS (fs_base changes
 * under our feet). Errors are logged as "pie: " lines on criu's log fd, then exit_group(1).
 */
#include <stddef.h>
#include <stdint.h>
#include <linux/mman.h>
#include <linux/prctl.h>
#include <asm/prctl.h>

#include "compel/rt/log.h"
#include "compel/rt/string.h"
#include "compel/rt/syscall.h"
#include "restorer.h"

#define RST_SIGSTOP	19
#define RST_SS_ONSTACK	1
#define RST_SS_DISABLE	2
#define RST_PAGE	4096UL
#define NR_rt_sigreturn 15

struct rst_stack_t {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

static int fail(const char *what, uint64_t addr, long err)
{
	rt_pr_err("%s at %#lx failed: %ld\n", what, (unsigned long)addr, err);
	return (int)err;
}

/* Remove everything of criu: all but keep[] (sorted) below unmap_limit. */
static int unmap_criu(const struct rst_args *a)
{
	const struct rst_range *keep = (const struct rst_range *)a->keep;
	uint64_t from = 0;
	uint32_t i;
	long ret;

	for (i = 0; i < a->nr_keep; i++) {
		if (keep[i].start > from) {
			ret = sys_munmap(from, keep[i].start - from);
			if (ret)
				return fail("munmap", from, ret);
		}
		if (keep[i].end > from)
			from = keep[i].end;
	}
	if (a->unmap_limit > from) {
		ret = sys_munmap(from, a->unmap_limit - from);
		if (ret)
			return fail("munmap", from, ret);
	}
	return 0;
}

static int move_area(uint64_t from, uint64_t size, uint64_t to)
{
	long ret;

	if (from == to)
		return 0;
	ret = sys_mremap(from, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if ((uint64_t)ret != to)
		return fail("mremap", from, ret);
	return 0;
}

/*
 * The vdso family moves in two steps: first into parking slots inside the bootstrap area,
 * so that the premapped areas can land where this kernel put its vdso, then to its place.
 */
static int park_vdso(struct rst_args *a)
{
	uint32_t i;

	for (i = 0; i < a->nr_vdso; i++)
		if (move_area(a->vdso[i].cur_start, a->vdso[i].size, a->vdso[i].tmp_start))
			return -1;
	return 0;
}

static int place_vdso(struct rst_args *a)
{
	uint32_t i;

	for (i = 0; i < a->nr_vdso; i++)
		if (move_area(a->vdso[i].tmp_start, a->vdso[i].size, a->vdso[i].dst_start))
			return -1;
	return 0;
}

static int move_premapped(const struct rst_args *a)
{
	const struct rst_vma *v = (const struct rst_vma *)a->vmas;
	uint32_t i;

	for (i = 0; i < a->nr_vmas; i++)
		if (v[i].kind == RST_VMA_PREMAPPED &&
		    move_area(v[i].premap, v[i].end - v[i].start, v[i].start))
			return -1;
	return 0;
}

static int map_shared(const struct rst_args *a)
{
	const struct rst_vma *v = (const struct rst_vma *)a->vmas;
	uint32_t i;
	long ret;

	for (i = 0; i < a->nr_vmas; i++) {
		if (v[i].kind != RST_VMA_FILE_SHARED)
			continue;
		/* locked later, as asked: MAP_LOCKED would fault in an on-fault lock's pages */
		ret = sys_mmap(v[i].start, v[i].end - v[i].start, v[i].prot,
			       (v[i].flags & ~MAP_LOCKED) | MAP_FIXED, v[i].fd, v[i].pgoff);
		if ((uint64_t)ret != v[i].start)
			return fail("mmap of a shared file", v[i].start, ret);
		sys_close(v[i].fd);
	}
	return 0;
}

/*
 * mlock()ed areas are locked again here, with criu's credentials and limits still ours:
 * the task may have lost CAP_IPC_LOCK or have RLIMIT_MEMLOCK 0 by now.
 */
static int lock_area(const struct rst_vma *v)
{
	long ret;

	if (!(v->flags & MAP_LOCKED))
		return 0;
	ret = sys_mlock2(v->start, v->end - v->start,
			 v->madv & RST_MADV_LOCK_ONFAULT ? MLOCK_ONFAULT : 0);
	if (ret)
		return fail("mlock2", v->start, ret);
	return 0;
}

/* Final protections, madvise bits and locks of every area we created. */
static int set_vma_state(const struct rst_args *a)
{
	const struct rst_vma *v = (const struct rst_vma *)a->vmas;
	uint32_t i, bit;
	long ret;

	for (i = 0; i < a->nr_vmas; i++) {
		uint64_t len = v[i].end - v[i].start;

		if (v[i].kind != RST_VMA_PREMAPPED && v[i].kind != RST_VMA_FILE_SHARED)
			continue;
		for (bit = 0; bit < 64; bit++) {
			if (!(v[i].madv & (1ULL << bit) & ~RST_MADV_OURS))
				continue;
			ret = sys_madvise(v[i].start, len, bit);
			if (ret)
				return fail("madvise", v[i].start, ret);
		}
		if (v[i].kind == RST_VMA_PREMAPPED) {
			ret = sys_mprotect(v[i].start, len, v[i].prot);
			if (ret)
				return fail("mprotect", v[i].start, ret);
		}
		if (lock_area(&v[i]))
			return -1;
		/* last: a sealed area can't be changed any more */
		if (v[i].madv & RST_MADV_SEALED) {
			ret = sys_mseal(v[i].start, len, 0);
			if (ret)
				return fail("mseal", v[i].start, ret);
		}
	}
	return 0;
}

static int set_mm(struct rst_args *a)
{
	long ret;

	a->mm.auxv = (uint64_t)(unsigned long)a->auxv;
	ret = sys_prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&a->mm, sizeof(a->mm), 0);
	if (a->mm.exe_fd != (uint32_t)-1)
		sys_close(a->mm.exe_fd);
	if (ret)
		return fail("prctl(PR_SET_MM_MAP)", a->mm.start_code, ret);
	return 0;
}

static int set_signals(const struct rst_args *a)
{
	struct rst_stack_t ss = { .ss_flags = RST_SS_DISABLE };
	long ret;
	int i;

	for (i = 0; i < RST_NSIG; i++) {
		if (!a->has_sa[i])
			continue;
		ret = sys_rt_sigaction(i + 1, &a->sa[i], NULL, sizeof(uint64_t));
		if (ret)
			return fail("rt_sigaction", (uint64_t)i + 1, ret);
	}
	if (a->has_sas) {
		ss.ss_sp = a->ss_sp;
		ss.ss_size = a->ss_size;
		ss.ss_flags = a->ss_flags & ~RST_SS_ONSTACK;
	}
	ret = sys_sigaltstack(&ss, NULL);
	if (ret)
		return fail("sigaltstack", a->ss_sp, ret);
	return 0;
}

/* Thread state last: once fs_base is the program's, nothing here may touch TLS. */
static int set_thread(const struct rst_args *a)
{
	long ret;

	if (a->has_personality) {
		ret = sys_personality(a->personality);
		if (ret < 0)
			return fail("personality", a->personality, ret);
	}
	ret = sys_prctl(PR_SET_NAME, (unsigned long)a->comm, 0, 0, 0);
	if (ret)
		return fail("prctl(PR_SET_NAME)", 0, ret);
	ret = sys_set_robust_list((void *)(unsigned long)a->robust_list, a->robust_list_len);
	if (ret)
		return fail("set_robust_list", a->robust_list, ret);
	ret = sys_arch_prctl(ARCH_SET_FS, a->fs_base);
	if (ret)
		return fail("arch_prctl(ARCH_SET_FS)", a->fs_base, ret);
	ret = sys_arch_prctl(ARCH_SET_GS, a->gs_base);
	if (ret)
		return fail("arch_prctl(ARCH_SET_GS)", a->gs_base, ret);
	sys_set_tid_address((int *)(unsigned long)a->clear_tid_addr);
	return 0;
}

/*
 * A wait that the dump interrupted resumes on its syscall instruction (the dump rewound it,
 * arch/x86/regs-image.c). criu then lets the task enter that syscall before it lets go:
 * a signal sent right after the restore must find the task inside its wait, as it would
 * have before the dump (a handler without SA_RESTART ends the wait with EINTR), not on the
 * instruction before it, where the handler would run and the wait then start over.
 */
uint64_t rst_resumes_into_syscall(uint64_t vmas, uint32_t nr_vmas, uint64_t ip)
{
	const struct rst_vma *v = (const struct rst_vma *)(uintptr_t)vmas;
	const uint8_t *insn = (const uint8_t *)(uintptr_t)ip;
	uint32_t i;

	for (i = 0; i < nr_vmas; i++)
		if (ip >= v[i].start && ip + 2 <= v[i].end)
			return (v[i].prot & PROT_READ) && insn[0] == 0x0f && insn[1] == 0x05;
	return 0;
}

/*
 * The kernel reads the frame at %rsp - 8 (where a handler's `ret` left it). criu stops us
 * at this syscall's entry and exit and then uses this very syscall instruction to unmap
 * the bootstrap area, so nothing may follow it but a trap. rt_sigreturn takes no argument:
 * %rdi tells criu, at the entry stop, whether the program resumes into a syscall.
 */
static void __attribute__((noreturn)) sigreturn_to(uint64_t frame, uint64_t into_syscall)
{
	asm volatile("movq %0, %%rsp\n\t"
		     "movq %2, %%rax\n\t"
		     "syscall\n\t"
		     "ud2\n\t"
		     :
		     : "r"(frame + 8), "D"(into_syscall), "i"(NR_rt_sigreturn)
		     : "memory");
	__builtin_unreachable();
}

/* The entry: criu jumps here on our own stack with %rdi = the args. */
COMPEL_EXPORT void __export_restore_task(struct rst_args *a) __attribute__((noreturn));
COMPEL_EXPORT void __export_restore_task(struct rst_args *a)
{
	rt_log_init(a->log_fd, a->log_level);
	rt_pr_info("restorer: %u vmas, %u vdso parts\n", a->nr_vmas, a->nr_vdso);

	if (unmap_criu(a) || park_vdso(a) || move_premapped(a) || place_vdso(a) || map_shared(a) ||
	    set_vma_state(a) || set_mm(a) || rst_retake_posix_locks(&a->task) ||
	    rst_lazy_register(a))
		goto out_fail;
	if (a->fault) {
		rt_pr_err("fault injected: restorer\n");
		goto out_fail;
	}
	/* threads start while we still hold criu's credentials; the task's come last */
	if (set_signals(a) || rst_threads_start(a) || set_thread(a) || rst_threads_wait_ready(a) ||
	    rst_apply_task_state(&a->task, a->pid))
		goto out_fail;

	rt_pr_info("restorer: task %d is ready, stopping for criu\n", a->pid);
	sys_close(a->log_fd);
	rt_log_init(-1, 0);
	/* criu resumes us past this stop and watches the sigreturn below. */
	sys_tgkill(a->pid, a->pid, RST_SIGSTOP);
	sigreturn_to(a->sigframe, rst_resumes_into_syscall(a->vmas, a->nr_vmas, a->resume_ip));

out_fail:
	rt_pr_err("restorer: task %d failed to restore\n", a->pid);
	sys_exit_group(1);
	for (;;)
		;
}
