/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attrs00: task attributes survive a checkpoint: personality, umask, comm, scheduling
 * policy and nice value, oom_score_adj, rlimits (lowered soft and hard limits),
 * THP-disable, dumpable, the parent death signal and the child subreaper flag.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PERS  (PER_LINUX | UNAME26)
#define UMASK 027
#define COMM  "attrs-comm"
#define NICE  7
#define OOM   321

static const struct {
	int res;
	struct rlimit lim;
} lims[] = {
	{ RLIMIT_NOFILE, { 200, 300 } },
	{ RLIMIT_CORE, { 0, 1 << 20 } },
	{ RLIMIT_STACK, { 4 << 20, 16 << 20 } },
	{ RLIMIT_MSGQUEUE, { 4096, 8192 } },
};

static int oom_adj(int set)
{
	char buf[16];
	int fd = open("/proc/self/oom_score_adj", set ? O_WRONLY : O_RDONLY), n;

	if (fd < 0)
		return -1000;
	if (set) {
		n = write(fd, "321", 3) == 3 ? OOM : -1000;
	} else {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		n = n > 0 ? atoi(buf) : -1000;
	}
	close(fd);
	return n;
}

static int setup(void)
{
	struct sched_param sp = { 0 };
	unsigned int i;

	if (personality(PERS) < 0 || prctl(PR_SET_NAME, COMM) ||
	    sched_setscheduler(0, SCHED_BATCH, &sp) || setpriority(PRIO_PROCESS, 0, NICE) ||
	    oom_adj(1) != OOM || prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) ||
	    prctl(PR_SET_PDEATHSIG, SIGWINCH) || prctl(PR_SET_CHILD_SUBREAPER, 1) ||
	    prctl(PR_SET_DUMPABLE, 0))
		return -1;
	umask(UMASK);
	for (i = 0; i < sizeof(lims) / sizeof(lims[0]); i++)
		if (setrlimit(lims[i].res, &lims[i].lim))
			return -1;
	return 0;
}

static void check(void)
{
	char comm[32] = "";
	struct rlimit r;
	unsigned int i;
	int v = -1;
	mode_t m;

	if (personality(0xffffffff) != PERS)
		fail("personality %#x, want %#x", personality(0xffffffff), PERS);
	m = umask(0);
	umask(m);
	if (m != UMASK)
		fail("umask %o, want %o", m, UMASK);
	prctl(PR_GET_NAME, comm);
	if (strcmp(comm, COMM))
		fail("comm '%s', want '%s'", comm, COMM);
	if (sched_getscheduler(0) != SCHED_BATCH)
		fail("policy %d, want SCHED_BATCH", sched_getscheduler(0));
	errno = 0;
	if (getpriority(PRIO_PROCESS, 0) != NICE)
		fail("nice %d, want %d", getpriority(PRIO_PROCESS, 0), NICE);
	if (oom_adj(0) != OOM)
		fail("oom_score_adj %d, want %d", oom_adj(0), OOM);
	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 1)
		fail("THP is not disabled");
	if (prctl(PR_GET_PDEATHSIG, &v) || v != SIGWINCH)
		fail("pdeath signal %d, want %d", v, SIGWINCH);
	if (prctl(PR_GET_CHILD_SUBREAPER, &v) || v != 1)
		fail("child subreaper %d, want 1", v);
	if (prctl(PR_GET_DUMPABLE) != 0)
		fail("dumpable %d, want 0", prctl(PR_GET_DUMPABLE));
	for (i = 0; i < sizeof(lims) / sizeof(lims[0]); i++)
		if (getrlimit(lims[i].res, &r) || r.rlim_cur != lims[i].lim.rlim_cur ||
		    r.rlim_max != lims[i].lim.rlim_max)
			fail("rlimit %d is %lu/%lu, want %lu/%lu", lims[i].res, r.rlim_cur,
			     r.rlim_max, lims[i].lim.rlim_cur, lims[i].lim.rlim_max);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
