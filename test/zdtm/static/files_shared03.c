/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files_shared03: a child cloned with CLONE_FILES owns (F_SETOWN) a pipe in the fd table it
 * shares with its parent, with a real-time signal and O_ASYNC. After restore the read end
 * must name the child as owner with that signal, and bytes written to the pipe must signal
 * the child, telling the read end's fd.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

/* Exit codes: 10 set-up, 11 lost root, 12 no signal. */
static int child(int kept, int ready, int go)
{
	char c;

	if (test_take_fown(kept) || write(ready, "r", 1) != 1)
		return 10;
	if (read(go, &c, 1) != 1)
		return 11;
	return test_got_fown_sig(kept) ? 0 : 12;
}

int main(int argc, char **argv)
{
	int kept[2], ready[2], go[2];
	pid_t pid;
	char c;

	test_init(argc, argv);
	if (pipe(kept) || pipe(ready) || pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0) {
		fail_perror("clone(CLONE_FILES)");
		return 1;
	}
	if (pid == 0)
		_exit(child(kept[0], ready[1], go[0]));
	if (read(ready[0], &c, 1) != 1) {
		fail("the child did not take ownership of the pipe");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (test_check_fown(kept[0], pid, "read end"))
		goto out_kill;
	if (write(go[1], "g", 1) != 1 || write(kept[1], "k", 1) != 1) {
		fail_perror("can't wake the child");
		goto out_kill;
	}
	if (test_wait_child(pid, "the child"))
		return 1;
	pass();
	return 0;
out_kill:
	kill(pid, SIGKILL);
	return 1;
}
