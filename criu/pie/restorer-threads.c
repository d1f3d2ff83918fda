/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pie/restorer-threads.c - the restorer's part for the threads of a task
 * (include/abi/restorer-threads.h).
 *
 * The leader, with its memory in place and its credentials not yet changed, clones every
 * other thread with clone3(CLONE_THREAD | ..., set_tid = the dumped tid) onto the thread's
 * stack in the bootstrap area (in a user namespace of the tree's, without set_tid after a
 * stop in which criu sets ns_last_pid: by_last_pid). Each thread sets what belongs to it (name,
 * robust list, rseq, clear_child_tid, TLS, private pending signals, seccomp and credentials),
 * counts itself ready, stops with SIGSTOP for criu and rt_sigreturns on its own frame. The leader
 * waits for all of them before its own last steps, so that no thread runs program code
 * while another still runs this blob.
 * Freestanding: raw sys_*() calls returning -errno, no TLS.
 */
#include <stddef.h>
#include <stdint.h>
#include <linux/prctl.h>
#include <asm/prctl.h>

#include "compel/rt/log.h"
#include "compel/rt/string.h"
#include "compel/rt/syscall.h"
#include "restorer.h"

#define NR_clone3	   435
#define NR_rt_sigreturn	   15
#define RST_SIGSTOP	   19
#define RST_EEXIST	   17
#define PRIO_PROCESS	   0 /* with who 0: the calling thread */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
/* a thread of the same process, as pthread_create makes it */
#define THREAD_CLONE_FLAGS (0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000)

struct k_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};

static int thr_fail(int tid, const char *what, long err)
{
	rt_pr_err("thread %d: %s failed: %ld\n", tid, what, err);
	return (int)err;
}

static int register_rseq(int tid, const struct rst_rseq *r)
{
	long ret;

	if (!r->ptr)
		return 0;
	ret = sys_rseq((void *)(unsigned long)r->ptr, r->len, 0, r->sig);
	return ret ? thr_fail(tid, "rseq registration", ret) : 0;
}

static int queue_private(const struct rst_args *a, const struct rst_thread *th)
{
	uint32_t i;
	long ret;

	for (i = 0; i < th->nr_sig; i++) {
		uint8_t info[RST_SIGINFO_SIZE];

		/* a copy: the kernel may write to it */
		std_memcpy(info, th->siginfo[i], sizeof(info));
		ret = sys_rt_tgsigqueueinfo(a->pid, th->tid, *(int32_t *)info, info);
		if (ret)
			return thr_fail(th->tid, "queueing a pending signal", ret);
	}
	return 0;
}

/* Policy and nice value are per thread; set while we still hold criu's privileges. */
static int set_sched(const struct rst_thread *th)
{
	int32_t prio = th->sched_prio;
	long ret;

	if (!th->has_sched)
		return 0;
	ret = sys_sched_setscheduler(0, th->sched_policy, &prio);
	if (ret)
		return thr_fail(th->tid, "sched_setscheduler", ret);
	ret = sys_setpriority(PRIO_PROCESS, 0, th->nice);
	if (ret)
		return thr_fail(th->tid, "setpriority", ret);
	return 0;
}

static int set_thread_state(const struct rst_args *a, const struct rst_thread *th)
{
	long ret;

	ret = sys_prctl(PR_SET_NAME, (unsigned long)th->comm, 0, 0, 0);
	if (ret)
		return thr_fail(th->tid, "prctl(PR_SET_NAME)", ret);
	ret = sys_set_robust_list((void *)(unsigned long)th->robust_list, th->robust_list_len);
	if (ret)
		return thr_fail(th->tid, "set_robust_list", ret);
	ret = register_rseq(th->tid, &th->rseq);
	if (ret)
		return ret;
	sys_set_tid_address((int *)(unsigned long)th->clear_tid_addr);
	ret = sys_arch_prctl(ARCH_SET_FS, th->fs_base);
	if (ret)
		return thr_fail(th->tid, "arch_prctl(ARCH_SET_FS)", ret);
	ret = sys_arch_prctl(ARCH_SET_GS, th->gs_base);
	if (ret)
		return thr_fail(th->tid, "arch_prctl(ARCH_SET_GS)", ret);
	ret = queue_private(a, th);
	if (!ret)
		ret = set_sched(th);
	if (ret)
		return ret;
	return rst_apply_thread_state(&a->task, th->has_creds ? &th->creds : NULL);
}

/* As the leader's: criu steps over this syscall and then unmaps the area. */
static void __attribute__((noreturn)) thread_sigreturn(uint64_t frame, uint64_t into_syscall)
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

