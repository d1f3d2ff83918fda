// SPDX-License-Identifier: GPL-2.0
/*
 * ping00: ICMP echo ("ping") sockets on loopback, IPv4 and IPv6.
 * - p4: bound to 127.0.0.1 with identifier 1234;
 * - c4: connected to 127.0.0.1 (connect gave it an identifier), IP_TTL 33: it sends
 *   without an address (EDESTADDRREQ if it were not connected);
 * - p6: bound to ::1 with identifier 4321;
 * - idle: never bound nor used.
 * After restore: the names (identifiers) and peer are the same; an echo request sent on
 * each brings back the kernel's reply carrying the socket's identifier and the request's
 * sequence number; idle is still unbound. With PING_QUEUED set replies wait unread at dump,
 * two on p4, one on c4 and one on p6: after restore each socket reads them in order, from
 * loopback (ping01.desc).
 * The kernel makes ping sockets only for the groups of net.ipv4.ping_group_range: the test
 * adds its own group if the range lacks it, and puts the range back at exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define RANGE_PATH "/proc/sys/net/ipv4/ping_group_range"

static int p4, c4, p6, idle;
static struct sockaddr_storage names[5]; /* p4, c4, (unused), p6, idle */
static char old_range[64];

static void put_range_back(void)
{
	FILE *f = fopen(RANGE_PATH, "w");

	if (f) {
		fputs(old_range, f);
		fclose(f);
	}
}

/* Let our group make ping sockets, as a system that allows ping sockets would. */
static int allow_ping(void)
{
	unsigned int lo, hi, gid = getegid();
	FILE *f = fopen(RANGE_PATH, "r+");

	if (!f)
		return -1;
	if (!fgets(old_range, sizeof(old_range), f) || sscanf(old_range, "%u %u", &lo, &hi) != 2) {
		fclose(f);
		return -1;
	}
	old_range[strcspn(old_range, "\n")] = 0;
	if (lo <= gid && gid <= hi) {
		fclose(f);
		return 0;
	}
	test_note_leftover("ping-range %u %u", lo, hi);
	atexit(put_range_back);
	rewind(f);
	fprintf(f, "%u %u\n", gid, gid);
	return fclose(f) ? -1 : 0;
}

static int save_names(struct sockaddr_storage *n)
{
	socklen_t len;
	int ret = 0;

	memset(n, 0, sizeof(names));
	len = sizeof(n[0]);
	ret |= getsockname(p4, (struct sockaddr *)&n[0], &len);
	len = sizeof(n[1]);
	ret |= getsockname(c4, (struct sockaddr *)&n[1], &len);
	/* n[2]: getpeername says ENOTCONN (a ping socket's peer has no port); a send
	 * without an address tells that c4 is connected */
	len = sizeof(n[3]);
	ret |= getsockname(p6, (struct sockaddr *)&n[3], &len);
	len = sizeof(n[4]);
	ret |= getsockname(idle, (struct sockaddr *)&n[4], &len);
	return ret;
}

