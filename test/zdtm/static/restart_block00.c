/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restart_block00: waits interrupted by the dump's stop must not come back with EINTR after
 * the restore: poll with no timeout (what "tail -f" waits in; the kernel parks it with a
 * restart block) and FUTEX_WAIT_BITSET with an absolute timeout (a condition variable's
 * timed wait; a restart block too), next to clock_nanosleep until an absolute time (which
 * the kernel restarts without one). A thread sits in each across the dump: poll returns the pipe
 * ready once data is written, the sleep ends at its time and not before, the futex wait returns 0
 * on a wake.
 */
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SLEEP_NS (3ll * 1000000000)

static int pipe_fds[2];
static uint32_t futex_word;
static struct timespec wake_at;
static volatile int waiting;
static long res_poll = -100, res_sleep = -100, res_futex = -100;

static void *in_poll(void *arg)
{
	struct pollfd p = { .fd = pipe_fds[0], .events = POLLIN };

	(void)arg;
	__atomic_fetch_add(&waiting, 1, __ATOMIC_SEQ_CST);
	res_poll = syscall(SYS_poll, &p, 1, -1) < 0 ? -errno : (p.revents & POLLIN ? 1 : 0);
	return NULL;
}

static void *in_sleep(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&waiting, 1, __ATOMIC_SEQ_CST);
	res_sleep = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &wake_at, NULL) < 0
			    ? -errno
			    : 0;
	return NULL;
}

static void *in_futex(void *arg)
{
	struct timespec until;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += 120;
	__atomic_fetch_add(&waiting, 1, __ATOMIC_SEQ_CST);
	res_futex = syscall(SYS_futex, &futex_word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0,
			    &until, NULL, FUTEX_BITSET_MATCH_ANY) < 0
			    ? -errno
			    : 0;
	return NULL;
}

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000ll + t->tv_nsec;
}

int main(int argc, char **argv)
{
	pthread_t th[3];
	struct timespec now;
	int i;

	test_init(argc, argv);
	if (pipe(pipe_fds)) {
		fail("pipe: %m");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &wake_at);
	wake_at.tv_sec += SLEEP_NS / 1000000000;
	if (pthread_create(&th[0], NULL, in_poll, NULL) ||
	    pthread_create(&th[1], NULL, in_sleep, NULL) ||
	    pthread_create(&th[2], NULL, in_futex, NULL)) {
		fail("can't start the threads");
		return 1;
	}
	while (__atomic_load_n(&waiting, __ATOMIC_SEQ_CST) < 3)
		usleep(1000);
	usleep(50000); /* into their syscalls */
	test_daemon();
	test_waitsig();

	if (write(pipe_fds[1], "x", 1) != 1)
		fail("write: %m");
	__atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 100 && res_futex == -100; i++) {
		syscall(SYS_futex, &futex_word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
		usleep(10000);
	}
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (res_poll != 1)
		fail("poll with no timeout returned %ld (%s), not the pipe ready", res_poll,
		     res_poll < 0 ? strerror(-res_poll) : "-");
	if (res_sleep != 0)
		fail("clock_nanosleep until an absolute time returned %s", strerror(-res_sleep));
	if (ns(&now) < ns(&wake_at))
		fail("the sleep ended %lld ns before its time", ns(&wake_at) - ns(&now));
	if (res_futex != 0)
		fail("FUTEX_WAIT_BITSET returned %s, not 0 for the wake",
		     res_futex < 0 ? strerror(-res_futex) : "?");
	if (!test_failed())
		pass();
	return 0;
}
