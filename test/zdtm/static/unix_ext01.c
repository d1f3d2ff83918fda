/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_ext01: a datagram socket bound to a path and connected to a datagram socket bound to
 * a path that a process outside the dumped tree holds, dumped and restored with
 * --ext-unix-sk (unix_ext01.desc; a restore without the option must be refused first).
 *
 * Before the dump the outside peer queues two messages on the test's socket. After restore
 * the socket must still be connected to the peer and bound to its own name: the two
 * messages come back in order and nothing else; a message sent without an address reaches
 * the peer, which answers to the sender's address as it saw it, and the answer comes back.
 *
 * Variants: unix_ext02 (abstract names), unix_ext04 (this test without the option: the dump
 * is refused), unix_ext05 (an unnamed peer, a dgram socketpair: refused even with it).
 */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PEER_FD	  100
#define READY_FD  101
#define NR_QUEUED 2

static const char *const queued[NR_QUEUED] = { "queued before the dump", "and a second one" };

struct name {
	struct sockaddr_un a;
	socklen_t len;
};

static struct name peer_name, my_name;

/* The test's own name and its peer's: paths next to the outfile, or abstract names. */
static int make_names(void)
{
#if defined(EXT_ABSTRACT)
	int i;

	for (i = 0; i < 2; i++) {
		struct name *n = i ? &my_name : &peer_name;
		int len = snprintf(n->a.sun_path + 1, sizeof(n->a.sun_path) - 1,
				   "zdtm-unix_ext02-%s-%d", i ? "me" : "peer", getpid());

		n->a.sun_family = AF_UNIX;
		n->len = offsetof(struct sockaddr_un, sun_path) + 1 + len;
	}
#elif !defined(EXT_UNNAMED)
	const char *tags[2] = { "peer.sk", "me.sk" };
	int i;

	for (i = 0; i < 2; i++) {
		struct name *n = i ? &my_name : &peer_name;
		const char *path = test_path(tags[i]);

		if (strlen(path) >= sizeof(n->a.sun_path)) {
			fail("socket path %s is too long for a unix socket name", path);
			return -1;
		}
		n->a.sun_family = AF_UNIX;
		strcpy(n->a.sun_path, path);
		n->len = offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
		unlink(path);
	}
#endif
	return 0;
}

static bool named(void)
{
	return peer_name.len != 0;
}

static bool same_name(const struct sockaddr_un *a, socklen_t len, const struct name *n)
{
	/* the kernel may count a path's NUL or not */
	if (n->a.sun_path[0] && len == n->len - 1)
		len++;
	return len == n->len && !memcmp(a, &n->a, len);
}

/* Outside the tree: answer "echo:MSG" to the address a message came from, till "bye". */
static void peer_loop(int sk)
{
	struct sockaddr_un from;
	char buf[128], out[160];
	socklen_t flen;
	ssize_t n;
	int len;

	alarm(600); /* never outlive a runner that lost track of it */
	for (;;) {
		flen = sizeof(from);
		n = recvfrom(sk, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &flen);
		if (n < 0 || (n == 3 && !memcmp(buf, "bye", 3)))
			_exit(0);
		buf[n] = 0;
		if (named() && !same_name(&from, flen, &my_name))
			len = snprintf(out, sizeof(out), "from a stranger:%s", buf);
		else
			len = snprintf(out, sizeof(out), "echo:%s", buf);
		if (named())
			sendto(sk, out, len, 0, (struct sockaddr *)&from, flen);
		else
			send(sk, out, len, 0);
	}
}

/* The peer's first job: queue messages on the test's socket, then say it is ready. */
static void peer_main(void)
{
	int i, len;

	for (i = 0; i < NR_QUEUED; i++) {
		len = strlen(queued[i]);
		if ((named() ? sendto(PEER_FD, queued[i], len, 0, (struct sockaddr *)&my_name.a,
				      my_name.len)
			     : send(PEER_FD, queued[i], len, 0)) != len)
			_exit(1);
	}
	if (write(READY_FD, "r", 1) != 1)
		_exit(1);
	close(READY_FD);
	peer_loop(PEER_FD);
}

