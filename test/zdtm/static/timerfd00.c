/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timerfd00: timerfds keep their clock, interval, the time left and the expirations not
 * yet read. t1 (one-shot) fired before the checkpoint and was not read; t2 is armed far
 * away with a period; t3 is disarmed.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FAR_SEC 3600

int main(int argc, char **argv)
{
	struct itimerspec its = { .it_value = { 0, 1000000 } };
	struct itimerspec far = { .it_value = { FAR_SEC, 0 }, .it_interval = { 7, 500 } };
	struct itimerspec got;
	int t1, t2, t3;
	uint64_t ticks;

	test_init(argc, argv);
	t1 = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	t2 = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	t3 = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK);
	if (t1 < 0 || t2 < 0 || t3 < 0 || timerfd_settime(t2, 0, &far, NULL)) {
		fail_perror("can't set up the timerfds");
		return 1;
	}
	if (timerfd_settime(t1, 0, &its, NULL)) {
		fail_perror("can't arm t1");
		return 1;
	}
	usleep(20000);

	test_daemon();
	test_waitsig();

	ticks = 0;
	if (read(t1, &ticks, sizeof(ticks)) != sizeof(ticks) || ticks != 1) {
		fail("t1 lost its expiration (read %llu)", (unsigned long long)ticks);
		return 1;
	}
	if (timerfd_gettime(t2, &got) || got.it_interval.tv_sec != 7 ||
	    got.it_interval.tv_nsec != 500 || got.it_value.tv_sec > FAR_SEC ||
	    got.it_value.tv_sec < FAR_SEC - 600) {
		fail("t2 is %ld.%09ld every %ld.%09ld", (long)got.it_value.tv_sec,
		     got.it_value.tv_nsec, (long)got.it_interval.tv_sec, got.it_interval.tv_nsec);
		return 1;
	}
	if (!(fcntl(t2, F_GETFL) & O_NONBLOCK) || !(fcntl(t1, F_GETFL) & O_NONBLOCK)) {
		fail("timerfd flags changed");
		return 1;
	}
	if (timerfd_gettime(t3, &got) || got.it_value.tv_sec || got.it_value.tv_nsec ||
	    read(t3, &ticks, sizeof(ticks)) != -1 || errno != EAGAIN) {
		fail("the disarmed t3 is armed or has expirations");
		return 1;
	}
	pass();
	return 0;
}
