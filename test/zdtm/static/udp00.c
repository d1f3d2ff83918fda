// SPDX-License-Identifier: GPL-2.0
/*
 * udp00: datagram sockets on loopback with their addresses, connections, shutdown and
 * socket options. UDP_FAMILY picks IPv4 (default) or "6"; UDP_PROTO "lite" makes them
 * UDP-lite.
 * - srv: bound to loopback, SO_BROADCAST, SO_RCVTIMEO, SO_PRIORITY, SO_MARK, SO_RCVLOWAT,
 *   SO_BINDTODEVICE "lo", IP_TOS, IP_TTL (or their IPv6 forms), a classic BPF filter that
 *   accepts every datagram;
 * - cli: connected to srv (its port chosen by the kernel at connect);
 * - shut: connected too, then shut down for reading;
 * - lone: never bound (IPv6: IPV6_V6ONLY set).
 * After restore: every name and peer is the same, every option reads back equal, cli and
 * srv exchange datagrams both ways with the right source, shut still refuses to read.
 * With UDP_QUEUED set three datagrams wait on srv at dump, from cli (one of them empty) and
 * from shut, and one from srv waits on cli (connected): after restore srv reads them in
 * order, each with its sender's address, and cli reads its own (udp03.desc, udp05.desc
 * for IPv6), also for UDP-lite (udp06.desc, udp07.desc for IPv6), whose cli covers only the header
 * by its checksum (UDPLITE_SEND_CSCOV 8) and whose srv takes no less (UDPLITE_RECV_CSCOV 8).
 * With UDP_CORKED set a datagram to srv is held back at dump: "cork" under UDP_CORK, "more" by
 * MSG_MORE; from cli (connected), or with UDP_CORK_TO set from another socket, bound and
 * unconnected, by sendto() (while cli holds one back too); with UDP_CORK_MAPPED that socket is
 * an IPv6 one sending to srv's IPv4-mapped address. Its first piece carries a TTL (hop limit)
 * and a TOS (traffic class) of its own as control messages. After the dump srv has received nothing
 * and UDP_CORK reads as set; then each corker uncorks (clears UDP_CORK, or sends a last piece
 * without MSG_MORE) and srv gets exactly one datagram of the bytes held back (and that last piece),
 * from the corker's address, with that TTL and TOS, then the datagram the corker sends next (udp04,
 * udp08-udp12.desc; test/others/udp-cork.py: dumps that leave the task running). With
 * UDP_CORK_GSO the corker has UDP_SEGMENT set, which the dump refuses, the task going on as
 * before (udp13.desc).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "zdtmtst.h"

/* linux/udp.h's, which no header of the C library carries */
#define SOL_UDPLITE	   136
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11

static int srv, cli, shut, lone, family, proto;
static struct sockaddr_storage names[6]; /* srv, cli name, cli peer, shut name, peer, lone */