/* A grandchild holding only the peer: it is no part of the tree, the runner adopts it. */
static int start_peer(int sk)
{
	int ready[2], status;
	pid_t pid;
	char c;

	if (pipe(ready)) {
		fail_perror("pipe");
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		if (fork() == 0) {
			/* our session and group ids are the test's pid, which restore takes back */
			if (setsid() < 0 || dup2(sk, PEER_FD) != PEER_FD ||
			    dup2(ready[1], READY_FD) != READY_FD)
				_exit(1);
			close_range(0, PEER_FD - 1, 0);
			close_range(READY_FD + 1, ~0U, 0);
			peer_main();
		}
		_exit(0);
	}
	close(ready[1]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || read(ready[0], &c, 1) != 1) {
		fail_perror("can't start the outside peer");
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	return 0;
}

/* Our socket, connected to the peer's socket, which the peer process gets. */
static int make_sockets(int *me)
{
	int pair[2], peer;

	if (!named()) {
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair)) {
			fail_perror("socketpair");
			return -1;
		}
		*me = pair[0];
		peer = pair[1];
	} else {
		peer = socket(AF_UNIX, SOCK_DGRAM, 0);
		*me = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (peer < 0 || *me < 0 ||
		    bind(peer, (struct sockaddr *)&peer_name.a, peer_name.len) ||
		    bind(*me, (struct sockaddr *)&my_name.a, my_name.len) ||
		    connect(*me, (struct sockaddr *)&peer_name.a, peer_name.len)) {
			fail_perror("can't make the datagram sockets");
			return -1;
		}
	}
	if (start_peer(peer))
		return -1;
	close(peer);
	return 0;
}

static int check_names(int me)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);

	if (!named())
		return 0;
	if (getpeername(me, (struct sockaddr *)&a, &len) || !same_name(&a, len, &peer_name)) {
		fail("the socket is no longer connected to the outside peer's name");
		return -1;
	}
	len = sizeof(a);
	if (getsockname(me, (struct sockaddr *)&a, &len) || !same_name(&a, len, &my_name)) {
		fail("the socket is no longer bound to its own name");
		return -1;
	}
	return 0;
}

static int check_queue(int me)
{
	char buf[128];
	ssize_t n;
	int i;

	for (i = 0; i < NR_QUEUED; i++) {
		n = recv(me, buf, sizeof(buf), MSG_DONTWAIT);
		if (n != (ssize_t)strlen(queued[i]) || memcmp(buf, queued[i], n)) {
			fail("queued message %d is %zd bytes, expected '%s'", i, n, queued[i]);
			return -1;
		}
	}
	n = recv(me, buf, sizeof(buf), MSG_DONTWAIT);
	if (n >= 0 || errno != EAGAIN) {
		fail("more than the queued messages on the socket (%zd)", n);
		return -1;
	}
	return 0;
}

/* What we send without an address must reach the peer, and its answer must reach us. */
static int check_echo(int me)
{
	static const char want[] = "echo:ping";
	struct pollfd p = { .fd = me, .events = POLLIN };
	char buf[128];
	ssize_t n;

	if (send(me, "ping", 4, 0) != 4) {
		fail_perror("send to the outside peer");
		return -1;
	}
	if (poll(&p, 1, 10000) != 1) {
		fail("no answer from the outside peer in 10 s");
		return -1;
	}
	n = recv(me, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n != sizeof(want) - 1 || memcmp(buf, want, n)) {
		buf[n > 0 ? n : 0] = 0;
		fail("the outside peer answered '%s', expected '%s'", buf, want);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int me;

	test_init(argc, argv);
	if (make_names() || make_sockets(&me))
		return 1;

	test_daemon();
	test_waitsig();

	if (check_names(me) || check_queue(me) || check_echo(me))
		return 1;
	send(me, "bye", 3, 0);
	close(me);
	if (named() && my_name.a.sun_path[0]) {
		unlink(my_name.a.sun_path);
		unlink(peer_name.a.sun_path);
	}
	pass();
	return 0;
}
