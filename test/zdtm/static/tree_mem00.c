/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree_mem00: private memory and TLS of several threads in several processes. The root
 * maps a private area and fills it, then forks two children; in each process two extra
 * threads run. Every process writes its own pattern over half of the area (the other half
 * stays as the root left it, shared copy-on-write), and every thread keeps its own
 * __thread value and a buffer on its stack. After restore each thread checks its own, and
 * each process its area; the children report through their exit code.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define AREA	(256 << 10)
#define NR_KIDS 2
#define NR_THR	2

static __thread uint64_t tls_value;
static uint8_t *area;
static int go[2];
static pthread_barrier_t ready;

static uint8_t fill_byte(int who, size_t i)
{
	return (uint8_t)(who * 41 + i * 13 + 5);
}

static int area_ok(int who)
{
	size_t i;

	for (i = 0; i < AREA; i++)
		if (area[i] != fill_byte(i < AREA / 2 ? 0 : who, i))
			return 0;
	return 1;
}

/* Each thread: its TLS and stack hold tag; once go is readable, check them. */
static void *thread_body(void *arg)
{
	uintptr_t tag = (uintptr_t)arg;
	uint64_t stack[512];
	char c;
	size_t i;

	tls_value = tag * 0x0101010101ULL;
	for (i = 0; i < 512; i++)
		stack[i] = tag + i;
	pthread_barrier_wait(&ready);
	if (read(go[0], &c, 1) != 1)
		return (void *)1;
	if (tls_value != tag * 0x0101010101ULL)
		return (void *)2;
	for (i = 0; i < 512; i++)
		if (stack[i] != tag + i)
			return (void *)3;
	return NULL;
}

/* Threads of process who (0 root): 0 when all of them kept their state. */
static int run_threads(int who, pthread_t *t)
{
	uintptr_t i;

	for (i = 0; i < NR_THR; i++)
		if (pthread_create(&t[i], NULL, thread_body, (void *)(who * 16 + i + 1)))
			return -1;
	tls_value = who * 0x0101010101ULL + 7;
	pthread_barrier_wait(&ready);
	return 0;
}

static int join_threads(int who, pthread_t *t)
{
	void *ret;
	int i, bad = 0;

	for (i = 0; i < NR_THR; i++)
		if (pthread_join(t[i], &ret) || ret)
			bad = 1;
	return bad || tls_value != who * 0x0101010101ULL + 7;
}

static int child(int who)
{
	pthread_t t[NR_THR];
	size_t i;

	for (i = AREA / 2; i < AREA; i++)
		area[i] = fill_byte(who, i);
	if (run_threads(who, t))
		return 1;
	/* the threads consume NR_THR bytes of go; one more is ours */
	if (join_threads(who, t))
		return 2;
	return area_ok(who) ? 0 : 3;
}

int main(int argc, char **argv)
{
	pthread_t t[NR_THR];
	pid_t kids[NR_KIDS];
	size_t i;
	int k;

	test_init(argc, argv);
	area = mmap(NULL, AREA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || pipe(go) || pthread_barrier_init(&ready, NULL, NR_THR + 1)) {
		fail_perror("setup");
		return 1;
	}
	for (i = 0; i < AREA; i++)
		area[i] = fill_byte(0, i);
	for (k = 0; k < NR_KIDS; k++) {
		kids[k] = fork();
		if (kids[k] == 0)
			_exit(child(k + 1));
	}
	for (i = AREA / 2; i < AREA; i++)
		area[i] = fill_byte(NR_KIDS + 1, i);
	if (run_threads(NR_KIDS + 1, t)) {
		fail("can't start threads");
		return 1;
	}
	usleep(100000); /* the children's threads are up too */
	test_daemon();
	test_waitsig();

	for (k = 0; k < (NR_KIDS + 1) * NR_THR; k++)
		if (write(go[1], "g", 1) != 1)
			fail_perror("can't let the threads go");
	if (join_threads(NR_KIDS + 1, t))
		fail("a thread of the root lost its TLS or stack");
	if (!area_ok(NR_KIDS + 1))
		fail("the root's area changed");
	for (k = 0; k < NR_KIDS; k++)
		test_wait_child(kids[k], "a child (threads, area)");
	if (!test_failed())
		pass();
	return test_failed();
}
