/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sigtrap00: a task with a SIGTRAP handler and a SIGTRAP pending at the dump, queued with
 * a value of its own (rt_sigqueueinfo). criu's parasite and restorer stop the task with
 * traps of their own: the pending one must neither be taken for theirs nor be lost.
 * TRAP_CASE=blocked: the child blocks SIGTRAP and waits on a pipe. TRAP_CASE=stopped: the
 * child is in group stop (SIGSTOP) with SIGTRAP unblocked, so the signal waits until
 * SIGCONT. After restore the child is let go and must run its handler exactly once, with
 * the queued value.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define TRAP_VALUE 0x5eed

static volatile sig_atomic_t traps, value;

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	traps++;
	value = si->si_value.sival_int;
}

static int queue_trap(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGTRAP;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = TRAP_VALUE;
	return syscall(SYS_rt_sigqueueinfo, pid, SIGTRAP, &si);
}

/* The child: 0 if the handler ran once with the value, else the check that failed. */
static int child(int blocked, int go_fd, int ready_fd)
{
	struct sigaction sa = { .sa_sigaction = on_trap, .sa_flags = SA_SIGINFO };
	sigset_t set;
	char c;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, SIGTRAP);
	if (sigaction(SIGTRAP, &sa, NULL) || sigprocmask(SIG_BLOCK, &set, NULL))
		return 10;
	if (blocked) {
		if (queue_trap(getpid()) || write(ready_fd, "r", 1) != 1)
			return 11;
		if (read(go_fd, &c, 1) != 1)
			return 12;
		if (sigpending(&set) || !sigismember(&set, SIGTRAP))
			return 13;
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	} else {
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		if (write(ready_fd, "r", 1) != 1)
			return 11;
		raise(SIGSTOP); /* the parent queues the trap while we are stopped */
	}
	if (traps != 1)
		return 20 + (traps > 1);
	return value == TRAP_VALUE ? 0 : 30;
}

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", test_proc_pid(pid));
	f = fopen(path, "r");
	if (f) {
		p = fgets(buf, sizeof(buf), f);
		fclose(f);
	}
	p = p ? strrchr(buf, ')') : NULL;
	return p ? p[2] : 0;
}

int main(int argc, char **argv)
{
	const char *which = getenv("TRAP_CASE");
	int blocked = !which || strcmp(which, "stopped");
	int go[2], ready[2], status;
	pid_t kid;
	char c;

	test_init(argc, argv);
	if (pipe(go) || pipe(ready)) {
		fail_perror("pipe");
		return 1;
	}
	kid = fork();
	if (kid == 0)
		_exit(child(blocked, go[0], ready[1]));
	if (read(ready[0], &c, 1) != 1) {
		fail("the child did not get ready");
		return 1;
	}
	if (!blocked) {
		if (waitpid(kid, &status, WUNTRACED) != kid || !WIFSTOPPED(status) ||
		    queue_trap(kid)) {
			fail("the child did not stop, or the trap could not be queued");
			return 1;
		}
	}
	test_daemon();
	test_waitsig();

	if (!blocked) {
		if (proc_state(kid) != 'T')
			fail("the child is in state %c after restore, expected T", proc_state(kid));
		kill(kid, SIGCONT);
	} else if (write(go[1], "g", 1) != 1) {
		fail_perror("can't wake the child");
	}
	test_wait_child(kid, "the child (SIGTRAP handler)");
	if (!test_failed())
		pass();
	return test_failed();
}
