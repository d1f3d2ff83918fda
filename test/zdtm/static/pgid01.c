/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pgid01: a process group whose leader is gone. Child l led a group, child m joined it,
 * then l exited and was reaped: only m is left in group l. After restore m is still in
 * group l, nobody has l's pid, and the root got no extra child and no SIGCHLD from the
 * helper that recreated the group.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static volatile sig_atomic_t nr_chld;

static void on_chld(int sig)
{
	(void)sig;
	nr_chld++;
}

int main(int argc, char **argv)
{
	int go[2], status, before;
	pid_t l, m;
	char c;

	test_init(argc, argv);
	if (pipe(go)) {
		fail_perror("pipe");
		return 1;
	}
	l = fork();
	if (l == 0)
		_exit(read(go[0], &c, 1) == 1 ? 0 : 1);
	setpgid(l, l);
	m = fork();
	if (m == 0)
		_exit(read(go[0], &c, 1) == 1 && getpgid(0) == l ? 0 : 1);
	if (setpgid(m, l)) {
		fail_perror("setpgid");
		return 1;
	}
	kill(l, SIGKILL);
	waitpid(l, NULL, 0);
	signal(SIGCHLD, on_chld);
	before = nr_chld;
	test_daemon();
	test_waitsig();

	usleep(100000);
	if (nr_chld != before)
		fail("%d SIGCHLD arrived after restore", nr_chld - before);
	if (getpgid(m) != l)
		fail("child %d is in group %d, expected %d", m, getpgid(m), l);
	if (kill(l, 0) == 0 || errno != ESRCH)
		fail("pid %d (the gone leader) exists after restore", l);
	if (waitpid(-1, &status, WNOHANG) != 0)
		fail("an unexpected child was there to reap");
	if (write(go[1], "g", 1) != 1)
		fail_perror("can't wake the child");
	if (waitpid(m, &status, 0) != m || status)
		fail("child %d: status %#x", m, status);
	if (!test_failed())
		pass();
	return test_failed();
}
