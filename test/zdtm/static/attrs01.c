/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attrs01: scheduling attributes survive a checkpoint: CPU affinity (the last online CPU
 * alone), I/O priority (best-effort level 7, not the one nice implies), timer slack, and a
 * private expedited membarrier registration.
 */
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define IOPRIO_WHO_PROCESS	      1
#define IOPRIO_BE_7		      (2 << 13 | 7)
#define SLACK_NS		      123456UL
#define MB_PRIVATE_EXPEDITED	      (1 << 3)
#define MB_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#define MB_GET_REGISTRATIONS	      (1 << 9)

static int want_cpu;

static int setup(void)
{
	cpu_set_t set;

	want_cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	CPU_ZERO(&set);
	CPU_SET(want_cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_BE_7) ||
	    prctl(PR_SET_TIMERSLACK, SLACK_NS, 0, 0, 0) ||
	    syscall(SYS_membarrier, MB_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		return -1;
	return 0;
}

static void check(void)
{
	long regs = syscall(SYS_membarrier, MB_GET_REGISTRATIONS, 0, 0);
	long prio = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0);
	long slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) || CPU_COUNT(&set) != 1 ||
	    !CPU_ISSET(want_cpu, &set))
		fail("affinity: %d CPUs, want only CPU %d", CPU_COUNT(&set), want_cpu);
	if (prio != IOPRIO_BE_7)
		fail("ioprio %#lx, want %#x", prio, IOPRIO_BE_7);
	if (slack != (long)SLACK_NS)
		fail("timer slack %ld ns, want %lu", slack, SLACK_NS);
	if (regs < 0 || !(regs & MB_REGISTER_PRIVATE_EXPEDITED))
		fail("membarrier registrations %#lx lack PRIVATE_EXPEDITED", regs);
	if (syscall(SYS_membarrier, MB_PRIVATE_EXPEDITED, 0, 0))
		fail_perror("a private expedited membarrier is refused");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
