/* SPDX-License-Identifier: GPL-2.0 */
/*
 * socket_refused00: a kind of fd criu cannot save (a vsock socket) makes the dump fail
 * with a message naming the fd and its kind (socket_refused00.desc); the task runs on with
 * its socket intact.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int sk, type;
	socklen_t len = sizeof(type);

	test_init(argc, argv);
	sk = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (sk < 0 && errno == EAFNOSUPPORT)
		test_skip("no AF_VSOCK in this kernel");
	if (sk < 0) {
		fail_perror("socket");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (getsockopt(sk, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_STREAM) {
		fail("the socket is gone");
		return 1;
	}
	pass();
	return 0;
}
