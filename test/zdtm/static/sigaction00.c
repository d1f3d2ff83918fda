/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sigaction00: signal handlers come back with their flags, masks and restorers, ignored
 * signals stay ignored, the blocked mask and the alternate stack are kept, and a handler
 * with SA_SIGINFO | SA_ONSTACK really runs on that stack after restore.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "zdtmtst.h"

#define ALT_SIZE (64 * 1024)

static char *alt;
static volatile int got_sig, on_alt, got_value;

static void handler(int sig, siginfo_t *si, void *uc)
{
	char here;

	(void)uc;
	got_sig = sig;
	got_value = si->si_value.sival_int;
	on_alt = &here >= alt && &here < alt + ALT_SIZE;
}

static int same_action(int sig, const struct sigaction *a)
{
	struct sigaction b;
	int i;

	sigaction(sig, NULL, &b);
	if (a->sa_sigaction != b.sa_sigaction || a->sa_flags != b.sa_flags) {
		fail("signal %d: handler %p flags %#x, was %p %#x", sig, b.sa_sigaction, b.sa_flags,
		     a->sa_sigaction, a->sa_flags);
		return 0;
	}
	for (i = 1; i < SIGRTMAX; i++)
		if (sigismember(&a->sa_mask, i) != sigismember(&b.sa_mask, i)) {
			fail("signal %d: mask differs at %d", sig, i);
			return 0;
		}
	return 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = handler }, before[3];
	int sigs[3] = { SIGUSR1, SIGUSR2, SIGRTMIN + 5 };
	stack_t ss, ss2;
	sigset_t blk, blk2;
	union sigval v = { .sival_int = 4242 };
	int i;

	test_init(argc, argv);
	alt = malloc(ALT_SIZE);
	ss.ss_sp = alt;
	ss.ss_size = ALT_SIZE;
	ss.ss_flags = 0;
	if (!alt || sigaltstack(&ss, NULL)) {
		fail_perror("sigaltstack");
		return 1;
	}
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaddset(&sa.sa_mask, SIGRTMIN + 7);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGUSR2, SIG_IGN);
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESETHAND;
	sigaction(SIGRTMIN + 5, &sa, NULL);
	for (i = 0; i < 3; i++)
		sigaction(sigs[i], NULL, &before[i]);
	sigemptyset(&blk);
	sigaddset(&blk, SIGPIPE);
	sigaddset(&blk, SIGRTMIN + 9);
	sigprocmask(SIG_BLOCK, &blk, NULL);
	sigprocmask(SIG_BLOCK, NULL, &blk);

	test_daemon();
	test_waitsig();

	for (i = 0; i < 3; i++)
		same_action(sigs[i], &before[i]);
	sigprocmask(SIG_BLOCK, NULL, &blk2);
	for (i = 1; i < SIGRTMAX; i++)
		if (sigismember(&blk, i) != sigismember(&blk2, i))
			fail("blocked mask differs at signal %d", i);
	if (sigaltstack(NULL, &ss2) || ss2.ss_sp != alt || ss2.ss_size != ALT_SIZE)
		fail("sigaltstack is %p/%zu, was %p/%d", ss2.ss_sp, ss2.ss_size, alt, ALT_SIZE);
	/* ignored stays ignored: this must not kill us */
	kill(getpid(), SIGUSR2);
	sigqueue(getpid(), SIGUSR1, v);
	if (got_sig != SIGUSR1 || got_value != 4242 || !on_alt)
		fail("SIGUSR1 handler: sig %d value %d on the alternate stack %d", got_sig,
		     got_value, on_alt);
	if (!test_failed())
		pass();
	return test_failed();
}
