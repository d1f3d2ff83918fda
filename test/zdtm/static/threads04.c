/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threads04: seccomp filters are per thread; each thread keeps them after a checkpoint.
 *
 * The main thread installs a filter that makes getppid() fail with EHOSTDOWN and then
 * starts two threads, which inherit it. After restore every thread checks that the
 * filter still applies to it and that other syscalls still work. Built with OWN_FILTER
 * (threads05.c) one thread adds a filter of its own: the dump must be refused, naming the
 * thread, and the task must run on unchanged.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_THREADS 2

#ifndef OWN_FILTER
#define OWN_FILTER 0
#endif

static volatile int go;
static pthread_barrier_t ready;

/* getppid() fails with err; everything else is allowed */
static int deny_getppid(int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static void check(const char *who)
{
	errno = 0;
	if (syscall(SYS_getppid) != -1 || errno != EHOSTDOWN)
		fail("%s: getppid was not refused by the filter (errno %d)", who, errno);
	if (syscall(SYS_getpid) != getpid() || syscall(SYS_gettid) <= 0)
		fail("%s: allowed syscalls fail", who);
}

static void *thread_main(void *arg)
{
	long idx = (long)arg;

	/* the same rule once more: it behaves alike, but this thread's chain differs */
	if (OWN_FILTER && idx == 0 && deny_getppid(EHOSTDOWN))
		fail_perror("can't install a thread's own filter");
	pthread_barrier_wait(&ready);
	while (!go)
		usleep(10000);
	check(idx ? "thread 1" : "thread 0");
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[NR_THREADS];
	sigset_t blk;
	long i;

	test_init(argc, argv);
	sigemptyset(&blk);
	sigaddset(&blk, SIGTERM);
	sigprocmask(SIG_BLOCK, &blk, NULL); /* SIGTERM is for the main thread */
	if (deny_getppid(EHOSTDOWN)) {
		fail_perror("can't install the seccomp filter");
		return 1;
	}
	pthread_barrier_init(&ready, NULL, NR_THREADS + 1);
	for (i = 0; i < NR_THREADS; i++) {
		if (pthread_create(&th[i], NULL, thread_main, (void *)i)) {
			fail("can't create thread %ld", i);
			return 1;
		}
	}
	pthread_barrier_wait(&ready);

	test_daemon();
	test_waitsig();

	check("main");
	go = 1;
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(th[i], NULL);
	if (!test_failed())
		pass();
	return test_failed() ? 1 : 0;
}