static struct sock_filter accept_all[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

static socklen_t loopback(struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	a6->sin6_family = AF_INET6;
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

	return getsockopt(sk, level, opt, &v, &len) ? -1 : v;
}

static int ip_level(void)
{
	return family == AF_INET ? SOL_IP : SOL_IPV6;
}

static int tos_opt(void)
{
	return family == AF_INET ? IP_TOS : IPV6_TCLASS;
}

static int ttl_opt(void)
{
	return family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS;
}

static int set_srv_opts(void)
{
	struct sock_fprog prog = { sizeof(accept_all) / sizeof(accept_all[0]), accept_all };
	struct timeval tv = { 7, 500000 }; /* whole jiffies: the kernel rounds */

	/* IP_TOS sets the priority as well: the priority after it */
	return set_int(srv, ip_level(), tos_opt(), 0x20) ||
	       set_int(srv, SOL_SOCKET, SO_BROADCAST, 1) ||
	       setsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	       set_int(srv, SOL_SOCKET, SO_PRIORITY, 3) || set_int(srv, SOL_SOCKET, SO_MARK, 42) ||
	       set_int(srv, SOL_SOCKET, SO_RCVLOWAT, 9) ||
	       setsockopt(srv, SOL_SOCKET, SO_BINDTODEVICE, "lo", 2) ||
	       set_int(srv, ip_level(), ttl_opt(), 17) ||
	       setsockopt(srv, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int connect_to_srv(int sk)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(srv, (struct sockaddr *)&ss, &len))
		return -1;
	return connect(sk, (struct sockaddr *)&ss, len);
}

static int save_names(struct sockaddr_storage *n)
{
	int sks[6] = { srv, cli, cli, shut, shut, lone }, i, ret = 0;
	socklen_t len;

	for (i = 0; i < 6; i++) {
		len = sizeof(n[i]);
		memset(&n[i], 0, sizeof(n[i]));
		ret |= (i == 2 || i == 4) ? getpeername(sks[i], (struct sockaddr *)&n[i], &len)
					  : getsockname(sks[i], (struct sockaddr *)&n[i], &len);
	}
	return ret;
}

static int setup(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *f = getenv("UDP_FAMILY"), *p = getenv("UDP_PROTO");

	family = f && !strcmp(f, "6") ? AF_INET6 : AF_INET;
	proto = p && !strcmp(p, "lite") ? IPPROTO_UDPLITE : IPPROTO_UDP;
	srv = socket(family, SOCK_DGRAM, proto);
	cli = socket(family, SOCK_DGRAM, proto);
	shut = socket(family, SOCK_DGRAM, proto);
	lone = socket(family, SOCK_DGRAM, proto);
	if (srv < 0 || cli < 0 || shut < 0 || lone < 0)
		return -1;
	len = loopback(&ss);
	if (bind(srv, (struct sockaddr *)&ss, len) || set_srv_opts())
		return -1;
	if (connect_to_srv(cli) || connect_to_srv(shut) || shutdown(shut, SHUT_RD) ||
	    setsockopt(shut, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 1, 0 },
		       sizeof(struct timeval)))
		return -1;
	if (family == AF_INET6 && set_int(lone, SOL_IPV6, IPV6_V6ONLY, 1))
		return -1;
	if (proto == IPPROTO_UDPLITE && (set_int(cli, SOL_UDPLITE, UDPLITE_SEND_CSCOV, 8) ||
					 set_int(srv, SOL_UDPLITE, UDPLITE_RECV_CSCOV, 8)))
		return -1;
	return save_names(names);
}

static int check_opts(void)
{
	struct sock_filter f[8];
	socklen_t flen = sizeof(f) / sizeof(f[0]);
	struct timeval tv;
	socklen_t len = sizeof(tv);
	char dev[16] = "";
	socklen_t dlen = sizeof(dev);

	if (get_int(srv, SOL_SOCKET, SO_BROADCAST) != 1 ||
	    get_int(srv, SOL_SOCKET, SO_PRIORITY) != 3 || get_int(srv, SOL_SOCKET, SO_MARK) != 42 ||
	    get_int(srv, SOL_SOCKET, SO_RCVLOWAT) != 9 ||
	    get_int(srv, ip_level(), tos_opt()) != 0x20 ||
	    get_int(srv, ip_level(), ttl_opt()) != 17)
		return 1;
	if (getsockopt(srv, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) || tv.tv_sec != 7 ||
	    tv.tv_usec != 500000)
		return 2;
	if (getsockopt(srv, SOL_SOCKET, SO_BINDTODEVICE, dev, &dlen) || strcmp(dev, "lo"))
		return 3;
	if (getsockopt(srv, SOL_SOCKET, SO_GET_FILTER, f, &flen) ||
	    flen != sizeof(accept_all) / sizeof(accept_all[0]) ||
	    memcmp(f, accept_all, sizeof(accept_all)))
		return 4;
	if (family == AF_INET6 && get_int(lone, SOL_IPV6, IPV6_V6ONLY) != 1)
		return 5;
	if (get_int(cli, SOL_SOCKET, SO_BROADCAST) != 0 ||
	    get_int(srv, SOL_SOCKET, SO_PROTOCOL) != proto)
		return 6;
	if (proto == IPPROTO_UDPLITE && (get_int(cli, SOL_UDPLITE, UDPLITE_SEND_CSCOV) != 8 ||
					 get_int(srv, SOL_UDPLITE, UDPLITE_RECV_CSCOV) != 8 ||
					 get_int(shut, SOL_UDPLITE, UDPLITE_SEND_CSCOV) != 0))
		return 7;
	return 0;
}

