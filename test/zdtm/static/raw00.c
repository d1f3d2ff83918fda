// SPDX-License-Identifier: GPL-2.0
/*
 * raw00: raw sockets on loopback.
 * - icmp: raw ICMP, bound to 127.0.0.1, with an ICMP_FILTER that lets only echo replies
 *   through;
 * - rawx: raw of the experimental protocol 253 (nothing else on loopback uses it),
 *   connected to 127.0.0.1, IP_HDRINCL set;
 * - icmp6: raw ICMPv6 bound to ::1, with an ICMP6_FILTER that lets only echo replies in.
 * After restore: the names and the peer are the same, the options read back equal, and an
 * echo request sent on icmp brings back the kernel's echo reply (and not the request
 * itself, which the filter keeps out); the same on icmp6; a packet rawx sends with its own
 * IP header and no address (it is connected) comes back to it.
 * With RAW_QUEUED set, datagrams wait unread at dump: two echo replies on icmp, one on
 * icmp6, two packets on rawx; after restore each socket reads them in order, with their
 * bytes and sender (raw01.desc). With RAW_QUEUED "request" a fourth socket, reqsk (raw ICMP
 * bound to 127.0.0.1, no filter), holds the echo request icmp sent: the kernel would answer
 * it again if it were queued again, so the dump is refused, and reqsk still holds it, then
 * the reply (raw02.desc).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "zdtmtst.h"

static int icmp, rawx, icmp6, reqsk = -1;
static struct sockaddr_storage names[4];

static int save_names(struct sockaddr_storage *n)
{
	socklen_t len;
	int ret = 0;

	memset(n, 0, sizeof(names));
	len = sizeof(n[0]);
	ret |= getsockname(icmp, (struct sockaddr *)&n[0], &len);
	len = sizeof(n[1]);
	ret |= getsockname(rawx, (struct sockaddr *)&n[1], &len);
	len = sizeof(n[2]);
	ret |= getsockname(icmp6, (struct sockaddr *)&n[2], &len);
	/* a raw socket's peer has no port: getpeername says ENOTCONN; the kernel's route does */
	return ret;
}

