/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_backlog02: a client that wrote before its connection was accepted makes the dump
 * fail, naming the socket (unix_backlog02.desc): the bytes wait on the listener's side,
 * where only accept() could read them. The task runs on: the connection is still queued,
 * its bytes come with the accept, and it talks both ways.
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	static const char name[] = "\0zdtm-unix-backlog02";
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + sizeof(name) - 1;
	int l, c, s;
	char buf[8];

	test_init(argc, argv);
	memcpy(a.sun_path, name, sizeof(name) - 1);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, len) || listen(l, 4) ||
	    connect(c, (struct sockaddr *)&a, len) || write(c, "early", 5) != 5) {
		fail_perror("can't make the pending connection");
		return 1;
	}

	test_daemon();
	test_waitsig();

	s = accept(l, NULL, NULL);
	if (s < 0 || recv(s, buf, 5, MSG_WAITALL) != 5 || memcmp(buf, "early", 5)) {
		fail_perror("the pending connection or its early bytes are gone");
		return 1;
	}
	if (write(s, "back", 4) != 4 || read(c, buf, sizeof(buf)) != 4 || memcmp(buf, "back", 4) ||
	    write(c, "more", 4) != 4 || read(s, buf, sizeof(buf)) != 4 || memcmp(buf, "more", 4)) {
		fail_perror("the accepted connection does not talk both ways");
		return 1;
	}
	pass();
	return 0;
}
