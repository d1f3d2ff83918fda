/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stopped_tree00: a stopped task with a stopped child. The root's child A and A's child B
 * are both in group stop: STOP_SIG=STOP (default) or TSTP says which signal stopped them,
 * STOP_WHEN=before (default) stops them before the dump, STOP_WHEN=seized has a watcher
 * outside the tree stop them once criu has seized B (its TracerPid is set), while the tree
 * is held. After restore A and B are stopped (state T), the root is told that A stopped
 * by that signal (waitpid WUNTRACED), and after SIGCONT they run on:
 * B exits with its code, then A, having reaped B, exits with B's verdict.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define B_CODE 7

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

static int tracer_of(pid_t pid)
{
	char path[64], line[256];
	int tracer = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", test_proc_pid(pid));
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &tracer) == 1)
			break;
	fclose(f);
	return tracer;
}

static volatile sig_atomic_t continued;

static void on_cont(int sig)
{
	(void)sig;
	continued = 1;
}

/*
 * Until SIGCONT came. Not pause(): a syscall interrupted by the dump restarts after restore,
 * so a handler run on the way back would no longer interrupt it.
 */
static void wait_cont(void)
{
	while (!continued)
		usleep(10000);
}

/* A, between B and the root: stopped or waiting; once B is done, report its exit code. */
static int middle(int sig, int stop_now, int tell_fd)
{
	int status;
	pid_t b;

	/*
	 * A group of its own, whose leader's parent (the root) is in another group of the
	 * session: not orphaned, so SIGTSTP stops its members (the kernel ignores it in an
	 * orphaned group).
	 */
	if (setpgid(0, 0))
		return 4;
	b = fork();
	if (b == 0) {
		if (stop_now)
			raise(sig);
		else
			wait_cont();
		_exit(B_CODE);
	}
	if (write(tell_fd, &b, sizeof(b)) != sizeof(b))
		return 1;
	if (stop_now) {
		if (waitpid(b, &status, WUNTRACED) != b || !WIFSTOPPED(status))
			return 2;
		raise(sig);
	} else {
		wait_cont();
	}
	/* SIGCONT after restore: B goes on too and exits */
	while (waitpid(b, &status, 0) == b && !WIFEXITED(status) && !WIFSIGNALED(status))
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == B_CODE ? 0 : 3;
}

/* Outside the tree (its parent exits at once): stop A and B once criu has seized B. */
static void watcher(pid_t a, pid_t b, int sig)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	if (fork())
		_exit(0);
	/* not even as a zombie may it keep the root's pid in use as its session and group */
	setsid();
	for (i = 0; i < 20000; i++) {
		int t = tracer_of(b);

		if (t < 0)
			_exit(0);
		if (t > 0) {
			kill(b, sig);
			kill(a, sig);
			_exit(0);
		}
		nanosleep(&ms, NULL);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *s = getenv("STOP_SIG"), *when = getenv("STOP_WHEN");
	int sig = s && !strcmp(s, "TSTP") ? SIGTSTP : SIGSTOP;
	int before = !when || strcmp(when, "seized");
	int tell[2], status = 0;
	pid_t a, b, w;

	test_init(argc, argv);
	signal(SIGCONT, on_cont);
	if (pipe(tell)) {
		fail_perror("pipe");
		return 1;
	}
	a = fork();
	if (a == 0)
		_exit(middle(sig, before, tell[1]));
	if (read(tell[0], &b, sizeof(b)) != sizeof(b)) {
		fail("A did not tell B's pid");
		return 1;
	}
	if (before) {
		if (waitpid(a, &status, WUNTRACED) != a || !WIFSTOPPED(status)) {
			fail("A did not stop");
			return 1;
		}
	} else {
		w = fork();
		if (w == 0)
			watcher(a, b, sig);
		if (test_wait_child(w, "the watcher's parent"))
			return 1;
	}
	test_daemon();
	test_waitsig();

	if (proc_state(a) != 'T' || proc_state(b) != 'T')
		fail("A is in state %c and B in %c after restore, expected both T", proc_state(a),
		     proc_state(b));
	/* stopped again at restore: the root is told so, with the signal that stopped A */
	if (waitpid(a, &status, WUNTRACED | WNOHANG) != a || !WIFSTOPPED(status) ||
	    WSTOPSIG(status) != sig)
		fail("A's stop is not reported with signal %d (status %#x)", sig, status);
	kill(b, SIGCONT);
	kill(a, SIGCONT);
	test_wait_child(a, "A (B's exit code)");
	if (!test_failed())
		pass();
	return test_failed();
}
