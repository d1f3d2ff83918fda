/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_backlog00: a listening unix socket with a connection not accepted yet makes the
 * dump fail with a clear message (unix_backlog00.desc); afterwards the pending connection
 * is still there to accept, and works.
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 24;
	int l, c, s;
	char buf[4];

	test_init(argc, argv);
	memcpy(a.sun_path, "\0zdtm-unix-backlog00-sk", 24);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, len) || listen(l, 4) ||
	    connect(c, (struct sockaddr *)&a, len) || write(c, "hi", 2) != 2) {
		fail_perror("can't make the pending connection");
		return 1;
	}

	test_daemon();
	test_waitsig();

	s = accept(l, NULL, NULL);
	if (s < 0 || read(s, buf, sizeof(buf)) != 2 || memcmp(buf, "hi", 2)) {
		fail_perror("the pending connection or its data is gone");
		return 1;
	}
	pass();
	return 0;
}
