/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/state-restore.c - criu's side of restoring what a task carries (see task-state.h): turn
 * the core entry and seccomp.img into struct rst_task_state for the restorer, set the
 * /proc-only attributes (oom_score_adj, loginuid) in the forked task, and keep pending
 * signals from being delivered while criu removes the restorer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "ns.h"
#include "tree.h"
#include "proc-parse.h"
#include "restore-ctx.h"
#include "task-attrs.h"
#include "task-state.h"
#include "abi/restorer-task.h"

#include "seccomp.pb-c.h"

#ifndef PTRACE_O_SUSPEND_SECCOMP
#define PTRACE_O_SUSPEND_SECCOMP (1 << 21)
#endif

static int fill_queue(const struct rst_task *t, const SignalQueueEntry *q, uint32_t *nr,
		      struct rst_task_state *ts)
{
	size_t i;

	*nr = 0;
	if (!q)
		return 0;
	for (i = 0; i < q->n_signals; i++) {
		const SiginfoEntry *se = q->signals[i];
		uint32_t at = ts->nr_sig_p + ts->nr_sig_s;

		if (se->siginfo.len != RST_SIGINFO_SIZE || at >= RST_MAX_SIGNALS) {
			pr_err("core-%d.img: bad or too many pending signals (%zu bytes, #%u)\n",
			       t->pid, se->siginfo.len, at);
			return -EINVAL;
		}
		memcpy(ts->siginfo[at], se->siginfo.data, RST_SIGINFO_SIZE);
		(*nr)++;
	}
	return 0;
}

static int fill_signals(const struct rst_task *t, struct rst_task_state *ts)
{
	int ret;

	ts->nr_sig_p = ts->nr_sig_s = 0;
	ret = fill_queue(t, t->core->thread_core->signals_p, &ts->nr_sig_p, ts);
	if (ret)
		return ret;
	return fill_queue(t, t->core->tc->signals_s, &ts->nr_sig_s, ts);
}

static int cmp_timer(const void *a, const void *b)
{
	const struct rst_posix_timer *x = a, *y = b;

	return x->id - y->id;
}

static void fill_itimer(struct rst_itimer *it, const ItimerEntry *e)
{
	if (!e)
		return;
	it->isec = e->isec;
	it->iusec = e->iusec;
	it->vsec = e->vsec;
	it->vusec = e->vusec;
}

static int fill_timers(const struct rst_ctx *ctx, const struct rst_task *t,
		       struct rst_task_state *ts)
{
	const TaskTimersEntry *te = t->core->tc->timers;
	size_t i;

	if (!te)
		return 0;
	if (te->n_posix > RST_MAX_TIMERS) {
		pr_err("core-%d.img: %zu POSIX timers, at most %d are supported\n", t->pid,
		       te->n_posix, RST_MAX_TIMERS);
		return -EINVAL;
	}
	ts->has_timers = 1;
	fill_itimer(&ts->itimers[0], te->real);
	fill_itimer(&ts->itimers[1], te->virt);
	fill_itimer(&ts->itimers[2], te->prof);
	for (i = 0; i < te->n_posix; i++) {
		const PosixTimerEntry *pe = te->posix[i];
		struct rst_posix_timer *pt = &ts->posix[i];

		pt->id = pe->it_id;
		pt->clock_id = pe->clock_id;
		pt->signo = pe->si_signo;
		pt->notify = pe->it_sigev_notify;
		/* the restorer makes the timer inside the tree's pid namespace, if it has one */
		pt->notify_tid =
			pe->has_notify_thread_id
				? rst_pid_here(ctx, rst_pid_from_img(ctx, pe->notify_thread_id))
				: 0;
		pt->sival = pe->sival_ptr;
		pt->isec = pe->isec;
		pt->insec = pe->insec;
		pt->vsec = pe->vsec;
		pt->vnsec = pe->vnsec;
	}
	ts->nr_posix = te->n_posix;
	/* without explicit ids the kernel hands them out in order: create them in order */
	qsort(ts->posix, ts->nr_posix, sizeof(ts->posix[0]), cmp_timer);
	return 0;
}