static int setup(void)
{
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_port = htons(1234) };
	struct sockaddr_in6 lo6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct timeval tv = { 2, 0 };
	int ttl = 33;

	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lo6.sin6_port = htons(4321);
	p4 = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	c4 = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	p6 = socket(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6);
	idle = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (p4 < 0 || c4 < 0 || p6 < 0 || idle < 0)
		return -1;
	if (bind(p4, (struct sockaddr *)&lo, sizeof(lo)) ||
	    setsockopt(p4, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	lo.sin_port = 0;
	if (connect(c4, (struct sockaddr *)&lo, sizeof(lo)) ||
	    setsockopt(c4, SOL_IP, IP_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(c4, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	if (bind(p6, (struct sockaddr *)&lo6, sizeof(lo6)) ||
	    setsockopt(p6, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	return save_names(names);
}

/* Send an echo request on sk (to dst, or to its peer); the reply must carry id and seq. */
static int ping_send(int sk, const struct sockaddr *dst, socklen_t len, bool v6, uint16_t seq)
{
	struct icmphdr req = { .type = ICMP_ECHO };
	struct icmp6_hdr req6 = { .icmp6_type = ICMP6_ECHO_REQUEST };
	const void *msg = v6 ? (const void *)&req6 : (const void *)&req;

	/* the kernel puts the socket's identifier and the checksum in */
	req.un.echo.sequence = htons(seq);
	req6.icmp6_seq = htons(seq);
	return sendto(sk, msg, 8, 0, dst, len) == 8 ? 0 : -1;
}

static int ping_recv(int sk, bool v6, uint16_t id, uint16_t seq)
{
	unsigned char buf[64];
	struct icmphdr *rep = (struct icmphdr *)buf;
	struct icmp6_hdr *rep6 = (struct icmp6_hdr *)buf;
	struct sockaddr_storage from;
	struct sockaddr_in *f4 = (struct sockaddr_in *)&from;
	struct sockaddr_in6 *f6 = (struct sockaddr_in6 *)&from;
	socklen_t flen = sizeof(from);

	/* a ping socket hands out the ICMP message without the IP header */
	if (recvfrom(sk, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen) != 8)
		return -1;
	if (v6)
		return rep6->icmp6_type == ICMP6_ECHO_REPLY && rep6->icmp6_id == htons(id) &&
				       rep6->icmp6_seq == htons(seq) &&
				       !memcmp(&f6->sin6_addr, &in6addr_loopback, 16)
			       ? 0
			       : -2;
	return rep->type == ICMP_ECHOREPLY && rep->un.echo.id == htons(id) &&
			       rep->un.echo.sequence == htons(seq) &&
			       f4->sin_addr.s_addr == htonl(INADDR_LOOPBACK)
		       ? 0
		       : -2;
}

static int ping_all(uint16_t seq)
{
	struct sockaddr_in lo = { .sin_family = AF_INET };
	struct sockaddr_in6 lo6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	uint16_t cid = ntohs(((struct sockaddr_in *)&names[1])->sin_port);

	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (ping_send(p4, (struct sockaddr *)&lo, sizeof(lo), false, seq) ||
	    ping_recv(p4, false, 1234, seq))
		return 1;
	if (ping_send(c4, NULL, 0, false, seq + 1) || ping_recv(c4, false, cid, seq + 1))
		return 2;
	if (ping_send(p6, (struct sockaddr *)&lo6, sizeof(lo6), true, seq + 2) ||
	    ping_recv(p6, true, 4321, seq + 2))
		return 3;
	return 0;
}

static int check_opts(void)
{
	int ttl = 0;
	socklen_t len = sizeof(ttl);

	if (getsockopt(c4, SOL_IP, IP_TTL, &ttl, &len) || ttl != 33)
		return 1;
	if (((struct sockaddr_in *)&names[4])->sin_port)
		return 2; /* idle was given an identifier */
	return 0;
}

static int queue_replies(void)
{
	struct sockaddr_in6 lo6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	const struct sockaddr *to4 = (struct sockaddr *)&names[0];

	if (ping_send(p4, to4, sizeof(struct sockaddr_in), false, 77) ||
	    ping_send(p4, to4, sizeof(struct sockaddr_in), false, 78) ||
	    ping_send(c4, NULL, 0, false, 79) ||
	    ping_send(p6, (struct sockaddr *)&lo6, sizeof(lo6), true, 80))
		return -1;
	usleep(100000); /* the replies come from the kernel's softirq */
	return 0;
}

static int read_replies(void)
{
	uint16_t cid = ntohs(((struct sockaddr_in *)&names[1])->sin_port);

	return ping_recv(p4, false, 1234, 77) || ping_recv(p4, false, 1234, 78) ||
	       ping_recv(c4, false, cid, 79) || ping_recv(p6, true, 4321, 80);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage now[5];
	bool queued = getenv("PING_QUEUED");
	int ret;

	test_init(argc, argv);
	if (allow_ping()) {
		fail("can't read or widen " RANGE_PATH " (%s)", strerror(errno));
		return 1;
	}
	if (setup()) {
		fail("can't set up the ping sockets (%s)", strerror(errno));
		return 1;
	}
	ret = check_opts() ?: ping_all(10) * 10;
	if (ret) {
		fail("the sockets don't work before the dump (%d: %s)", ret, strerror(errno));
		return 1;
	}
	if (queued && queue_replies()) {
		fail("can't queue echo replies (%s)", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (queued && read_replies()) {
		fail("a queued echo reply is gone or out of order (%s)", strerror(errno));
		return 1;
	}
	if (save_names(now) || memcmp(now, names, sizeof(now))) {
		fail("the names or the peer changed");
		return 1;
	}
	ret = check_opts() ?: ping_all(20) * 10;
	if (ret) {
		fail("the sockets don't work as before (%d: %s)", ret, strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
