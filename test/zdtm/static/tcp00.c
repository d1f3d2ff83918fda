// SPDX-License-Identifier: GPL-2.0
/*
 * tcp00: a TCP listener and a connection it accepted, both ends in the test, on loopback,
 * checkpointed with --tcp-established while data is queued both ways. TCP_FAMILY picks
 * IPv4 (default), "6" (IPv6) or "mapped" (an IPv6 listener reached at ::ffff:127.0.0.1).
 *
 * Two more sockets: one bound to loopback but neither listening nor connected, one never
 * bound with SO_LINGER, SO_OOBINLINE and TCP_CORK set.
 *
 * Before the dump the client sends as much as it can to a server that reads nothing and
 * keeps a small receive buffer: part of the stream waits in the server's receive queue,
 * the rest in the client's send queue, behind a closed window. The server sends 64 KiB the
 * client does not read. Options are set on each end.
 * After restore: the addresses and ports are those of before, the options read back equal,
 * each end reads every byte the other sent before the dump, in order (a pattern with the
 * byte's offset in it), then each sends one more message the other reads, and the listener
 * accepts a new connection.
 * With TCP_LATE_LISTENER set the listener has no SO_REUSEADDR and its fd number is above
 * the accepted connection's (restore makes the connection first, on the listener's port).
 * With TCP_CLOSED set (restored with --tcp-close) both ends of the connection come back as
 * closed sockets instead: no peer, reads and writes fail; the rest is as above.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SERVER_DATA (64 << 10)

static int lsk, srv, cli, bound, fresh;
static struct sockaddr_storage bound_name;
static socklen_t bound_len;
static size_t cli_sent; /* bytes the client got into the kernel before the dump */
static struct sockaddr_storage laddr;
static socklen_t laddr_len;
static int family;
static bool late_listener;
static struct sockaddr_storage names[4]; /* srv name, srv peer, cli name, cli peer */

static unsigned char pattern(size_t off, int stream)
{
	return (unsigned char)(off * 7 + off / 4093 + stream * 101);
}

static int make_addr(int port, bool any_v6, struct sockaddr_storage *ss)
{
	const char *mode = getenv("TCP_FAMILY");

	memset(ss, 0, sizeof(*ss));
	if (!mode || !strcmp(mode, "4")) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(port);
	if (!strcmp(mode, "mapped"))
		inet_pton(AF_INET6, any_v6 ? "::" : "::ffff:127.0.0.1", &a6->sin6_addr);
	else
		a6->sin6_addr = in6addr_loopback;
	return sizeof(*a6);
}

static int set_int(int sk, int level, int opt, int v)
{
	return setsockopt(sk, level, opt, &v, sizeof(v));
}

static int get_int(int sk, int level, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(sk, level, opt, &v, &len))
		return -1;
	return v;
}

static int save_names(void)
{
	socklen_t len = sizeof(names[0]);
	int i, ret = 0;

	for (i = 0; i < 4; i++) {
		int sk = i < 2 ? srv : cli;

		len = sizeof(names[i]);
		ret |= (i & 1) ? getpeername(sk, (struct sockaddr *)&names[i], &len)
			       : getsockname(sk, (struct sockaddr *)&names[i], &len);
	}
	return ret;
}

static int fill_client(void)
{
	unsigned char buf[4096];
	size_t i;
	ssize_t n;

	fcntl(cli, F_SETFL, O_NONBLOCK);
	for (;;) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = pattern(cli_sent + i, 0);
		n = send(cli, buf, sizeof(buf), 0);
		if (n < 0 && errno == EAGAIN) {
			/* a moment for the window to close for good, then once more */
			usleep(100000);
			n = send(cli, buf, sizeof(buf), 0);
			if (n < 0 && errno == EAGAIN)
				break;
		}
		if (n <= 0)
			return -1;
		cli_sent += n;
	}
	fcntl(cli, F_SETFL, 0);
	return cli_sent ? 0 : -1;
}

