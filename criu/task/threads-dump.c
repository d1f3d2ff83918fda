/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/threads-dump.c - dump of every thread of a task (see threads.h): seize them all until
 * the set is stable, read each one's registers and per-thread state, write core-TID.img,
 * and let them go again on every path.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "cgroup.h"
#include "compel/infect.h"
#include "dump.h"
#include "fpu-image.h"
#include "image.h"
#include "ns.h"
#include "log.h"
#include "proc-parse.h"
#include "proc-status.h"
#include "regs-image.h"
#include "threads.h"

#include "creds.pb-c.h"
#include "rseq.pb-c.h"
#include "siginfo.pb-c.h"

#define THR_MAX_SIGNALS 64 /* private pending signals per thread */
#define THR_COMM_LEN	16
#define THR_GONE	0 /* seize_one(): the thread exited first */
#define THR_SEIZED	1

#ifndef PTRACE_GET_RSEQ_CONFIGURATION
#define PTRACE_GET_RSEQ_CONFIGURATION 0x420f
#endif

struct thr_rseq_conf { /* struct ptrace_rseq_configuration */
	uint64_t ptr;
	uint32_t size;
	uint32_t sig;
	uint32_t flags;
	uint32_t pad;
};

struct thr_peek_args { /* struct ptrace_peeksiginfo_args */
	uint64_t off;
	uint32_t flags;
	int32_t nr;
};

struct thr_stack { /* the kernel's stack_t */
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

struct dump_thread {
	pid_t tid;
	struct compel_ctl *ctl; /* NULL for the leader: dc->ctl drives it */
	char comm[THR_COMM_LEN];
	uint64_t robust_list;
	size_t robust_len;
	struct thr_rseq_conf rseq;
	struct thr_stack sas;
	uint64_t clear_tid;
	struct proc_status st; /* credentials and seccomp */
	bool own_creds;	       /* credentials differ from the leader's */
	int nice;	       /* scheduling is per thread too */
	uint32_t policy, rt_prio;
	uint8_t siginfo[THR_MAX_SIGNALS][SIGINFO_SIZE];
	size_t nr_sig;
};

struct dump_threads {
	struct dump_thread *t; /* t[0] is the leader */
	size_t nr;
	pid_t *seen; /* every tid met while seizing, seized or gone */
	size_t nr_seen;
	uint32_t *ids;
	RseqEntry leader_rseq;
	const CredsEntry *leader_creds; /* in the leader's core, written first */
};

static struct dump_thread *add_thread(struct dump_threads *dt, pid_t tid)
{
	struct dump_thread *t;

	if (ARRAY_ADD_ROOM(dt->t, dt->nr))
		return NULL;
	t = &dt->t[dt->nr++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	return t;
}

static int note_seen(struct dump_threads *dt, pid_t tid)
{
	if (ARRAY_ADD_ROOM(dt->seen, dt->nr_seen))
		return -ENOMEM;
	dt->seen[dt->nr_seen++] = tid;
	return 0;
}

static bool was_seen(const struct dump_threads *dt, pid_t tid)
{
	size_t i;

	for (i = 0; i < dt->nr_seen; i++)
		if (dt->seen[i] == tid)
			return true;
	return false;
}

/* Wait for the interrupt stop of a freshly seized thread; pending signals go through. */
static int wait_thread_stop(pid_t tid)
{
	int status;

	for (;;) {
		if (waitpid(tid, &status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			pr_perror("Can't wait for thread %d", tid);
			return -errno;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return THR_GONE;
		if (!WIFSTOPPED(status)) {
			pr_err("Thread %d: unexpected wait status %#x after seize\n", tid, status);
			return -EIO;
		}
		if ((status >> 16) == PTRACE_EVENT_STOP)
			return THR_SEIZED;
		if (ptrace(PTRACE_CONT, tid, NULL, (void *)(long)WSTOPSIG(status))) {
			pr_perror("Can't resume thread %d with its signal", tid);
			return -errno;
		}
	}
}

/* A thread that exited meanwhile is not an error: it is gone and needs no dump. */
static int seize_one(pid_t tid)
{
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_SUSPEND_SECCOMP;
	int ret;

	if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)opts) &&
	    (errno != EPERM ||
	     ptrace(PTRACE_SEIZE, tid, NULL, (void *)(opts & ~PTRACE_O_SUSPEND_SECCOMP)))) {
		ret = -errno;
		/* seized while its cgroup v1 freezer held it (cgroup/freeze.c): its stop comes */
		if (ret == -EPERM && compel_seized_by_us(tid))
			return wait_thread_stop(tid);
		if (ret == -ESRCH || kill(tid, 0))
			return THR_GONE;
		pr_perror("Can't seize thread %d", tid);
		return ret;
	}
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL)) {
		ret = -errno;
		if (ret == -ESRCH)
			return wait_thread_stop(tid) == THR_GONE ? THR_GONE : ret;
		pr_perror("Can't interrupt thread %d", tid);
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		return ret;
	}
	ret = wait_thread_stop(tid);
	if (ret < 0)
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
	return ret;
}

