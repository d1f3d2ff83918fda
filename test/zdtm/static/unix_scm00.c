/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_scm00: a descriptor queued in flight (SCM_RIGHTS) on a unix socket makes the dump
 * fail naming SCM_RIGHTS (unix_scm00.desc). Looking at the queue must not take anything
 * out of it: afterwards the message and its descriptor are still there to receive.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char cbuf[CMSG_SPACE(sizeof(int))], buf[16];
	struct iovec iov = { "fd!", 3 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int sk[2], p[2], fd;

	test_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sk) || pipe(p)) {
		fail_perror("socketpair or pipe");
		return 1;
	}
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	if (sendmsg(sk[0], &mh, 0) != 3) {
		fail_perror("sendmsg with SCM_RIGHTS");
		return 1;
	}
	close(p[1]);

	test_daemon();
	test_waitsig();

	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(sk[1], &mh, MSG_DONTWAIT) != 3 || memcmp(buf, "fd!", 3)) {
		fail_perror("the queued message is gone");
		return 1;
	}
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS) {
		fail("the queued descriptor is gone");
		return 1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	/* it is the pipe's write end: what goes in comes out of p[0] */
	if (write(fd, "x", 1) != 1 || read(p[0], buf, 1) != 1 || buf[0] != 'x') {
		fail("the received descriptor is not the pipe's write end");
		return 1;
	}
	pass();
	return 0;
}
