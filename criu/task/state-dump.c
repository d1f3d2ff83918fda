/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/state-dump.c - dump of the per-task state besides memory and files (see task-state.h):
 * pending signals (PTRACE_PEEKSIGINFO reads the kernel's queues, not the task's memory),
 * seccomp filters (PTRACE_SECCOMP_GET_FILTER), credentials (/proc/PID/status), POSIX timer
 * ids (/proc/PID/timers), oom_score_adj and loginuid; and through the parasite the timers'
 * values, rlimits, securebits, prctl flags and scheduling.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "array.h"
#include "compel/infect.h"
#include "dump.h"
#include "image.h"
#include "ns.h"
#include "log.h"
#include "ns.h"
#include "proc-parse.h"
#include "proc-status.h"
#include "task-attrs.h"
#include "task-state.h"
#include "vma-status.h"
#include "threads.h"

#include "creds.pb-c.h"
#include "rlimit.pb-c.h"
#include "seccomp.pb-c.h"
#include "siginfo.pb-c.h"
#include "timer.pb-c.h"

#define TS_MAX_SIGNALS	    128 /* private + shared; include/abi/restorer-task.h has the same */
#define TS_MAX_FILTERS	    32
#define TS_MAX_FILTER_INSNS 8192
#define TS_CAP_WORDS	    2

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#ifndef PTRACE_SECCOMP_GET_METADATA
#define PTRACE_SECCOMP_GET_METADATA 0x420d
#endif
#define TS_PEEK_SHARED		1 /* PTRACE_PEEKSIGINFO_SHARED */
#define TS_FILTER_FLAG_LISTENER 8 /* SECCOMP_FILTER_FLAG_NEW_LISTENER */

struct ts_peek_args {
	uint64_t off;
	uint32_t flags;
	int32_t nr;
};

struct ts_seccomp_md {
	uint64_t filter_off;
	uint64_t flags;
};

struct task_state {
	/* signals: [0, nr_p) private, [nr_p, nr_p + nr_s) shared */
	uint8_t siginfo[TS_MAX_SIGNALS][SIGINFO_SIZE];
	size_t nr_p, nr_s;
	SiginfoEntry sie[TS_MAX_SIGNALS];
	SiginfoEntry *sie_ptrs[TS_MAX_SIGNALS];
	SignalQueueEntry sq_p, sq_s;

	struct proc_status st;
	CredsEntry creds;
	uint32_t caps[5][TS_CAP_WORDS];

	/* seccomp, oldest filter first */
	SeccompFilter filters[TS_MAX_FILTERS];
	SeccompFilter *filter_ptrs[TS_MAX_FILTERS];
	struct sock_filter *insns;
	size_t nr_filters, nr_insns;

	/* POSIX timers from /proc/PID/timers, values from the parasite */
	PosixTimerEntry posix[PARASITE_MAX_TIMERS];
	PosixTimerEntry *posix_ptrs[PARASITE_MAX_TIMERS];
	size_t nr_posix;
	ItimerEntry itimers[PARASITE_NR_ITIMERS];
	TaskTimersEntry timers;

	RlimitEntry rlim[PARASITE_NR_RLIMITS];
	RlimitEntry *rlim_ptrs[PARASITE_NR_RLIMITS];
	TaskRlimitsEntry rlimits;

	struct parasite_task_extra px;
	int has_px;
	struct task_attrs attrs;
	int32_t oom_score_adj;
	uint32_t loginuid;
	int has_loginuid;
};

/* Peek one queue of the stopped task into ts->siginfo from index *nr on. */
static int peek_queue(pid_t pid, uint32_t flags, struct task_state *ts, size_t *nr, size_t base)
{
	struct ts_peek_args args = { .flags = flags, .nr = 1 };
	long n;

	for (;;) {
		if (base + *nr >= TS_MAX_SIGNALS) {
			pr_err("Task %d has more than %d pending signals: not supported\n", pid,
			       TS_MAX_SIGNALS);
			return -EOPNOTSUPP;
		}
		args.off = *nr;
		n = ptrace(PTRACE_PEEKSIGINFO, pid, &args, ts->siginfo[base + *nr]);
		if (n < 0) {
			pr_perror("Can't read the pending signals of task %d", pid);
			return -errno;
		}
		if (n == 0)
			return 0;
		(*nr)++;
	}
}

