/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stopped_child00: a child in group stop (it sent itself SIGSTOP) is still stopped after
 * restore, and goes on when continued.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

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
	int status;
	pid_t kid;

	test_init(argc, argv);
	kid = fork();
	if (kid == 0) {
		raise(SIGSTOP);
		_exit(5);
	}
	if (waitpid(kid, &status, WUNTRACED) != kid || !WIFSTOPPED(status)) {
		fail("the child did not stop");
		return 1;
	}
	test_daemon();
	test_waitsig();

	usleep(100000);
	if (proc_state(kid) != 'T')
		fail("child %d is in state %c after restore, expected T", kid, proc_state(kid));
	kill(kid, SIGCONT);
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status) != 5)
		fail("child %d did not go on after SIGCONT (status %#x)", kid, status);
	if (!test_failed())
		pass();
	return test_failed();
}