static int fill_server(void)
{
	static unsigned char buf[SERVER_DATA];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = pattern(i, 1);
	return send(srv, buf, sizeof(buf), 0) == sizeof(buf) ? 0 : -1;
}

static int setup_others(void)
{
	struct linger l = { 1, 13 };
	struct sockaddr_storage ss;
	socklen_t len = make_addr(0, false, &ss);

	bound = socket(ss.ss_family, SOCK_STREAM, 0);
	fresh = socket(ss.ss_family, SOCK_STREAM, 0);
	if (bound < 0 || fresh < 0 || bind(bound, (struct sockaddr *)&ss, len))
		return -1;
	bound_len = sizeof(bound_name);
	if (getsockname(bound, (struct sockaddr *)&bound_name, &bound_len))
		return -1;
	if (setsockopt(fresh, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) ||
	    set_int(fresh, SOL_SOCKET, SO_OOBINLINE, 1) || set_int(fresh, SOL_TCP, TCP_CORK, 1))
		return -1;
	return 0;
}

static int check_others(void)
{
	struct sockaddr_storage now = {};
	socklen_t len = sizeof(now);
	struct linger l = {};
	socklen_t llen = sizeof(l);

	if (getsockname(bound, (struct sockaddr *)&now, &len) || len != bound_len ||
	    memcmp(&now, &bound_name, len))
		return 1;
	if (getsockopt(fresh, SOL_SOCKET, SO_LINGER, &l, &llen) || l.l_onoff != 1 ||
	    l.l_linger != 13 || get_int(fresh, SOL_SOCKET, SO_OOBINLINE) != 1 ||
	    get_int(fresh, SOL_TCP, TCP_CORK) != 1)
		return 2;
	len = sizeof(now);
	if (getsockname(fresh, (struct sockaddr *)&now, &len) ||
	    ((struct sockaddr_in *)&now)->sin_port)
		return 3;
	return 0;
}

static int setup(void)
{
	struct sockaddr_storage ss;
	socklen_t len;

	late_listener = getenv("TCP_LATE_LISTENER") != NULL;
	len = make_addr(0, true, &ss);
	family = ss.ss_family;
	lsk = socket(family, SOCK_STREAM, 0);
	if (lsk < 0 || set_int(lsk, SOL_SOCKET, SO_REUSEADDR, !late_listener) ||
	    set_int(lsk, SOL_SOCKET, SO_RCVBUF, 4096) || bind(lsk, (struct sockaddr *)&ss, len) ||
	    listen(lsk, 5))
		return -1;
	laddr_len = sizeof(laddr);
	if (getsockname(lsk, (struct sockaddr *)&laddr, &laddr_len))
		return -1;
	len = make_addr(ntohs(((struct sockaddr_in *)&laddr)->sin_port), false, &ss);
	cli = socket(ss.ss_family, SOCK_STREAM, 0);
	if (cli < 0 || set_int(cli, SOL_SOCKET, SO_SNDBUF, 16384) ||
	    connect(cli, (struct sockaddr *)&ss, len))
		return -1;
	srv = accept(lsk, NULL, NULL);
	if (srv < 0)
		return -1;
	if (late_listener) {
		if (dup2(lsk, 100) != 100)
			return -1;
		close(lsk);
		lsk = 100;
	}
	if (set_int(cli, SOL_TCP, TCP_NODELAY, 1) || set_int(srv, SOL_SOCKET, SO_KEEPALIVE, 1) ||
	    set_int(srv, SOL_TCP, TCP_KEEPIDLE, 77) || set_int(srv, SOL_TCP, TCP_KEEPCNT, 3) ||
	    set_int(cli, SOL_SOCKET, SO_PRIORITY, 5))
		return -1;
	if (fill_server() || fill_client() || save_names())
		return -1;
	return setup_others();
	test_msg("client sent %zu bytes before the dump\n", cli_sent);
	return 0;
}