/*
 * Does a queued signal stop the task once it runs? SIGSTOP always; the job-control ones when
 * their action is the default and they are not blocked (a blocked one stays queued).
 */
static bool stops_task(const struct dump_ctx *dc, int sig)
{
	uint64_t blocked = compel_orig_sigmask(dc->ctl);

	if (sig == SIGSTOP)
		return true;
	if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
		return false;
	return !dc->pst.sigacts[sig - 1].handler && !(blocked & (1ULL << (sig - 1)));
}

/*
 * A stop signal that came while the tree was seized (compel holds it back and queues it
 * again at cure) has not stopped the task yet. Queued again by the restorer it would stop
 * the task inside it: take it out of the queue and restore the task stopped by it instead.
 */
static void take_stop_signals(struct dump_ctx *dc, struct task_state *ts)
{
	size_t i, kept = 0, nr = ts->nr_p + ts->nr_s, nr_p = ts->nr_p;

	for (i = 0; i < nr; i++) {
		int sig;

		memcpy(&sig, ts->siginfo[i], sizeof(sig)); /* si_signo comes first */
		if (stops_task(dc, sig)) {
			pr_info("Task %d has stop signal %d queued: dumped stopped\n", dc->pid,
				sig);
			if (!dc->stop_signo)
				dc->stop_signo = sig;
			if (i < nr_p)
				ts->nr_p--;
			else
				ts->nr_s--;
			continue;
		}
		if (kept != i)
			memcpy(ts->siginfo[kept], ts->siginfo[i], SIGINFO_SIZE);
		kept++;
	}
}

/*
 * A SIGSTOP that came while compel drove the task went through (it can't be blocked, and
 * must hold even if criu dies): the task is in group stop now. Restore it stopped too.
 */
static void take_group_stop(struct dump_ctx *dc)
{
	int sig = compel_group_stop_sig(dc->ctl) ?: threads_group_stop_sig(dc);

	if (!sig || dc->stop_signo)
		return;
	pr_info("Task %d entered a group stop (signal %d) while seized: dumped stopped\n", dc->pid,
		sig);
	dc->stop_signo = sig;
}

static int collect_signals(struct dump_ctx *dc, struct task_state *ts)
{
	pid_t pid = dc->pid;
	int ret;

	ret = peek_queue(pid, 0, ts, &ts->nr_p, 0);
	if (!ret)
		ret = peek_queue(pid, TS_PEEK_SHARED, ts, &ts->nr_s, ts->nr_p);
	if (!ret) {
		take_group_stop(dc);
		take_stop_signals(dc, ts);
	}
	if (!ret && ts->nr_p + ts->nr_s)
		pr_info("Task %d: %zu private and %zu shared pending signals\n", pid, ts->nr_p,
			ts->nr_s);
	return ret;
}

/* Credentials, no_new_privs and the seccomp mode; CapAmb is optional (see proc-status.h). */
#define TS_STATUS_FIELDS (PS_CREDS | PS_F(PS_NO_NEW_PRIVS) | PS_F(PS_SECCOMP))

static int get_filter(pid_t pid, long idx, struct task_state *ts, SeccompFilter *sf)
{
	struct ts_seccomp_md md = { .filter_off = idx };
	long n;

	n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)idx, NULL);
	if (n < 0)
		return -errno;
	if (ts->nr_insns + n > TS_MAX_FILTER_INSNS) {
		pr_err("Task %d: seccomp filters longer than %d instructions: not supported\n", pid,
		       TS_MAX_FILTER_INSNS);
		return -EOPNOTSUPP;
	}
	if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)idx, ts->insns + ts->nr_insns) != n) {
		pr_perror("Can't read seccomp filter %ld of task %d", idx, pid);
		return -EIO;
	}
	seccomp_filter__init(sf);
	sf->filter.data = (uint8_t *)(ts->insns + ts->nr_insns);
	sf->filter.len = n * sizeof(struct sock_filter);
	ts->nr_insns += n;
	if (ptrace(PTRACE_SECCOMP_GET_METADATA, pid, (void *)sizeof(md), &md) == sizeof(md)) {
		if (md.flags & TS_FILTER_FLAG_LISTENER) {
			pr_err("Task %d has a seccomp filter with a user notifier: not supported\n",
			       pid);
			return -EOPNOTSUPP;
		}
		sf->has_flags = 1;
		sf->flags = md.flags;
	}
	return 0;
}