/* One pass over /proc/PID/task; *found counts tids not met before. */
static int seize_pass(struct dump_ctx *dc, struct dump_threads *dt, int *found)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", dc->pid);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't list the threads of task %d in %s", dc->pid, path);
		return -errno;
	}
	*found = 0;
	while (!ret && (de = readdir(d))) {
		pid_t tid = atoi(de->d_name);

		if (tid <= 0 || was_seen(dt, tid))
			continue;
		(*found)++;
		ret = note_seen(dt, tid);
		if (!ret)
			ret = seize_one(tid);
		if (ret == THR_GONE)
			pr_info("Thread %d of task %d exited while being seized\n", tid, dc->pid);
		else if (ret == THR_SEIZED)
			ret = add_thread(dt, tid) ? 0 : -ENOMEM;
		ret = ret > 0 ? 0 : ret;
	}
	closedir(d);
	return ret;
}

int threads_seize(struct dump_ctx *dc)
{
	struct dump_threads *dt = calloc(1, sizeof(*dt));
	int found, ret, passes = 0;

	if (!dt)
		return -ENOMEM;
	dc->thr = dt;
	if (!add_thread(dt, dc->pid) || note_seen(dt, dc->pid))
		return -ENOMEM;
	/* Seized threads are stopped and create nothing: a pass with nothing new ends it. */
	do {
		ret = seize_pass(dc, dt, &found);
		passes++;
	} while (!ret && found);
	if (!ret)
		pr_info("Task %d: %zu threads seized in %d passes\n", dc->pid, dt->nr, passes);
	return ret;
}

static int read_comm(pid_t pid, pid_t tid, char *comm)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	n = read(fd, comm, THR_COMM_LEN - 1);
	close(fd);
	if (n < 0) {
		pr_perror("Can't read %s", path);
		return -EIO;
	}
	comm[n] = 0;
	if (n && comm[n - 1] == '\n')
		comm[n - 1] = 0;
	return 0;
}

/* Scheduling is per thread: nice, rt_priority and policy of /proc/PID/task/TID/stat. */
static int read_sched(pid_t pid, struct dump_thread *t)
{
	struct proc_stat st;
	int ret;

	ret = parse_proc_task_stat(pid, t->tid, &st);
	if (ret)
		return ret;
	t->nice = st.nice;
	t->rt_prio = st.rt_priority;
	t->policy = st.policy;
	return 0;
}

/*
 * Credentials and seccomp of each thread (Seccomp_filters is optional, see proc-status.h:
 * without it only the modes are compared).
 */
#define THR_STATUS_FIELDS (PS_CREDS | PS_F(PS_SECCOMP) | PS_F(PS_SECCOMP_FILTERS))

static int peek_private(struct dump_thread *t)
{
	struct thr_peek_args args = { .flags = 0, .nr = 1 };
	long n;

	for (t->nr_sig = 0;; t->nr_sig++) {
		if (t->nr_sig == THR_MAX_SIGNALS) {
			pr_err("Thread %d has more than %d private pending signals: not "
			       "supported\n",
			       t->tid, THR_MAX_SIGNALS);
			return -EOPNOTSUPP;
		}
		args.off = t->nr_sig;
		n = ptrace(PTRACE_PEEKSIGINFO, t->tid, &args, t->siginfo[t->nr_sig]);
		if (n < 0) {
			pr_perror("Can't read the pending signals of thread %d", t->tid);
			return -errno;
		}
		if (n == 0)
			return 0;
	}
}

