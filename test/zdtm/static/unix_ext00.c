/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_ext00: a unix socket connected to a peer held by another process (a grandchild,
 * not part of the dump) makes the dump fail naming --ext-unix-sk (unix_ext00.desc); the
 * task runs on and its connection still works both ways.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

/* The outside peer: echoes what it reads until the test's end closes. */
static void peer_loop(int sk)
{
	char buf[64];
	ssize_t n;

	while ((n = read(sk, buf, sizeof(buf))) > 0)
		if (write(sk, buf, n) != n)
			break;
	_exit(0);
}

int main(int argc, char **argv)
{
	int sk[2], status;
	char buf[8];
	pid_t pid;

	test_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sk)) {
		fail_perror("socketpair");
		return 1;
	}
	/* a grandchild: the test itself must have no children to be dumped */
	pid = fork();
	if (pid == 0) {
		close(sk[0]);
		if (fork() == 0) {
			/* hold nothing of the test's but the peer: the runner waits on its fds */
			dup2(sk[1], 100);
			close_range(0, 99, 0);
			close_range(101, ~0U, 0);
			peer_loop(100);
		}
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		fail_perror("can't start the outside peer");
		return 1;
	}
	close(sk[1]);

	test_daemon();
	test_waitsig();

	if (write(sk[0], "ping", 4) != 4 || read(sk[0], buf, sizeof(buf)) != 4) {
		fail_perror("the connection to the outside peer is broken");
		return 1;
	}
	close(sk[0]);
	pass();
	return 0;
}
