// SPDX-License-Identifier: GPL-2.0
/*
 * netns02: a task back in its tree root's network namespace below a task of another. The
 * test (the root) has a network namespace of its own (A); its child B unshares another;
 * B's child G enters A again (setns by an fd the test opened before the fork) and listens
 * on 127.0.0.1 there, while B listens on 127.0.0.1 at another port in its own. Checked
 * before the dump and after the restore: G is in the test's namespace and B is not (inode
 * numbers), the test reaches G's listener and not B's (refused: it is in B).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PORT_G 4261
#define PORT_B 4262

struct report {
	int code;	   /* 0, or the task's failed step */
	unsigned long ino; /* its network namespace */
};

static pid_t child;
static int go_b[2], go_g[2], done[2], rounds;

static unsigned long net_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;
}

static int lo_up(void)
{
	return system("ip link set lo up") ? -1 : 0;
}

static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int sk = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sk < 0 || setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(sk, (struct sockaddr *)&a, sizeof(a)) || listen(sk, 4))
		return -1;
	return sk;
}

/* Each round: report the namespace; G also greets the test's connection. */
static int task_rounds(int go_fd, int lsk, bool greet)
{
	struct report r = {};
	char c;
	int i, sk;

	for (i = 0; i < 2; i++) {
		if (read(go_fd, &c, 1) != 1)
			return 10;
		r.ino = net_ino();
		if (write(done[1], &r, sizeof(r)) != sizeof(r))
			return 11;
		if (!greet)
			continue;
		sk = accept(lsk, NULL, NULL);
		if (sk < 0 || write(sk, "g", 1) != 1)
			return 12;
		close(sk);
	}
	return 0;
}

/* G: back in A by the inherited fd, listening there. */
static int grandchild_main(int ns_a)
{
	int lsk;

	if (setns(ns_a, CLONE_NEWNET))
		return 20;
	close(ns_a);
	lsk = listen_on(PORT_G);
	if (lsk < 0 || write(done[1], "g", 1) != 1)
		return 21;
	return task_rounds(go_g[0], lsk, true);
}

static int child_main(int ns_a)
{
	pid_t g;
	int lsk, ret;

	if (unshare(CLONE_NEWNET) || lo_up())
		return 30;
	lsk = listen_on(PORT_B);
	if (lsk < 0)
		return 31;
	g = fork();
	if (g < 0)
		return 32;
	if (g == 0)
		_exit(grandchild_main(ns_a));
	close(ns_a);
	if (write(done[1], "b", 1) != 1)
		return 33;
	ret = task_rounds(go_b[0], lsk, false);
	if (ret)
		return ret;
	return test_wait_child(g, "the grandchild back in the test's namespace") ? 34 : 0;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int sk = socket(AF_INET, SOCK_STREAM, 0), ret;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sk < 0)
		return -errno;
	ret = connect(sk, (struct sockaddr *)&a, sizeof(a)) ? -errno : sk;
	if (ret < 0)
		close(sk);
	return ret;
}

static int setup(void)
{
	char c[2];
	int ns_a;

	if (pipe(go_b) || pipe(go_g) || pipe(done) || unshare(CLONE_NEWNET) || lo_up()) {
		fail_perror("pipes, or a network namespace of the test's own");
		return -1;
	}
	ns_a = open("/proc/self/ns/net", O_RDONLY);
	child = ns_a < 0 ? -1 : fork();
	if (child < 0) {
		fail_perror("the child");
		return -1;
	}
	if (child == 0)
		_exit(child_main(ns_a));
	close(ns_a);
	if (read(done[0], &c[0], 1) != 1 || read(done[0], &c[1], 1) != 1) {
		fail("the child or grandchild did not start");
		return -1;
	}
	return 0;
}

static int read_report(const char *who, struct report *r)
{
	if (read(done[0], r, sizeof(*r)) != sizeof(*r)) {
		fail("no report from the %s", who);
		return -1;
	}
	if (r->code) {
		fail("the %s failed (%d)", who, r->code);
		return -1;
	}
	return 0;
}

static void check(void)
{
	struct report rb, rg;
	char c = 0;
	int sk;

	if (write(go_b[1], "c", 1) != 1 || read_report("child", &rb) ||
	    write(go_g[1], "c", 1) != 1 || read_report("grandchild", &rg))
		return;
	if (rg.ino != net_ino()) {
		fail("the grandchild is not in the test's network namespace");
		return;
	}
	if (rb.ino == net_ino()) {
		fail("the child is in the test's network namespace");
		return;
	}
	sk = connect_to(PORT_G);
	if (sk < 0 || read(sk, &c, 1) != 1 || c != 'g') {
		fail("the grandchild's listener is not reached in the test's namespace (%d)", sk);
		return;
	}
	close(sk);
	sk = connect_to(PORT_B);
	if (sk != -ECONNREFUSED) {
		fail("the child's listener answers in the test's namespace (%d)", sk);
		return;
	}
	if (++rounds == 2)
		test_wait_child(child, "the child in its network namespace");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