/* A new thread starts here on its own stack (see clone_thread()). */
static void __attribute__((noreturn, used)) thread_main(struct rst_args *a, struct rst_thread *th)
{
	if (set_thread_state(a, th)) {
		rt_pr_err("thread %d failed to restore\n", th->tid);
		sys_exit_group(1);
	}
	__atomic_add_fetch(&a->threads.ready, 1, __ATOMIC_SEQ_CST);
	sys_futex(&a->threads.ready, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	/* criu resumes us past this stop and watches the sigreturn below */
	sys_tgkill(a->pid, th->tid, RST_SIGSTOP);
	thread_sigreturn(th->sigframe,
			 rst_resumes_into_syscall(a->vmas, a->nr_vmas, th->resume_ip));
}

/*
 * clone3 returns twice; the child, on the new stack, must not return through C: it calls
 * thread_main(a, th) from the callee-saved registers the kernel copied.
 */
static long clone_thread(struct k_clone_args *ca, struct rst_args *a, struct rst_thread *th,
			 uint64_t *again)
{
	/* criu sets it in the clone's event stop when the tid is not the one wanted */
	register uint64_t r15 asm("r15") = 0;
	register uint64_t r12 asm("r12") = (uint64_t)(unsigned long)a;
	register uint64_t r13 asm("r13") = (uint64_t)(unsigned long)th;
	register uint64_t r14 asm("r14") = (uint64_t)(unsigned long)thread_main;
	long ret;

	asm volatile("syscall\n\t"
		     "testq %%rax, %%rax\n\t"
		     "jnz 1f\n\t"
		     "xorl %%ebp, %%ebp\n\t"
		     "movq %%r12, %%rdi\n\t"
		     "movq %%r13, %%rsi\n\t"
		     "andq $-16, %%rsp\n\t"
		     "callq *%%r14\n\t"
		     "ud2\n"
		     "1:\n\t"
		     : "=a"(ret), "+r"(r15)
		     : "a"(NR_clone3), "D"(ca), "S"(sizeof(*ca)), "r"(r12), "r"(r13), "r"(r14)
		     : "rcx", "r11", "memory");
	*again = r15;
	return ret;
}

int rst_threads_start(struct rst_args *a)
{
	struct rst_thread *th = (struct rst_thread *)(unsigned long)a->threads.threads;
	uint64_t again;
	uint32_t n;
	long ret;

	ret = register_rseq(a->pid, &a->threads.leader_rseq);
	if (ret || !a->threads.nr)
		return (int)ret;
	/*
	 * criu traces new threads from birth (PTRACE_O_TRACECLONE) but sets that option only
	 * in this stop: criu's own helper threads before the restorer must stay untraced.
	 */
	if (!a->threads.by_last_pid)
		sys_tgkill(a->pid, a->pid, RST_SIGSTOP);
	for (n = 0; n < a->threads.nr; n++) {
		/* by_last_pid: the last first, as criu expects (task/threads-lastpid.c) */
		uint32_t i = a->threads.by_last_pid ? a->threads.nr - 1 - n : n;
		/* innermost first: the tid in the task's pid namespace, criu's last */
		struct k_clone_args ca = {
			.flags = THREAD_CLONE_FLAGS,
			.stack = th[i].stack_top - RST_THREAD_STACK,
			.stack_size = RST_THREAD_STACK,
			.set_tid = (uint64_t)(unsigned long)th[i].levels,
			.set_tid_size = th[i].nr_levels,
		};

		if (a->threads.by_last_pid)
			ca.set_tid = ca.set_tid_size = 0;
		do {
			/* by_last_pid: criu sets ns_last_pid in this stop, the tid is the next */
			if (a->threads.by_last_pid)
				sys_tgkill(a->pid, a->pid, RST_SIGSTOP);
			ret = clone_thread(&ca, a, &th[i], &again);
		} while (a->threads.by_last_pid && again == RST_CLONE_AGAIN);
		if (ret == -RST_EEXIST) {
			rt_pr_err("thread %d: its tid is taken by another task, at one of its %d "
				  "pid levels (%d in criu's); the restore needs it free\n",
				  th[i].tid, th[i].nr_levels, th[i].levels[th[i].nr_levels - 1]);
			return (int)ret;
		}
		if (ret > 0 && ret != th[i].tid && a->threads.by_last_pid) {
			rt_pr_err("thread %d: got tid %ld: another task took the tid after "
				  "ns_last_pid was set; restore again\n",
				  th[i].tid, ret);
			return -RST_EEXIST;
		}
		if (ret != th[i].tid)
			return thr_fail(th[i].tid, "clone3 with set_tid", ret);
	}
	return 0;
}

int rst_threads_wait_ready(struct rst_args *a)
{
	uint32_t n;

	while ((n = __atomic_load_n(&a->threads.ready, __ATOMIC_SEQ_CST)) < a->threads.nr)
		sys_futex(&a->threads.ready, FUTEX_WAIT_PRIVATE, n, NULL, NULL, 0);
	return 0;
}
