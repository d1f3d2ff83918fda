// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_reset00: connections reset by their peer, whose program has not read the error yet,
 * checkpointed (no --tcp-established: there is no peer left to talk to). The kernel keeps
 * the unread bytes and the error for the program: a read returns the bytes, then the error,
 * then end of file; a write returns the error, then EPIPE. A reset after the peer's FIN
 * leaves EPIPE instead, which a read does not return (it sees end of file first).
 * - r1 (IPv4): the peer sent bytes then reset the connection (SO_LINGER 0, close);
 * - r2 (IPv4): the peer sent bytes, its FIN, then the reset;
 * - r3 (IPv4): reset with no bytes; the program writes first;
 * - r6 (IPv6, ::1): as r1.
 * After restore each socket keeps its address, has no peer, polls as before, and gives the
 * reads, writes and errors listed above, in that order.
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

enum { R1, R2, R3, R6, NR_SKS };

static int sk[NR_SKS];
static struct sockaddr_storage name[NR_SKS];
static socklen_t name_len[NR_SKS];

/* A connection over loopback: the client end in *cli, the accepted one returned. */
static int make_pair(int family, int *cli)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len =
		family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int lsk = socket(family, SOCK_STREAM, 0), srv = -1;

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (lsk < 0 || bind(lsk, (struct sockaddr *)&ss, len) || listen(lsk, 1) ||
	    getsockname(lsk, (struct sockaddr *)&ss, &len))
		goto out;
	*cli = socket(family, SOCK_STREAM, 0);
	if (*cli < 0 || connect(*cli, (struct sockaddr *)&ss, len))
		goto out;
	srv = accept(lsk, NULL, NULL);
out:
	if (lsk >= 0)
		close(lsk);
	return srv;
}

static int reset_by_peer(int peer, const char *data, int fin_first)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	size_t len = strlen(data);

	if (len && send(peer, data, len, 0) != (ssize_t)len)
		return -1;
	if (fin_first && shutdown(peer, SHUT_WR))
		return -1;
	usleep(100000); /* the bytes and the FIN are in before the reset */
	if (setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		return -1;
	close(peer);
	usleep(100000);
	return 0;
}

static int setup(void)
{
	static const char *const data[NR_SKS] = { "reset-1", "fin-then-reset", "", "reset-6" };
	int i, peer;

	for (i = 0; i < NR_SKS; i++) {
		peer = make_pair(i == R6 ? AF_INET6 : AF_INET, &sk[i]);
		if (peer < 0 || reset_by_peer(peer, data[i], i == R2))
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
			       POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDHUP);
}

/* recv() gives want bytes of data, or fails with err (want -1), or end of file (0). */
static int expect_recv(int i, const char *data, int err)
{
	char buf[64];
	ssize_t n = recv(sk[i], buf, sizeof(buf), MSG_DONTWAIT);

	if (data && n == (ssize_t)strlen(data) && !memcmp(buf, data, n))
		return 0;
	if (!data && err && n == -1 && errno == err)
		return 0;
	if (!data && !err && n == 0)
		return 0;
	fail("socket %d: recv returned %zd (%s), not %s", i, n, n < 0 ? strerror(errno) : "",
	     data  ? data
	     : err ? strerror(err)
		   : "end of file");
	return -1;
}

static int expect_send(int i, int err)
{
	ssize_t n = send(sk[i], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n == -1 && errno == err)
		return 0;
	fail("socket %d: send returned %zd (%s), not %s", i, n, n < 0 ? strerror(errno) : "",
	     strerror(err));
	return -1;
}

static int expect_so_error(int i, int err)
{
	int e = -1;
	socklen_t len = sizeof(e);

	if (!getsockopt(sk[i], SOL_SOCKET, SO_ERROR, &e, &len) && e == err)
		return 0;
	fail("socket %d: SO_ERROR is %d, not %d", i, e, err);
	return -1;
}

int main(int argc, char **argv)
{
	int i;

	test_init(argc, argv);
	if (setup()) {
		fail("can't set up the reset connections (%s)", strerror(errno));
		return 1;
	}
	for (i = 0; i < NR_SKS; i++)
		if (check_closed(i))
			return 1;
	test_daemon();
	test_waitsig();

	for (i = 0; i < NR_SKS; i++)
		if (check_closed(i))
			return 1;
	if (expect_recv(R1, "reset-1", 0) || expect_recv(R1, NULL, ECONNRESET) ||
	    expect_recv(R1, NULL, 0) || expect_send(R1, EPIPE))
		return 1;
	if (expect_recv(R2, "fin-then-reset", 0) || expect_recv(R2, NULL, 0) ||
	    expect_so_error(R2, EPIPE) || expect_send(R2, EPIPE) || expect_so_error(R2, 0))
		return 1;
	if (expect_send(R3, ECONNRESET) || expect_send(R3, EPIPE) || expect_recv(R3, NULL, 0))
		return 1;
	if (expect_recv(R6, "reset-6", 0) || expect_recv(R6, NULL, ECONNRESET) ||
	    expect_recv(R6, NULL, 0) || expect_send(R6, EPIPE))
		return 1;
	pass();
	return 0;
}