static int read_rseq(struct dump_thread *t)
{
	long n;

	n = ptrace(PTRACE_GET_RSEQ_CONFIGURATION, t->tid, (void *)sizeof(t->rseq), &t->rseq);
	if (n < 0) {
		pr_perror("Can't read the rseq registration of thread %d (kernel 5.13+ "
			  "has PTRACE_GET_RSEQ_CONFIGURATION)",
			  t->tid);
		return -errno;
	}
	if (t->rseq.ptr && t->rseq.flags) {
		pr_err("Thread %d: rseq registered with flags %#x: not supported\n", t->tid,
		       t->rseq.flags);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int read_robust_list(struct dump_thread *t)
{
	void *head;

	if (syscall(SYS_get_robust_list, t->tid, &head, &t->robust_len)) {
		pr_perror("Can't read the robust futex list of thread %d", t->tid);
		return -errno;
	}
	t->robust_list = (uint64_t)(uintptr_t)head;
	return 0;
}

/* Threads may differ in credentials (kept per thread) but not in seccomp filters. */
static int compare_with_leader(struct dump_ctx *dc, struct dump_thread *t)
{
	const struct proc_status *l = &dc->thr->t[0].st, *s = &t->st;

	if (l->seccomp != s->seccomp || l->seccomp_filters != s->seccomp_filters) {
		pr_err("Thread %d of task %d has seccomp mode %u with %u filters, the leader "
		       "mode %u with %u: threads with different seccomp filters are not "
		       "supported\n",
		       t->tid, dc->pid, s->seccomp, s->seccomp_filters, l->seccomp,
		       l->seccomp_filters);
		return -EOPNOTSUPP;
	}
	t->own_creds = memcmp(l->uid, s->uid, sizeof(l->uid)) ||
		       memcmp(l->gid, s->gid, sizeof(l->gid)) || l->cap_inh != s->cap_inh ||
		       l->cap_prm != s->cap_prm || l->cap_eff != s->cap_eff ||
		       l->cap_bnd != s->cap_bnd || l->cap_amb != s->cap_amb ||
		       l->nr_groups != s->nr_groups ||
		       memcmp(l->groups, s->groups, l->nr_groups * sizeof(l->groups[0]));
	if (t->own_creds)
		pr_info("Thread %d has credentials of its own (uid %u, gid %u)\n", t->tid,
			s->uid[1], s->gid[1]);
	return 0;
}

int threads_leader_rseq(const struct dump_ctx *dc, uint64_t *start, uint64_t *len)
{
	size_t i;

	for (i = 0; dc->thr && i < dc->thr->nr; i++)
		if (dc->thr->t[i].tid == dc->pid && dc->thr->t[i].rseq.size) {
			*start = dc->thr->t[i].rseq.ptr;
			*len = dc->thr->t[i].rseq.size;
			return 0;
		}
	return -ENOENT;
}

const struct compel_ctl *threads_any_ctl(const struct dump_ctx *dc)
{
	size_t i;

	for (i = 0; dc->thr && i < dc->thr->nr; i++)
		if (dc->thr->t[i].ctl)
			return dc->thr->t[i].ctl;
	return NULL;
}

static int collect_one(struct dump_ctx *dc, struct dump_thread *t)
{
	const struct compel_ctl *sibling;
	int ret;

	ret = parse_proc_status(dc->pid, t->tid, THR_STATUS_FIELDS, &t->st);
	ret = ret ?: read_rseq(t);
	if (ret || t->tid == dc->pid)
		return ret; /* the rest of the leader comes with the task */
	/* the threads share an address space: only the first reads its maps */
	sibling = threads_any_ctl(dc);
	t->ctl = sibling ? compel_prepare_thread(t->tid, sibling) : compel_prepare(t->tid);
	if (!t->ctl) {
		pr_err("Can't read the registers of thread %d\n", t->tid);
		return -EIO;
	}
	ret = read_comm(dc->pid, t->tid, t->comm);
	ret = ret ?: read_sched(dc->pid, t);
	ret = ret ?: read_robust_list(t);
	return ret ?: compare_with_leader(dc, t);
}

int threads_collect(struct dump_ctx *dc)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < dc->thr->nr && !ret; i++)
		ret = collect_one(dc, &dc->thr->t[i]);
	return ret;
}

/*
 * sigaltstack() and PR_GET_TID_ADDRESS answer only for the calling thread: run them in
 * the thread (compel blocks every signal meanwhile, so none is dequeued, and puts the mask
 * back). Out-params go to the leader's idle parasite args area.
 * The private signals are peeked last, after the parasite read the timers: a timer that
 * expires in between then is both re-armed and pending, never lost.
 */