static int talk(void)
{
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	char buf[32];

	if (send(cli, "request", 7, 0) != 7)
		return 1;
	if (recvfrom(srv, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len) != 7 ||
	    memcmp(buf, "request", 7) || memcmp(&from, &names[1], len))
		return 2;
	if (sendto(srv, "answer!!!", 9, 0, (struct sockaddr *)&from, len) != 9)
		return 3;
	if (recv(cli, buf, sizeof(buf), 0) != 9 || memcmp(buf, "answer!!!", 9))
		return 4;
	/* shut down for reading: a read says end of file at once (not after the timeout) */
	if (recv(shut, buf, sizeof(buf), 0) != 0)
		return 5;
	return 0;
}

/* srv's next datagram is s, from the sender named from */
static int read_queued(const char *s, const struct sockaddr_storage *from)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char buf[16];
	ssize_t n;

	memset(&ss, 0, sizeof(ss));
	n = recvfrom(srv, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&ss, &len);
	if (n != (ssize_t)strlen(s) || memcmp(buf, s, n) || memcmp(&ss, from, len)) {
		fail("the queued datagram \"%s\" is not next, from its sender: got %zd bytes (%s)",
		     s, n, n < 0 ? strerror(errno) : "");
		return -1;
	}
	return 0;
}

#define CORK_TTL 9
#define CORK_TOS 0x10

/* A socket that holds a datagram to srv back: by sendto() (to) from an IPv6 socket to srv's
 * IPv4-mapped address (mapped), or by send() on a connected one; its name as srv sees it. */
struct corker {
	int sk;
	bool to, mapped;
	const char *text;
	struct sockaddr_storage name;
};

static struct corker corkers[2];
static int nr_corkers;

static bool cork_by_more(void)
{
	const char *c = getenv("UDP_CORKED");

	return c && !strcmp(c, "more");
}

static int ttl_cmsg(void)
{
	return family == AF_INET ? IP_TTL : IPV6_HOPLIMIT;
}

static int tos_cmsg(void)
{
	return family == AF_INET ? IP_TOS : IPV6_TCLASS;
}

static struct cmsghdr *put_int_cmsg(struct cmsghdr *cm, int type, int v)
{
	cm->cmsg_level = ip_level(); /* SOL_IP for a mapped address too */
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &v, sizeof(v));
	return (struct cmsghdr *)((char *)cm + CMSG_SPACE(sizeof(int)));
}

/* an IPv4 address (and port) as an IPv6 socket's ::ffff:a.b.c.d */
static socklen_t map_v4(struct sockaddr_storage *ss)
{
	struct sockaddr_in a = *(struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	a6->sin6_family = AF_INET6;
	a6->sin6_port = a.sin_port;
	a6->sin6_addr.s6_addr[10] = a6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&a6->sin6_addr.s6_addr[12], &a.sin_addr, 4);
	return sizeof(*a6);
}

