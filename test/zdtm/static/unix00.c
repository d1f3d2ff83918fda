/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix00: unix sockets come back with their peers, names, queued data and state.
 *
 * - socketpairs of SOCK_STREAM, SOCK_DGRAM and SOCK_SEQPACKET with messages queued in both
 *   directions: the bytes, their order and (dgram, seqpacket) each message's boundaries;
 * - a stream pair whose one end did shutdown(SHUT_WR): the other reads the data, then EOF;
 * - a listener bound to a path and one bound to an abstract name, each with a connection
 *   accepted from it (data queued both ways; the accepted end still carries the name) and
 *   still accepting new connections after restore;
 * - options: SO_SNDBUF, SO_RCVBUF, SO_PASSCRED, SO_RCVTIMEO; O_NONBLOCK on one end.
 * After restore each pair must still be one pair: what one end sends, the other receives.
 */
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_MSGS 5
static const char *const msgs[NR_MSGS] = { "one", "", "three, longer", "4", "the fifth" };
static const char abstract_name[] = "\0zdtm-unix00-abstract";

/* Send the messages (tagged with a prefix so that both directions differ). */
static int send_msgs(int sk, const char *tag)
{
	char buf[64];
	int i, len;

	for (i = 0; i < NR_MSGS; i++) {
		len = snprintf(buf, sizeof(buf), "%s:%s", tag, msgs[i]);
		if (send(sk, buf, len, MSG_DONTWAIT) != len)
			return -1;
	}
	return 0;
}

/* Each message must come back whole and alone, in order (boundaries kept). */
static int check_msgs(int sk, const char *tag, const char *what)
{
	char buf[64], want[64];
	ssize_t n;
	int i, len;

	for (i = 0; i < NR_MSGS; i++) {
		len = snprintf(want, sizeof(want), "%s:%s", tag, msgs[i]);
		n = recv(sk, buf, sizeof(buf), MSG_DONTWAIT);
		if (n != len || memcmp(buf, want, len)) {
			fail("%s: message %d is %zd bytes, expected '%s'", what, i, n, want);
			return -1;
		}
	}
	if (recv(sk, buf, sizeof(buf), MSG_DONTWAIT) != -1 || errno != EAGAIN) {
		fail("%s: more messages than were sent", what);
		return -1;
	}
	return 0;
}

/* A stream carries the concatenation, with no boundaries. */
static int check_stream(int sk, const char *tag, const char *what)
{
	char want[512], buf[512];
	size_t len = 0, got = 0;
	ssize_t n;
	int i;

	for (i = 0; i < NR_MSGS; i++)
		len += snprintf(want + len, sizeof(want) - len, "%s:%s", tag, msgs[i]);
	while (got < len && (n = recv(sk, buf + got, sizeof(buf) - got, MSG_DONTWAIT)) > 0)
		got += n;
	if (got != len || memcmp(buf, want, len)) {
		fail("%s: stream data lost or changed (%zu of %zu bytes)", what, got, len);
		return -1;
	}
	return 0;
}

/* Still one pair: a new message goes across both ways. */
static int check_linked(int a, int b, const char *what)
{
	char buf[8];

	if (send(a, "ab", 2, 0) != 2 || recv(b, buf, sizeof(buf), 0) != 2 ||
	    send(b, "ba", 2, 0) != 2 || recv(a, buf, sizeof(buf), 0) != 2) {
		fail_perror("%s: the two ends are no longer connected", what);
		return -1;
	}
	return 0;
}

static int check_pair(int sk[2], int type, const char *what)
{
	int (*check)(int, const char *, const char *) =
		type == SOCK_STREAM ? check_stream : check_msgs;

	if (check(sk[1], "a", what) || check(sk[0], "b", what))
		return -1;
	return check_linked(sk[0], sk[1], what);
}

static socklen_t make_addr(struct sockaddr_un *a, const char *name, size_t len)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, name, len);
	return offsetof(struct sockaddr_un, sun_path) + len;
}

/* A listener on name, a client connected to it and the accepted end, data both ways. */
static int make_listener(const char *name, size_t len, int *l, int *c, int *s)
{
	struct sockaddr_un a;
	socklen_t alen = make_addr(&a, name, len);

	*l = socket(AF_UNIX, SOCK_STREAM, 0);
	*c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (*l < 0 || *c < 0 || bind(*l, (struct sockaddr *)&a, alen) || listen(*l, 7) ||
	    connect(*c, (struct sockaddr *)&a, alen))
		return -1;
	*s = accept(*l, NULL, NULL);
	if (*s < 0)
		return -1;
	return send_msgs(*c, "a") || send_msgs(*s, "b");
}

