/* SPDX-License-Identifier: GPL-2.0 */
/*
 * signals00: pending signals survive a checkpoint with their siginfo, in both queues.
 *
 * Blocked signals are queued to the thread (rt_tgsigqueueinfo) and to the process
 * (sigqueue, kill); after restore the pending sets must be the same and each signal must
 * come out of sigtimedwait() with the value, code and sender it was queued with.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_RT 3

static int queue_private(int sig, int val)
{
	siginfo_t si = { .si_signo = sig, .si_code = SI_QUEUE };

	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = val;
	return syscall(SYS_rt_tgsigqueueinfo, getpid(), getpid(), sig, &si);
}

static int check_one(int sig, int code, int val, const char *what)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigtimedwait(&set, &si, &zero) != sig) {
		fail("%s: signal %d is not pending after restore", what, sig);
		return -1;
	}
	if (si.si_code != code || si.si_pid != getpid() ||
	    (code == SI_QUEUE && si.si_value.sival_int != val)) {
		fail("%s: signal %d came back with code %d pid %d value %d, want %d %d %d", what,
		     sig, si.si_code, si.si_pid, si.si_value.sival_int, code, getpid(), val);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rt = SIGRTMIN + 1, prt = SIGRTMIN + 2, i;
	sigset_t blk, pend_before, pend_after;
	union sigval v;

	test_init(argc, argv);
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR1);
	sigaddset(&blk, SIGUSR2);
	sigaddset(&blk, rt);
	sigaddset(&blk, prt);
	sigprocmask(SIG_BLOCK, &blk, NULL);

	for (i = 0; i < NR_RT; i++) {
		v.sival_int = 100 + i;
		if (sigqueue(getpid(), rt, v) || queue_private(prt, 200 + i)) {
			fail_perror("can't queue signals");
			return 1;
		}
	}
	if (kill(getpid(), SIGUSR1) || queue_private(SIGUSR2, 300)) {
		fail_perror("can't send signals");
		return 1;
	}
	sigpending(&pend_before);

	test_daemon();
	test_waitsig();

	sigpending(&pend_after);
	for (i = 1; i < SIGRTMAX; i++)
		if (sigismember(&pend_before, i) != sigismember(&pend_after, i))
			fail("signal %d: pending %d before, %d after", i,
			     sigismember(&pend_before, i), sigismember(&pend_after, i));
	/* real-time signals keep their queue order; each one has its own value */
	for (i = 0; i < NR_RT; i++) {
		check_one(rt, SI_QUEUE, 100 + i, "shared queue");
		check_one(prt, SI_QUEUE, 200 + i, "private queue");
	}
	check_one(SIGUSR1, SI_USER, 0, "kill");
	check_one(SIGUSR2, SI_QUEUE, 300, "private SIGUSR2");
	sigpending(&pend_after);
	for (i = 1; i < SIGRTMAX; i++)
		if (sigismember(&blk, i) && sigismember(&pend_after, i))
			fail("signal %d is still pending: too many came back", i);
	if (!test_failed())
		pass();
	return test_failed();
}
