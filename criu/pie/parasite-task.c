/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pie/parasite-task.c - PARASITE_CMD_DUMP_TASK_EXTRA: read, from inside the task, the state
 * that the kernel only tells the task itself or that another uid may not read without
 * extra capabilities: interval and POSIX timers, rlimits, prctl flags, scheduling.
 * Nothing here changes the task.
 */
#include <stddef.h>
#include <stdint.h>

#include "compel/rt/log.h"
#include "compel/rt/string.h"
#include "compel/rt/syscall.h"
#include "parasite-task.h"

#define PR_GET_PDEATHSIG		 2
#define PR_GET_DUMPABLE			 3
#define PR_GET_SECUREBITS		 27
#define PR_GET_CHILD_SUBREAPER		 37
#define PR_GET_NO_NEW_PRIVS		 39
#define PR_GET_THP_DISABLE		 42
#define PR_GET_TIMERSLACK		 30
#define MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9)
#define PRIO_PROCESS			 0

struct kernel_timeval {
	int64_t sec, usec;
};

struct kernel_itimerval {
	struct kernel_timeval interval, value;
};

struct kernel_timespec {
	int64_t sec, nsec;
};

struct kernel_itimerspec {
	struct kernel_timespec interval, value;
};

static int dump_itimers(struct parasite_task_extra *x)
{
	struct kernel_itimerval v;
	long ret;
	int i;

	for (i = 0; i < PARASITE_NR_ITIMERS; i++) {
		ret = sys_getitimer(i, &v);
		if (ret < 0) {
			rt_pr_err("getitimer(%d) failed: %ld\n", i, ret);
			return ret;
		}
		x->itimers[i].isec = v.interval.sec;
		x->itimers[i].iusec = v.interval.usec;
		x->itimers[i].vsec = v.value.sec;
		x->itimers[i].vusec = v.value.usec;
	}
	return 0;
}

static int dump_posix_timers(struct parasite_task_extra *x)
{
	struct kernel_itimerspec v;
	uint32_t i;
	long ret;

	if (x->nr_posix > PARASITE_MAX_TIMERS)
		return -22; /* EINVAL: criu checks this first */
	for (i = 0; i < x->nr_posix; i++) {
		struct parasite_posix_timer *t = &x->posix[i];

		ret = sys_timer_gettime(t->id, &v);
		if (ret < 0) {
			rt_pr_err("timer_gettime(%d) failed: %ld\n", t->id, ret);
			return ret;
		}
		t->isec = v.interval.sec;
		t->insec = v.interval.nsec;
		t->vsec = v.value.sec;
		t->vnsec = v.value.nsec;
		ret = sys_timer_getoverrun(t->id);
		t->overrun = ret < 0 ? 0 : ret;
	}
	return 0;
}

static int dump_rlimits(struct parasite_task_extra *x)
{
	long ret;
	int i;

	for (i = 0; i < PARASITE_NR_RLIMITS; i++) {
		ret = sys_prlimit64(0, i, NULL, &x->rlimits[i]);
		if (ret < 0) {
			rt_pr_err("prlimit(%d) failed: %ld\n", i, ret);
			return ret;
		}
	}
	return 0;
}

/* prctl getters that return the value itself; a negative one is an error. */
static int get_flag(int option, int32_t *out)
{
	long ret = sys_prctl(option, 0, 0, 0, 0);

	if (ret < 0) {
		rt_pr_err("prctl(%d) failed: %ld\n", option, ret);
		return ret;
	}
	*out = ret;
	return 0;
}

