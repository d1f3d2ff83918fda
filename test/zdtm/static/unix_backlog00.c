/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_backlog00: listening unix sockets with connections not accepted yet, the clients in
 * the same task. A stream listener on an abstract name queues three connections, made in
 * another order than the clients' fds (one client bound to a name of its own); a seqpacket
 * listener on a path queues one. The stream listener had accepted a connection before,
 * with bytes queued on it. After restore each client writes before its connection is
 * accepted; then every pending connection is accepted in turn and must be the same client
 * in the same order (its bytes, its name), talk both ways, and be the last one queued; the
 * connection accepted before the dump is still there with its bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_STREAM 3

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strcpy(a->sun_path + 1, name);
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strncpy(a->sun_path, path, sizeof(a->sun_path) - 1);
	return sizeof(*a);
}

static int listener(int type, const struct sockaddr_un *a, socklen_t len)
{
	int l = socket(AF_UNIX, type, 0);

	if (l < 0 || bind(l, (const struct sockaddr *)a, len) || listen(l, 8))
		return -1;
	return l;
}

static int client(int type, const char *own)
{
	struct sockaddr_un me;
	int c = socket(AF_UNIX, type, 0);

	if (c >= 0 && own && bind(c, (struct sockaddr *)&me, abstract_addr(&me, own)))
		return -1;
	return c;
}

/* Accept the next connection: it must carry tag, answer, and (if own) bear that name. */
static int check_next(int l, int c, const char *tag, const char *own)
{
	char buf[32], want[32];
	struct sockaddr_un peer, name;
	socklen_t plen = sizeof(peer);
	int s = accept(l, (struct sockaddr *)&peer, &plen);
	ssize_t n;

	if (s < 0) {
		fail_perror("%s: no connection to accept", tag);
		return -1;
	}
	n = read(s, buf, sizeof(buf));
	if (n != (ssize_t)strlen(tag) || memcmp(buf, tag, n)) {
		fail("%s: the accepted connection is another client's (%zd bytes)", tag, n);
		return -1;
	}
	if (own && (plen != abstract_addr(&name, own) || memcmp(&peer, &name, plen))) {
		fail("%s: the client's name is lost", tag);
		return -1;
	}
	snprintf(want, sizeof(want), "re %s", tag);
	if (write(s, want, strlen(want)) != (ssize_t)strlen(want) ||
	    read(c, buf, sizeof(buf)) != (ssize_t)strlen(want) || memcmp(buf, want, strlen(want))) {
		fail("%s: no answer from the accepted side", tag);
		return -1;
	}
	close(s);
	return 0;
}

/* Nothing more queued: restore made exactly the dumped connections. */
static int check_drained(int l, const char *what)
{
	int s;

	fcntl(l, F_SETFL, O_NONBLOCK);
	s = accept(l, NULL, NULL);
	if (s >= 0 || errno != EAGAIN) {
		fail("%s: a connection more than dumped is queued", what);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *own[NR_STREAM] = { NULL, "zdtm-unix-backlog00-own", NULL };
	const int order[NR_STREAM] = { 2, 0, 1 }; /* which client connects first */
	struct sockaddr_un sa, pa;
	socklen_t slen, plen;
	int sl, pl, sc[NR_STREAM], pc, ac, as, i;
	char tag[16];

	test_init(argc, argv);
	slen = abstract_addr(&sa, "zdtm-unix-backlog00-stream");
	plen = path_addr(&pa, test_path("seqpacket.sk"));
	unlink(pa.sun_path);
	sl = listener(SOCK_STREAM, &sa, slen);
	pl = listener(SOCK_SEQPACKET, &pa, plen);
	for (i = 0; i < NR_STREAM; i++)
		sc[i] = client(SOCK_STREAM, own[i]);
	pc = client(SOCK_SEQPACKET, NULL);
	if (sl < 0 || pl < 0 || sc[0] < 0 || sc[1] < 0 || sc[2] < 0 || pc < 0) {
		fail_perror("can't make the sockets");
		return 1;
	}
	/* a connection accepted before the others came, with bytes waiting on each end */
	ac = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ac < 0 || connect(ac, (struct sockaddr *)&sa, slen) ||
	    (as = accept(sl, NULL, NULL)) < 0 || write(ac, "to as", 5) != 5 ||
	    write(as, "to ac", 5) != 5) {
		fail_perror("can't make the accepted connection");
		return 1;
	}
	/* the queue's order is not the order of the fds */
	for (i = 0; i < NR_STREAM; i++)
		if (connect(sc[order[i]], (struct sockaddr *)&sa, slen))
			break;
	if (i < NR_STREAM || connect(pc, (struct sockaddr *)&pa, plen)) {
		fail_perror("can't queue the connections");
		return 1;
	}

	test_daemon();
	test_waitsig();

	/* every client writes first: the data waits for the accept, as before the dump */
	for (i = 0; i < NR_STREAM; i++) {
		snprintf(tag, sizeof(tag), "stream %d", i);
		if (write(sc[i], tag, strlen(tag)) != (ssize_t)strlen(tag)) {
			fail_perror("%s: can't write", tag);
			return 1;
		}
	}
	if (write(pc, "seqpacket", 9) != 9) {
		fail_perror("seqpacket: can't write");
		return 1;
	}
	for (i = 0; i < NR_STREAM; i++) {
		snprintf(tag, sizeof(tag), "stream %d", order[i]);
		if (check_next(sl, sc[order[i]], tag, own[order[i]]))
			return 1;
	}
	if (check_next(pl, pc, "seqpacket", NULL) || check_drained(sl, "stream") ||
	    check_drained(pl, "seqpacket"))
		return 1;
	if (read(as, tag, sizeof(tag)) != 5 || memcmp(tag, "to as", 5) ||
	    read(ac, tag, sizeof(tag)) != 5 || memcmp(tag, "to ac", 5)) {
		fail("the connection accepted before the dump lost its bytes");
		return 1;
	}
	unlink(pa.sun_path);
	pass();
	return 0;
}
