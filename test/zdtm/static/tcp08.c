// SPDX-License-Identifier: GPL-2.0
/*
 * tcp08: a half-closed connection: the client shut its sending side down (FIN_WAIT2), the
 * server end has read nothing yet (CLOSE_WAIT); checkpointed with --tcp-established. After
 * restore the server reads the client's bytes then end of file, and can still send to the
 * client. (tcp13 goes through every closing state.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int lsk, srv, cli;

static int setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lsk = socket(AF_INET, SOCK_STREAM, 0);
	if (lsk < 0 || bind(lsk, (struct sockaddr *)&a, sizeof(a)) || listen(lsk, 1) ||
	    getsockname(lsk, (struct sockaddr *)&a, &len))
		return -1;
	cli = socket(AF_INET, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	srv = accept(lsk, NULL, NULL);
	if (srv < 0 || send(cli, "last words", 10, 0) != 10 || shutdown(cli, SHUT_WR))
		return -1;
	close(lsk);
	return 0;
}

int main(int argc, char **argv)
{
	char buf[16];

	test_init(argc, argv);
	if (setup()) {
		fail("can't set up the connection (%s)", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (recv(srv, buf, sizeof(buf), MSG_WAITALL) != 10 || memcmp(buf, "last words", 10) ||
	    recv(srv, buf, sizeof(buf), 0) != 0) {
		fail("the server end did not read the bytes then end of file (%s)",
		     strerror(errno));
		return 1;
	}
	if (send(srv, "reply", 5, 0) != 5 || recv(cli, buf, sizeof(buf), 0) != 5 ||
	    memcmp(buf, "reply", 5)) {
		fail("the half-closed connection does not carry the reply (%s)", strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
