/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threads00: every thread of a task survives a checkpoint with its own state.
 *
 * Four threads besides the main one each fill a stack array and a __thread variable with
 * their own pattern, block their own signal, take their own name and hold their own values
 * in vector registers (ymm8-15 with AVX, else xmm8-15) inside an asm loop that sleeps with
 * raw nanosleep syscalls until the main thread, woken by SIGTERM, sets `go`. Each thread
 * then checks all of it, and that gettid() is still the tid it had before the dump; the
 * main thread joins them (which needs clear_child_tid to work) and reports.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_THREADS  4
#define STACK_WORDS 512

struct vec_regs {
	uint8_t v[8][32]; /* ymm8..ymm15 (xmm: the first 16 bytes of each) */
};

void hold_sse(const struct vec_regs *in, struct vec_regs *out, volatile int *go);
void hold_avx(const struct vec_regs *in, struct vec_regs *out, volatile int *go);

/* clang-format off */
/* Sleep 10 ms per round with a raw syscall: libc could clobber the vector registers. */
#define WAIT_GO								\
	"	movq %rdx, %r8\n"					\
	"	subq $24, %rsp\n"					\
	"1:	cmpl $0, (%r8)\n"					\
	"	jne 2f\n"						\
	"	movq $0, (%rsp)\n"					\
	"	movq $10000000, 8(%rsp)\n"				\
	"	movq %rsp, %rdi\n"					\
	"	xorl %esi, %esi\n"					\
	"	movl $35, %eax\n"					\
	"	syscall\n"						\
	"	jmp 1b\n"						\
	"2:	addq $24, %rsp\n"
asm(	".text\n"
	".type hold_sse, @function\n"
	"hold_sse:\n"
	"	pushq %rsi\n"
	"	.irp i,8,9,10,11,12,13,14,15\n	movdqu (\\i-8)*32(%rdi), %xmm\\i\n	.endr\n"
	WAIT_GO
	"	popq %rsi\n"
	"	.irp i,8,9,10,11,12,13,14,15\n	movdqu %xmm\\i, (\\i-8)*32(%rsi)\n	.endr\n"
	"	ret\n"
	".size hold_sse, .-hold_sse\n"
	".type hold_avx, @function\n"
	"hold_avx:\n"
	"	pushq %rsi\n"
	"	.irp i,8,9,10,11,12,13,14,15\n	vmovdqu (\\i-8)*32(%rdi), %ymm\\i\n	.endr\n"
	WAIT_GO
	"	popq %rsi\n"
	"	.irp i,8,9,10,11,12,13,14,15\n	vmovdqu %ymm\\i, (\\i-8)*32(%rsi)\n	.endr\n"
	"	vzeroupper\n"
	"	ret\n"
	".size hold_avx, .-hold_avx\n");
/* clang-format on */

static __thread uint64_t tls_value;
static volatile int go;
static int use_avx;
static pthread_barrier_t ready;

struct thread_state {
	int idx;
	pid_t tid;
	int bad;
	pthread_t th;
};

static struct thread_state ts[NR_THREADS];

static uint64_t pattern(int idx, int i)
{
	return 0x5a5a000000000000ULL ^ ((uint64_t)idx << 32) ^ (uint64_t)i * 2654435761u;
}

static int check_thread(struct thread_state *t, const uint64_t *stack, sigset_t *want_mask,
			const struct vec_regs *in, const struct vec_regs *out)
{
	char name[16], want_name[16];
	sigset_t mask;
	int i, bad = 0;

	if (syscall(SYS_gettid) != t->tid) {
		fail("thread %d: gettid() is %ld, it was %d", t->idx, syscall(SYS_gettid), t->tid);
		bad++;
	}
	if (tls_value != pattern(t->idx, -1)) {
		fail("thread %d: TLS value %#lx, expected %#lx", t->idx, tls_value,
		     pattern(t->idx, -1));
		bad++;
	}
	for (i = 0; i < STACK_WORDS; i++) {
		if (stack[i] != pattern(t->idx, i)) {
			fail("thread %d: stack word %d changed", t->idx, i);
			bad++;
			break;
		}
	}
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	for (i = 1; i < SIGRTMAX; i++) {
		if (sigismember(&mask, i) != sigismember(want_mask, i)) {
			fail("thread %d: signal %d blocked %d, expected %d", t->idx, i,
			     sigismember(&mask, i), sigismember(want_mask, i));
			bad++;
		}
	}
	snprintf(want_name, sizeof(want_name), "zdtm-thr-%d", t->idx);
	if (pthread_getname_np(pthread_self(), name, sizeof(name)) || strcmp(name, want_name)) {
		fail("thread %d: name is \"%s\", expected \"%s\"", t->idx, name, want_name);
		bad++;
	}
	for (i = 0; i < 8; i++) {
		if (memcmp(in->v[i], out->v[i], use_avx ? 32 : 16)) {
			fail("thread %d: vector register %d changed", t->idx, i + 8);
			bad++;
		}
	}
	return bad;
}

static void *thread_main(void *arg)
{
	struct thread_state *t = arg;
	uint64_t stack[STACK_WORDS];
	struct vec_regs in, out;
	char name[16];
	sigset_t mask;
	int i;

	t->tid = syscall(SYS_gettid);
	tls_value = pattern(t->idx, -1);
	for (i = 0; i < STACK_WORDS; i++)
		stack[i] = pattern(t->idx, i);
	for (i = 0; i < 32; i++)
		((uint64_t *)in.v)[i] = pattern(t->idx + 100, i);
	snprintf(name, sizeof(name), "zdtm-thr-%d", t->idx);
	pthread_setname_np(pthread_self(), name);
	/* SIGTERM goes to the main thread; each thread blocks a signal of its own */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGRTMIN + 1 + t->idx);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);

	pthread_barrier_wait(&ready);
	if (use_avx)
		hold_avx(&in, &out, &go);
	else
		hold_sse(&in, &out, &go);
	t->bad = check_thread(t, stack, &mask, &in, &out);
	return NULL;
}

int main(int argc, char **argv)
{
	pid_t pid_before;
	int i, bad = 0;

	test_init(argc, argv);
	__builtin_cpu_init();
	use_avx = __builtin_cpu_supports("avx");
	pid_before = getpid();
	pthread_barrier_init(&ready, NULL, NR_THREADS + 1);
	for (i = 0; i < NR_THREADS; i++) {
		ts[i].idx = i;
		if (pthread_create(&ts[i].th, NULL, thread_main, &ts[i])) {
			fail("can't create thread %d", i);
			return 1;
		}
	}
	pthread_barrier_wait(&ready);

	test_daemon();
	test_waitsig();

	go = 1;
	for (i = 0; i < NR_THREADS; i++) {
		pthread_join(ts[i].th, NULL);
		bad += ts[i].bad;
	}
	if (getpid() != pid_before)
		fail("pid is %d, it was %d", getpid(), pid_before);
	if (!bad && !test_failed())
		pass();
	return test_failed() ? 1 : 0;
}
