/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_backlog05: a client whose connection is not accepted yet by a listener outside the
 * dumped tree (a grandchild the runner adopted) makes the dump fail, naming the client
 * (unix_backlog05.desc). The task runs on: the outside listener accepts and echoes.
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char name[] = "\0zdtm-unix-backlog05";

static socklen_t addr(struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, name, sizeof(name) - 1);
	return offsetof(struct sockaddr_un, sun_path) + sizeof(name) - 1;
}

/* The outside listener: accepts once told to (a byte on go), then echoes. */
static void outside_listener(int l, int go)
{
	char buf[64];
	ssize_t n;
	int s;

	/* hold nothing of the test's but these two: the runner waits on the test's fds */
	dup2(l, 100);
	dup2(go, 101);
	close_range(0, 99, 0);
	close_range(102, ~0U, 0);
	if (read(101, buf, 1) != 1)
		_exit(1);
	s = accept(100, NULL, NULL);
	while (s >= 0 && (n = read(s, buf, sizeof(buf))) > 0)
		if (write(s, buf, n) != n)
			break;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_un a;
	socklen_t len = addr(&a);
	int l, c, go[2], status;
	char buf[8];
	pid_t pid;

	test_init(argc, argv);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, len) || listen(l, 4) || pipe(go)) {
		fail_perror("setup");
		return 1;
	}
	/* a grandchild: the test itself must have no children to be dumped */
	pid = fork();
	if (pid == 0) {
		if (fork() == 0)
			outside_listener(l, go[0]);
		_exit(0);
	}
	close(l);
	close(go[0]);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || c < 0 ||
	    connect(c, (struct sockaddr *)&a, len)) {
		fail_perror("can't connect to the outside listener");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (write(go[1], "g", 1) != 1 || write(c, "ping", 4) != 4 ||
	    recv(c, buf, 4, MSG_WAITALL) != 4 || memcmp(buf, "ping", 4)) {
		fail_perror("the connection to the outside listener is broken");
		return 1;
	}
	close(c);
	pass();
	return 0;
}
