/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timerfd01: a periodic timerfd (every 20 ms) that expired many times without being read.
 * The kernel counts the missed periods only when the fd is read, so the count is not in
 * fdinfo. After restore the first read must return at least the expirations counted
 * before the dump (10), and the timer must still be armed with its period and keep firing.
 */
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PERIOD_NS (20 * 1000 * 1000)

static int fd;

int main(int argc, char **argv)
{
	struct itimerspec its = { .it_interval = { 0, PERIOD_NS }, .it_value = { 0, PERIOD_NS } };
	struct timespec nap = { 0, 11 * PERIOD_NS };
	uint64_t ticks = 0;

	test_init(argc, argv);
	fd = timerfd_create(CLOCK_MONOTONIC, 0);
	if (fd < 0 || timerfd_settime(fd, 0, &its, NULL)) {
		fail_perror("can't arm the timerfd");
		return 1;
	}
	nanosleep(&nap, NULL);

	test_daemon();
	test_waitsig();

	if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks) || ticks < 10) {
		fail("the first read after restore counted %llu expirations, want 10 or more",
		     (unsigned long long)ticks);
		return 1;
	}
	if (timerfd_gettime(fd, &its) || its.it_interval.tv_sec ||
	    its.it_interval.tv_nsec != PERIOD_NS) {
		fail("the timer lost its period");
		return 1;
	}
	if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks) || !ticks) {
		fail("the timer does not fire any more");
		return 1;
	}
	pass();
	return 0;
}
