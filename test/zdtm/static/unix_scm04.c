/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_scm04: SCM_RIGHTS messages carrying sockets, queued and not received at dump: one
 * carries an end of a stream socketpair (whose other end the test keeps), another a
 * listening socket bound to an abstract name and a datagram socket. The sender's copies
 * are closed, so the queue holds the only reference. After restore the test receives them:
 * the pair still talks both ways, the listener accepts a new connection by its name, and
 * the datagram socket is one.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static int chan[2], kept;

static socklen_t lname(struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "zdtm-scm04-%d", getpid());
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1);
}

static int setup(void)
{
	struct sockaddr_un a;
	socklen_t len = lname(&a);
	int pair[2], lsk, dsk, fds[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, chan) || socketpair(AF_UNIX, SOCK_STREAM, 0, pair))
		return -1;
	lsk = socket(AF_UNIX, SOCK_STREAM, 0);
	dsk = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (lsk < 0 || dsk < 0 || bind(lsk, (struct sockaddr *)&a, len) || listen(lsk, 2))
		return -1;
	kept = pair[0];
	if (test_send_fds(chan[0], "pair", &pair[1], 1))
		return -1;
	fds[0] = lsk;
	fds[1] = dsk;
	if (test_send_fds(chan[0], "listener and dgram", fds, 2))
		return -1;
	close(pair[1]);
	close(lsk);
	close(dsk);
	return 0;
}

static int type_of(int sk)
{
	int t = -1;
	socklen_t len = sizeof(t);

	return getsockopt(sk, SOL_SOCKET, SO_TYPE, &t, &len) ? -1 : t;
}

int main(int argc, char **argv)
{
	struct sockaddr_un a;
	socklen_t len;
	int peer, fds[2], c, s, acc = 0;
	char buf[8];

	test_init(argc, argv);
	if (setup()) {
		fail_perror("can't queue the sockets");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (test_recv_fds(chan[1], "pair", &peer, 1) ||
	    test_recv_fds(chan[1], "listener and dgram", fds, 2))
		return 1;
	if (write(kept, "ab", 2) != 2 || recv(peer, buf, 2, MSG_DONTWAIT) != 2 ||
	    write(peer, "cd", 2) != 2 || recv(kept, buf, 2, MSG_DONTWAIT) != 2 ||
	    memcmp(buf, "cd", 2)) {
		fail("the passed end of the pair is no longer connected to the kept one");
		return 1;
	}
	len = sizeof(acc);
	if (type_of(fds[0]) != SOCK_STREAM || type_of(fds[1]) != SOCK_DGRAM ||
	    getsockopt(fds[0], SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) || !acc) {
		fail("the passed listener or datagram socket is not what was sent");
		return 1;
	}
	len = lname(&a);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, len)) {
		fail_perror("can't connect to the passed listener by its name");
		return 1;
	}
	s = accept(fds[0], NULL, NULL);
	if (s < 0) {
		fail_perror("the passed listener does not accept");
		return 1;
	}
	pass();
	return 0;
}