/* The kernel numbers filters from the newest (0); the image lists them oldest first. */
static int collect_seccomp(pid_t pid, struct task_state *ts)
{
	SeccompFilter tmp[TS_MAX_FILTERS];
	size_t n = 0, i;
	int ret;

	if (ts->st.seccomp != 2)
		return 0;
	ts->insns = calloc(TS_MAX_FILTER_INSNS, sizeof(*ts->insns));
	if (!ts->insns)
		return -ENOMEM;
	for (;;) {
		if (n == TS_MAX_FILTERS) {
			pr_err("Task %d has more than %d seccomp filters: not supported\n", pid,
			       TS_MAX_FILTERS);
			return -EOPNOTSUPP;
		}
		ret = get_filter(pid, n, ts, &tmp[n]);
		if (ret == -ENOENT)
			break;
		if (ret == -EACCES || ret == -EPERM || ret == -EINVAL) {
			pr_err("Can't read the seccomp filters of task %d (%s): criu needs "
			       "CAP_SYS_ADMIN and a kernel with CONFIG_CHECKPOINT_RESTORE\n",
			       pid, strerror(-ret));
			return ret;
		}
		if (ret)
			return ret;
		n++;
	}
	for (i = 0; i < n; i++) {
		ts->filters[i] = tmp[n - 1 - i];
		if (i) {
			ts->filters[i].has_prev = 1;
			ts->filters[i].prev = i - 1;
		}
		ts->filter_ptrs[i] = &ts->filters[i];
	}
	ts->nr_filters = n;
	pr_info("Task %d: %zu seccomp filters, %zu instructions\n", pid, n, ts->nr_insns);
	return 0;
}

static int read_proc_int(pid_t pid, const char *name, int64_t min, int64_t max, int64_t *val)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	return read_proc_number(path, min, max, val);
}

/* The ids and notification of the task's POSIX timers; their values come from the parasite. */
static int collect_timer_ids(const struct dump_ctx *dc, struct task_state *ts)
{
	pid_t pid = dc->pid;
	struct proc_posix_timer *pt;
	size_t nr, i;
	int ret;

	ret = parse_proc_timers(pid, &pt, &nr);
	if (ret)
		return ret;
	if (nr > PARASITE_MAX_TIMERS) {
		pr_err("Task %d has more than %d POSIX timers: not supported\n", pid,
		       PARASITE_MAX_TIMERS);
		free(pt);
		return -EOPNOTSUPP;
	}
	for (i = 0; i < nr; i++) {
		PosixTimerEntry *e = &ts->posix[i];

		posix_timer_entry__init(e);
		e->it_id = pt[i].id;
		e->si_signo = pt[i].signo;
		e->sival_ptr = pt[i].sival;
		e->it_sigev_notify = pt[i].notify;
		if (pt[i].notify & SIGEV_THREAD_ID) {
			e->has_notify_thread_id = 1;
			/* criu's /proc names the thread in criu's view */
			e->notify_thread_id = ns_dump_img_pid(dc->tree, pt[i].notify_pid);
		}
		e->clock_id = pt[i].clock_id;
		ts->posix_ptrs[i] = e;
	}
	ts->nr_posix = nr;
	free(pt);
	return 0;
}

