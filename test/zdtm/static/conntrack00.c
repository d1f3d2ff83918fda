// SPDX-License-Identifier: GPL-2.0
/*
 * conntrack00: the test has a network namespace of its own whose firewall (nftables, output)
 * passes TCP packets only of tracked connections ("ct state established,related") and a
 * connection's first SYN; it holds a TCP connection over 127.0.0.1 there. Restored without
 * its conntrack entry, the connection is new to connection tracking: every packet in the
 * middle of its stream, either way, is "new", not a SYN, and is dropped before its entry is
 * confirmed (so no packet ever makes one). After the restore the connection
 * must carry bytes both ways (within 5 s each). Dumped with --tcp-established.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PORT 4261

static int cli, srv;

static int sh(const char *cmd)
{
	int st = system(cmd);

	if (st)
		test_msg("'%s' failed: %d\n", cmd, st);
	return st ? -1 : 0;
}

static int setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int lsk, one = 1;

	if (unshare(CLONE_NEWNET) || sh("ip link set lo up")) {
		fail_perror("a network namespace of the test's own");
		return -1;
	}
	/* output: a packet that would make a new entry is dropped before it is confirmed */
	if (sh("nft add table inet zdct && nft add chain inet zdct out "
	       "'{ type filter hook output priority 0; policy accept; }' && "
	       "nft add rule inet zdct out ct state established,related accept && "
	       "nft add rule inet zdct out tcp flags '& (syn | ack) == syn' ct state new accept && "
	       "nft add rule inet zdct out meta l4proto tcp drop"))
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lsk = socket(AF_INET, SOCK_STREAM, 0);
	if (lsk < 0 || setsockopt(lsk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lsk, (struct sockaddr *)&a, sizeof(a)) || listen(lsk, 1))
		return -1;
	cli = socket(AF_INET, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	srv = accept(lsk, NULL, NULL);
	close(lsk);
	return srv < 0 ? -1 : 0;
}

/* len bytes of what from one end to the other, within 5 s */
static int carry(int from, int to, const char *what)
{
	struct pollfd p = { .fd = to, .events = POLLIN };
	size_t len = strlen(what);
	char buf[16] = "";

	if (send(from, what, len, 0) != (ssize_t)len)
		return -1;
	if (poll(&p, 1, 5000) != 1 ||
	    recv(to, buf, sizeof(buf) - 1, MSG_DONTWAIT) != (ssize_t)len || memcmp(buf, what, len))
		return -1;
	return 0;
}

static void check(void)
{
	if (carry(cli, srv, "ping") || carry(srv, cli, "pong"))
		fail("the connection over lo carries no bytes through the ct state rule");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
