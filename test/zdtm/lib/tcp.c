// SPDX-License-Identifier: GPL-2.0
/* A closed TCP socket's state as a program sees it. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "zdtmtst.h"

int test_tcp_closed(int sk, const struct sockaddr_storage *name, unsigned int name_len,
		    short revents)
{
	struct pollfd pfd = { .fd = sk, .events = POLLIN | POLLOUT | POLLRDHUP };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss), tlen;
	struct tcp_info ti;

	tlen = sizeof(ti);
	if (getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &tlen) || ti.tcpi_state != TCP_CLOSE) {
		fail("socket %d is not in TCP state CLOSE (%d)", sk, ti.tcpi_state);
		return -1;
	}
	if (poll(&pfd, 1, 0) != 1 || pfd.revents != revents) {
		fail("socket %d polls %#x, not %#x", sk, pfd.revents, revents);
		return -1;
	}
	if (getsockname(sk, (struct sockaddr *)&ss, &len) || len != name_len ||
	    memcmp(&ss, name, len)) {
		fail("socket %d lost its address", sk);
		return -1;
	}
	len = sizeof(ss);
	if (getpeername(sk, (struct sockaddr *)&ss, &len) != -1 || errno != ENOTCONN) {
		fail("socket %d has a peer again", sk);
		return -1;
	}
	return 0;
}