static int collect_misc(pid_t pid, struct task_state *ts)
{
	char path[64];
	int64_t v;
	int ret;

	ret = read_proc_int(pid, "oom_score_adj", -1000, 1000, &v);
	if (ret)
		return ret;
	ts->oom_score_adj = v;
	/* no audit: no loginuid file; an unset one reads as 4294967295 ((uid_t)-1) */
	snprintf(path, sizeof(path), "/proc/%d/loginuid", pid);
	if (access(path, F_OK) == 0) {
		ret = read_proc_int(pid, "loginuid", 0, UINT32_MAX, &v);
		if (ret)
			return ret;
		ts->has_loginuid = 1;
		ts->loginuid = v;
	}
	return task_attrs_collect(pid, &ts->attrs);
}

int task_state_collect_proc(struct dump_ctx *dc)
{
	struct task_state *ts;
	int ret;

	ts = calloc(1, sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	dc->ts = ts;
	ret = parse_proc_status(dc->pid, 0, TS_STATUS_FIELDS, &ts->st);
	ret = ret ?: collect_seccomp(dc->pid, ts);
	ret = ret ?: collect_timer_ids(dc, ts);
	return ret ?: collect_misc(dc->pid, ts);
}

/*
 * Last, once the parasite is gone: a timer that fired while we read the timers or the pages
 * left its signal in a queue, and only a peek after that finds it.
 */
int task_state_collect_signals(struct dump_ctx *dc)
{
	return collect_signals(dc, dc->ts);
}

int task_state_collect_parasite(struct dump_ctx *dc)
{
	struct task_state *ts = dc->ts;
	struct parasite_task_extra *x = compel_parasite_args(dc->ctl);
	size_t i;
	int ret;

	memset(x, 0, sizeof(*x));
	x->nr_posix = ts->nr_posix;
	for (i = 0; i < ts->nr_posix; i++)
		x->posix[i].id = ts->posix[i].it_id;
	ret = compel_rpc_call_sync(dc->ctl, PARASITE_CMD_DUMP_TASK_EXTRA);
	if (ret) {
		pr_err("The parasite failed to read timers, rlimits and attributes: %d\n", ret);
		return ret;
	}
	memcpy(&ts->px, x, sizeof(ts->px));
	ts->has_px = 1;
	ts->attrs.timerslack_ns = ts->px.timerslack_ns;
	ts->attrs.membarrier_mask = ts->px.membarrier_mask;
	dc->mm.has_dumpable = 1;
	dc->mm.dumpable = ts->px.dumpable;
	dc->mm.has_thp_disabled = 1;
	dc->mm.thp_disabled = !!ts->px.thp_disabled;
	return 0;
}

void task_state_pack_queue(SignalQueueEntry *q, SiginfoEntry *sie, SiginfoEntry **ptrs,
			   uint8_t (*raw)[SIGINFO_SIZE], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		siginfo_entry__init(&sie[i]);
		sie[i].siginfo.data = raw[i];
		sie[i].siginfo.len = SIGINFO_SIZE;
		ptrs[i] = &sie[i];
	}
	signal_queue_entry__init(q);
	q->n_signals = n;
	q->signals = ptrs;
}

static void fill_signals(struct task_state *ts, CoreEntry *core)
{
	task_state_pack_queue(&ts->sq_p, ts->sie, ts->sie_ptrs, ts->siginfo, ts->nr_p);
	task_state_pack_queue(&ts->sq_s, ts->sie + ts->nr_p, ts->sie_ptrs + ts->nr_p,
			      ts->siginfo + ts->nr_p, ts->nr_s);
	core->thread_core->signals_p = &ts->sq_p;
	core->tc->signals_s = &ts->sq_s;
}

static void split_caps(uint32_t *w, uint64_t v, uint32_t **out, size_t *n)
{
	w[0] = (uint32_t)v;
	w[1] = (uint32_t)(v >> 32);
	*out = w;
	*n = TS_CAP_WORDS;
}

