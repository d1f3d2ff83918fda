/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_tree00: unix socket pairs whose two ends live in different tasks of the tree. A
 * stream pair and a datagram pair join the root and its child (each keeps one end only),
 * and a seqpacket pair joins two grandchildren of the root through different children, so
 * every task's peer is found in another task. Each side queues data for the other before
 * the dump; after restore each side reads what was queued for it (bytes and message
 * boundaries) and the pair still talks both ways.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static int ready[2]; /* each task but the root says here that it queued its data */

/* What side `who` of a pair sent to the other before the dump. */
static void queued_msg(char *buf, size_t len, const char *pair, int who)
{
	snprintf(buf, len, "%s from side %d", pair, who);
}

/* Read the message queued for side `me`, then send a fresh one and read its echo. */
static int check_side(int sk, const char *pair, int me, int stream)
{
	char want[64], got[64];
	ssize_t n;

	queued_msg(want, sizeof(want), pair, !me);
	/* a stream has no boundaries: ask for exactly the queued bytes */
	n = recv(sk, got, stream ? strlen(want) : sizeof(got), stream ? MSG_WAITALL : 0);
	if (n != (ssize_t)strlen(want) || memcmp(got, want, n))
		return 1;
	/* side 0 pings, side 1 answers: the connection works after restore */
	if (me == 0) {
		if (send(sk, "ping", 4, 0) != 4 || recv(sk, got, 4, MSG_WAITALL) != 4 ||
		    memcmp(got, "pong", 4))
			return 2;
	} else {
		if (recv(sk, got, 4, MSG_WAITALL) != 4 || memcmp(got, "ping", 4) ||
		    send(sk, "pong", 4, 0) != 4)
			return 3;
	}
	return 0;
}

static int queue_for_peer(int sk, const char *pair, int me)
{
	char msg[64];

	queued_msg(msg, sizeof(msg), pair, me);
	return send(sk, msg, strlen(msg), 0) == (ssize_t)strlen(msg) ? 0 : -1;
}

/* The three others (the child and both grandchildren) have queued their data. */
static int wait_ready(void)
{
	char c;
	int i;

	for (i = 0; i < 3; i++)
		if (read(ready[0], &c, 1) != 1)
			return -1;
	return 0;
}

static int wait_ok(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return 100;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

static int say_ready(void)
{
	return write(ready[1], "r", 1) == 1 ? 0 : -1;
}

/* A grandchild: one end of the seqpacket pair; it waits for "go" from the root's pipe. */
static pid_t grandchild(int go, int sk, int me)
{
	pid_t pid = fork();
	char c;

	if (pid)
		return pid;
	if (queue_for_peer(sk, "seqpacket", me) || say_ready())
		_exit(20);
	if (read(go, &c, 1) != 1)
		_exit(21);
	_exit(check_side(sk, "seqpacket", me, 0) ? 22 : 0);
}

int main(int argc, char **argv)
{
	int st[2], dg[2], sp[2], go[2], ret;
	pid_t child, other, gc;
	char c;

	test_init(argc, argv);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, st) || socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) || pipe(go) || pipe(ready)) {
		fail_perror("socketpair or pipe");
		return 1;
	}
	child = fork();
	if (child == 0) {
		close(st[0]);
		close(dg[0]);
		close(sp[1]);
		gc = grandchild(go[0], sp[0], 0);
		close(sp[0]);
		if (queue_for_peer(st[1], "stream", 1) || queue_for_peer(dg[1], "dgram", 1) ||
		    say_ready())
			_exit(10);
		if (read(go[0], &c, 1) != 1)
			_exit(11);
		ret = check_side(st[1], "stream", 1, 1) ? 12 : 0;
		ret = ret ?: (check_side(dg[1], "dgram", 1, 0) ? 13 : 0);
		_exit(ret ?: wait_ok(gc));
	}
	other = fork();
	if (other == 0) {
		close(st[0]);
		close(st[1]);
		close(dg[0]);
		close(dg[1]);
		close(sp[0]);
		gc = grandchild(go[0], sp[1], 1);
		close(sp[1]);
		_exit(wait_ok(gc));
	}
	close(st[1]);
	close(dg[1]);
	close(sp[0]);
	close(sp[1]);
	if (child < 0 || other < 0 || queue_for_peer(st[0], "stream", 0) ||
	    queue_for_peer(dg[0], "dgram", 0) || wait_ready()) {
		fail_perror("fork, send or wait for the others");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (write(go[1], "gggg", 4) != 4)
		fail_perror("can't wake the others");
	if (check_side(st[0], "stream", 0, 1))
		fail("the stream pair lost its queue or its peer");
	if (check_side(dg[0], "dgram", 0, 0))
		fail("the datagram pair lost its queue or its peer");
	ret = wait_ok(child);
	if (ret)
		fail("the child's side failed check %d", ret);
	ret = wait_ok(other);
	if (ret)
		fail("the seqpacket pair between grandchildren failed check %d", ret);
	if (!test_failed())
		pass();
	return 0;
}