static int setup(void)
{
	struct sockaddr_in lo = { .sin_family = AF_INET };
	struct sockaddr_in6 lo6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct icmp_filter f = { ~(1U << ICMP_ECHOREPLY) };
	struct icmp6_filter f6;
	struct timeval tv = { 2, 0 };
	int one = 1;

	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	icmp = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	rawx = socket(AF_INET, SOCK_RAW, 253);
	icmp6 = socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (icmp < 0 || rawx < 0 || icmp6 < 0)
		return -1;
	ICMP6_FILTER_SETBLOCKALL(&f6);
	ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f6);
	if (bind(icmp, (struct sockaddr *)&lo, sizeof(lo)) ||
	    setsockopt(icmp, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) ||
	    setsockopt(icmp, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(rawx, (struct sockaddr *)&lo, sizeof(lo)) ||
	    setsockopt(rawx, SOL_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    setsockopt(rawx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(icmp6, (struct sockaddr *)&lo6, sizeof(lo6)) ||
	    setsockopt(icmp6, IPPROTO_ICMPV6, ICMP6_FILTER, &f6, sizeof(f6)) ||
	    setsockopt(icmp6, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	return save_names(names);
}

static int check_opts(void)
{
	struct icmp_filter f;
	struct icmp6_filter f6;
	socklen_t len = sizeof(f), len6 = sizeof(f6);
	int v = 0;
	socklen_t vlen = sizeof(v);

	if (getsockopt(icmp, SOL_RAW, ICMP_FILTER, &f, &len) || f.data != ~(1U << ICMP_ECHOREPLY))
		return 1;
	if (getsockopt(rawx, SOL_IP, IP_HDRINCL, &v, &vlen) || v != 1)
		return 2;
	if (getsockopt(icmp6, IPPROTO_ICMPV6, ICMP6_FILTER, &f6, &len6) ||
	    !ICMP6_FILTER_WILLPASS(ICMP6_ECHO_REPLY, &f6) ||
	    ICMP6_FILTER_WILLPASS(ICMP6_ECHO_REQUEST, &f6))
		return 3;
	return 0;
}

static uint16_t icmp_csum(const void *data, size_t len)
{
	const uint16_t *w = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len / 2; i++)
		sum += w[i];
	sum = (sum >> 16) + (sum & 0xffff);
	sum += sum >> 16;
	return ~sum;
}

static int send_echo4(uint16_t seq)
{
	struct sockaddr_in lo = { .sin_family = AF_INET };
	struct icmphdr req = { .type = ICMP_ECHO };

	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	req.un.echo.id = htons(0x1234);
	req.un.echo.sequence = htons(seq);
	req.checksum = icmp_csum(&req, sizeof(req));
	return sendto(icmp, &req, sizeof(req), 0, (struct sockaddr *)&lo, sizeof(lo)) == sizeof(req)
		       ? 0
		       : 1;
}

/* The next datagram of sk (IPv4 raw: the IP header first) is ICMP type, seq, from lo. */
static int recv_icmp4(int sk, uint8_t type, uint16_t seq)
{
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	unsigned char buf[256];
	struct iphdr *ip = (struct iphdr *)buf;
	struct icmphdr *ic;
	ssize_t n;

	n = recvfrom(sk, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
	if (n < (ssize_t)(sizeof(*ip) + sizeof(*ic)) ||
	    from.sin_addr.s_addr != htonl(INADDR_LOOPBACK))
		return 2;
	ic = (struct icmphdr *)(buf + ip->ihl * 4);
	if (ip->protocol != IPPROTO_ICMP || ip->saddr != htonl(INADDR_LOOPBACK) ||
	    ic->type != type || ic->un.echo.sequence != htons(seq) ||
	    ic->un.echo.id != htons(0x1234) || icmp_csum(ic, n - ip->ihl * 4))
		return 3;
	return 0;
}

static int ping4(void)
{
	/* only the reply: the request, looped back too, is filtered out */
	return send_echo4(7) ?: recv_icmp4(icmp, ICMP_ECHOREPLY, 7);
}

static int send_echo6(uint16_t seq)
{
	struct sockaddr_in6 lo6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct icmp6_hdr req = { .icmp6_type = ICMP6_ECHO_REQUEST };

	req.icmp6_seq = htons(seq);
	return sendto(icmp6, &req, sizeof(req), 0, (struct sockaddr *)&lo6, sizeof(lo6)) ==
			       sizeof(req)
		       ? 0
		       : 1;
}

static int recv_reply6(uint16_t seq)
{
	struct sockaddr_in6 from;
	socklen_t flen = sizeof(from);
	struct icmp6_hdr rep;

	if (recvfrom(icmp6, &rep, sizeof(rep), MSG_DONTWAIT, (struct sockaddr *)&from, &flen) !=
		    sizeof(rep) ||
	    rep.icmp6_type != ICMP6_ECHO_REPLY || rep.icmp6_seq != htons(seq) ||
	    memcmp(&from.sin6_addr, &in6addr_loopback, 16))
		return 2;
	return 0;
}

static int ping6(void)
{
	int ret = send_echo6(9);

	usleep(10000); /* recv_reply6 does not wait */
	return ret ?: recv_reply6(9);
}

static int send_exp(const char *data)
{
	struct {
		struct iphdr ip;
		char data[4];
	} pkt = { .ip = { .ihl = 5, .version = 4, .ttl = 64, .protocol = 253 } };

	pkt.ip.tot_len = htons(sizeof(pkt));
	pkt.ip.saddr = pkt.ip.daddr = htonl(INADDR_LOOPBACK);
	memcpy(pkt.data, data, 4);
	/* no address: the socket is connected */
	return send(rawx, &pkt, sizeof(pkt), 0) == sizeof(pkt) ? 0 : 1;
}

static int recv_exp(const char *data)
{
	struct {
		struct iphdr ip;
		char data[4];
	} got;
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);

	if (recvfrom(rawx, &got, sizeof(got), 0, (struct sockaddr *)&from, &flen) != sizeof(got) ||
	    memcmp(got.data, data, 4) || got.ip.protocol != 253 || got.ip.ttl != 64 ||
	    got.ip.saddr != htonl(INADDR_LOOPBACK) || from.sin_addr.s_addr != got.ip.saddr)
		return 2;
	return 0;
}

static int raw_exp(void)
{
	return send_exp("raw!") ?: recv_exp("raw!");
}

static int queue_all(const char *how)
{
	struct sockaddr_in lo = { .sin_family = AF_INET };

	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!strcmp(how, "request")) {
		reqsk = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
		if (reqsk < 0 || bind(reqsk, (struct sockaddr *)&lo, sizeof(lo)))
			return -1;
	}
	if (send_echo4(70) || send_echo4(71) || send_echo6(72) || send_exp("one!") ||
	    send_exp("two!"))
		return -1;
	usleep(100000); /* replies come from the kernel's softirq */
	return 0;
}

static int read_queued(void)
{
	if (reqsk >= 0 &&
	    (recv_icmp4(reqsk, ICMP_ECHO, 70) || recv_icmp4(reqsk, ICMP_ECHOREPLY, 70)))
		return 1;
	return recv_icmp4(icmp, ICMP_ECHOREPLY, 70) ?: recv_icmp4(icmp, ICMP_ECHOREPLY, 71) ?:
	       recv_reply6(72) * 2 ?: recv_exp("one!") * 3 ?: recv_exp("two!") * 4;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage now[4];
	int ret;

	test_init(argc, argv);
	if (setup()) {
		if (errno == EPERM)
			test_skip("no CAP_NET_RAW");
		fail("can't set up the sockets (%s)", strerror(errno));
		return 1;
	}
	ret = check_opts() ?: ping4() * 10 ?: ping6() * 100 ?: raw_exp() * 1000;
	if (ret) {
		fail("the sockets don't work before the dump (%d: %s)", ret, strerror(errno));
		return 1;
	}
	if (getenv("RAW_QUEUED") && queue_all(getenv("RAW_QUEUED"))) {
		fail("can't queue datagrams (%s)", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	ret = getenv("RAW_QUEUED") ? read_queued() : 0;
	if (ret) {
		fail("a queued datagram is gone or changed (%d: %s)", ret, strerror(errno));
		return 1;
	}
	if (save_names(now) || memcmp(now, names, sizeof(now))) {
		fail("the names changed");
		return 1;
	}
	ret = check_opts() ?: ping4() * 10 ?: ping6() * 100 ?: raw_exp() * 1000;
	if (ret) {
		fail("the sockets don't work as before (%d: %s)", ret, strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