void task_creds_from_status(const struct proc_status *st, uint32_t caps[5][2], CredsEntry *c)
{
	c->uid = st->uid[0];
	c->euid = st->uid[1];
	c->suid = st->uid[2];
	c->fsuid = st->uid[3];
	c->gid = st->gid[0];
	c->egid = st->gid[1];
	c->sgid = st->gid[2];
	c->fsgid = st->gid[3];
	split_caps(caps[0], st->cap_inh, &c->cap_inh, &c->n_cap_inh);
	split_caps(caps[1], st->cap_prm, &c->cap_prm, &c->n_cap_prm);
	split_caps(caps[2], st->cap_eff, &c->cap_eff, &c->n_cap_eff);
	split_caps(caps[3], st->cap_bnd, &c->cap_bnd, &c->n_cap_bnd);
	/* newer than many readers: written only when it holds something */
	c->n_cap_amb = 0;
	if (st->cap_amb)
		split_caps(caps[4], st->cap_amb, &c->cap_amb, &c->n_cap_amb);
	c->n_groups = st->nr_groups;
	c->groups = (uint32_t *)st->groups;
}

static int fill_creds(struct dump_ctx *dc, struct task_state *ts, CoreEntry *core)
{
	const struct proc_status *st = &ts->st;
	CredsEntry *c = &ts->creds;

	creds_entry__init(c);
	task_creds_from_status(st, ts->caps, c);
	c->secbits = ts->px.securebits;
	c->has_no_new_privs = !!st->no_new_privs;
	c->no_new_privs = st->no_new_privs;
	core->thread_core->creds = c;
	/* in the tree's user namespace: the ids as the task sees them */
	return ns_dump_creds(dc->tree, dc->pid, c);
}

static void fill_timers(struct task_state *ts, CoreEntry *core)
{
	const struct parasite_task_extra *x = &ts->px;
	size_t i;

	for (i = 0; i < PARASITE_NR_ITIMERS; i++) {
		itimer_entry__init(&ts->itimers[i]);
		ts->itimers[i].isec = x->itimers[i].isec;
		ts->itimers[i].iusec = x->itimers[i].iusec;
		ts->itimers[i].vsec = x->itimers[i].vsec;
		ts->itimers[i].vusec = x->itimers[i].vusec;
	}
	for (i = 0; i < ts->nr_posix; i++) {
		PosixTimerEntry *pt = &ts->posix[i];

		pt->overrun = x->posix[i].overrun;
		pt->isec = x->posix[i].isec;
		pt->insec = x->posix[i].insec;
		pt->vsec = x->posix[i].vsec;
		pt->vnsec = x->posix[i].vnsec;
	}
	task_timers_entry__init(&ts->timers);
	ts->timers.real = &ts->itimers[0];
	ts->timers.virt = &ts->itimers[1];
	ts->timers.prof = &ts->itimers[2];
	ts->timers.n_posix = ts->nr_posix;
	ts->timers.posix = ts->posix_ptrs;
	core->tc->timers = &ts->timers;
}

static void fill_rlimits(struct task_state *ts, CoreEntry *core)
{
	size_t i;

	for (i = 0; i < PARASITE_NR_RLIMITS; i++) {
		rlimit_entry__init(&ts->rlim[i]);
		ts->rlim[i].cur = ts->px.rlimits[i].cur;
		ts->rlim[i].max = ts->px.rlimits[i].max;
		ts->rlim_ptrs[i] = &ts->rlim[i];
	}
	task_rlimits_entry__init(&ts->rlimits);
	ts->rlimits.n_rlimits = PARASITE_NR_RLIMITS;
	ts->rlimits.rlimits = ts->rlim_ptrs;
	core->tc->rlimits = &ts->rlimits;
}

static void fill_attrs(struct task_state *ts, CoreEntry *core)
{
	TaskCoreEntry *tc = core->tc;
	ThreadCoreEntry *th = core->thread_core;

	tc->has_oom_score_adj = 1;
	tc->oom_score_adj = ts->oom_score_adj;
	tc->has_loginuid = ts->has_loginuid;
	tc->loginuid = ts->loginuid;
	tc->has_child_subreaper = 1;
	tc->child_subreaper = !!ts->px.child_subreaper;
	th->has_pdeath_sig = 1;
	th->pdeath_sig = ts->px.pdeath_sig;
	th->has_sched_nice = 1;
	th->sched_nice = ts->px.nice;
	th->has_sched_policy = 1;
	th->sched_policy = ts->px.sched_policy;
	th->has_sched_prio = 1;
	th->sched_prio = ts->px.sched_prio;
	th->has_seccomp_mode = 1;
	th->seccomp_mode = ts->st.seccomp;
	if (ts->nr_filters) {
		th->has_seccomp_filter = 1;
		th->seccomp_filter = ts->nr_filters - 1;
	}
	task_attrs_fill(&ts->attrs, tc);
}

