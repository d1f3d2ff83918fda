// SPDX-License-Identifier: GPL-2.0
/*
 * netns01: a tree in two network namespaces. The test (the tree's root) has a network
 * namespace of its own (A), its child another one (B); a veth pair joins them, one end in
 * each (MTU and addresses on both), and the test holds a TCP connection to the child's
 * listener across it. Checked before the dump and after the restore, each time: the child is
 * still in a namespace other than the test's, owned by its user namespace (the uns flavour's
 * too, where criu makes it in the tree's), each end is in its namespace with its index,
 * address and MTU (and the other end is not there), and the connection carries bytes both
 * ways. Dumped with --tcp-established.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define END_A  "zdva0"
#define END_B  "zdvb0"
#define ADDR_A "10.81.0.1"
#define ADDR_B "10.81.0.2"
#define MTU_A  1440
#define MTU_B  1420
#define PORT   4251

static pid_t child;
static int go[2], done[2], cli = -1, rounds, ns_a = -1;
static unsigned int index_a, index_b;

struct report {
	int code;	   /* 0, or the child's failed check */
	unsigned long ino; /* its network namespace */
};

static unsigned long net_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

static int check_end(const char *name, unsigned int idx, int mtu, const char *addr,
		     const char *absent)
{
	struct ifreq ifr = {};
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret = 0;
	char buf[INET_ADDRSTRLEN] = "";

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (s < 0 || !if_nametoindex(name) || (idx && if_nametoindex(name) != idx))
		ret = 1;
	else if (ioctl(s, SIOCGIFMTU, &ifr) || ifr.ifr_mtu != mtu)
		ret = 2;
	else if (ioctl(s, SIOCGIFADDR, &ifr) ||
		 !inet_ntop(AF_INET, &((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr, buf,
			    sizeof(buf)) ||
		 strcmp(buf, addr))
		ret = 3;
	else if (ioctl(s, SIOCGIFFLAGS, &ifr) || !(ifr.ifr_flags & IFF_UP))
		ret = 4;
	else if (if_nametoindex(absent))
		ret = 5;
	if (s >= 0)
		close(s);
	return ret;
}

/* The child, in B: one check each time the test asks, its report back. */
static int child_rounds(int srv)
{
	struct report r;
	char buf[8];
	int i;

	for (i = 0; i < 2; i++) {
		if (read(go[0], buf, 1) != 1)
			return 10;
		r.ino = net_ino();
		r.code = check_end(END_B, index_b, MTU_B, ADDR_B, END_A);
		if (!r.code && (send(srv, "from-b", 6, 0) != 6 ||
				recv(srv, buf, 6, MSG_WAITALL) != 6 || memcmp(buf, "from-a", 6)))
			r.code = 6;
		if (!r.code && !test_ns_owned_by_own_user("net"))
			r.code = 7;
		if (write(done[1], &r, sizeof(r)) != sizeof(r))
			return 11;
	}
	return 0;
}

static int child_main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int lsk, srv, one = 1;

	if (unshare(CLONE_NEWNET))
		return 1;
	/* the pair, its other end sent to the test's namespace (ns_a, inherited) */
	if (test_sh("ip link set lo up && ip link add " END_B " type veth peer name " END_A
		    " netns /proc/self/fd/%d",
		    ns_a) ||
	    test_sh("ip link set " END_B " mtu %d up && ip addr add " ADDR_B "/24 dev " END_B,
		    MTU_B))
		return 3;
	close(ns_a);
	index_b = if_nametoindex(END_B);
	inet_pton(AF_INET, ADDR_B, &a.sin_addr);
	lsk = socket(AF_INET, SOCK_STREAM, 0);
	if (lsk < 0 || setsockopt(lsk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lsk, (struct sockaddr *)&a, sizeof(a)) || listen(lsk, 1) ||
	    write(done[1], "l", 1) != 1)
		return 4;
	srv = accept(lsk, NULL, NULL);
	if (srv < 0)
		return 5;
	close(lsk);
	return child_rounds(srv);
}

static int connect_b(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };

	inet_pton(AF_INET, ADDR_B, &a.sin_addr);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	return cli < 0 || connect(cli, (struct sockaddr *)&a, sizeof(a)) ? -1 : 0;
}

static int setup(void)
{
	char c;

	if (pipe(go) || pipe(done) || unshare(CLONE_NEWNET) || test_sh("ip link set lo up")) {
		fail_perror("pipes, or a network namespace of the test's own");
		return -1;
	}
	ns_a = open("/proc/self/ns/net", O_RDONLY);
	child = ns_a < 0 ? -1 : fork();
	if (child < 0)
		return -1;
	if (child == 0)
		_exit(child_main());
	close(ns_a);
	if (read(done[0], &c, 1) != 1 || c != 'l') {
		fail("the child is not listening in its network namespace");
		return -1;
	}
	if (test_sh("ip link set " END_A " mtu %d up && ip addr add " ADDR_A "/24 dev " END_A,
		    MTU_A))
		return -1;
	index_a = if_nametoindex(END_A);
	if (connect_b()) {
		fail_perror("TCP connection to " ADDR_B " across the veth");
		return -1;
	}
	return 0;
}

static void check(void)
{
	struct report r;
	char buf[8];
	int code = check_end(END_A, index_a, MTU_A, ADDR_A, END_B);

	if (code) {
		fail("the test's end " END_A " is not as set up (%d)", code);
		return;
	}
	if (write(go[1], "c", 1) != 1 || recv(cli, buf, 6, MSG_WAITALL) != 6 ||
	    memcmp(buf, "from-b", 6) || send(cli, "from-a", 6, 0) != 6) {
		fail_perror("the connection across the veth");
		return;
	}
	if (read(done[0], &r, sizeof(r)) != sizeof(r)) {
		fail("no report from the child");
		return;
	}
	if (r.code)
		fail("the child's end " END_B ", connection or namespace's owner (7) is not as set "
		     "up (%d)",
		     r.code);
	else if (r.ino == net_ino())
		fail("the child is in the test's network namespace");
	if (++rounds == 2)
		test_wait_child(child, "the child in its network namespace");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
