/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_closed00: unix sockets whose peer is closed while data it sent is still queued, for
 * each type: stream, seqpacket, datagram (socketpair, two messages sent, the sender closed).
 * After restore each socket must read its two messages back as they were sent (message
 * boundaries kept for seqpacket and datagram), then see its peer gone: end of file for
 * stream and seqpacket, and no more data for datagram; a write to a stream or seqpacket
 * socket must fail with EPIPE.
 * With $ZDTM_UNIX_EMPTY set (unix_closed01) the peer sends nothing before it closes, as a
 * JVM leaves one such stream socket behind: the sockets read end of file (datagram: no data)
 * at once after restore, and writes still fail with EPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
static const char *const names[] = { "stream", "seqpacket", "datagram" };
static const char m1[] = "first message", m2[] = "second one";
static int sk[3];
static int empty; /* $ZDTM_UNIX_EMPTY: nothing queued */

static int setup(void)
{
	int i, p[2];

	for (i = 0; i < 3; i++) {
		if (socketpair(AF_UNIX, types[i], 0, p))
			return -1;
		if (!empty && (write(p[1], m1, sizeof(m1)) != sizeof(m1) ||
			       write(p[1], m2, sizeof(m2)) != sizeof(m2)))
			return -1;
		close(p[1]);
		sk[i] = p[0];
	}
	return 0;
}

static int check_one(int i)
{
	char buf[64];
	ssize_t n;

	if (empty) {
		/* nothing to read first */
	} else if (types[i] == SOCK_STREAM) {
		n = recv(sk[i], buf, sizeof(buf), MSG_WAITALL);
		if (n != sizeof(m1) + sizeof(m2) || memcmp(buf, m1, sizeof(m1)) ||
		    memcmp(buf + sizeof(m1), m2, sizeof(m2)))
			return 1;
	} else {
		if (recv(sk[i], buf, sizeof(buf), MSG_DONTWAIT) != sizeof(m1) ||
		    memcmp(buf, m1, sizeof(m1)))
			return 1;
		if (recv(sk[i], buf, sizeof(buf), MSG_DONTWAIT) != sizeof(m2) ||
		    memcmp(buf, m2, sizeof(m2)))
			return 1;
	}
	n = recv(sk[i], buf, sizeof(buf), MSG_DONTWAIT);
	if (types[i] == SOCK_DGRAM)
		return n < 0 && errno == EAGAIN ? 0 : 2;
	if (n != 0)
		return 2;
	if (send(sk[i], "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0 || errno != EPIPE)
		return 3;
	return 0;
}

int main(int argc, char **argv)
{
	int i, ret;

	test_init(argc, argv);
	empty = getenv("ZDTM_UNIX_EMPTY") != NULL;
	if (setup()) {
		fail_perror("can't set up the sockets");
		return 1;
	}

	test_daemon();
	test_waitsig();

	for (i = 0; i < 3; i++) {
		ret = check_one(i);
		if (ret) {
			fail("the %s socket: check %d failed (%s)", names[i], ret, strerror(errno));
			return 1;
		}
	}
	pass();
	return 0;
}
