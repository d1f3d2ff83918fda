/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_backlog03: a listening socket whose connection not accepted yet comes from a client
 * outside the dumped tree (a grandchild the runner adopted) makes the dump fail naming
 * --ext-unix-sk (unix_backlog03.desc). The task runs on: it accepts the connection and
 * the outside client echoes what it gets.
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char name[] = "\0zdtm-unix-backlog03";

static socklen_t addr(struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, name, sizeof(name) - 1);
	return offsetof(struct sockaddr_un, sun_path) + sizeof(name) - 1;
}

/* The outside client: connects, says so, then echoes until the test's end closes. */
static void outside_client(int ready)
{
	struct sockaddr_un a;
	socklen_t len = addr(&a);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	char buf[64];
	ssize_t n;

	if (c < 0 || connect(c, (struct sockaddr *)&a, len) || write(ready, "c", 1) != 1)
		_exit(1);
	/* hold nothing of the test's but the client: the runner waits on its fds */
	dup2(c, 100);
	close_range(0, 99, 0);
	close_range(101, ~0U, 0);
	while ((n = read(100, buf, sizeof(buf))) > 0)
		if (write(100, buf, n) != n)
			break;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_un a;
	socklen_t len = addr(&a);
	int l, s, ready[2], status;
	char buf[8];
	pid_t pid;

	test_init(argc, argv);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, len) || listen(l, 4) || pipe(ready)) {
		fail_perror("setup");
		return 1;
	}
	/* a grandchild: the test itself must have no children to be dumped */
	pid = fork();
	if (pid == 0) {
		close(l);
		if (fork() == 0)
			outside_client(ready[1]);
		_exit(0);
	}
	close(ready[1]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || read(ready[0], buf, 1) != 1) {
		fail_perror("can't start the outside client");
		return 1;
	}
	close(ready[0]);

	test_daemon();
	test_waitsig();

	s = accept(l, NULL, NULL);
	if (s < 0 || write(s, "ping", 4) != 4 || recv(s, buf, 4, MSG_WAITALL) != 4 ||
	    memcmp(buf, "ping", 4)) {
		fail_perror("the connection from the outside client is broken");
		return 1;
	}
	close(s);
	pass();
	return 0;
}