static int read_all(int sk, size_t len, int stream)
{
	unsigned char buf[8192];
	size_t off = 0, i;
	ssize_t n;

	while (off < len) {
		n = recv(sk, buf, len - off < sizeof(buf) ? len - off : sizeof(buf), 0);
		if (n <= 0) {
			fail("stream %d: read %zu of %zu bytes, then %zd (%s)", stream, off, len, n,
			     strerror(errno));
			return -1;
		}
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != pattern(off + i, stream)) {
				fail("stream %d: byte %zu differs", stream, off + i);
				return -1;
			}
		off += n;
	}
	return 0;
}

static int check_names(void)
{
	struct sockaddr_storage now;
	socklen_t len;
	int i;

	for (i = 0; i < 4; i++) {
		int sk = i < 2 ? srv : cli;

		len = sizeof(now);
		memset(&now, 0, sizeof(now));
		if ((i & 1) ? getpeername(sk, (struct sockaddr *)&now, &len)
			    : getsockname(sk, (struct sockaddr *)&now, &len))
			return -1;
		if (memcmp(&now, &names[i], len))
			return -1;
	}
	return 0;
}

static int check_opts(void)
{
	if (get_int(cli, SOL_TCP, TCP_NODELAY) != 1 ||
	    get_int(srv, SOL_SOCKET, SO_KEEPALIVE) != 1 ||
	    get_int(srv, SOL_TCP, TCP_KEEPIDLE) != 77 || get_int(srv, SOL_TCP, TCP_KEEPCNT) != 3 ||
	    get_int(cli, SOL_SOCKET, SO_PRIORITY) != 5 ||
	    get_int(lsk, SOL_SOCKET, SO_REUSEADDR) != !late_listener ||
	    get_int(cli, SOL_SOCKET, SO_SNDBUF) != 2 * 16384)
		return -1;
	return 0;
}

static int talk(void)
{
	char buf[16];

	if (send(cli, "ping", 4, 0) != 4 || recv(srv, buf, sizeof(buf), 0) != 4 ||
	    memcmp(buf, "ping", 4))
		return -1;
	if (send(srv, "pong!", 5, 0) != 5 || recv(cli, buf, sizeof(buf), 0) != 5 ||
	    memcmp(buf, "pong!", 5))
		return -1;
	return 0;
}

static int accept_new(void)
{
	struct sockaddr_storage ss;
	socklen_t len = make_addr(ntohs(((struct sockaddr_in *)&laddr)->sin_port), false, &ss);
	int c = socket(ss.ss_family, SOCK_STREAM, 0), a;

	if (c < 0 || connect(c, (struct sockaddr *)&ss, len))
		return -1;
	a = accept(lsk, NULL, NULL);
	if (a < 0)
		return -1;
	close(a);
	close(c);
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	if (setup()) {
		fail("can't set up the connection (%s)", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (getenv("TCP_CLOSED")) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		char b;

		if (!getpeername(cli, (struct sockaddr *)&ss, &len) || errno != ENOTCONN ||
		    !getpeername(srv, (struct sockaddr *)&ss, &len) || errno != ENOTCONN ||
		    recv(srv, &b, 1, MSG_DONTWAIT) >= 0 ||
		    send(cli, "x", 1, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
			fail("an end of the connection is not closed after --tcp-close");
			return 1;
		}
		if (check_others() || accept_new()) {
			fail("the other sockets changed (%s)", strerror(errno));
			return 1;
		}
		pass();
		return 0;
	}
	if (check_names()) {
		fail("the addresses or ports changed");
		return 1;
	}
	if (check_opts()) {
		fail("an option did not come back");
		return 1;
	}
	ret = check_others();
	if (ret) {
		fail("the bound-only or the never bound socket changed (%d)", ret);
		return 1;
	}
	if (read_all(cli, SERVER_DATA, 1) || read_all(srv, cli_sent, 0))
		return 1;
	if (talk()) {
		fail("the connection does not talk both ways after restore (%s)", strerror(errno));
		return 1;
	}
	if (accept_new()) {
		fail("the listener does not accept (%s)", strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
