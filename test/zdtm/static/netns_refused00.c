// SPDX-License-Identifier: GPL-2.0
/*
 * netns_refused00: the test's own network namespace holds a link of a kind criu can't save
 * (a vxlan) and an established TCP connection over lo. The dump is refused naming the link
 * (netns_refused00.desc), after it has locked the connection inside the namespace: the
 * tree runs on with the link there, the connection carrying bytes both ways, and no table
 * of criu's network lock left in the namespace.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

static int cli, srv;

static int connect_lo(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int lsk = socket(AF_INET, SOCK_STREAM, 0);

	if (lsk < 0 || bind(lsk, (struct sockaddr *)&a, sizeof(a)) || listen(lsk, 1) ||
	    getsockname(lsk, (struct sockaddr *)&a, &len))
		return -1;
	cli = socket(AF_INET, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	srv = accept(lsk, NULL, NULL);
	close(lsk);
	return srv < 0 ? -1 : 0;
}

static int setup(void)
{
	if (unshare(CLONE_NEWNET)) {
		fail_perror("unshare(CLONE_NEWNET)");
		return -1;
	}
	if (system("ip link set lo up && ip link add zdvx0 type vxlan id 42 dstport 4789")) {
		fail("can't make the vxlan link");
		return -1;
	}
	if (connect_lo()) {
		fail_perror("a connection over lo");
		return -1;
	}
	return 0;
}

static void check(void)
{
	char buf[8];

	if (!if_nametoindex("zdvx0")) {
		fail("the vxlan link is gone");
		return;
	}
	if (system("nft list tables | grep -q CRIU") == 0) {
		fail("criu's network lock is left in the namespace");
		return;
	}
	if (send(cli, "ping", 4, 0) != 4 || recv(srv, buf, sizeof(buf), 0) != 4 ||
	    send(srv, "pong", 4, 0) != 4 || recv(cli, buf, sizeof(buf), 0) != 4 ||
	    memcmp(buf, "pong", 4))
		fail_perror("the connection inside the namespace");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