/* A piece of c's datagram; the first one with a TTL and TOS of its own. */
static int cork_send(const struct corker *c, const char *s, size_t len, int flags, bool first)
{
	union {
		char buf[2 * CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage to;
	socklen_t tolen = sizeof(to);
	struct iovec iov = { (void *)s, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (c->to) {
		if (getsockname(srv, (struct sockaddr *)&to, &tolen))
			return -1;
		if (c->mapped)
			tolen = map_v4(&to);
		m.msg_name = &to;
		m.msg_namelen = tolen;
	}
	if (first) {
		memset(&ctl, 0, sizeof(ctl));
		put_int_cmsg(put_int_cmsg(&ctl.align, ttl_cmsg(), CORK_TTL), tos_cmsg(), CORK_TOS);
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
	}
	return sendmsg(c->sk, &m, flags) == (ssize_t)len ? 0 : -1;
}

/* a socket of its own, bound to loopback (mapped: an IPv6 one, to ::ffff:127.0.0.1) */
static int own_corker(struct corker *c)
{
	struct sockaddr_storage ss;
	socklen_t len = loopback(&ss);

	c->to = true;
	c->mapped = family == AF_INET && getenv("UDP_CORK_MAPPED");
	if (c->mapped)
		len = map_v4(&ss);
	c->sk = socket(c->mapped ? AF_INET6 : family, SOCK_DGRAM, proto);
	if (c->sk < 0 || bind(c->sk, (struct sockaddr *)&ss, len))
		return -1;
	len = sizeof(ss);
	if (getsockname(c->sk, (struct sockaddr *)&ss, &len))
		return -1;
	c->name = ss;
	if (c->mapped) { /* srv sees 127.0.0.1 */
		struct sockaddr_in *a = (struct sockaddr_in *)&c->name;
		in_port_t port = ((struct sockaddr_in6 *)&ss)->sin6_port;

		loopback(&c->name);
		a->sin_port = port;
	}
	return 0;
}

/* c's text held back, in two pieces */
static int cork_one(struct corker *c)
{
	int flags = cork_by_more() ? MSG_MORE : 0;

	if (!flags && set_int(c->sk, proto, UDP_CORK, 1))
		return -1;
	/* a GSO size larger than the datagram: sent whole all the same */
	if (getenv("UDP_CORK_GSO") && set_int(c->sk, SOL_UDP, UDP_SEGMENT, 1000))
		return -1;
	return cork_send(c, c->text, 3, flags, true) ||
	       cork_send(c, c->text + 3, strlen(c->text) - 3, flags, false);
}

/* "corked" held back by cli or by a socket of its own; with UDP_CORK_TO, cli holds "second"
 * back too */
static int cork_setup(void)
{
	struct corker *c = &corkers[nr_corkers++];
	socklen_t len = sizeof(c->name);

	c->text = "corked";
	if (getenv("UDP_CORK_TO")) {
		if (own_corker(c) || cork_one(c))
			return -1;
		c = &corkers[nr_corkers++];
		c->text = "second";
	}
	c->sk = cli;
	if (getsockname(cli, (struct sockaddr *)&c->name, &len))
		return -1;
	return cork_one(c);
}

/* srv's next datagram (waiting up to its SO_RCVTIMEO), its TTL and TOS: its length or -1 */
static ssize_t recv_with_ttl(char *buf, size_t size, struct sockaddr_storage *from, int *ttl,
			     int *tos)
{
	union {
		char buf[2 * CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, size };
	struct msghdr m = { .msg_name = from,
			    .msg_namelen = sizeof(*from),
			    .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	memset(from, 0, sizeof(*from));
	*ttl = *tos = -1;
	n = recvmsg(srv, &m, 0);
	for (cm = n < 0 ? NULL : CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
		if (cm->cmsg_level == ip_level() && cm->cmsg_type == ttl_cmsg())
			memcpy(ttl, CMSG_DATA(cm), sizeof(int));
		/* IPv4 gives the TOS byte alone */
		if (cm->cmsg_level == ip_level() && cm->cmsg_type == tos_cmsg())
			*tos = family == AF_INET ? *CMSG_DATA(cm) : *(int *)CMSG_DATA(cm);
	}
	return n;
}

/* c uncorks (UDP_CORK as it was set; or a last piece "!"): srv gets its whole datagram */
static int uncork_one(const struct corker *c)
{
	size_t len = strlen(c->text), want = len + cork_by_more();
	struct sockaddr_storage from;
	int ttl, tos, cork = get_int(c->sk, proto, UDP_CORK);
	char buf[32];
	ssize_t n;

	if (cork != !cork_by_more()) {
		fail("UDP_CORK of the corker reads %d", cork);
		return -1;
	}
	if (cork_by_more() ? cork_send(c, "!", 1, 0, false) : set_int(c->sk, proto, UDP_CORK, 0)) {
		fail("can't uncork (%s)", strerror(errno));
		return -1;
	}
	n = recv_with_ttl(buf, sizeof(buf), &from, &ttl, &tos);
	if (n != (ssize_t)want || memcmp(buf, c->text, len) || (want > len && buf[len] != '!') ||
	    memcmp(&from, &c->name, sizeof(from)) || ttl != CORK_TTL || tos != CORK_TOS) {
		fail("the corked datagram is not what was corked: %zd bytes, TTL %d, TOS %#x (%s)",
		     n, ttl, tos, n < 0 ? strerror(errno) : "");
		return -1;
	}
	return 0;
}

/* srv got nothing while corked; uncorked, one datagram of all the bytes each, then the next */
static int cork_check(void)
{
	int recvttl = family == AF_INET ? IP_RECVTTL : IPV6_RECVHOPLIMIT, ttl, tos, i;
	int recvtos = family == AF_INET ? IP_RECVTOS : IPV6_RECVTCLASS;
	struct sockaddr_storage from;
	char buf[32];

	if (recv(srv, buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno != EAGAIN) {
		fail("srv got a datagram before the corker uncorked");
		return -1;
	}
	if (set_int(srv, ip_level(), recvttl, 1) || set_int(srv, ip_level(), recvtos, 1))
		return -1;
	for (i = 0; i < nr_corkers; i++)
		if (uncork_one(&corkers[i]))
			return -1;
	if (cork_send(&corkers[0], "after", 5, 0, false) ||
	    recv_with_ttl(buf, sizeof(buf), &from, &ttl, &tos) != 5 || memcmp(buf, "after", 5) ||
	    ttl == CORK_TTL || tos == CORK_TOS) {
		fail("the datagram after the corked one did not come next (%s)", strerror(errno));
		return -1;
	}
	if (recv(srv, buf, sizeof(buf), MSG_DONTWAIT) >= 0) {
		fail("srv got more datagrams than the corker sent");
		return -1;
	}
	return set_int(srv, ip_level(), recvttl, 0) || set_int(srv, ip_level(), recvtos, 0);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage now[6];
	char buf[16];
	int ret;

	test_init(argc, argv);
	if (setup()) {
		fail("can't set up the sockets (%s)", strerror(errno));
		return 1;
	}
	ret = check_opts();
	if (ret) {
		fail("options not as set before the dump (%d)", ret);
		return 1;
	}
	if (getenv("UDP_CORKED") && cork_setup()) {
		fail("can't cork a datagram (%s)", strerror(errno));
		return 1;
	}
	if (getenv("UDP_QUEUED") &&
	    (send(cli, "queued", 6, 0) != 6 || send(cli, "", 0, 0) != 0 ||
	     send(shut, "from shut", 9, 0) != 9 ||
	     sendto(srv, "to cli", 6, 0, (struct sockaddr *)&names[1], sizeof(names[1])) != 6)) {
		fail("can't queue a datagram (%s)", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (getenv("UDP_CORKED") && cork_check())
		return 1;
	if (getenv("UDP_QUEUED") &&
	    (read_queued("queued", &names[1]) || read_queued("", &names[1]) ||
	     read_queued("from shut", &names[3]) ||
	     recv(cli, buf, sizeof(buf), MSG_DONTWAIT) != 6 || memcmp(buf, "to cli", 6))) {
		fail("cli's queued datagram is gone (%s)", strerror(errno));
		return 1;
	}
	if (save_names(now) || memcmp(now, names, sizeof(now))) {
		fail("the addresses or ports changed");
		return 1;
	}
	ret = check_opts();
	if (ret) {
		fail("an option did not come back (%d)", ret);
		return 1;
	}
	ret = talk();
	if (ret) {
		fail("the sockets don't talk as before (%d: %s)", ret, strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
