/* SPDX-License-Identifier: GPL-2.0 */
/*
 * signals01: a task that blocks every signal, SIGTRAP included, and has a SIGTRAP handler
 * keeps both. Criu's parasite and restorer stop the task with traps; a trap forced while
 * SIGTRAP is blocked would reset the handler to the default, and the raise() after restore
 * would then kill the task instead of running the handler. signals01_leave_running checks
 * the original too: the runner compares its SigCgt after dump -R.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

static volatile sig_atomic_t traps;

static void on_trap(int sig)
{
	(void)sig;
	traps++;
}

static int setup(void)
{
	struct sigaction sa = { .sa_handler = on_trap };
	sigset_t all;

	sigfillset(&all);
	if (sigaction(SIGTRAP, &sa, NULL) || sigprocmask(SIG_SETMASK, &all, NULL)) {
		fail_perror("can't set the SIGTRAP handler or block everything");
		return -1;
	}
	return 0;
}

static void check(void)
{
	struct sigaction sa;
	sigset_t now, trap;
	int sig;

	if (sigaction(SIGTRAP, NULL, &sa) || sa.sa_handler != on_trap) {
		fail("the SIGTRAP handler is gone");
		return;
	}
	sigprocmask(SIG_BLOCK, NULL, &now);
	/* 32 and 33 are glibc's own, which sigfillset() leaves out */
	for (sig = 1; sig <= SIGRTMAX; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && (sig < 32 || sig >= SIGRTMIN) &&
		    !sigismember(&now, sig))
			fail("signal %d is not blocked any more", sig);
	sigemptyset(&trap);
	sigaddset(&trap, SIGTRAP);
	traps = 0;
	raise(SIGTRAP);
	sigprocmask(SIG_UNBLOCK, &trap, NULL);
	sigprocmask(SIG_BLOCK, &trap, NULL);
	if (traps != 1)
		fail("the blocked SIGTRAP ran the handler %d times once unblocked", (int)traps);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