static int remote_one(struct dump_ctx *dc, struct dump_thread *t)
{
	unsigned long remote = compel_parasite_args_remote(dc->ctl);
	void *local = compel_parasite_args(dc->ctl);
	long res;
	int ret;

	ret = compel_syscall(t->ctl, SYS_sigaltstack, &res, 0, remote, 0, 0, 0, 0);
	if (!ret && res)
		ret = (int)res;
	if (ret) {
		pr_err("Can't read the sigaltstack of thread %d: %d\n", t->tid, ret);
		return ret;
	}
	memcpy(&t->sas, local, sizeof(t->sas));
	ret = compel_syscall(t->ctl, SYS_prctl, &res, PR_GET_TID_ADDRESS, remote, 0, 0, 0, 0);
	if (!ret && res)
		ret = (int)res;
	if (ret) {
		pr_err("Can't read clear_child_tid of thread %d: %d\n", t->tid, ret);
		return ret;
	}
	memcpy(&t->clear_tid, local, sizeof(t->clear_tid));
	return peek_private(t);
}

int threads_collect_remote(struct dump_ctx *dc)
{
	size_t i;
	int ret = 0;

	for (i = 1; i < dc->thr->nr && !ret; i++)
		ret = remote_one(dc, &dc->thr->t[i]);
	return ret;
}

static void fill_rseq(RseqEntry *re, const struct thr_rseq_conf *c)
{
	rseq_entry__init(re);
	re->rseq_abi_pointer = c->ptr;
	re->rseq_abi_size = c->size;
	re->signature = c->sig;
}

void threads_fill_leader_core(struct dump_ctx *dc, CoreEntry *core)
{
	const struct thr_rseq_conf *c = &dc->thr->t[0].rseq;

	dc->thr->leader_creds = core->thread_core->creds;
	if (!c->ptr)
		return;
	fill_rseq(&dc->thr->leader_rseq, c);
	core->thread_core->rseq_entry = &dc->thr->leader_rseq;
}

uint32_t *threads_ids(struct dump_ctx *dc, size_t *nr)
{
	struct dump_threads *dt = dc->thr;
	size_t i;

	free(dt->ids);
	dt->ids = malloc(dt->nr * sizeof(*dt->ids));
	if (!dt->ids)
		return NULL;
	for (i = 0; i < dt->nr; i++)
		dt->ids[i] = dt->t[i].tid;
	*nr = dt->nr;
	return dt->ids;
}

/* Storage for one thread's core entry while it is packed. */
struct thr_core_buf {
	CoreEntry core;
	ThreadInfoX86 ti;
	UserX86RegsEntry gpregs;
	UserX86FpregsEntry fpregs;
	struct fpu_image_storage fpstor;
	ThreadCoreEntry thc;
	ThreadSasEntry sas;
	RseqEntry rseq;
	SignalQueueEntry sq;
	SiginfoEntry sie[THR_MAX_SIGNALS];
	SiginfoEntry *sie_ptrs[THR_MAX_SIGNALS];
	CredsEntry creds;
	uint32_t caps[5][2];
};

/*
 * Every thread's core carries its credentials, as CRIU writes them: the leader's entry
 * (securebits, no_new_privs) with this thread's ids, capability sets and groups.
 */
static int fill_thread_creds(struct dump_ctx *dc, struct dump_thread *t, struct thr_core_buf *b)
{
	CredsEntry *c = &b->creds;
	const struct proc_status *st = &t->st;

	if (!dc->thr->leader_creds) {
		pr_err("Thread %d: the leader's credentials are missing\n", t->tid);
		return -EINVAL;
	}
	*c = *dc->thr->leader_creds;
	task_creds_from_status(st, b->caps, c);
	b->thc.creds = c;
	/* in the tree's user namespace: the ids as the thread sees them, as the leader's */
	return ns_dump_creds(dc->tree, t->tid, c);
}

static void fill_thread_core(struct dump_thread *t, struct thr_core_buf *b)
{
	ThreadCoreEntry *thc = &b->thc;

	thread_core_entry__init(thc);
	thc->futex_rla = t->robust_list;
	thc->futex_rla_len = t->robust_len;
	thc->has_blk_sigset = 1;
	thc->blk_sigset = compel_orig_sigmask(t->ctl);
	thread_sas_entry__init(&b->sas);
	b->sas.ss_sp = t->sas.sp;
	b->sas.ss_size = t->sas.size;
	b->sas.ss_flags = t->sas.flags;
	thc->sas = &b->sas;
	thc->comm = t->comm;
	thc->has_sched_nice = thc->has_sched_policy = thc->has_sched_prio = 1;
	thc->sched_nice = t->nice;
	thc->sched_policy = t->policy;
	thc->sched_prio = t->rt_prio;
	task_state_pack_queue(&b->sq, b->sie, b->sie_ptrs, t->siginfo, t->nr_sig);
	thc->signals_p = &b->sq;
	thc->has_seccomp_mode = 1;
	thc->seccomp_mode = t->st.seccomp;
	if (t->rseq.ptr) {
		fill_rseq(&b->rseq, &t->rseq);
		thc->rseq_entry = &b->rseq;
	}
}

