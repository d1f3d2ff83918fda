/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlock-test.c - criu/net/lock/: the method names (CRIU's, and its alias "none"), the
 * connections as the rules see them (an IPv4-mapped pair locked as IPv4), and what a user
 * reads when nftables refuses the lock: libnftables' words with the command that failed
 * ("create table inet CRIU-..."), then what to do. A kernel without nf_tables answers
 * "Operation not supported", which no test here can make a kernel say: that text is fed in
 * as libnftables prints it. A refusal for want of CAP_NET_ADMIN is real: a child gives up
 * root in a network namespace of its own and asks for the lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "net-lock.h"
#include "../../criu/net/lock/internal.h"
#include "unit-check.h"

static void test_methods(void)
{
	enum netlock_method m = NETLOCK_NFTABLES;

	CHECK(!netlock_method_parse("iptables", &m) && m == NETLOCK_IPTABLES, "iptables");
	CHECK(!netlock_method_parse("nftables", &m) && m == NETLOCK_NFTABLES, "nftables");
	CHECK(!netlock_method_parse("skip", &m) && m == NETLOCK_SKIP, "skip");
	m = NETLOCK_NFTABLES;
	CHECK(!netlock_method_parse("none", &m) && m == NETLOCK_SKIP, "none is skip");
	CHECK(netlock_method_parse("nft", &m) == -EINVAL, "nft is no method");
	CHECK(netlock_method_parse("", &m) == -EINVAL, "empty is no method");
	/* inventory.img holds these numbers: CRIU's enum */
	CHECK(NETLOCK_IPTABLES == 0 && NETLOCK_NFTABLES == 1 && NETLOCK_SKIP == 2, "numbers");
	CHECK(!strcmp(netlock_method_name(NETLOCK_SKIP), "skip"), "name of skip");
}

static void conn_of(struct netlock_conn *c, int family, const char *src, int sport, const char *dst,
		    int dport)
{
	memset(c, 0, sizeof(*c));
	c->family = family;
	inet_pton(family, src, c->src);
	inet_pton(family, dst, c->dst);
	c->sport = sport;
	c->dport = dport;
}

static void test_tuples(void)
{
	struct netlock_conn c;
	struct netlock_tuple t;

	conn_of(&c, AF_INET, "127.0.0.1", 80, "10.1.2.3", 40000);
	CHECK(!netlock_tuple_of(&c, &t) && !t.v6 && !strcmp(t.local, "127.0.0.1") &&
		      !strcmp(t.peer, "10.1.2.3") && t.lport == 80 && t.pport == 40000,
	      "v4: %s:%u %s:%u", t.local, t.lport, t.peer, t.pport);
	conn_of(&c, AF_INET6, "fe80::1", 443, "2001:db8::7", 1234);
	CHECK(!netlock_tuple_of(&c, &t) && t.v6 && !strcmp(t.local, "fe80::1") &&
		      !strcmp(t.peer, "2001:db8::7"),
	      "v6: %s %s", t.local, t.peer);
	conn_of(&c, AF_INET6, "::ffff:127.0.0.1", 5000, "::ffff:192.168.0.9", 6000);
	CHECK(!netlock_tuple_of(&c, &t) && !t.v6 && !strcmp(t.local, "127.0.0.1") &&
		      !strcmp(t.peer, "192.168.0.9"),
	      "mapped: locked as v4 (%s %s)", t.local, t.peer);
	conn_of(&c, AF_INET6, "::ffff:127.0.0.1", 5000, "::1", 6000);
	CHECK(!netlock_tuple_of(&c, &t) && t.v6, "one end mapped only: v6");
	c.family = AF_UNIX;
	CHECK(netlock_tuple_of(&c, &t) == -EINVAL, "a unix socket is refused");
}

/* libnftables' words when the kernel has no nf_tables (CRIU's users report these) */
static const char no_nf_tables[] = "Error: Could not process rule: Operation not supported\n"
				   "create table inet CRIU-1234-0123456789ab\n"
				   "^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n";

static void test_failure_text(void)
{
	char buf[1024];

	nft_failure_text(no_nf_tables, buf, sizeof(buf));
	CHECK(strstr(buf, "create table inet CRIU-1234-0123456789ab\n") != NULL,
	      "the failed command is named: %s", buf);
	CHECK(strstr(buf, "Operation not supported") != NULL, "the kernel's answer: %s", buf);
	CHECK(strstr(buf, "lacks nf_tables") && strstr(buf, "--network-lock iptables"),
	      "what to do: %s", buf);
	CHECK(buf[strlen(buf) - 1] == '\n', "one line per line");
	nft_failure_text("Error: Could not process rule: File exists\nx\n^\n", buf, sizeof(buf));
	CHECK(!strstr(buf, "nf_tables") && !strstr(buf, "CAP_NET_ADMIN"),
	      "no hint where none fits: %s", buf);
	nft_failure_text("", buf, sizeof(buf));
	CHECK(strstr(buf, "no message") != NULL, "an empty answer is said: %s", buf);
}

/* In the child: no root, own network namespace; the lock must fail and say why. */
static void __attribute__((noreturn)) refused_child(int out)
{
	int ret;

	dup2(out, STDERR_FILENO);
	if (unshare(CLONE_NEWNET) && geteuid() == 0)
		_exit(77); /* root, yet no namespace: don't touch the host's tables */
	if (geteuid() == 0 && setresuid(65534, 65534, 65534))
		_exit(77);
	log_init(AT_FDCWD, NULL, 4);
	ret = netlock_dump_prepare(NETLOCK_NFTABLES) ?: netlock_dump_begin(1);
	log_fini();
	_exit(ret ? 0 : 1);
}

static void test_refused_for_real(void)
{
	char text[8192] = "";
	int p[2], status;
	ssize_t n, len = 0;
	pid_t pid;

	if (pipe(p))
		return;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		refused_child(p[1]);
	}
	close(p[1]);
	while ((n = read(p[0], text + len, sizeof(text) - 1 - len)) > 0)
		len += n;
	text[len] = 0;
	close(p[0]);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("skip: can't give up root in a network namespace of our own\n");
		return;
	}
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the lock fails without rights");
	CHECK(strstr(text, "Error (") && strstr(text, "create table inet CRIU-"),
	      "its error names the command: %s", text);
	CHECK(strstr(text, "Operation not permitted") && strstr(text, "CAP_NET_ADMIN"),
	      "and says what is missing: %s", text);
}

int main(void)
{
	test_methods();
	test_tuples();
	test_failure_text();
	test_refused_for_real();
	UNIT_REPORT();
}
