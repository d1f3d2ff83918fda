/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zombie00: children that died and were not waited for come back as zombies: one exited
 * with 42, one was killed by SIGKILL. After restore the parent collects the same statuses,
 * and no SIGCHLD arrives that did not arrive before the dump.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static volatile sig_atomic_t nr_chld;

static void on_chld(int sig)
{
	(void)sig;
	nr_chld++;
}

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", test_proc_pid(pid));
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	return p ? p[2] : 0;
}

int main(int argc, char **argv)
{
	pid_t exited, killed;
	int status, before;
	siginfo_t si;

	test_init(argc, argv);
	signal(SIGCHLD, on_chld);
	exited = fork();
	if (exited == 0)
		_exit(42);
	killed = fork();
	if (killed == 0) {
		for (;;)
			pause();
	}
	kill(killed, SIGKILL);
	if (waitid(P_PID, exited, &si, WEXITED | WNOWAIT) ||
	    waitid(P_PID, killed, &si, WEXITED | WNOWAIT)) {
		fail_perror("waitid");
		return 1;
	}
	usleep(10000);
	before = nr_chld;
	test_daemon();
	test_waitsig();

	usleep(100000);
	if (nr_chld != before)
		fail("%d SIGCHLD arrived after restore", nr_chld - before);
	if (proc_state(exited) != 'Z' || proc_state(killed) != 'Z')
		fail("the children are not zombies (%c, %c)", proc_state(exited),
		     proc_state(killed));
	if (waitpid(exited, &status, WNOHANG) != exited || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 42)
		fail("child %d: status %#x, expected exit 42", exited, status);
	if (waitpid(killed, &status, WNOHANG) != killed || !WIFSIGNALED(status) ||
	    WTERMSIG(status) != SIGKILL)
		fail("child %d: status %#x, expected SIGKILL", killed, status);
	if (!test_failed())
		pass();
	return test_failed();
}