/* Limits the image lacks keep criu's own values: setting them again changes nothing. */
static int fill_rlimits(const struct rst_task *t, struct rst_task_state *ts)
{
	const TaskRlimitsEntry *re = t->core->tc->rlimits;
	struct rlimit cur;
	size_t i;

	if (!re)
		return 0;
	for (i = 0; i < RST_NR_RLIMITS; i++) {
		if (i < re->n_rlimits) {
			ts->rlimits[i].cur = re->rlimits[i]->cur;
			ts->rlimits[i].max = re->rlimits[i]->max;
			continue;
		}
		if (getrlimit(i, &cur)) {
			pr_perror("Can't read rlimit %zu", i);
			return -errno;
		}
		ts->rlimits[i].cur = cur.rlim_cur;
		ts->rlimits[i].max = cur.rlim_max;
	}
	ts->has_rlimits = 1;
	return 0;
}

static void fill_attrs(const struct rst_task *t, struct rst_task_state *ts)
{
	const ThreadCoreEntry *th = t->core->thread_core;
	const TaskCoreEntry *tc = t->core->tc;

	if (th->has_sched_policy && th->has_sched_nice) {
		ts->has_sched = 1;
		ts->sched_policy = th->sched_policy;
		ts->sched_prio = th->has_sched_prio ? th->sched_prio : 0;
		ts->nice = th->sched_nice;
	}
	ts->pdeath_sig = th->has_pdeath_sig ? (int32_t)th->pdeath_sig : -1;
	ts->child_subreaper = tc->has_child_subreaper ? tc->child_subreaper : -1;
	ts->dumpable = -1;
	ts->thp_disabled = -1;
	/* 2 (suid_dumpable) can't be set with prctl; a uid change sets it by itself */
	if (t->mm->has_dumpable && (t->mm->dumpable == 0 || t->mm->dumpable == 1))
		ts->dumpable = t->mm->dumpable;
	if (t->mm->has_thp_disabled)
		ts->thp_disabled = t->mm->thp_disabled;
}

static uint64_t join_caps(const uint32_t *w, size_t n)
{
	return (n > 0 ? w[0] : 0) | (n > 1 ? (uint64_t)w[1] << 32 : 0);
}

static int read_cap_last_cap(uint32_t *out)
{
	int64_t v;
	int ret;

	ret = read_proc_number("/proc/sys/kernel/cap_last_cap", 0, 63, &v);
	if (!ret)
		*out = v;
	return ret;
}

int rst_creds_from_image(const CredsEntry *ce, struct rst_creds *c, pid_t pid)
{
	if (ce->n_groups > RST_MAX_GROUPS) {
		pr_err("core-%d.img: %zu supplementary groups, at most %d are supported\n", pid,
		       ce->n_groups, RST_MAX_GROUPS);
		return -EINVAL;
	}
	c->uid = ce->uid;
	c->euid = ce->euid;
	c->suid = ce->suid;
	c->fsuid = ce->fsuid;
	c->gid = ce->gid;
	c->egid = ce->egid;
	c->sgid = ce->sgid;
	c->fsgid = ce->fsgid;
	c->nr_groups = ce->n_groups;
	if (ce->n_groups) /* groups is NULL when empty: memcpy must not see it */
		memcpy(c->groups, ce->groups, ce->n_groups * sizeof(uint32_t));
	c->secbits = ce->secbits;
	c->cap_inh = join_caps(ce->cap_inh, ce->n_cap_inh);
	c->cap_prm = join_caps(ce->cap_prm, ce->n_cap_prm);
	c->cap_eff = join_caps(ce->cap_eff, ce->n_cap_eff);
	c->cap_bnd = join_caps(ce->cap_bnd, ce->n_cap_bnd);
	c->cap_amb = join_caps(ce->cap_amb, ce->n_cap_amb);
	c->no_new_privs = ce->has_no_new_privs && ce->no_new_privs;
	return read_cap_last_cap(&c->cap_last_cap);
}

