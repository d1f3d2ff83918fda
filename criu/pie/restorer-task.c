/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pie/restorer-task.c - the restorer's last steps before rt_sigreturn: per-task state of
 * struct rst_task_state (include/abi/restorer-task.h). Order matters:
 *   signals and timers are queued and armed while every signal is still blocked;
 *   rlimits, scheduling and prctl flags need no privilege we would give up later;
 *   seccomp filters go in while we are still root (criu seized us with
 *   PTRACE_O_SUSPEND_SECCOMP, so they do not apply to the syscalls that follow);
 *   credentials are dropped after that, and what a credential change resets
 *   (dumpable, parent death signal) is set once they are final; strict seccomp last.
 * Freestanding: raw sys_*() calls returning -errno.
 */
#include <stddef.h>
#include <stdint.h>

#include "compel/rt/log.h"
#include "compel/rt/string.h"
#include "compel/rt/syscall.h"
#include "restorer-task.h"

#define PR_SET_PDEATHSIG	    1
#define PR_SET_DUMPABLE		    4
#define PR_SET_KEEPCAPS		    8
#define PR_CAPBSET_DROP		    24
#define PR_GET_SECUREBITS	    27
#define PR_SET_SECUREBITS	    28
#define PR_SET_CHILD_SUBREAPER	    36
#define PR_SET_NO_NEW_PRIVS	    38
#define PR_SET_THP_DISABLE	    41
#define PR_CAP_AMBIENT		    47
#define PR_CAP_AMBIENT_RAISE	    2
#define PR_TIMER_CREATE_RESTORE_IDS 77
#define PRIO_PROCESS		    0
#define SECCOMP_SET_MODE_STRICT	    0
#define SECCOMP_SET_MODE_FILTER	    1
#define SECCOMP_FLAGS_KEPT	    (2 | 4) /* FLAG_LOG, FLAG_SPEC_ALLOW */
#define CAPS_V3			    0x20080522
#define EPERM			    1
#define MAX_ID_TRIES		    (1 << 20)
#define F_SETLK_CMD		    6

struct k_sigevent {
	uint64_t sival;
	int32_t signo;
	int32_t notify;
	int32_t tid;
	int32_t pad[11];
};

struct k_itimerspec {
	int64_t isec, insec;
	int64_t vsec, vnsec;
};

struct k_itimerval {
	int64_t isec, iusec;
	int64_t vsec, vusec;
};

struct k_cap_header {
	uint32_t version;
	int32_t pid;
};

struct k_cap_data {
	uint32_t eff, prm, inh;
};

struct k_sock_fprog {
	uint16_t len;
	uint16_t pad[3];
	const void *filter;
};

static int failed(const char *what, long arg, long err)
{
	rt_pr_err("%s (%ld) failed: %ld\n", what, arg, err);
	return (int)err;
}

static int queue_signals(const struct rst_task_state *ts, int pid)
{
	uint32_t i, n = ts->nr_sig_p + ts->nr_sig_s;
	long ret;

	for (i = 0; i < n; i++) {
		/* a copy: the kernel may write to it and the args stay as criu made them */
		uint8_t info[RST_SIGINFO_SIZE];
		int sig;

		std_memcpy(info, ts->siginfo[i], sizeof(info));
		sig = *(int32_t *)info;
		if (i < ts->nr_sig_p)
			ret = sys_rt_tgsigqueueinfo(pid, pid, sig, info);
		else
			ret = sys_rt_sigqueueinfo(pid, sig, info);
		if (ret)
			return failed("queueing a pending signal", sig, ret);
	}
	return 0;
}

/* Without PR_TIMER_CREATE_RESTORE_IDS ids come in order: create and drop until it fits. */
static long create_timer(const struct rst_posix_timer *t, struct k_sigevent *sev, int exact)
{
	int id = t->id, tries;
	long ret;

	if (exact)
		return sys_timer_create(t->clock_id, sev, &id) ?: (id == t->id ? 0 : -5);
	for (tries = 0; tries < MAX_ID_TRIES; tries++) {
		ret = sys_timer_create(t->clock_id, sev, &id);
		if (ret)
			return ret;
		if (id == t->id)
			return 0;
		sys_timer_delete(id);
		if (id > t->id)
			break;
	}
	rt_pr_err("can't get POSIX timer id %d back (got %d); a kernel with "
		  "PR_TIMER_CREATE_RESTORE_IDS (6.17+) can\n",
		  t->id, id);
	return -5;
}

