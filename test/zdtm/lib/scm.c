// SPDX-License-Identifier: GPL-2.0
/* Files sent over unix sockets (SCM_RIGHTS) for the tests that queue them. */
#include <string.h>
#include <sys/socket.h>

#include "zdtmtst.h"

int test_send_fds(int sk, const char *msg, const int *fds, int nr)
{
	char cbuf[CMSG_SPACE(sizeof(int) * TEST_MAX_FDS)] = {};
	struct iovec iov = { (void *)msg, strlen(msg) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (nr < 0 || nr > TEST_MAX_FDS)
		return -1;
	if (nr) {
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nr);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nr);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nr);
	}
	return sendmsg(sk, &mh, 0) == (ssize_t)iov.iov_len ? 0 : -1;
}

/* How many bytes to ask for: a stream has no boundaries, a message must not be longer. */
static size_t recv_len(int sk, size_t len)
{
	socklen_t optlen = sizeof(int);
	int type = SOCK_STREAM;

	getsockopt(sk, SOL_SOCKET, SO_TYPE, &type, &optlen);
	return type == SOCK_STREAM ? len : len + 1;
}

int test_recv_fds(int sk, const char *msg, int *fds, int nr)
{
	char cbuf[CMSG_SPACE(sizeof(int) * TEST_MAX_FDS)], buf[256] = {};
	size_t len = strlen(msg);
	struct iovec iov = { buf, recv_len(sk, len) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	ssize_t n;
	int got = 0;

	if (len >= sizeof(buf) - 1)
		return -1;
	n = recvmsg(sk, &mh, MSG_DONTWAIT);
	if (n != (ssize_t)len || memcmp(buf, msg, len)) {
		fail("expected the bytes '%s', got %zd: '%s'", msg, n, buf);
		return -1;
	}
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (got <= nr)
			memcpy(fds, CMSG_DATA(c), sizeof(int) * got);
	}
	if (got != nr || (mh.msg_flags & MSG_CTRUNC)) {
		fail("'%s' came with %d files, expected %d", msg, got, nr);
		return -1;
	}
	return 0;
}
