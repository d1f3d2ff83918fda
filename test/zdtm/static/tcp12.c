// SPDX-License-Identifier: GPL-2.0
/*
 * tcp12: a connect in progress (SYN_SENT). The listener's accept queue is full (backlog 0,
 * one connection waiting), so the kernel drops the second client's SYNs and that client
 * stays in SYN_SENT. Dumped with --skip-in-flight, which drops the waiting connection; after
 * restore the second client connects from the port it had, the listener accepts it, and
 * the connection carries data both ways.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int lsk, first, second;
static struct sockaddr_in laddr, src;

static int tcp_state(int sk)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len) ? -1 : ti.tcpi_state;
}

static int setup(void)
{
	socklen_t len = sizeof(laddr);

	laddr.sin_family = AF_INET;
	laddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lsk = socket(AF_INET, SOCK_STREAM, 0);
	if (lsk < 0 || bind(lsk, (struct sockaddr *)&laddr, sizeof(laddr)) || listen(lsk, 0) ||
	    getsockname(lsk, (struct sockaddr *)&laddr, &len))
		return -1;
	first = socket(AF_INET, SOCK_STREAM, 0);
	if (first < 0 || connect(first, (struct sockaddr *)&laddr, sizeof(laddr)))
		return -1;
	second = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (second < 0 || !connect(second, (struct sockaddr *)&laddr, sizeof(laddr)) ||
	    errno != EINPROGRESS)
		return -1;
	usleep(200000);
	if (tcp_state(second) != TCP_SYN_SENT) {
		errno = EPROTO;
		return -1;
	}
	len = sizeof(src);
	return getsockname(second, (struct sockaddr *)&src, &len);
}

static int check(void)
{
	struct pollfd p = { .fd = second, .events = POLLOUT };
	struct sockaddr_in now;
	socklen_t len = sizeof(now);
	int err = -1, a;
	char buf[8];

	if (poll(&p, 1, 10000) != 1)
		return 1;
	len = sizeof(err);
	if (getsockopt(second, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		return 2;
	len = sizeof(now);
	if (getsockname(second, (struct sockaddr *)&now, &len) || now.sin_port != src.sin_port)
		return 3;
	p.fd = lsk;
	p.events = POLLIN;
	if (poll(&p, 1, 5000) != 1)
		return 4;
	a = accept(lsk, (struct sockaddr *)&now, &(socklen_t){ sizeof(now) });
	if (a < 0 || now.sin_port != src.sin_port)
		return 5;
	if (send(second, "syn", 3, 0) != 3 || recv(a, buf, sizeof(buf), 0) != 3 ||
	    send(a, "ack", 3, 0) != 3 || recv(second, buf, 3, MSG_WAITALL) != 3 ||
	    memcmp(buf, "ack", 3))
		return 6;
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	if (setup()) {
		fail("can't get a connect in progress (%s)", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	fcntl(second, F_SETFL, 0);
	ret = check();
	if (ret) {
		fail("the connect in progress did not complete after restore (%d: %s)", ret,
		     strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
