/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threads01: the kernel state only a thread itself holds survives a checkpoint.
 *
 * Thread "alt" has its own sigaltstack and a private pending SIGUSR1 that the main thread
 * queued to it (with a value) while both block it; after restore the signal must be
 * pending in that thread only. Every thread checks that its rseq area is still registered
 * (registering it again must fail with EBUSY) and that the kernel keeps its cpu_id
 * current, and that its robust futex list head is the one it had. Thread "late" exits
 * only after the restore: joining it needs its clear_child_tid to be back. A POSIX timer
 * aimed at "alt" (SIGEV_THREAD_ID) expires around the checkpoint: its SIGUSR2 must reach
 * "alt", whether it was pending at the dump or comes from the restored timer.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define ALT_SIZE  (64 << 10)
#define SIG_VALUE 4242

static volatile int go;
static volatile pid_t alt_tid;
static pthread_barrier_t ready;
static char alt_stack[ALT_SIZE];

struct robust {
	void *head;
	size_t len;
};

static void get_robust(struct robust *r)
{
	syscall(SYS_get_robust_list, 0, &r->head, &r->len);
}

/* glibc registered an rseq area for this thread: it must still be registered. */
static void check_rseq(const char *who)
{
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;
	volatile uint32_t *cpu_id = (volatile uint32_t *)area + 1;
	unsigned int cpu = 0;
	int i;

	if (!__rseq_size) {
		test_msg("%s: glibc did not register rseq; not checked\n", who);
		return;
	}
	if (syscall(SYS_rseq, area, 32, 0, RSEQ_SIG) != -1 || errno != EBUSY) {
		fail("%s: the rseq area is not registered after restore (errno %d)", who, errno);
		return;
	}
	/* the kernel rewrites cpu_id on the way back to user space; retry across migrations */
	for (i = 0; i < 100; i++) {
		sched_yield();
		if (syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 && *cpu_id == cpu)
			return;
	}
	fail("%s: rseq cpu_id is %u, the thread runs on cpu %u", who, *cpu_id, cpu);
}

static void check_robust(const char *who, const struct robust *before)
{
	struct robust now;

	get_robust(&now);
	if (now.head != before->head || now.len != before->len)
		fail("%s: robust list %p/%zu, it was %p/%zu", who, now.head, now.len, before->head,
		     before->len);
}

static void wait_go(void)
{
	while (!go)
		usleep(10000);
}

static void check_timer_signal(void)
{
	struct timespec wait = { 5, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	if (sigtimedwait(&set, NULL, &wait) != SIGUSR2)
		fail("alt: the timer's SIGUSR2 did not reach this thread");
}

static void check_pending_usr1(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigtimedwait(&set, &si, &zero) != SIGUSR1) {
		fail("alt: SIGUSR1 is not pending in this thread after restore");
		return;
	}
	if (si.si_code != SI_QUEUE || si.si_value.sival_int != SIG_VALUE)
		fail("alt: SIGUSR1 came with code %d value %d, want %d %d", si.si_code,
		     si.si_value.sival_int, SI_QUEUE, SIG_VALUE);
}

static void *alt_main(void *arg)
{
	stack_t ss = { .ss_sp = alt_stack, .ss_size = ALT_SIZE }, now;
	struct robust rb;

	(void)arg;
	alt_tid = syscall(SYS_gettid);
	if (sigaltstack(&ss, NULL))
		fail_perror("alt: sigaltstack");
	get_robust(&rb);
	pthread_barrier_wait(&ready);
	wait_go();

	if (sigaltstack(NULL, &now) || now.ss_sp != alt_stack || now.ss_size != ALT_SIZE ||
	    now.ss_flags != 0)
		fail("alt: sigaltstack is %p/%zu/%d, it was %p/%d/0", now.ss_sp, now.ss_size,
		     now.ss_flags, (void *)alt_stack, ALT_SIZE);
	check_pending_usr1();
	check_timer_signal();
	check_rseq("alt");
	check_robust("alt", &rb);
	return NULL;
}

static void *late_main(void *arg)
{
	struct robust rb;

	(void)arg;
	get_robust(&rb);
	pthread_barrier_wait(&ready);
	wait_go();
	check_rseq("late");
	check_robust("late", &rb);
	return NULL;
}

/* One shot at 100 ms: before the dump or after the restore, both must reach "alt". */
static int arm_timer(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR2 };
	struct itimerspec its = { .it_value = { 0, 100 * 1000 * 1000 } };
	timer_t timer;

	sev._sigev_un._tid = alt_tid;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) || timer_settime(timer, 0, &its, NULL)) {
		fail_perror("can't arm a timer aimed at a thread");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t alt, late;
	struct timespec ts;
	struct robust rb;
	union sigval v = { .sival_int = SIG_VALUE };
	sigset_t blk, pend;

	test_init(argc, argv);
	/* threads inherit this: SIGUSR1 stays pending, SIGTERM is for the main thread */
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR1);
	sigaddset(&blk, SIGUSR2);
	sigaddset(&blk, SIGTERM);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	pthread_barrier_init(&ready, NULL, 3);
	if (pthread_create(&alt, NULL, alt_main, NULL) ||
	    pthread_create(&late, NULL, late_main, NULL)) {
		fail("can't create threads");
		return 1;
	}
	pthread_barrier_wait(&ready);
	if (pthread_sigqueue(alt, SIGUSR1, v)) {
		fail("can't queue SIGUSR1 to a thread");
		return 1;
	}
	get_robust(&rb);
	if (arm_timer())
		return 1;

	test_daemon();
	test_waitsig();

	sigpending(&pend);
	if (sigismember(&pend, SIGUSR1) || sigismember(&pend, SIGUSR2))
		fail("main: SIGUSR1 or SIGUSR2 is pending in the main thread or the process");
	check_rseq("main");
	check_robust("main", &rb);
	go = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	if (pthread_timedjoin_np(late, NULL, &ts) || pthread_timedjoin_np(alt, NULL, &ts))
		fail("a thread that exited after restore can't be joined: clear_child_tid lost?");
	if (!test_failed())
		pass();
	return test_failed() ? 1 : 0;
}
