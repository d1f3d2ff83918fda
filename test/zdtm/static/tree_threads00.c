/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree_threads00: threads in a tree. The root and two children each run three extra
 * threads; every thread keeps its own TLS value and remembers its tid. After restore each
 * task releases its threads, which check that TLS and gettid() are what they were; joining
 * them proves clear_child_tid came back too. Children report through their exit status.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_THREADS 3

struct worker {
	pthread_t th;
	pid_t tid;
	unsigned int seed;
	int bad;
};

static __thread unsigned int tls_value;
static pthread_barrier_t started, after_restore;
static struct worker workers[NR_THREADS];

static void *work(void *arg)
{
	struct worker *w = arg;

	tls_value = w->seed;
	w->tid = syscall(SYS_gettid);
	pthread_barrier_wait(&started);
	/* here across the dump and the restore, in a futex wait */
	pthread_barrier_wait(&after_restore);
	w->bad = tls_value != w->seed || syscall(SYS_gettid) != w->tid;
	return NULL;
}

static int start_workers(unsigned int seed)
{
	int i;

	if (pthread_barrier_init(&started, NULL, NR_THREADS + 1) ||
	    pthread_barrier_init(&after_restore, NULL, NR_THREADS + 1))
		return -1;
	tls_value = seed;
	for (i = 0; i < NR_THREADS; i++) {
		workers[i].seed = seed * 10 + i + 1;
		if (pthread_create(&workers[i].th, NULL, work, &workers[i]))
			return -1;
	}
	pthread_barrier_wait(&started);
	return 0;
}

/* Returns 0 if every thread (and the main one) kept its state, else a check number. */
static int check_workers(unsigned int seed)
{
	int i, bad = 0;

	pthread_barrier_wait(&after_restore);
	for (i = 0; i < NR_THREADS; i++) {
		if (pthread_join(workers[i].th, NULL))
			return 2;
		bad |= workers[i].bad;
	}
	if (tls_value != seed)
		return 3;
	return bad ? 4 : 0;
}

static pid_t spawn(int go, unsigned int seed)
{
	pid_t pid = fork();
	char c;

	if (pid)
		return pid;
	if (start_workers(seed))
		_exit(1);
	if (read(go, &c, 1) != 1)
		_exit(5);
	_exit(check_workers(seed));
}

int main(int argc, char **argv)
{
	pid_t kids[2];
	int go[2], i, status, ret;

	test_init(argc, argv);
	if (pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	for (i = 0; i < 2; i++)
		kids[i] = spawn(go[0], i + 2);
	if (start_workers(1)) {
		fail_perror("can't start the threads");
		return 1;
	}
	test_daemon();
	test_waitsig();

	ret = check_workers(1);
	if (ret)
		fail("the root's threads: check %d failed after restore", ret);
	if (write(go[1], "xx", 2) != 2)
		fail_perror("can't wake the children");
	for (i = 0; i < 2; i++) {
		if (waitpid(kids[i], &status, 0) != kids[i])
			fail_perror("child %d is no longer our child", kids[i]);
		else if (!WIFEXITED(status) || WEXITSTATUS(status))
			fail("child %d: check %d failed after restore", kids[i],
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	if (!test_failed())
		pass();
	return test_failed();
}
