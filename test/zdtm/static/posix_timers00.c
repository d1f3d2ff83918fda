/* SPDX-License-Identifier: GPL-2.0 */
/*
 * posix_timers00: POSIX timers come back with their ids (with gaps), clocks, signals,
 * notification kinds and values, intervals and time left; an armed timer still fires.
 * /proc/self/timers must read the same before and after.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR    5
#define SLACK 60

static timer_t tm[NR];
static volatile int fired;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGRTMIN + 4 && si->si_code == SI_TIMER && si->si_value.sival_int == 77)
		fired++;
}

static int read_timers(char *buf, size_t len)
{
	int fd = open("/proc/self/timers", O_RDONLY), n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static int make(int i, clockid_t clk, int notify, int sig, int val)
{
	struct sigevent sev = { .sigev_notify = notify, .sigev_signo = sig };

	sev.sigev_value.sival_int = val;
	if (notify == SIGEV_THREAD_ID)
		sev._sigev_un._tid = syscall(SYS_gettid);
	return timer_create(clk, &sev, &tm[i]);
}

int main(int argc, char **argv)
{
	struct itimerspec a = { { 7, 500 }, { 1000, 0 } }, b = { { 0, 0 }, { 500, 0 } }, cur;
	struct itimerspec fire = { { 0, 0 }, { 2, 0 } };
	struct sigaction sa = { .sa_sigaction = on_timer, .sa_flags = SA_SIGINFO };
	static char before[4096], after[4096];
	struct timespec ts = { 0, 100000000 };
	int i;

	test_init(argc, argv);
	sigaction(SIGRTMIN + 4, &sa, NULL);
	if (make(0, CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 3, 0x1234) ||
	    make(1, CLOCK_REALTIME, SIGEV_NONE, 0, 0) ||
	    make(2, CLOCK_BOOTTIME, SIGEV_THREAD_ID, SIGRTMIN + 4, 77) ||
	    make(3, CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGRTMIN + 4, 77) ||
	    make(4, CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, SIGALRM, 5)) {
		fail_perror("timer_create");
		return 1;
	}
	/* leave a gap in the ids */
	timer_delete(tm[1]);
	if (timer_settime(tm[0], 0, &a, NULL) || timer_settime(tm[2], 0, &b, NULL)) {
		fail_perror("timer_settime");
		return 1;
	}
	if (read_timers(before, sizeof(before))) {
		fail_perror("can't read /proc/self/timers");
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (read_timers(after, sizeof(after)))
		fail_perror("can't read /proc/self/timers after restore");
	else if (strcmp(before, after))
		fail("/proc/self/timers differs:\n%s---\n%s", before, after);
	if (timer_gettime(tm[0], &cur))
		fail_perror("timer_gettime(0)");
	else if (cur.it_interval.tv_sec != 7 || cur.it_interval.tv_nsec != 500 ||
		 cur.it_value.tv_sec > 1000 || cur.it_value.tv_sec < 1000 - SLACK)
		fail("timer 0: interval %ld.%09ld left %ld s", cur.it_interval.tv_sec,
		     cur.it_interval.tv_nsec, cur.it_value.tv_sec);
	if (timer_gettime(tm[2], &cur) || cur.it_value.tv_sec > 500 ||
	    cur.it_value.tv_sec < 500 - SLACK)
		fail("timer 2: left %ld s", cur.it_value.tv_sec);
	if (timer_gettime(tm[4], &cur) || cur.it_value.tv_sec || cur.it_value.tv_nsec)
		fail("timer 4 should be disarmed");
	/* the restored timer 3 still delivers its signal with its value */
	timer_settime(tm[3], 0, &fire, NULL);
	for (i = 0; i < 50 && !fired; i++)
		nanosleep(&ts, NULL);
	if (!fired)
		fail("timer 3 did not fire within 5 s");
	if (!test_failed())
		pass();
	return test_failed();
}
