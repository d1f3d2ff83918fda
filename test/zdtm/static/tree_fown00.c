/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree_fown00: a child owns (F_SETOWN) files its parent opened. The root makes two pipes
 * and forks a child; the child sets itself as the owner of both read ends with a real-time
 * signal as their signal and O_ASYNC on, keeps the first read end and closes the second,
 * which only the root still holds. After restore both read ends must name the child as
 * owner with that signal, and bytes written to either pipe must signal the child, each
 * signal telling the fd it came from.
 */
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "zdtmtst.h"

/* Exit codes: 10 set-up, 11 lost root, 12 no signal for the kept end, 13 for the other. */
static int child(int kept, int other, int ready, int go)
{
	char c;

	if (test_take_fown(kept) || test_take_fown(other) || close(other) ||
	    write(ready, "r", 1) != 1)
		return 10;
	if (read(go, &c, 1) != 1)
		return 11;
	if (!test_got_fown_sig(kept))
		return 12;
	if (read(go, &c, 1) != 1)
		return 11;
	/* the other end is no fd of ours: the kernel names the fd it had */
	return test_got_fown_sig(other) ? 0 : 13;
}

int main(int argc, char **argv)
{
	int kept[2], other[2], ready[2], go[2];
	pid_t pid;
	char c;

	test_init(argc, argv);
	if (pipe(kept) || pipe(other) || pipe(ready) || pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		fail_perror("fork");
		return 1;
	}
	if (pid == 0)
		_exit(child(kept[0], other[0], ready[1], go[0]));
	if (read(ready[0], &c, 1) != 1) {
		fail("the child did not take ownership of the pipes");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (test_check_fown(kept[0], pid, "kept read end") ||
	    test_check_fown(other[0], pid, "read end only the root holds"))
		goto out_kill;
	if (write(go[1], "g", 1) != 1 || write(kept[1], "k", 1) != 1 || write(go[1], "g", 1) != 1 ||
	    write(other[1], "o", 1) != 1) {
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