static int fill_creds(const struct rst_ctx *ctx, const struct rst_task *t,
		      struct rst_task_state *ts)
{
	const CredsEntry *ce = t->core->thread_core->creds;
	int ret;

	if (!ce)
		return 0;
	ts->has_creds = 1;
	/* set before the task went into its user namespace: setgroups may be denied there */
	ts->creds.keep_groups = rst_ns_keeps_groups(ctx);
	ret = rst_creds_from_image(ce, &ts->creds, t->pid);
	if (!ret)
		rst_ns_unmapped_creds(ctx, t, &ts->creds);
	return ret;
}

/* Walk the thread's chain from its newest filter back; install order is oldest first. */
static int take_filters(const struct rst_task *t, const SeccompEntry *se, uint32_t top,
			struct rst_task_state *ts)
{
	uint32_t chain[RST_MAX_FILTERS], n = 0, i, idx = top, used = 0;

	for (;;) {
		const SeccompFilter *sf;

		if (idx >= se->n_seccomp_filters || n == RST_MAX_FILTERS) {
			pr_err("seccomp.img: bad filter chain for task %d\n", t->pid);
			return -EINVAL;
		}
		chain[n++] = idx;
		sf = se->seccomp_filters[idx];
		if (!sf->has_prev)
			break;
		idx = sf->prev;
	}
	for (i = 0; i < n; i++) {
		const SeccompFilter *sf = se->seccomp_filters[chain[n - 1 - i]];
		uint32_t len = sf->filter.len / 8;

		if (sf->filter.len % 8 || !len || used + len > RST_MAX_FILTER_INSNS) {
			pr_err("seccomp.img: filter of %zu bytes does not fit\n", sf->filter.len);
			return -EINVAL;
		}
		memcpy(ts->insns + used, sf->filter.data, sf->filter.len);
		ts->filter_len[i] = len;
		ts->filter_flags[i] = sf->has_flags ? sf->flags : 0;
		used += len;
	}
	ts->nr_filters = n;
	return 0;
}

static int fill_seccomp(const struct rst_ctx *ctx, const struct rst_task *t,
			struct rst_task_state *ts)
{
	const ThreadCoreEntry *th = t->core->thread_core;
	SeccompEntry *se = NULL;
	struct cr_img *img;
	int ret;

	ts->seccomp_mode = th->has_seccomp_mode ? th->seccomp_mode : 0;
	if (ts->seccomp_mode != SECCOMP_MODE__filter)
		return 0;
	if (!th->has_seccomp_filter) {
		pr_err("core-%d.img: seccomp filter mode without a filter\n", t->pid);
		return -EINVAL;
	}
	img = open_image_at(ctx->dfd, CR_FD_SECCOMP, O_RSTR, 0);
	if (!img)
		return -EIO;
	ret = pb_read_one(img, &seccomp_entry__descriptor, (ProtobufCMessage **)&se);
	close_image(img);
	if (ret)
		return ret;
	ret = take_filters(t, se, th->seccomp_filter, ts);
	seccomp_entry__free_unpacked(se, NULL);
	return ret;
}

static int write_proc_self(const char *name, long long val)
{
	char path[64], buf[32];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	len = snprintf(buf, sizeof(buf), "%lld", val);
	if (write(fd, buf, len) != len) {
		ret = -errno;
		pr_perror("Can't write %lld to %s", val, path);
	}
	close(fd);
	return ret;
}

/* Quietly: a file that is not there (no audit: no loginuid) is not an error here. */
static int read_proc_self(const char *name, long long *val)
{
	char path[64], *buf;
	int64_t v;
	int ret;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	buf = read_proc_file_quiet(path, &ret);
	if (!buf)
		return ret;
	ret = parse_proc_number_buf(buf, INT64_MIN, INT64_MAX, &v);
	free(buf);
	if (!ret)
		*val = v;
	return ret;
}