static int check_listener(const char *name, size_t len, int l, int c, int s, const char *what)
{
	struct sockaddr_un a, got;
	socklen_t alen = make_addr(&a, name, len), glen = sizeof(got);
	int c2, s2, ok;

	if (check_stream(s, "a", what) || check_stream(c, "b", what) || check_linked(c, s, what))
		return -1;
	if (getsockname(s, (struct sockaddr *)&got, &glen) || glen < alen ||
	    memcmp(got.sun_path, name, len)) {
		fail("%s: the accepted socket lost its name", what);
		return -1;
	}
	glen = sizeof(got);
	if (getpeername(c, (struct sockaddr *)&got, &glen) || memcmp(got.sun_path, name, len)) {
		fail("%s: the client's peer name changed", what);
		return -1;
	}
	c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(c2, (struct sockaddr *)&a, alen)) {
		fail_perror("%s: can't connect to the listener after restore", what);
		return -1;
	}
	s2 = accept(l, NULL, NULL);
	ok = s2 >= 0 && !check_linked(c2, s2, what);
	close(c2);
	close(s2);
	if (!ok)
		fail("%s: the listener does not accept after restore", what);
	return ok ? 0 : -1;
}

/* Timeouts read back rounded to jiffies: compare with what was read before the dump. */
static int check_opts(int sk, int sndbuf, int rcvbuf, const struct timeval *was)
{
	int snd = 0, rcv = 0, cred = 0;
	struct timeval tv;
	socklen_t len = sizeof(int), tlen = sizeof(tv);

	getsockopt(sk, SOL_SOCKET, SO_SNDBUF, &snd, &len);
	getsockopt(sk, SOL_SOCKET, SO_RCVBUF, &rcv, &len);
	getsockopt(sk, SOL_SOCKET, SO_PASSCRED, &cred, &len);
	getsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &tv, &tlen);
	if (snd != sndbuf || rcv != rcvbuf || !cred || tv.tv_sec != was->tv_sec ||
	    tv.tv_usec != was->tv_usec) {
		fail("socket options changed: sndbuf %d (was %d), rcvbuf %d (was %d), passcred "
		     "%d, rcvtimeo %ld.%06ld (was %ld.%06ld)",
		     snd, sndbuf, rcv, rcvbuf, cred, (long)tv.tv_sec, (long)tv.tv_usec,
		     (long)was->tv_sec, (long)was->tv_usec);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const int types[3] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET };
	static const char *const names[3] = { "stream pair", "dgram pair", "seqpacket pair" };
	int pairs[3][2], half[2], lp, cp, sp, la, ca, sa, i, one = 1, size = 50000;
	int sndbuf, rcvbuf;
	struct timeval tv = { 3, 250000 };
	socklen_t len = sizeof(int), tlen = sizeof(tv);
	char path[108], buf[64];

	test_init(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	snprintf(path, sizeof(path), "%s", test_path("sock"));
	unlink(path);
	for (i = 0; i < 3; i++)
		if (socketpair(AF_UNIX, types[i], 0, pairs[i]) || send_msgs(pairs[i][0], "a") ||
		    send_msgs(pairs[i][1], "b")) {
			fail_perror("can't make the %s", names[i]);
			return 1;
		}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, half) || send(half[0], "bye", 3, 0) != 3 ||
	    shutdown(half[0], SHUT_WR)) {
		fail_perror("can't make the half-closed pair");
		return 1;
	}
	if (make_listener(path, strlen(path) + 1, &lp, &cp, &sp) ||
	    make_listener(abstract_name, sizeof(abstract_name) - 1, &la, &ca, &sa)) {
		fail_perror("can't make the listeners");
		return 1;
	}
	if (setsockopt(pairs[1][0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)) ||
	    setsockopt(pairs[1][0], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) ||
	    setsockopt(pairs[1][0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) ||
	    setsockopt(pairs[1][0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    fcntl(pairs[2][1], F_SETFL, O_NONBLOCK)) {
		fail_perror("can't set socket options");
		return 1;
	}
	getsockopt(pairs[1][0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &len);
	getsockopt(pairs[1][0], SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);
	getsockopt(pairs[1][0], SOL_SOCKET, SO_RCVTIMEO, &tv, &tlen);

	test_daemon();
	test_waitsig();

	/* SO_PASSCRED is on: plain recv still gives the bytes */
	for (i = 0; i < 3; i++)
		if (check_pair(pairs[i], types[i], names[i]))
			return 1;
	if (check_opts(pairs[1][0], sndbuf, rcvbuf, &tv))
		return 1;
	if (!(fcntl(pairs[2][1], F_GETFL) & O_NONBLOCK)) {
		fail("O_NONBLOCK of a socket was lost");
		return 1;
	}
	if (recv(half[1], buf, sizeof(buf), 0) != 3 || memcmp(buf, "bye", 3) ||
	    recv(half[1], buf, sizeof(buf), 0) != 0) {
		fail("the half-closed pair lost its data or its EOF");
		return 1;
	}
	if (send(half[0], "x", 1, MSG_NOSIGNAL) != -1 || errno != EPIPE) {
		fail("the shut-down end can write again");
		return 1;
	}
	if (send(half[1], "back", 4, 0) != 4 || recv(half[0], buf, sizeof(buf), 0) != 4) {
		fail_perror("the half-closed pair no longer carries data the other way");
		return 1;
	}
	if (check_listener(path, strlen(path) + 1, lp, cp, sp, "path listener") ||
	    check_listener(abstract_name, sizeof(abstract_name) - 1, la, ca, sa,
			   "abstract listener"))
		return 1;
	unlink(path);
	pass();
	return 0;
}
