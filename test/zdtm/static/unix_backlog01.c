/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_backlog01: connections not accepted yet whose ends live in different tasks of the
 * tree. The root listens on an abstract name and has accepted one connection of its child
 * already; then the child connects to it, then the root, then the child again, so the
 * queue's order runs across the tasks. The child listens on a path and the root connects
 * to it. After restore every client writes its tag, each listener accepts its queue in
 * turn and must find the same clients in the same order, and answers: the clients read
 * their answers. The connection accepted before the dump still joins root and child.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static int to_child[2], to_root[2];

static socklen_t abstract_addr(struct sockaddr_un *a)
{
	static const char name[] = "\0zdtm-unix-backlog01";

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, name, sizeof(name) - 1);
	return offsetof(struct sockaddr_un, sun_path) + sizeof(name) - 1;
}

static socklen_t path_addr(struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	strncpy(a->sun_path, test_path("child.sk"), sizeof(a->sun_path) - 1);
	return sizeof(*a);
}

static int listener(int type, const struct sockaddr_un *a, socklen_t len)
{
	int l = socket(AF_UNIX, type, 0);

	if (l < 0 || bind(l, (const struct sockaddr *)a, len) || listen(l, 4))
		return -1;
	return l;
}

static int client(int type, const struct sockaddr_un *a, socklen_t len)
{
	int c = socket(AF_UNIX, type, 0);

	if (c < 0 || connect(c, (const struct sockaddr *)a, len))
		return -1;
	return c;
}

static int say(int fd, char c)
{
	return write(fd, &c, 1) == 1 ? 0 : -1;
}

static int hear(int fd, char want)
{
	char c;

	return read(fd, &c, 1) == 1 && c == want ? 0 : -1;
}

static int send_tag(int sk, const char *tag)
{
	return write(sk, tag, strlen(tag)) == (ssize_t)strlen(tag) ? 0 : -1;
}

/* Read exactly the bytes of want from sk. */
static int expect(int sk, const char *want)
{
	char buf[32];
	size_t n = strlen(want);

	return recv(sk, buf, n, MSG_WAITALL) == (ssize_t)n && !memcmp(buf, want, n) ? 0 : -1;
}

/* The next connection on l must carry tag; it answers "re <tag>". */
static int accept_tag(int l, const char *tag)
{
	char re[32];
	int s = accept(l, NULL, NULL), ret;

	if (s < 0)
		return -1;
	snprintf(re, sizeof(re), "re %s", tag);
	ret = expect(s, tag) ?: send_tag(s, re);
	close(s);
	return ret;
}

/* The child: two clients of the root's listener, and a listener of its own. */
static int child(void)
{
	struct sockaddr_un ra, pa;
	socklen_t rlen = abstract_addr(&ra), plen = path_addr(&pa);
	int l, k, a0, a2;

	unlink(pa.sun_path);
	l = listener(SOCK_SEQPACKET, &pa, plen);
	k = client(SOCK_STREAM, &ra, rlen);
	if (l < 0 || k < 0 || say(to_root[1], 'k') || hear(to_child[0], 'k'))
		return 2;
	a0 = client(SOCK_STREAM, &ra, rlen);
	if (a0 < 0 || say(to_root[1], 'a') || hear(to_child[0], 'b'))
		return 2;
	a2 = client(SOCK_STREAM, &ra, rlen);
	if (a2 < 0 || say(to_root[1], 'c'))
		return 3;
	/* after restore */
	if (hear(to_child[0], 'g'))
		return 4;
	if (send_tag(a0, "child 0") || send_tag(a2, "child 2") || send_tag(k, "kept"))
		return 5;
	if (accept_tag(l, "root to child"))
		return 6;
	if (expect(a0, "re child 0") || expect(a2, "re child 2") || expect(k, "re kept"))
		return 7;
	unlink(pa.sun_path);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un ra, pa;
	socklen_t rlen, plen;
	int l, s, r1, r, status = 0;
	pid_t kid;

	test_init(argc, argv);
	rlen = abstract_addr(&ra);
	plen = path_addr(&pa);
	l = listener(SOCK_STREAM, &ra, rlen);
	if (l < 0 || pipe(to_child) || pipe(to_root)) {
		fail_perror("setup");
		return 1;
	}
	kid = fork();
	if (kid == 0) {
		/* the root's listener stays the root's alone */
		close(l);
		close(to_child[1]);
		close(to_root[0]);
		_exit(child());
	}
	close(to_child[0]);
	close(to_root[1]);
	if (kid < 0 || hear(to_root[0], 'k') || (s = accept(l, NULL, NULL)) < 0 ||
	    say(to_child[1], 'k') || hear(to_root[0], 'a')) {
		fail_perror("the child did not connect");
		return 1;
	}
	r1 = client(SOCK_STREAM, &ra, rlen);
	if (r1 < 0 || say(to_child[1], 'b') || hear(to_root[0], 'c')) {
		fail_perror("the second connection failed");
		return 1;
	}
	r = client(SOCK_SEQPACKET, &pa, plen);
	if (r < 0) {
		fail_perror("can't connect to the child's listener");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (say(to_child[1], 'g') || send_tag(r1, "root 1") || send_tag(r, "root to child")) {
		fail_perror("can't write after restore");
		return 1;
	}
	if (accept_tag(l, "child 0") || accept_tag(l, "root 1") || accept_tag(l, "child 2")) {
		fail("the root's queue lost its order or its clients");
		return 1;
	}
	if (expect(s, "kept") || send_tag(s, "re kept") || expect(r1, "re root 1") ||
	    expect(r, "re root to child")) {
		fail("no answer to the root's clients");
		return 1;
	}
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fail("child: check %d failed (4 go, 5 write, 6 its queue, 7 answers)",
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return 1;
	}
	pass();
	return 0;
}
