/* SPDX-License-Identifier: GPL-2.0 */
/*
 * itimers00: the three interval timers (real, virtual, profiling) come back with their
 * intervals and with no more time left than they had, and not much less.
 */
#include <sys/time.h>

#include "zdtmtst.h"

/* the real timer runs on while the task is checkpointed: allow a minute */
#define REAL_SLACK 60
#define CPU_SLACK  5

static const struct itimerval want[3] = {
	{ .it_interval = { 500, 250000 }, .it_value = { 1000, 0 } },
	{ .it_interval = { 100, 0 }, .it_value = { 2000, 500000 } },
	{ .it_interval = { 0, 0 }, .it_value = { 3000, 0 } },
};

static void check(int which, const struct itimerval *v, long slack)
{
	long left = v->it_value.tv_sec, set = want[which].it_value.tv_sec;

	if (v->it_interval.tv_sec != want[which].it_interval.tv_sec ||
	    v->it_interval.tv_usec != want[which].it_interval.tv_usec)
		fail("itimer %d: interval %ld.%06ld, want %ld.%06ld", which, v->it_interval.tv_sec,
		     v->it_interval.tv_usec, want[which].it_interval.tv_sec,
		     want[which].it_interval.tv_usec);
	if (left > set || left < set - slack)
		fail("itimer %d: %ld s left, set to %ld", which, left, set);
}

int main(int argc, char **argv)
{
	struct itimerval v;
	int i;

	test_init(argc, argv);
	test_daemon();
	for (i = 0; i < 3; i++)
		if (setitimer(i, &want[i], NULL)) {
			fail_perror("setitimer(%d)", i);
			return 1;
		}
	test_waitsig();
	for (i = 0; i < 3; i++) {
		if (getitimer(i, &v)) {
			fail_perror("getitimer(%d)", i);
			return 1;
		}
		check(i, &v, i == ITIMER_REAL ? REAL_SLACK : CPU_SLACK);
	}
	if (!test_failed())
		pass();
	return test_failed();
}
