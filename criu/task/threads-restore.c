/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/threads-restore.c - criu's side of restoring the threads of a task (see threads.h and
 * include/abi/restorer-threads.h): read each thread's core image, lay out the threads' args, frames
 * and stacks in the bootstrap area, and follow the threads with ptrace from their birth
 * (PTRACE_O_TRACECLONE) through their rt_sigreturn to the detach.
 *
 * The per-task ptrace logic takes (pid, tids[], nr) so that a loop over many tasks can
 * drive it; rst_threads_event() handles one wait status of one of the task's threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "image.h"
#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "threads.h"
#include "sigframe.h"
#include "task-state.h"
#include "abi/restorer.h"

#define NR_SIGRETURN 15
#define AREA_PAGE(x) (((x) + RST_PAGE_SIZE - 1) & ~(RST_PAGE_SIZE - 1))

int rst_check_pstree_threads(const PstreeEntry *e)
{
	size_t i, j;

	if (!e->n_threads || e->threads[0] != e->pid) {
		pr_err("pstree.img: task %u does not list itself as its first thread\n", e->pid);
		return -EINVAL;
	}
	for (i = 1; i < e->n_threads; i++) {
		if (e->threads[i] < 2) {
			pr_err("pstree.img: task %u has a bad thread id %u\n", e->pid,
			       e->threads[i]);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (e->threads[j] == e->threads[i]) {
				pr_err("pstree.img: task %u lists thread %u twice\n", e->pid,
				       e->threads[i]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int check_thread_core(const CoreEntry *c, pid_t tid)
{
	const ThreadInfoX86 *ti = c->thread_info;
	const ThreadCoreEntry *th = c->thread_core;

	if (c->mtype != CORE_ENTRY__MARCH__X86_64 || !ti || !ti->gpregs || !ti->fpregs || !th) {
		pr_err("core-%d.img: not an x86_64 thread core\n", tid);
		return -EINVAL;
	}
	if (ti->gpregs->has_mode && ti->gpregs->mode != USER_X86_REGS_MODE__NATIVE) {
		pr_err("core-%d.img: 32-bit (compat) threads are not supported\n", tid);
		return -EOPNOTSUPP;
	}
	if (ti->fpregs->n_st_space != 32 || ti->fpregs->n_xmm_space != 64) {
		pr_err("core-%d.img: the FPU registers are malformed\n", tid);
		return -EINVAL;
	}
	if (th->signals_p && th->signals_p->n_signals > RST_THREAD_MAX_SIGNALS) {
		pr_err("core-%d.img: %zu private pending signals, at most %d are supported\n", tid,
		       th->signals_p->n_signals, RST_THREAD_MAX_SIGNALS);
		return -EOPNOTSUPP;
	}
	return 0;
}

int rst_read_thread_cores(const struct rst_ctx *ctx, struct rst_task *t)
{
	const PstreeEntry *e = t->pstree;
	size_t i, nr = e->n_threads - 1;
	struct cr_img *img;
	int ret;

	if (!nr)
		return 0;
	t->tids = calloc(nr, sizeof(*t->tids));
	t->thread_cores = calloc(nr, sizeof(*t->thread_cores));
	if (!t->tids || !t->thread_cores)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		pid_t tid = e->threads[i + 1];

		img = open_image_at(ctx->dfd, CR_FD_CORE, O_RSTR, rst_img_pid(ctx, tid));
		if (!img)
			return -EIO;
		ret = pb_read_one(img, &core_entry__descriptor,
				  (ProtobufCMessage **)&t->thread_cores[i]);
		close_image(img);
		if (ret < 0 || !t->thread_cores[i]) {
			pr_err("core-%d.img: can't read the thread's core\n", tid);
			return ret < 0 ? ret : -EINVAL;
		}
		t->tids[i] = tid;
		t->nr_threads = i + 1;
		ret = check_thread_core(t->thread_cores[i], tid);
		if (ret)
			return ret;
	}
	return 0;
}

void rst_free_thread_cores(struct rst_task *t)
{
	size_t i;

	for (i = 0; i < t->nr_threads; i++)
		protobuf_c_message_free_unpacked(&t->thread_cores[i]->base, NULL);
	free(t->thread_cores);
	free(t->tids);
}

/*
 * Threads area: struct rst_thread[nr] (the restorer indexes it), then per thread a slot
 * with its signal frame and its stack, all page-aligned.
 */
static size_t thread_slot_size(void)
{
	return AREA_PAGE(64 + rst_sigframe_size()) + RST_THREAD_STACK;
}

static size_t thread_array_size(size_t nr)
{
	return AREA_PAGE(nr * sizeof(struct rst_thread));
}

size_t rst_threads_area_size(const struct rst_task *t)
{
	if (!t->nr_threads)
		return 0;
	return thread_array_size(t->nr_threads) + t->nr_threads * thread_slot_size();
}

static void fill_rseq(struct rst_rseq *r, const ThreadCoreEntry *th)
{
	if (!th || !th->rseq_entry)
		return;
	r->ptr = th->rseq_entry->rseq_abi_pointer;
	r->len = th->rseq_entry->rseq_abi_size;
	r->sig = th->rseq_entry->signature;
}

static int fill_private_signals(struct rst_thread *th, const ThreadCoreEntry *tc)
{
	size_t i;

	if (!tc->signals_p)
		return 0;
	for (i = 0; i < tc->signals_p->n_signals; i++) {
		const SiginfoEntry *s = tc->signals_p->signals[i];

		if (s->siginfo.len != RST_SIGINFO_SIZE) {
			pr_err("core-%d.img: a pending signal has %zu bytes of siginfo\n", th->tid,
			       s->siginfo.len);
			return -EINVAL;
		}
		memcpy(th->siginfo[i], s->siginfo.data, RST_SIGINFO_SIZE);
	}
	th->nr_sig = tc->signals_p->n_signals;
	return 0;
}

static int fill_one(const struct rst_ctx *ctx, const struct rst_task *t, const CoreEntry *c,
		    pid_t tid, uint8_t *slot, struct rst_thread *th)
{
	pid_t levels[RST_THREAD_PID_LEVELS];
	int n, i;

	const ThreadCoreEntry *tc = c->thread_core;
	const UserX86RegsEntry *g = c->thread_info->gpregs;
	size_t frame_room = thread_slot_size() - RST_THREAD_STACK;
	int ret;

	memset(th, 0, sizeof(*th));
	n = rst_pid_levels(ctx, tid, levels, RST_THREAD_PID_LEVELS);
	if (n < 0)
		return n;
	th->tid = levels[0];
	th->nr_levels = n;
	for (i = 0; i < n; i++)
		th->levels[i] = levels[i];
	th->fs_base = g->fs_base;
	th->gs_base = g->gs_base;
	th->clear_tid_addr = c->thread_info->clear_tid_addr;
	/* the kernel wants the robust list head's size even for an empty list */
	th->robust_list = tc->futex_rla;
	th->robust_list_len = tc->futex_rla_len ? tc->futex_rla_len : 3 * sizeof(uint64_t);
	fill_rseq(&th->rseq, tc);
	if (tc->comm)
		strncpy(th->comm, tc->comm, sizeof(th->comm) - 1);
	if (tc->has_sched_policy && tc->has_sched_nice) {
		th->has_sched = 1;
		th->sched_policy = tc->sched_policy;
		th->sched_prio = tc->has_sched_prio ? tc->sched_prio : 0;
		th->nice = tc->sched_nice;
	}
	th->stack_top = (uint64_t)(uintptr_t)slot + thread_slot_size();
	ret = rst_sigframe_build(slot, frame_room, c, &th->sigframe);
	th->resume_ip = rst_resume_ip(c);
	if (ret) {
		pr_err("core-%d.img: can't build the thread's signal frame: %d\n", tid, ret);
		return ret;
	}
	ret = fill_private_signals(th, tc);
	if (!ret && tc->creds) {
		th->has_creds = 1;
		/* its leader's, set before it went into its user namespace (it may deny them) */
		th->creds.keep_groups = rst_ns_keeps_groups(ctx);
		ret = rst_creds_from_image(tc->creds, &th->creds, tid);
		if (!ret)
			rst_ns_unmapped_creds(ctx, t, &th->creds);
	}
	return ret;
}

int rst_threads_fill(const struct rst_ctx *ctx, const struct rst_task *t, uint8_t *area,
		     struct rst_args *a)
{
	struct rst_thread *th = (struct rst_thread *)area;
	uint8_t *slots = area + thread_array_size(t->nr_threads);
	size_t i;
	int ret;

	fill_rseq(&a->threads.leader_rseq, t->core->thread_core);
	a->threads.nr = t->nr_threads;
	a->threads.by_last_pid = rst_ns_threads_by_last_pid(ctx);
	a->threads.ready = 0;
	a->threads.threads = (uint64_t)(uintptr_t)area;
	for (i = 0; i < t->nr_threads; i++) {
		ret = fill_one(ctx, t, t->thread_cores[i], t->tids[i],
			       slots + i * thread_slot_size(), &th[i]);
		if (ret)
			return ret;
	}
	if (t->nr_threads)
		pr_info("%zu threads will be cloned by the restorer\n", t->nr_threads);
	return 0;
}

static void explain(pid_t who, int status, const char *what)
{
	if (WIFEXITED(status))
		pr_err("%s %d exited with %d while it was restored; see the \"pie:\" lines "
		       "above\n",
		       what, who, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		pr_err("%s %d was killed by signal %d while it was restored\n", what, who,
		       WTERMSIG(status));
	else
		pr_err("%s %d stopped unexpectedly (status %#x) while it was restored\n", what, who,
		       status);
}

static bool is_sigstop(int status)
{
	return WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP && !(status >> 16);
}

static int resume(pid_t who)
{
	if (ptrace(PTRACE_CONT, who, 0, 0)) {
		pr_perror("Can't resume %d", who);
		return -errno;
	}
	return 0;
}

/* One event of a thread (not the leader): born, or stopped before its sigreturn. */
static int thread_event(struct rst_thread_wait *w, size_t i, int status)
{
	pid_t tid = w->tids[i];

	if (w->state[i] == RST_THR_UNBORN && WIFSTOPPED(status) &&
	    (status >> 16) == PTRACE_EVENT_STOP) {
		w->state[i] = RST_THR_RUNNING;
		return resume(tid);
	}
	if (w->state[i] == RST_THR_RUNNING && is_sigstop(status)) {
		w->state[i] = RST_THR_STOPPED;
		w->nr_stopped++;
		return 0;
	}
	explain(tid, status, "Thread");
	return -ECHILD;
}

int rst_threads_event(struct rst_thread_wait *w, pid_t who, int status)
{
	size_t i;

	if (who == w->pid) {
		/* the leader cloned a thread: its child starts in its own event stop */
		if (WIFSTOPPED(status) && (status >> 8) == (SIGTRAP | (PTRACE_EVENT_CLONE << 8)))
			return rst_threads_cloned(w);
		/* the leader's stop before its first clone (each, by_last_pid) */
		if (w->nr && (w->retrying || w->clone_stops < (w->by_last_pid ? w->nr : 1)) &&
		    is_sigstop(status))
			return rst_threads_before_clone(w);
		w->leader_status = status;
		w->leader_done = true;
		return 0;
	}
	for (i = 0; i < w->nr; i++)
		if (w->tids[i] == who)
			return thread_event(w, i, status);
	pr_err("Unexpected wait status %#x of task %d while task %d was restored\n", status, who,
	       w->pid);
	return -ECHILD;
}

bool rst_threads_all_stopped(const struct rst_thread_wait *w)
{
	if (!w->leader_done)
		return false;
	/* a leader that did not reach its stop: the caller explains */
	return !is_sigstop(w->leader_status) || w->nr_stopped == w->nr;
}

int rst_threads_wait_restorer(pid_t pid, const pid_t *tids, size_t nr, long opts,
			      int *leader_status)
{
	struct rst_thread_wait w = { .pid = pid, .tids = tids, .nr = nr, .opts = opts };
	int status, ret = 0;
	pid_t who;

	w.state = calloc(nr + 1, 1);
	if (!w.state)
		return -ENOMEM;
	while (!ret && !rst_threads_all_stopped(&w)) {
		/* once the leader clones, its threads report too: wait for any of them */
		who = waitpid(w.tracing_clones ? -1 : pid, &status, __WALL);
		if (who < 0) {
			if (errno == EINTR)
				continue;
			pr_perror("Can't wait for task %d", pid);
			ret = -errno;
			break;
		}
		ret = rst_threads_event(&w, who, status);
	}
	free(w.state);
	*leader_status = w.leader_status;
	return ret;
}

static int step_syscall(pid_t tid, long nr, struct user_regs_struct *regs)
{
	int status;

	if (ptrace(PTRACE_SYSCALL, tid, 0, 0)) {
		pr_perror("Can't resume thread %d to its sigreturn", tid);
		return -errno;
	}
	while (waitpid(tid, &status, __WALL) < 0) {
		if (errno != EINTR) {
			pr_perror("Can't wait for thread %d", tid);
			return -errno;
		}
	}
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) {
		explain(tid, status, "Thread");
		return -ECHILD;
	}
	if (ptrace(PTRACE_GETREGS, tid, 0, regs)) {
		pr_perror("Can't read thread %d's registers", tid);
		return -errno;
	}
	if ((long)regs->orig_rax != nr) {
		pr_err("Thread %d made syscall %ld where %ld was expected\n", tid,
		       (long)regs->orig_rax, nr);
		return -EPROTO;
	}
	return 0;
}

/* Into the wait the dump interrupted, with every signal held (rst_resumes_into_syscall()). */
static int enter_resumed_syscall(pid_t tid, long nr)
{
	struct user_regs_struct regs;
	uint64_t mask;
	int ret;

	ret = rst_hold_signals(tid, &mask);
	if (ret)
		return ret;
	ret = step_syscall(tid, nr, &regs);
	return rst_release_signals(tid, mask) ?: ret;
}

int rst_threads_sigreturn(const pid_t *tids, size_t nr)
{
	struct user_regs_struct entry, prog;
	size_t i;
	int ret;

	for (i = 0; i < nr; i++) {
		/* entry, then exit: rt_sigreturn sets orig_ax to -1 so that nothing restarts */
		ret = step_syscall(tids[i], NR_SIGRETURN, &entry);
		ret = ret ?: step_syscall(tids[i], -1, &prog);
		if (!ret && entry.rdi == 1)
			ret = enter_resumed_syscall(tids[i], (long)prog.rax);
		if (ret)
			return ret;
	}
	return 0;
}

int rst_threads_detach(const pid_t *tids, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (ptrace(PTRACE_DETACH, tids[i], 0, 0)) {
			pr_perror("Can't detach from the restored thread %d", tids[i]);
			return -errno;
		}
	}
	return 0;
}

/* Has tid, a thread we trace, died and been reaped (or is it not ours to wait for)? */
static bool thread_reaped(pid_t tid)
{
	int status;
	pid_t got;

	got = waitpid(tid, &status, __WALL | WNOHANG);
	if (got < 0)
		return errno != EINTR;
	return got == tid && (WIFEXITED(status) || WIFSIGNALED(status));
}

/*
 * Reap the killed threads, in whatever order they die: in the init of a pid namespace the
 * last thread to exit waits until the others are reaped (by us, their tracer) before it
 * can die itself, so waiting for one in particular could wait forever.
 */
void threads_reap_killed(const pid_t *tids, size_t nr)
{
	size_t left = nr, i;
	bool *done = calloc(nr ? nr : 1, sizeof(*done));

	while (done && left) {
		bool progress = false;

		for (i = 0; i < nr; i++) {
			if (done[i] || !thread_reaped(tids[i]))
				continue;
			done[i] = progress = true;
			left--;
		}
		if (!progress)
			usleep(1000);
	}
	free(done);
}

/* We trace every thread: each one's exit is ours to reap, the leader's comes last. */
void rst_threads_kill(pid_t pid, const pid_t *tids, size_t nr)
{
	int status;

	kill(pid, SIGKILL);
	threads_reap_killed(tids, nr);
	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
}

/*
 * The init of the tree's pid namespace, killed, waits in the kernel until every task of its
 * namespace is reaped, and those criu traces are criu's to reap first: a task born while
 * the tree was being killed, or one that init's own death kills. So every tracee that dies
 * meanwhile is reaped, one that stops is killed, until init itself is gone; a child of
 * criu's that is no task of the tree (a page server of an earlier request) could keep it
 * waiting: after KILL_WAIT_MS criu gives up, saying so.
 */
#define KILL_WAIT_MS 10000

void rst_kill_pidns_init(pid_t pid)
{
	int status, waited = 0;
	pid_t who;

	kill(pid, SIGKILL);
	while (waited < KILL_WAIT_MS) {
		who = waitpid(-1, &status, __WALL | WNOHANG);
		if (who < 0 && errno == EINTR)
			continue;
		if (who < 0)
			return; /* nothing of ours is left */
		if (who == 0) {
			/* reaped already, its exit having been the failure (restore/unhook.c):
			 * what is left is criu's own (the user namespace's helper) */
			if (kill(pid, 0) && errno == ESRCH)
				return;
			usleep(1000);
			waited++;
		} else if (WIFSTOPPED(status)) {
			kill(who, SIGKILL);
		} else if (who == pid) {
			return;
		}
	}
	pr_err("The killed init %d of the tree's pid namespace is still not gone after %d ms\n",
	       pid, KILL_WAIT_MS);
}