static int restore_posix_timers(const struct rst_task_state *ts, int pid)
{
	int exact = sys_prctl(PR_TIMER_CREATE_RESTORE_IDS, 1, 0, 0, 0) == 0;
	uint32_t i;
	long ret = 0;

	for (i = 0; i < ts->nr_posix && !ret; i++) {
		const struct rst_posix_timer *t = &ts->posix[i];
		struct k_sigevent sev = { .sival = t->sival,
					  .signo = t->signo,
					  .notify = t->notify,
					  .tid = t->notify_tid };
		struct k_itimerspec its = { t->isec, t->insec, t->vsec, t->vnsec };

		/* SIGEV_THREAD_ID: every thread is back with its tid before timers are armed */
		ret = create_timer(t, &sev, exact);
		if (ret) {
			ret = failed("timer_create", t->id, ret);
			break;
		}
		if (its.vsec || its.vnsec)
			ret = sys_timer_settime(t->id, 0, &its, NULL);
		if (ret)
			ret = failed("timer_settime", t->id, ret);
	}
	if (exact)
		sys_prctl(PR_TIMER_CREATE_RESTORE_IDS, 0, 0, 0, 0);
	return ret;
}

static int restore_timers(const struct rst_task_state *ts, int pid)
{
	long ret;
	int i;

	if (!ts->has_timers)
		return 0;
	for (i = 0; i < RST_NR_ITIMERS; i++) {
		const struct rst_itimer *it = &ts->itimers[i];
		struct k_itimerval v = { it->isec, it->iusec, it->vsec, it->vusec };

		ret = sys_setitimer(i, &v, NULL);
		if (ret)
			return failed("setitimer", i, ret);
	}
	return restore_posix_timers(ts, pid);
}

static int restore_rlimits(const struct rst_task_state *ts)
{
	struct rst_rlimit old;
	long ret;
	int i;

	if (!ts->has_rlimits)
		return 0;
	for (i = 0; i < RST_NR_RLIMITS; i++) {
		ret = sys_prlimit64(0, i, &ts->rlimits[i], &old);
		if (ret == -EPERM && ts->rlimits[i].max > old.max) {
			rt_pr_err("rlimit %d: can't raise the hard limit from %lu to %lu: that "
				  "needs CAP_SYS_RESOURCE; raise criu's own limit (ulimit -H) "
				  "first\n",
				  i, (unsigned long)old.max, (unsigned long)ts->rlimits[i].max);
			return ret;
		}
		if (ret)
			return failed("prlimit", i, ret);
	}
	return 0;
}

static int restore_sched(const struct rst_task_state *ts)
{
	int32_t prio = ts->sched_prio;
	long ret;

	if (!ts->has_sched)
		return 0;
	ret = sys_sched_setscheduler(0, ts->sched_policy, &prio);
	if (ret)
		return failed("sched_setscheduler", ts->sched_policy, ret);
	ret = sys_setpriority(PRIO_PROCESS, 0, ts->nice);
	if (ret)
		return failed("setpriority", ts->nice, ret);
	return 0;
}

static int set_prctl(int option, int32_t val, const char *what)
{
	long ret;

	if (val < 0)
		return 0;
	ret = sys_prctl(option, val, 0, 0, 0);
	if (ret)
		return failed(what, val, ret);
	return 0;
}

static int restore_filters(const struct rst_task_state *ts)
{
	const uint64_t *insns = ts->insns;
	uint32_t i;
	long ret;

	if (ts->seccomp_mode != 2)
		return 0;
	for (i = 0; i < ts->nr_filters; i++) {
		struct k_sock_fprog prog = { .len = ts->filter_len[i], .filter = insns };

		ret = sys_seccomp(SECCOMP_SET_MODE_FILTER, ts->filter_flags[i] & SECCOMP_FLAGS_KEPT,
				  &prog);
		if (ret)
			return failed("installing a seccomp filter", i, ret);
		insns += ts->filter_len[i];
	}
	return 0;
}

static int set_caps(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct k_cap_header h = { .version = CAPS_V3 };
	struct k_cap_data d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
	};

	return sys_capset(&h, d);
}

static uint64_t current_permitted(void)
{
	struct k_cap_header h = { .version = CAPS_V3 };
	struct k_cap_data d[2];

	if (sys_capget(&h, d))
		return 0;
	return d[0].prm | ((uint64_t)d[1].prm << 32);
}

