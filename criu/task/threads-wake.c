/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task/threads-wake.c - keeps short the moment between criu's ns_last_pid write and the
 * leader's clone of a thread (by_last_pid: task/threads-lastpid.c).
 *
 * A fork of the host in that moment takes the thread's pid at criu's level. The leader waits
 * in a ptrace stop, and once let go it must get a CPU: on a loaded host, a scheduler wake-up
 * of milliseconds, in which a busy host forks. So, for that moment only, the leader runs
 * SCHED_FIFO: woken, it preempts a normal task at once, and the clone follows the write by
 * microseconds. criu runs SCHED_FIFO too, below the leader, so that nothing preempts it
 * between the write and PTRACE_CONT. Both take SCHED_RESET_ON_FORK: the thread the leader
 * clones (and the ns_last_pid writer criu may fork) start as normal tasks; a thread sets
 * its own policy in the restorer. Each gets its own policy back right after: criu after
 * PTRACE_CONT, the leader at its clone event. Where SCHED_FIFO is refused (no CAP_SYS_NICE,
 * a cgroup with no real-time time), the clone waits for a CPU as before.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "log.h"
#include "threads.h"

/* low real-time priorities: above every normal task, below the kernel's real-time threads */
#define LEADER_PRIO 2
#define CRIU_PRIO   1

struct saved_sched {
	pid_t pid; /* 0: criu itself */
	int policy;
	struct sched_param param;
	bool raised;
};

static struct saved_sched leader, self;
static bool refused_logged;

static void raise_fifo(struct saved_sched *s, pid_t pid, int prio)
{
	struct sched_param fifo = { .sched_priority = prio };

	s->pid = pid;
	s->policy = sched_getscheduler(pid);
	if (s->policy < 0 || sched_getparam(pid, &s->param))
		return;
	if (sched_setscheduler(pid, SCHED_FIFO | SCHED_RESET_ON_FORK, &fifo)) {
		if (!refused_logged)
			pr_info("No SCHED_FIFO for %d (%s): a thread's clone waits for a CPU after "
				"ns_last_pid is set, in which a fork of the host may take its "
				"pid\n",
				pid ?: getpid(), strerror(errno));
		refused_logged = true;
		return;
	}
	s->raised = true;
}

static void put_back(struct saved_sched *s)
{
	if (!s->raised)
		return;
	s->raised = false;
	if (sched_setscheduler(s->pid, s->policy, &s->param))
		pr_warn("Can't give %d its scheduling policy %d back: %s\n", s->pid ?: getpid(),
			s->policy, strerror(errno));
}

void rst_clone_wake_raise(pid_t pid)
{
	raise_fifo(&leader, pid, LEADER_PRIO);
	raise_fifo(&self, 0, CRIU_PRIO);
}

void rst_clone_wake_criu_back(void)
{
	put_back(&self);
}

void rst_clone_wake_leader_back(void)
{
	put_back(&leader);
}
