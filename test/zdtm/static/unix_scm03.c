/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_scm03: a socket queued in flight (SCM_RIGHTS) that has a file queued on it in turn
 * is not supported: the dump must fail naming it (unix_scm03.desc) and leave both queues
 * as they were, so that afterwards the task receives the socket, then the pipe from it.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int recv_fd(int sk)
{
	int fd;

	return test_recv_fds(sk, "x", &fd, 1) ? -1 : fd;
}

int main(int argc, char **argv)
{
	int outer[2], inner[2], p[2], sk, rd;
	char c = 0;

	test_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, outer) ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, inner) || pipe(p) || write(p[1], "p", 1) != 1) {
		fail_perror("setup");
		return 1;
	}
	/* the pipe waits on inner[1], and inner[1] itself waits on outer[1] */
	if (test_send_fds(inner[0], "x", &p[0], 1) || test_send_fds(outer[0], "x", &inner[1], 1)) {
		fail_perror("sendmsg with SCM_RIGHTS");
		return 1;
	}
	close(p[0]);
	close(inner[1]);

	test_daemon();
	test_waitsig();

	sk = recv_fd(outer[1]);
	rd = sk < 0 ? -1 : recv_fd(sk);
	if (rd < 0 || read(rd, &c, 1) != 1 || c != 'p') {
		fail("the queued socket or the pipe queued on it is gone");
		return 1;
	}
	pass();
	return 0;
}
