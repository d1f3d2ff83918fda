// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/replay.c - a datagram that a socket had received, queued on it again: a packet
 * from its sender to the socket, written whole on an IPPROTO_RAW socket of its family.
 * - UDP and UDP-lite: a header from the sender's port to the socket's. UDP-lite's
 *   checksum covers the whole datagram, which any UDPLITE_RECV_CSCOV accepts (what the
 *   sender covered is not told to the reader, so it is not kept).
 * - Raw IPv4: the datagram is the IP packet as it came, header included: sent again as it
 *   is, to the address its header names (the kernel fills in an ID of 0 only where the
 *   packet may be fragmented). One sent to a multicast or broadcast address is not sent
 *   (it would not come back to the socket, and might go out): -EADDRNOTAVAIL.
 * - Raw IPv6 and ping: an IP header from the sender (IPv6 raw sockets and ping sockets read
 *   the protocol's bytes only), the bytes after it. ICMPv6's checksum covers the addresses:
 *   it is made again for the one the packet now goes to (the same bytes if that is where
 *   it went before).
 * It goes to the socket's address, or loopback where the socket is bound to any.
 */
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "log.h"

#define PKT_MAX (INET_DGRAM_MAX + 64)

int inet_replay_open(struct inet_replay *r, uint32_t ino)
{
	int err;

	r->pkt = malloc(PKT_MAX);
	r->raw4 = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	r->raw6 = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
	if (r->pkt && r->raw4 >= 0 && r->raw6 >= 0)
		return 0;
	err = r->pkt ? errno : ENOMEM;
	pr_err("Can't open raw sockets to queue the datagrams of socket:[%u] again: %s\n", ino,
	       strerror(err));
	inet_replay_close(r);
	return -err;
}

void inet_replay_close(struct inet_replay *r)
{
	if (r->raw4 >= 0)
		close(r->raw4);
	if (r->raw6 >= 0)
		close(r->raw6);
	free(r->pkt);
	r->raw4 = r->raw6 = -1;
	r->pkt = NULL;
}

/* Where the datagrams go: the socket's address, or loopback if it is bound to any. */
static void dest_addr(const InetSkEntry *ie, bool v4, uint8_t to[16])
{
	static const uint8_t any[16];
	const uint8_t *src = (const uint8_t *)ie->src_addr;

	memset(to, 0, 16);
	if (ie->family == AF_INET ? !memcmp(src, any, 4)
				  : !memcmp(src, any, 16) || (v4 && inet_addr_v4_mapped(src) &&
							      !memcmp(src + 12, any, 4))) {
		if (v4) {
			to[0] = 127;
			to[3] = 1;
		} else {
			to[15] = 1;
		}
	} else if (ie->family == AF_INET || inet_addr_v4_mapped(src)) {
		memcpy(to, ie->family == AF_INET ? src : src + 12, 4);
	} else {
		memcpy(to, src, 16);
	}
}

/* The transport checksum over the pseudo-header of (src, dst, len, proto) and the bytes. */
static uint16_t pseudo_csum(const void *src, const void *dst, size_t alen, uint32_t len,
			    uint8_t proto, const void *data)
{
	uint8_t tail[8] = { len >> 24, len >> 16, len >> 8, len, 0, 0, 0, proto };
	uint32_t sum = inet_csum_add(src, alen, 0);

	sum = inet_csum_add(dst, alen, sum);
	/* IPv4's pseudo-header: zero, protocol, 16-bit length; IPv6's: 32-bit length... */
	sum = alen == 4 ? sum + proto + (len & 0xffff) : inet_csum_add(tail, sizeof(tail), sum);
	return inet_csum_fold(inet_csum_add(data, len, sum));
}

/* The IP header of a packet from the datagram's sender to to; the header's length. */
static size_t ip_header(char *pkt, bool v4, const InetDgramEntry *d, const uint8_t *to,
			uint8_t proto, size_t plen)
{
	struct ip6_hdr *ip6 = (struct ip6_hdr *)pkt;
	struct iphdr *ip = (struct iphdr *)pkt;

	if (v4) {
		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = proto;
		ip->tot_len = htons(sizeof(*ip) + plen);
		memcpy(&ip->saddr, d->addr.len == 4 ? d->addr.data : d->addr.data + 12, 4);
		memcpy(&ip->daddr, to, 4);
		return sizeof(*ip);
	}
	memset(ip6, 0, sizeof(*ip6));
	ip6->ip6_flow = htonl(6u << 28);
	ip6->ip6_plen = htons(plen);
	ip6->ip6_nxt = proto;
	ip6->ip6_hlim = 64;
	memcpy(&ip6->ip6_src, d->addr.data, 16);
	memcpy(&ip6->ip6_dst, to, 16);
	return sizeof(*ip6);
}

static size_t build_udp(char *pkt, bool v4, const InetSkEntry *ie, const InetDgramEntry *d,
			const uint8_t *to)
{
	uint32_t ulen = sizeof(struct udphdr) + d->data.len;
	size_t hlen = ip_header(pkt, v4, d, to, ie->proto, ulen);
	struct udphdr *uh = (struct udphdr *)(pkt + hlen);

	memset(uh, 0, sizeof(*uh));
	uh->uh_sport = htons(d->port);
	uh->uh_dport = htons(ie->src_port);
	uh->uh_ulen = htons(ulen); /* UDP-lite: the checksum's coverage, all of it */
	if (d->data.len)	   /* an empty datagram's bytes are NULL once unpacked */
		memcpy(uh + 1, d->data.data, d->data.len);
	/* UDP over IPv4 may go without; UDP over IPv6 and UDP-lite may not */
	if (!v4 || ie->proto == IPPROTO_UDPLITE)
		uh->uh_sum = pseudo_csum(pkt + (v4 ? 12 : 8), pkt + (v4 ? 16 : 24), v4 ? 4 : 16,
					 ulen, ie->proto, uh)
				     ?: 0xffff;
	return hlen + ulen;
}

/* ICMP and the protocols a raw socket reads: their bytes after an IP header. */
static size_t build_proto(char *pkt, bool v4, const InetSkEntry *ie, const InetDgramEntry *d,
			  const uint8_t *to)
{
	size_t hlen = ip_header(pkt, v4, d, to, ie->proto, d->data.len);
	struct icmp6_hdr *ic6 = (struct icmp6_hdr *)(pkt + hlen);

	if (d->data.len)
		memcpy(pkt + hlen, d->data.data, d->data.len);
	if (!v4 && ie->proto == IPPROTO_ICMPV6 && d->data.len >= sizeof(*ic6)) {
		ic6->icmp6_cksum = 0;
		ic6->icmp6_cksum =
			pseudo_csum(pkt + 8, pkt + 24, 16, d->data.len, IPPROTO_ICMPV6, ic6);
	}
	return hlen + d->data.len;
}

int inet_replay_one(struct inet_replay *r, const InetSkEntry *ie, const InetDgramEntry *d)
{
	bool v4 = d->addr.len == 4 || inet_addr_v4_mapped(d->addr.data);
	bool raw4 = ie->type == SOCK_RAW && ie->family == AF_INET;
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	uint8_t to[16];
	size_t len;

	if (raw4) {
		/* the packet as it came: its own header says where it went */
		memcpy(r->pkt, d->data.data, d->data.len);
		memcpy(to, r->pkt + 16, 4);
		len = d->data.len;
		if ((to[0] & 0xf0) == 0xe0 || (to[0] & to[1] & to[2] & to[3]) == 255) {
			pr_err("socket:[%u]: a datagram of %zu bytes sent to a multicast or "
			       "broadcast address can't be queued on it again: it is lost\n",
			       ie->ino, d->data.len);
			return -EADDRNOTAVAIL;
		}
	} else {
		dest_addr(ie, v4, to);
		len = ie->type == SOCK_DGRAM && !inet_is_ping(ie)
			      ? build_udp(r->pkt, v4, ie, d, to)
			      : build_proto(r->pkt, v4, ie, d, to);
	}
	memcpy(&a4.sin_addr, to, 4);
	memcpy(&a6.sin6_addr, to, 16);
	if ((v4 ? sendto(r->raw4, r->pkt, len, 0, (struct sockaddr *)&a4, sizeof(a4))
		: sendto(r->raw6, r->pkt, len, 0, (struct sockaddr *)&a6, sizeof(a6))) < 0) {
		pr_perror("Can't queue a datagram of %zu bytes on socket:[%u] again", d->data.len,
			  ie->ino);
		return -errno;
	}
	return 0;
}

/* A datagram the image may hold for this socket: replay would build a sound packet. */
bool inet_replay_fits(const InetSkEntry *ie, const InetDgramEntry *d)
{
	const uint8_t *p = d->data.data;

	if ((d->addr.len != 4 && d->addr.len != 16) || d->port > 65535 ||
	    d->data.len > INET_DGRAM_MAX - 48)
		return false;
	if (ie->type != SOCK_RAW || ie->family != AF_INET)
		return true;
	/* raw IPv4: a whole IPv4 packet, header and all */
	return d->data.len >= sizeof(struct iphdr) && (p[0] >> 4) == 4 &&
	       (p[0] & 0xf) * 4u >= sizeof(struct iphdr) && (p[0] & 0xf) * 4u <= d->data.len;
}
