/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threads02: a task whose threads come and go all the time dumps and restores.
 *
 * A spawner thread creates short-lived detached threads in a loop, so threads are born
 * and exit while criu seizes the task: criu must rescan until the set is stable and take
 * a thread that exits meanwhile as gone. After restore the restored threads (the spawner
 * and whichever short-lived ones were caught) must run on: the count of finished threads
 * must keep growing, and the spawner must stop and be joined when asked.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MAX_IN_FLIGHT 8

static volatile int stop;
static uint64_t started, finished;

static void *short_main(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void *spawner_main(void *arg)
{
	pthread_attr_t attr;
	pthread_t th;

	(void)arg;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 << 10);
	while (!stop) {
		if (started - __atomic_load_n(&finished, __ATOMIC_SEQ_CST) >= MAX_IN_FLIGHT) {
			sched_yield();
			continue;
		}
		if (pthread_create(&th, &attr, short_main, NULL)) {
			usleep(1000);
			continue;
		}
		started++;
	}
	return NULL;
}

static uint64_t finished_after(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
	return __atomic_load_n(&finished, __ATOMIC_SEQ_CST);
}

int main(int argc, char **argv)
{
	uint64_t before, after;
	pthread_t spawner;
	sigset_t blk;
	int i;

	test_init(argc, argv);
	sigemptyset(&blk);
	sigaddset(&blk, SIGTERM);
	sigprocmask(SIG_BLOCK, &blk, NULL); /* SIGTERM is for the main thread */
	if (pthread_create(&spawner, NULL, spawner_main, NULL)) {
		fail("can't create the spawner thread");
		return 1;
	}
	for (i = 0; i < 500 && finished_after(10) == 0; i++)
		;
	if (!finished) {
		fail("no short-lived thread finished in 5 s before the dump");
		return 1;
	}

	test_daemon();
	test_waitsig();

	before = finished_after(0);
	after = finished_after(200);
	if (after <= before)
		fail("threads stopped finishing after restore (%lu then %lu)", before, after);
	stop = 1;
	pthread_join(spawner, NULL);
	test_msg("%lu short-lived threads finished\n", after);
	if (!test_failed())
		pass();
	return test_failed() ? 1 : 0;
}
