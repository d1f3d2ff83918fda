/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_tree01: a pre-forking server. The root binds and listens on a unix stream socket
 * (abstract name) and forks a worker that shares the listener. Connection A: the root is
 * the client and the worker accepted it. Connection B: the worker is the client and the
 * root accepted it. Each side queues data before the dump. After restore each side reads
 * what was queued for it, the connections talk both ways, and the shared listener still
 * takes a new connection that the worker accepts.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

static struct sockaddr_un addr = { .sun_family = AF_UNIX };
static socklen_t addr_len;

static int connect_listener(void)
{
	int sk = socket(AF_UNIX, SOCK_STREAM, 0);

	if (sk < 0 || connect(sk, (struct sockaddr *)&addr, addr_len)) {
		close(sk);
		return -1;
	}
	return sk;
}

/* Read the bytes `want` queued for us, then ping or pong once. */
static int check_conn(int sk, const char *want, int pinger)
{
	char got[64];
	size_t len = strlen(want);

	/* a zero-length recv on a stream would wait for data */
	if (len && (recv(sk, got, len, MSG_WAITALL) != (ssize_t)len || memcmp(got, want, len)))
		return 1;
	if (pinger)
		return send(sk, "ping", 4, 0) != 4 || recv(sk, got, 4, MSG_WAITALL) != 4 ||
		       memcmp(got, "pong", 4);
	return recv(sk, got, 4, MSG_WAITALL) != 4 || memcmp(got, "ping", 4) ||
	       send(sk, "pong", 4, 0) != 4;
}

static int send_str(int sk, const char *s)
{
	return send(sk, s, strlen(s), 0) == (ssize_t)strlen(s) ? 0 : -1;
}

/* The worker: accepts A, is the client of B; after "go" checks both and accepts C. */
static int worker(int lsk, int go, int ready)
{
	int a, b, c;
	char ch;

	/* A is the only connection until we say we took it */
	a = accept(lsk, NULL, NULL);
	if (a < 0 || send_str(a, "A: worker to root") || write(ready, "a", 1) != 1)
		return 10;
	b = connect_listener();
	if (b < 0 || send_str(b, "B: worker to root") || write(ready, "b", 1) != 1)
		return 10;
	if (read(go, &ch, 1) != 1)
		return 11;
	if (check_conn(a, "A: root to worker", 0))
		return 12;
	if (check_conn(b, "B: root to worker", 1))
		return 13;
	/* C: the root connects after restore, the worker accepts on the shared listener */
	c = accept(lsk, NULL, NULL);
	if (c < 0 || check_conn(c, "C: root to worker", 0))
		return 14;
	return 0;
}

int main(int argc, char **argv)
{
	int lsk, a, b, c, go[2], ready[2];
	pid_t pid;
	char ch;

	test_init(argc, argv);
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1, "zdtm-unix-tree01-%d", getpid());
	addr_len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.sun_path + 1);
	lsk = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lsk < 0 || bind(lsk, (struct sockaddr *)&addr, addr_len) || listen(lsk, 8) ||
	    pipe(go) || pipe(ready)) {
		fail_perror("can't make the listener");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		fail_perror("fork");
		return 1;
	}
	if (pid == 0)
		_exit(worker(lsk, go[0], ready[1]));
	a = connect_listener();
	if (a < 0 || send_str(a, "A: root to worker") || read(ready[0], &ch, 1) != 1) {
		fail_perror("can't connect A");
		return 1;
	}
	b = accept(lsk, NULL, NULL);
	if (b < 0 || send_str(b, "B: root to worker") || read(ready[0], &ch, 1) != 1) {
		fail_perror("can't accept B");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (write(go[1], "g", 1) != 1)
		fail_perror("can't wake the worker");
	if (check_conn(a, "A: worker to root", 1))
		fail("connection A (root client, worker accepted) lost its queue or its peer");
	if (check_conn(b, "B: worker to root", 0))
		fail("connection B (worker client, root accepted) lost its queue or its peer");
	c = connect_listener();
	if (c < 0 || send_str(c, "C: root to worker") || check_conn(c, "", 1))
		fail_perror("the shared listener takes no new connection");
	test_wait_child(pid, "the worker");
	if (!test_failed())
		pass();
	return 0;
}
