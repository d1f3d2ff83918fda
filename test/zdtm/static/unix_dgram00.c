/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_dgram00: unconnected unix sockets. A datagram socket bound to an abstract name
 * holds messages queued by sendto() from two unbound sockets, one of them closed since.
 * Another datagram socket is bound with nothing queued, and a third neither bound nor
 * connected. Two seqpacket sockets were never connected: one unbound, one bound. After
 * restore each socket keeps its type and name, nothing is connected, the queued messages
 * come back in order, from no name, and the bound ones still receive.
 * DGRAM_CASE=named (unix_dgram01): one message comes from a socket bound to a name of its
 * own. sk-queues.img (CRIU's format) has no place for a sender's name: the dump must
 * refuse it rather than lose the name.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char m1[] = "from a named sender", m2[] = "from a closed one";
static int rcv, sender, idle, unbound, seq, seq_bound, named;

static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "zdtm-%s-%d", name, getpid());
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1);
}

static int bound(int type, const char *name)
{
	struct sockaddr_un a;
	socklen_t len = abstract(&a, name);
	int sk = socket(AF_UNIX, type, 0);

	if (sk < 0 || bind(sk, (struct sockaddr *)&a, len))
		return -1;
	return sk;
}

static int setup(void)
{
	struct sockaddr_un a;
	socklen_t len = abstract(&a, "rcv");
	int tmp;

	rcv = bound(SOCK_DGRAM, "rcv");
	sender = bound(SOCK_DGRAM, "sender");
	idle = bound(SOCK_DGRAM, "idle");
	seq_bound = bound(SOCK_SEQPACKET, "seq");
	unbound = socket(AF_UNIX, SOCK_DGRAM, 0);
	seq = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	tmp = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (rcv < 0 || sender < 0 || idle < 0 || seq_bound < 0 || unbound < 0 || seq < 0 || tmp < 0)
		return -1;
	if (sendto(named ? sender : unbound, m1, sizeof(m1), 0, (struct sockaddr *)&a, len) !=
		    sizeof(m1) ||
	    sendto(tmp, m2, sizeof(m2), 0, (struct sockaddr *)&a, len) != sizeof(m2))
		return -1;
	return close(tmp);
}

/* The socket's type and name (NULL: none), and no peer. */
static int is(int sk, int type, const char *name)
{
	struct sockaddr_un a, want;
	socklen_t len = sizeof(a), wlen = 0;
	int t = 0;
	socklen_t tl = sizeof(t);

	if (getsockopt(sk, SOL_SOCKET, SO_TYPE, &t, &tl) || t != type)
		return 0;
	if (getsockname(sk, (struct sockaddr *)&a, &len))
		return 0;
	if (name) {
		wlen = abstract(&want, name);
		if (len != wlen || memcmp(&a, &want, len))
			return 0;
	} else if (len != offsetof(struct sockaddr_un, sun_path)) {
		return 0;
	}
	len = sizeof(a);
	return getpeername(sk, (struct sockaddr *)&a, &len) < 0 && errno == ENOTCONN;
}

static int recv_from(int sk, const char *msg, size_t size, const char *from)
{
	struct sockaddr_un a, want;
	socklen_t len = sizeof(a), wlen = offsetof(struct sockaddr_un, sun_path);
	char buf[64];

	if (recvfrom(sk, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&a, &len) !=
		    (ssize_t)size ||
	    memcmp(buf, msg, size))
		return 0;
	if (!from) /* an unbound sender: no name at all */
		return len <= wlen;
	wlen = abstract(&want, from);
	return len == wlen && !memcmp(&a, &want, len);
}

static void check(void)
{
	if (!is(rcv, SOCK_DGRAM, "rcv") || !is(sender, SOCK_DGRAM, "sender") ||
	    !is(idle, SOCK_DGRAM, "idle") || !is(unbound, SOCK_DGRAM, NULL) ||
	    !is(seq, SOCK_SEQPACKET, NULL) || !is(seq_bound, SOCK_SEQPACKET, "seq")) {
		fail("a socket changed its type, name or peer");
		return;
	}
}

static void check_queues(void)
{
	struct sockaddr_un a;
	socklen_t len = abstract(&a, "idle");
	char buf[8];

	if (!recv_from(rcv, m1, sizeof(m1), named ? "sender" : NULL) ||
	    !recv_from(rcv, m2, sizeof(m2), NULL)) {
		fail("the queued messages or their senders are not as sent");
		return;
	}
	if (recv(rcv, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN) {
		fail("more was queued than sent");
		return;
	}
	if (sendto(unbound, "hi", 3, 0, (struct sockaddr *)&a, len) != 3 ||
	    recv(idle, buf, sizeof(buf), MSG_DONTWAIT) != 3)
		fail_perror("the idle bound socket does not receive");
}

int main(int argc, char **argv)
{
	named = getenv("DGRAM_CASE") && !strcmp(getenv("DGRAM_CASE"), "named");
	test_init(argc, argv);
	if (test_check_across_dump(setup, check))
		return 1;
	check_queues(); /* a failure here replaces the pass */
	return test_failed();
}
