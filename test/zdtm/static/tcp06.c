// SPDX-License-Identifier: GPL-2.0
/*
 * tcp06: a connection the listener has not accepted yet (in flight), its client in the
 * test too, having sent a few bytes. Without --skip-in-flight the dump is refused
 * (tcp06.desc) and afterwards accept() returns the connection with its bytes. With
 * INFLIGHT=skip (tcp07.desc: --skip-in-flight) the connection is dropped: after restore
 * the listener has nothing to accept, the client sees its connection reset by the peer
 * (its server end is gone, as after a host crash), and the listener accepts new clients.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int lsk, cli;
static struct sockaddr_in addr;

static int setup(void)
{
	socklen_t len = sizeof(addr);

	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lsk = socket(AF_INET, SOCK_STREAM, 0);
	if (lsk < 0 || bind(lsk, (struct sockaddr *)&addr, sizeof(addr)) || listen(lsk, 3) ||
	    getsockname(lsk, (struct sockaddr *)&addr, &len))
		return -1;
	cli = socket(AF_INET, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&addr, sizeof(addr)) ||
	    send(cli, "early", 5, 0) != 5)
		return -1;
	return 0;
}

static int wait_in(int sk, int ms)
{
	struct pollfd p = { .fd = sk, .events = POLLIN };

	return poll(&p, 1, ms);
}

static int check_kept(void)
{
	char buf[8];
	int a = accept(lsk, NULL, NULL);

	if (a < 0 || recv(a, buf, sizeof(buf), 0) != 5 || memcmp(buf, "early", 5))
		return 1;
	if (send(a, "hi", 2, 0) != 2 || recv(cli, buf, sizeof(buf), 0) != 2)
		return 2;
	close(a);
	return 0;
}

static int check_dropped(void)
{
	char buf[8];
	int a, c;

	fcntl(lsk, F_SETFL, O_NONBLOCK);
	a = accept(lsk, NULL, NULL);
	if (a >= 0 || errno != EAGAIN)
		return 1;
	if (wait_in(cli, 5000) != 1 || recv(cli, buf, sizeof(buf), 0) >= 0 || errno != ECONNRESET)
		return 2;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof(addr)) || wait_in(lsk, 5000) != 1)
		return 3;
	a = accept(lsk, NULL, NULL);
	if (a < 0)
		return 4;
	close(a);
	close(c);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = getenv("INFLIGHT");
	int ret;

	test_init(argc, argv);
	if (setup()) {
		fail("can't set up the connection (%s)", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	ret = mode && !strcmp(mode, "skip") ? check_dropped() : check_kept();
	if (ret) {
		fail("check %d failed (%s)", ret, strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
