/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_backlog04: a listening socket with a connection not accepted yet whose client is
 * closed already makes the dump fail, naming the listener (unix_backlog04.desc). The task
 * runs on: the connection is still queued, with the bytes the client wrote and its end.
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
	int l, c, s;
	char buf[8];

	test_init(argc, argv);
	strncpy(a.sun_path, test_path("listener.sk"), sizeof(a.sun_path) - 1);
	unlink(a.sun_path);
	l = socket(AF_UNIX, SOCK_STREAM, 0);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4) ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) || write(c, "bye", 3) != 3 || close(c)) {
		fail_perror("can't make the pending connection");
		return 1;
	}

	test_daemon();
	test_waitsig();

	s = accept(l, NULL, NULL);
	if (s < 0 || recv(s, buf, sizeof(buf), MSG_WAITALL) != 3 || memcmp(buf, "bye", 3)) {
		fail_perror("the pending connection or its bytes are gone");
		return 1;
	}
	unlink(a.sun_path);
	pass();
	return 0;
}
