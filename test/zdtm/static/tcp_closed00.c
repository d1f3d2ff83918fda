// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_closed00: connections that are over with no error left to read, whose sockets the
 * program still holds, checkpointed (no --tcp-established: no peer is left). The kernel
 * keeps the unread bytes: a read returns them, then end of file; a write fails with EPIPE;
 * there is no peer and no pending error.
 * - c1: closed both ways (the peer sent bytes and its FIN, the program shut its side down
 *   and the peer acknowledged it), bytes left unread; the kernel gave its port back, so
 *   inet_diag lists it no more;
 * - c2: reset by the peer, the program read the error already;
 * - c3: as c1, but the program bound its port before connecting: the socket keeps it and
 *   inet_diag still lists it.
 * After restore each socket keeps its address, has no peer, polls as before, and gives the
 * same reads and writes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

enum { C1, C2, C3, NR_SKS };

static const char *const data[NR_SKS] = { "closed-1", NULL, "closed-3" };
static int sk[NR_SKS];
static struct sockaddr_storage name[NR_SKS];
static socklen_t name_len[NR_SKS];

/* A connection over loopback: the client end in *cli (bound first if bind_first). */
static int make_pair(int *cli, int bind_first)
{
	struct sockaddr_in a = { .sin_family = AF_INET }, c = a;
	socklen_t len = sizeof(a);
	int lsk = socket(AF_INET, SOCK_STREAM, 0), srv = -1;

	a.sin_addr.s_addr = c.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lsk < 0 || bind(lsk, (struct sockaddr *)&a, len) || listen(lsk, 1) ||
	    getsockname(lsk, (struct sockaddr *)&a, &len))
		goto out;
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (*cli < 0 || (bind_first && bind(*cli, (struct sockaddr *)&c, sizeof(c))) ||
	    connect(*cli, (struct sockaddr *)&a, len))
		goto out;
	srv = accept(lsk, NULL, NULL);
out:
	if (lsk >= 0)
		close(lsk);
	return srv;
}

static int close_both_ways(int i, int peer)
{
	size_t len = strlen(data[i]);

	if (send(peer, data[i], len, 0) != (ssize_t)len || shutdown(peer, SHUT_WR))
		return -1;
	usleep(100000);
	if (shutdown(sk[i], SHUT_WR))
		return -1;
	usleep(100000);
	close(peer); /* in TIME_WAIT now, out of any file */
	return 0;
}

static int reset_and_read(int i, int peer)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	char c;

	if (setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		return -1;
	close(peer);
	usleep(100000);
	if (recv(sk[i], &c, 1, MSG_DONTWAIT) != -1 || errno != ECONNRESET) {
		fail("the reset connection did not say ECONNRESET");
		return -1;
	}
	return 0;
}

static int setup(void)
{
	int i, peer;

	for (i = 0; i < NR_SKS; i++) {
		peer = make_pair(&sk[i], i == C3);
		if (peer < 0 || (i == C2 ? reset_and_read(i, peer) : close_both_ways(i, peer)))
			return -1;
		name_len[i] = sizeof(name[i]);
		if (getsockname(sk[i], (struct sockaddr *)&name[i], &name_len[i]))
			return -1;
	}
	return 0;
}

static int check_closed(int i)
{
	return test_tcp_closed(sk[i], &name[i], name_len[i],
			       POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
}

static int check_io(int i)
{
	char buf[64];
	ssize_t n, want = data[i] ? strlen(data[i]) : 0;
	int err = -1;
	socklen_t len = sizeof(err);

	n = want ? recv(sk[i], buf, sizeof(buf), MSG_DONTWAIT) : 0;
	if (n != want || (want && memcmp(buf, data[i], want))) {
		fail("socket %d: recv returned %zd (%s), not its %zd unread bytes", i, n,
		     n < 0 ? strerror(errno) : "", want);
		return -1;
	}
	n = recv(sk[i], buf, sizeof(buf), MSG_DONTWAIT);
	if (n != 0) {
		fail("socket %d: recv returned %zd (%s), not end of file", i, n,
		     n < 0 ? strerror(errno) : "");
		return -1;
	}
	n = send(sk[i], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n != -1 || errno != EPIPE) {
		fail("socket %d: send returned %zd (%s), not EPIPE", i, n,
		     n < 0 ? strerror(errno) : "");
		return -1;
	}
	if (getsockopt(sk[i], SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		fail("socket %d: SO_ERROR is %d, not 0", i, err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	test_init(argc, argv);
	if (setup()) {
		fail("can't set up the closed connections (%s)", strerror(errno));
		return 1;
	}
	for (i = 0; i < NR_SKS; i++)
		if (check_closed(i))
			return 1;
	test_daemon();
	test_waitsig();

	for (i = 0; i < NR_SKS; i++)
		if (check_closed(i) || check_io(i))
			return 1;
	pass();
	return 0;
}