static int write_seccomp(struct dump_ctx *dc, struct task_state *ts)
{
	SeccompEntry se = SECCOMP_ENTRY__INIT;
	struct cr_img *img;
	int ret;

	if (!ts->nr_filters)
		return 0;
	se.n_seccomp_filters = ts->nr_filters;
	se.seccomp_filters = ts->filter_ptrs;
	img = open_image_at(dc->dfd, CR_FD_SECCOMP, O_DUMP, 0);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &se.base);
	return close_image(img) ?: ret;
}

int task_state_fill_core(struct dump_ctx *dc, CoreEntry *core)
{
	struct task_state *ts = dc->ts;

	if (!ts || !ts->has_px) {
		pr_err("Task %d: per-task state was not collected\n", dc->pid);
		return -EINVAL;
	}
	fill_signals(ts, core);
	if (fill_creds(dc, ts, core))
		return -EOPNOTSUPP;
	fill_timers(ts, core);
	fill_rlimits(ts, core);
	fill_attrs(ts, core);
	return write_seccomp(dc, ts);
}

/* task-extra-PID.img: ours, what CRIU's images have no field for (see task-extra.proto) */
/* The starts of the VMAs whose in-memory madv has bit (one of VMA_MADV_OURS), malloc'ed. */
static int vma_starts_with(const MmEntry *mm, uint64_t bit, uint64_t **out, size_t *nr)
{
	size_t i;

	*out = NULL;
	*nr = 0;
	for (i = 0; i < mm->n_vmas; i++) {
		if (!(mm->vmas[i]->madv & bit))
			continue;
		if (ARRAY_ADD_ROOM(*out, *nr))
			return -ENOMEM;
		(*out)[(*nr)++] = mm->vmas[i]->start;
	}
	return 0;
}

int task_state_write_extra(struct dump_ctx *dc)
{
	TaskExtraEntry ex = TASK_EXTRA_ENTRY__INIT;
	struct cr_img *img;
	int ret;

	if (!dc->ts)
		return 0;
	ret = vma_starts_with(&dc->mm, VMA_MADV_LOCK_ONFAULT, &ex.vma_lock_onfault,
			      &ex.n_vma_lock_onfault);
	ret = ret ?: vma_starts_with(&dc->mm, VMA_MADV_SEALED, &ex.vma_sealed, &ex.n_vma_sealed);
	if (ret) {
		free(ex.vma_lock_onfault);
		return ret;
	}
	task_attrs_fill_extra(&dc->ts->attrs, &ex);
	ex.n_auxv = dc->nr_auxv;
	ex.auxv = dc->auxv;
	ex.has_cow_pages_found = dc->cow_pages_found;
	ex.cow_pages_found = dc->cow_pages_found;
	img = open_image_at(dc->dfd, CR_FD_TASK_EXTRA, O_DUMP, dc->img_pid);
	ret = img ? pb_write_one(img, &ex.base) : -EIO;
	if (img)
		ret = close_image(img) ?: ret;
	free(ex.vma_lock_onfault);
	free(ex.vma_sealed);
	return ret;
}

const struct parasite_task_extra *task_state_extra(const struct dump_ctx *dc)
{
	return dc->ts && dc->ts->has_px ? &dc->ts->px : NULL;
}

bool task_state_is_subreaper(const struct dump_ctx *dc)
{
	return dc->ts && dc->ts->px.child_subreaper;
}

void task_state_free(struct dump_ctx *dc)
{
	if (!dc->ts)
		return;
	free(dc->ts->insns);
	free(dc->ts);
	dc->ts = NULL;
}
