// SPDX-License-Identifier: GPL-2.0
/*
 * tcp11: an SO_REUSEPORT group: two listeners on one loopback port (IPv4). After restore
 * both are on that port with SO_REUSEPORT, the kernel still spreads new connections over
 * the group (every one of 64 clients is accepted by one of the two), and a third socket
 * of the same user may join the group, as before.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#define CLIENTS 64

static int l1, l2;
static struct sockaddr_in addr;

static int reuseport_listener(void)
{
	int sk = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (sk < 0 || setsockopt(sk, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    bind(sk, (struct sockaddr *)&addr, sizeof(addr)) || listen(sk, CLIENTS))
		return -1;
	return sk;
}

static int setup(void)
{
	socklen_t len = sizeof(addr);

	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l1 = reuseport_listener();
	if (l1 < 0 || getsockname(l1, (struct sockaddr *)&addr, &len))
		return -1;
	l2 = reuseport_listener();
	return l2 < 0 ? -1 : 0;
}

static int same_port(int sk)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int v = 0;
	socklen_t vlen = sizeof(v);

	return !getsockname(sk, (struct sockaddr *)&a, &len) && a.sin_port == addr.sin_port &&
	       !getsockopt(sk, SOL_SOCKET, SO_REUSEPORT, &v, &vlen) && v == 1;
}

static int accept_all(void)
{
	int c[CLIENTS], i, got = 0, a;

	for (i = 0; i < CLIENTS; i++) {
		c[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (c[i] < 0 || connect(c[i], (struct sockaddr *)&addr, sizeof(addr)))
			return -1;
	}
	fcntl(l1, F_SETFL, O_NONBLOCK);
	fcntl(l2, F_SETFL, O_NONBLOCK);
	while ((a = accept(l1, NULL, NULL)) >= 0 || (a = accept(l2, NULL, NULL)) >= 0) {
		close(a);
		got++;
	}
	for (i = 0; i < CLIENTS; i++)
		close(c[i]);
	return got == CLIENTS ? 0 : -1;
}

int main(int argc, char **argv)
{
	int l3;

	test_init(argc, argv);
	if (setup()) {
		fail("can't set up the group (%s)", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (!same_port(l1) || !same_port(l2)) {
		fail("a listener left the group's port or lost SO_REUSEPORT");
		return 1;
	}
	if (accept_all()) {
		fail("the group did not accept every client (%s)", strerror(errno));
		return 1;
	}
	l3 = reuseport_listener();
	if (l3 < 0) {
		fail("a third listener can't join the group (%s)", strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