static int dump_prctl(struct parasite_task_extra *x)
{
	int32_t secbits = 0;
	long ret;

	ret = sys_prctl(PR_GET_PDEATHSIG, (unsigned long)&x->pdeath_sig, 0, 0, 0);
	if (ret < 0) {
		rt_pr_err("PR_GET_PDEATHSIG failed: %ld\n", ret);
		return ret;
	}
	ret = sys_prctl(PR_GET_CHILD_SUBREAPER, (unsigned long)&x->child_subreaper, 0, 0, 0);
	if (ret < 0) {
		rt_pr_err("PR_GET_CHILD_SUBREAPER failed: %ld\n", ret);
		return ret;
	}
	ret = get_flag(PR_GET_SECUREBITS, &secbits);
	ret = ret ?: get_flag(PR_GET_DUMPABLE, &x->dumpable);
	ret = ret ?: get_flag(PR_GET_THP_DISABLE, &x->thp_disabled);
	ret = ret ?: get_flag(PR_GET_NO_NEW_PRIVS, &x->no_new_privs);
	x->securebits = secbits;
	return ret;
}

static int dump_sched(struct parasite_task_extra *x)
{
	int32_t prio = 0;
	long ret;

	ret = sys_sched_getscheduler(0);
	if (ret < 0) {
		rt_pr_err("sched_getscheduler failed: %ld\n", ret);
		return ret;
	}
	/* SCHED_RESET_ON_FORK comes back as a flag of the policy; keep it with it */
	x->sched_policy = ret;
	ret = sys_sched_getparam(0, &prio);
	if (ret < 0) {
		rt_pr_err("sched_getparam failed: %ld\n", ret);
		return ret;
	}
	x->sched_prio = prio;
	/* the raw syscall returns 20 - nice, so that no valid answer is negative */
	ret = sys_getpriority(PRIO_PROCESS, 0);
	if (ret < 0) {
		rt_pr_err("getpriority failed: %ld\n", ret);
		return ret;
	}
	x->nice = 20 - ret;
	return 0;
}

/* Only the task itself can ask these; before 6.3 GET_REGISTRATIONS is EINVAL: none known. */
static int dump_mm_attrs(struct parasite_task_extra *x)
{
	long ret = sys_membarrier(MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0);

	x->membarrier_mask = ret < 0 ? 0 : ret;
	ret = sys_prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	if (ret < 0) {
		rt_pr_err("PR_GET_TIMERSLACK failed: %ld\n", ret);
		return ret;
	}
	x->timerslack_ns = (unsigned long)ret;
	/* without NUMA there is no policy (ENOSYS): the default */
	ret = sys_get_mempolicy(&x->mempolicy, 0, 0, 0, 0);
	if (ret < 0)
		x->mempolicy = 0;
	return 0;
}

int parasite_dump_task_extra(struct parasite_task_extra *x)
{
	uint32_t nr = x->nr_posix;
	struct parasite_posix_timer ids[PARASITE_MAX_TIMERS];
	uint32_t i;

	if (nr > PARASITE_MAX_TIMERS)
		return -22;
	/* keep criu's input, clear the rest */
	for (i = 0; i < nr; i++)
		ids[i].id = x->posix[i].id;
	std_memset(x, 0, sizeof(*x));
	x->nr_posix = nr;
	for (i = 0; i < nr; i++)
		x->posix[i].id = ids[i].id;

	return dump_itimers(x) ?: dump_posix_timers(x) ?: dump_rlimits(x) ?: dump_prctl(x) ?:
	       dump_sched(x) ?: dump_mm_attrs(x);
}

#define PT_MPOL_F_ADDR 2 /* get_mempolicy(): the policy of the mapping at addr */
#define PT_ENOSYS      38
#define PT_EFAULT      14

int parasite_vma_policies(struct parasite_vma_policies *p)
{
	uint32_t i;
	long ret;

	if (p->nr > PARASITE_MAX_POLICY_VMAS)
		return -22;
	for (i = 0; i < p->nr; i++) {
		int mode = 0;

		ret = sys_get_mempolicy(&mode, 0, 0, p->addr[i], PT_MPOL_F_ADDR);
		/* no NUMA in this kernel, or no VMA there (the vsyscall page): no policy */
		if (ret == -PT_ENOSYS || ret == -PT_EFAULT)
			mode = 0;
		else if (ret < 0) {
			rt_pr_err("get_mempolicy at %lx failed: %ld\n", (unsigned long)p->addr[i],
				  ret);
			return ret;
		}
		p->mode[i] = mode;
	}
	return 0;
}