static int write_thread_core(struct dump_ctx *dc, struct dump_thread *t, struct thr_core_buf *b)
{
	const void *xsave;
	struct cr_img *img;
	size_t xsize;
	int ret;

	memset(b, 0, sizeof(*b));
	core_entry__init(&b->core);
	thread_info_x86__init(&b->ti);
	regs_to_image(&b->gpregs, compel_orig_regs(t->ctl));
	xsave = compel_orig_xsave(t->ctl, &xsize);
	ret = fpu_image_from_xsave(&b->fpregs, &b->fpstor, xsave, xsize);
	if (ret)
		return ret;
	b->ti.clear_tid_addr = t->clear_tid;
	b->ti.gpregs = &b->gpregs;
	b->ti.fpregs = &b->fpregs;
	fill_thread_core(t, b);
	ret = fill_thread_creds(dc, t, b);
	if (ret)
		return ret;
	b->core.mtype = CORE_ENTRY__MARCH__X86_64;
	b->core.thread_info = &b->ti;
	b->core.thread_core = &b->thc;
	cg_fill_thread_core(dc, t->tid, &b->core);

	img = open_image_at(dc->dfd, CR_FD_CORE, O_DUMP, ns_dump_img_pid(dc->tree, t->tid));
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &b->core.base);
	return close_image(img) ?: ret;
}

int threads_write_cores(struct dump_ctx *dc)
{
	struct thr_core_buf *b = malloc(sizeof(*b));
	size_t i;
	int ret = 0;

	if (!b)
		return -ENOMEM;
	for (i = 1; i < dc->thr->nr && !ret; i++)
		ret = write_thread_core(dc, &dc->thr->t[i], b);
	free(b);
	return ret;
}

int threads_cure(struct dump_ctx *dc)
{
	size_t i;
	int ret = 0, err;

	if (!dc->thr)
		return 0;
	for (i = 1; i < dc->thr->nr; i++) {
		if (!dc->thr->t[i].ctl)
			continue;
		err = compel_cure(dc->thr->t[i].ctl);
		if (err) {
			pr_err("Can't cure thread %d: %d\n", dc->thr->t[i].tid, err);
			ret = ret ?: err;
		}
	}
	return ret;
}

int threads_group_stop_sig(const struct dump_ctx *dc)
{
	size_t i;
	int sig = 0;

	for (i = 1; dc->thr && i < dc->thr->nr && !sig; i++)
		if (dc->thr->t[i].ctl)
			sig = compel_group_stop_sig(dc->thr->t[i].ctl);
	return sig;
}

/* SIGKILL kills the whole task; we trace every thread, so each exit is ours to reap. */
static void reap_thread(pid_t tid)
{
	int status;

	for (;;) {
		if (waitpid(tid, &status, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return;
	}
}

void threads_release(struct dump_ctx *dc, int mode)
{
	struct dump_threads *dt = dc->thr;
	size_t i;

	if (!dt || dt->nr < 2)
		return;
	if (mode == COMPEL_RELEASE_KILL) {
		pid_t *tids = malloc((dt->nr - 1) * sizeof(*tids));

		if (kill(dc->pid, SIGKILL))
			pr_perror("Can't kill task %d", dc->pid);
		for (i = 1; tids && i < dt->nr; i++)
			tids[i - 1] = dt->t[i].tid;
		for (i = 1; !tids && i < dt->nr; i++)
			reap_thread(dt->t[i].tid); /* no memory: in order, as best we can */
		if (tids)
			threads_reap_killed(tids, dt->nr - 1);
		free(tids);
		return;
	}
	/* the group stop must be queued before any thread runs again */
	if ((mode == COMPEL_RELEASE_STOP || dc->seize_state == COMPEL_TASK_STOPPED) &&
	    kill(dc->pid, SIGSTOP))
		pr_perror("Can't stop task %d", dc->pid);
	for (i = 1; i < dt->nr; i++)
		if (ptrace(PTRACE_DETACH, dt->t[i].tid, NULL, NULL))
			pr_perror("Can't detach from thread %d", dt->t[i].tid);
}

void threads_free(struct dump_ctx *dc)
{
	struct dump_threads *dt = dc->thr;
	size_t i;

	if (!dt)
		return;
	for (i = 1; i < dt->nr; i++)
		if (dt->t[i].ctl)
			compel_free(dt->t[i].ctl);
	free(dt->t);
	free(dt->seen);
	free(dt->ids);
	free(dt);
	dc->thr = NULL;
}