int rst_set_loginuid(const struct rst_task *t)
{
	const TaskCoreEntry *tc = t->core->tc;
	long long cur;
	int ret;

	if (!tc->has_loginuid || read_proc_self("loginuid", &cur) || (uint32_t)cur == tc->loginuid)
		return 0;
	ret = write_proc_self("loginuid", (uint32_t)tc->loginuid);
	if (ret)
		pr_err("Can't set loginuid %u (criu has %u): it needs CAP_AUDIT_CONTROL and a "
		       "loginuid that is not immutable\n",
		       tc->loginuid, (uint32_t)cur);
	return ret;
}

/* Only what differs from criu's own values is written: both need privileges to lower. */
static int set_proc_attrs(const struct rst_ctx *ctx, const struct rst_task *t)
{
	const TaskCoreEntry *tc = t->core->tc;
	const struct rst_task *parent;
	long long cur;
	int ret;

	if (tc->has_oom_score_adj &&
	    (read_proc_self("oom_score_adj", &cur) || cur != tc->oom_score_adj)) {
		ret = write_proc_self("oom_score_adj", tc->oom_score_adj);
		if (ret) {
			pr_err("Can't set oom_score_adj %d: lowering it needs CAP_SYS_RESOURCE\n",
			       tc->oom_score_adj);
			return ret;
		}
	}
	if (!rst_ns_steered())
		return rst_set_loginuid(t);
	/* forked inside: the root's was set before (criu's view), the others inherit theirs */
	parent = t->pstree->ppid ? rst_task_by_pid(ctx, t->pstree->ppid) : NULL;
	if (parent && tc->has_loginuid && parent->core->tc->has_loginuid &&
	    parent->core->tc->loginuid != tc->loginuid) {
		pr_err("Task %d has loginuid %u, its parent %u: a task forked inside its user "
		       "namespace can't set its own\n",
		       t->pid, tc->loginuid, parent->core->tc->loginuid);
		return -EOPNOTSUPP;
	}
	return 0;
}

int rst_fill_task_state(const struct rst_ctx *ctx, const struct rst_task *t,
			struct rst_task_state *ts)
{
	int ret;

	if (!t->core->tc || !t->core->thread_core) {
		pr_err("core-%d.img lacks the task or thread part\n", t->pid);
		return -EINVAL;
	}
	ret = fill_signals(t, ts);
	ret = ret ?: fill_timers(ctx, t, ts);
	ret = ret ?: fill_rlimits(t, ts);
	ret = ret ?: fill_creds(ctx, t, ts);
	ret = ret ?: fill_seccomp(ctx, t, ts);
	if (ret)
		return ret;
	fill_attrs(t, ts);
	return set_proc_attrs(ctx, t)
		       ?: rst_apply_task_attrs(t->core->tc, t->core->thread_core, t->extra);
}

long rst_task_seize_opts(const struct rst_task *t)
{
	const ThreadCoreEntry *th = t->core ? t->core->thread_core : NULL; /* helpers: none */
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;

	/* the restorer's last syscalls and criu's clean-up must not meet the task's filters */
	if (th && th->has_seccomp_mode && th->seccomp_mode)
		opts |= PTRACE_O_SUSPEND_SECCOMP;
	return opts;
}

int rst_hold_signals(pid_t pid, uint64_t *saved)
{
	uint64_t all = ~0ULL;

	if (ptrace(PTRACE_GETSIGMASK, pid, sizeof(*saved), saved) ||
	    ptrace(PTRACE_SETSIGMASK, pid, sizeof(all), &all)) {
		pr_perror("Can't block the signals of task %d while removing the restorer", pid);
		return -errno;
	}
	return 0;
}

int rst_release_signals(pid_t pid, uint64_t saved)
{
	if (ptrace(PTRACE_SETSIGMASK, pid, sizeof(saved), &saved)) {
		pr_perror("Can't put back the signal mask of task %d", pid);
		return -errno;
	}
	return 0;
}
