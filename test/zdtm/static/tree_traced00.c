/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree_traced00: a child that another tracer (its parent) already traces can't be seized.
 * The dump must fail saying so and leave the whole tree as it was: the root running, the
 * child alive and still traced by its parent.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static pid_t tracer_of(pid_t pid)
{
	char path[64], line[128];
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

int main(int argc, char **argv)
{
	int go[2], status;
	pid_t kid;
	char c;

	test_init(argc, argv);
	if (pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	kid = fork();
	if (kid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(2);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 1);
	}
	while (tracer_of(kid) != test_proc_pid(getpid()))
		usleep(1000);
	test_daemon();
	test_waitsig();

	if (tracer_of(kid) != test_proc_pid(getpid()))
		fail("child %d is no longer traced by us (tracer %d)", kid, tracer_of(kid));
	if (write(go[1], "g", 1) != 1)
		fail_perror("can't wake the child");
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("child %d: status %#x", kid, status);
	if (!test_failed())
		pass();
	return test_failed();
}