/* Capabilities with our uids in place: all we hold for now, the dumped sets at the end. */
static int restore_caps(const struct rst_creds *c)
{
	uint64_t all = current_permitted();
	long ret;
	uint32_t cap;

	ret = set_caps(all, all, c->cap_inh);
	if (ret)
		return failed("capset (inheritable)", 0, ret);
	ret = sys_setfsgid(c->fsgid);
	ret = (ret < 0) ? ret : sys_setfsuid(c->fsuid);
	if (ret < 0)
		return failed("setfsuid/setfsgid", c->fsuid, ret);
	for (cap = 0; cap <= c->cap_last_cap && cap < 64; cap++) {
		if (c->cap_amb & (1ULL << cap)) {
			ret = sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
			if (ret)
				return failed("raising an ambient capability", cap, ret);
		}
		if (!(c->cap_bnd & (1ULL << cap))) {
			ret = sys_prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
			if (ret)
				return failed("dropping from the bounding set", cap, ret);
		}
	}
	if (sys_prctl(PR_GET_SECUREBITS, 0, 0, 0, 0) != (long)c->secbits) {
		ret = sys_prctl(PR_SET_SECUREBITS, c->secbits, 0, 0, 0);
		if (ret)
			return failed("prctl(PR_SET_SECUREBITS)", c->secbits, ret);
	}
	ret = set_caps(c->cap_eff, c->cap_prm, c->cap_inh);
	if (ret)
		return failed("capset", 0, ret);
	return 0;
}

static int set_creds(const struct rst_creds *c)
{
	long ret;

	ret = c->keep_groups ? 0 : sys_setgroups(c->nr_groups, c->groups);
	if (ret)
		return failed("setgroups", c->nr_groups, ret);
	ret = sys_setresgid(c->gid, c->egid, c->sgid);
	if (ret)
		return failed("setresgid", c->gid, ret);
	/* keep the permitted set across the uid change; securebits are set later */
	ret = sys_prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	if (ret)
		return failed("prctl(PR_SET_KEEPCAPS)", 1, ret);
	ret = sys_setresuid(c->uid, c->euid, c->suid);
	if (ret)
		return failed("setresuid", c->uid, ret);
	ret = restore_caps(c);
	if (ret)
		return ret;
	return set_prctl(PR_SET_NO_NEW_PRIVS, c->no_new_privs ? 1 : -1, "PR_SET_NO_NEW_PRIVS");
}

static int restore_creds(const struct rst_task_state *ts)
{
	return ts->has_creds ? set_creds(&ts->creds) : 0;
}

/*
 * criu took the task's POSIX locks before its shared file mappings were made here, each
 * through an fd closed once mapped; a close drops the process's POSIX locks on that file.
 */
int rst_retake_posix_locks(const struct rst_task_state *ts)
{
	uint32_t i;
	long ret;

	for (i = 0; i < ts->nr_posix_locks; i++) {
		const struct rst_posix_lock *l = &ts->posix_locks[i];

		ret = sys_fcntl(l->fd, F_SETLK_CMD, (unsigned long)l);
		if (ret)
			return failed("taking a POSIX lock back on fd", l->fd, ret);
	}
	return 0;
}

int rst_apply_task_state(const struct rst_task_state *ts, int pid)
{
	int ret;

	ret = queue_signals(ts, pid);
	ret = ret ?: restore_timers(ts, pid);
	ret = ret ?: restore_rlimits(ts);
	ret = ret ?: restore_sched(ts);
	ret = ret
		      ?: set_prctl(PR_SET_CHILD_SUBREAPER, ts->child_subreaper,
				   "PR_SET_CHILD_SUBREAPER");
	ret = ret ?: set_prctl(PR_SET_THP_DISABLE, ts->thp_disabled, "PR_SET_THP_DISABLE");
	ret = ret ?: restore_filters(ts);
	ret = ret ?: restore_creds(ts);
	/* a credential change resets both of these */
	ret = ret ?: set_prctl(PR_SET_DUMPABLE, ts->dumpable, "PR_SET_DUMPABLE");
	ret = ret ?: set_prctl(PR_SET_PDEATHSIG, ts->pdeath_sig, "PR_SET_PDEATHSIG");
	if (ret)
		return ret;
	if (ts->seccomp_mode == 1) {
		ret = sys_seccomp(SECCOMP_SET_MODE_STRICT, 0, NULL);
		if (ret)
			return failed("entering strict seccomp mode", 0, ret);
	}
	return 0;
}

/*
 * A thread besides the leader: seccomp filters and credentials belong to each thread, so
 * every thread installs the task's filters and then takes its own (or the leader's) creds.
 */
int rst_apply_thread_state(const struct rst_task_state *ts, const struct rst_creds *own)
{
	int ret;

	ret = restore_filters(ts);
	if (!ret && own)
		ret = set_creds(own);
	else if (!ret)
		ret = restore_creds(ts);
	if (ret)
		return ret;
	if (ts->seccomp_mode == 1) {
		ret = sys_seccomp(SECCOMP_SET_MODE_STRICT, 0, NULL);
		if (ret)
			return failed("entering strict seccomp mode", 0, ret);
	}
	return 0;
}
