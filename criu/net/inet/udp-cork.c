// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/udp-cork.c - a UDP or UDP-lite socket's UDP_CORK, and the datagram it holds back
 * (corked by UDP_CORK, or sent with MSG_MORE) at dump.
 *
 * Dump: the socket is uncorked (UDP_CORK set, then cleared: the kernel sends what is
 * pending, and nothing if nothing is) while net/inet/cork-trap.c catches the datagram in
 * the socket's network namespace; its destination, source, TTL, TOS and bytes go to
 * inet-extra.img (inet_cork_entry), and the same datagram is corked again at once, so the
 * task finds its socket as it was whether the dump succeeds, fails or leaves it running.
 * Restore: the socket, bound, connected and with its options, corks the bytes the same way.
 *
 * Corking again: UDP_CORK as it was, then one sendmsg() of the bytes with MSG_MORE to the
 * captured destination, with the captured TTL (hop limit), TOS (traffic class) and source
 * address as control messages, which the kernel keeps for the whole datagram. Refused:
 * more than a captured packet can carry, GSO (UDP_SEGMENT), IPv4 options and IPv6 extension
 * headers on the socket.
 * Not kept: IPv4 options or IPv6 extension headers given by control messages at cork time
 * (the dump fails, naming them), an IPv6 flow label, the skb priority of IP_TOS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "files.h"
#include "internal.h"
#include "log.h"
#include "sockopts.h"

/* The most a packet logged through NFLOG carries (0xffff less its attribute's header), less
 * the largest IP and UDP headers: a write queue this small holds no bigger datagram. */
#define CORK_WQUEUE_MAX (0xffff - 4 - 40 - 8)

struct cork_flush {
	int proto; /* UDP_CORK's level */
	int cork;  /* UDP_CORK as it was */
};

/* Send what is pending (nothing if nothing is), then UDP_CORK as it was. */
static int cork_flush(int sk, void *arg)
{
	struct cork_flush *f = arg;
	int one = 1, zero = 0;

	if (setsockopt(sk, f->proto, UDP_CORK, &one, sizeof(one)) ||
	    setsockopt(sk, f->proto, UDP_CORK, &zero, sizeof(zero)) ||
	    setsockopt(sk, f->proto, UDP_CORK, &f->cork, sizeof(f->cork))) {
		pr_perror("Can't uncork a UDP socket");
		return -errno;
	}
	return 0;
}

static int set_bytes(ProtobufCBinaryData *b, const void *data, size_t len)
{
	b->data = malloc(len ? len : 1);
	if (!b->data)
		return -ENOMEM;
	memcpy(b->data, data, len);
	b->len = len;
	return 0;
}

/* After the IPv6 header, the extension headers a sender may add (hop-by-hop, routing,
 * destination options) up to proto's: their end in *hlen; 1 if there were any. */
static int ip6_skip_ext(const uint8_t *pkt, size_t len, uint8_t next, int proto, size_t *hlen)
{
	*hlen = sizeof(struct ip6_hdr);
	while (next != proto) {
		if ((next != IPPROTO_HOPOPTS && next != IPPROTO_ROUTING &&
		     next != IPPROTO_DSTOPTS) ||
		    len < *hlen + 2)
			return -EINVAL;
		next = pkt[*hlen];
		*hlen += (pkt[*hlen + 1] + 1) * 8;
	}
	return *hlen > sizeof(struct ip6_hdr);
}

/* The IP header of pkt: its length in *hlen; 1 if it carries options (or IPv6 extension
 * headers), 0, or -EINVAL for what our rule can't have caught. */
static int ip_header(const uint8_t *pkt, size_t len, int proto, InetCorkEntry *c, size_t *hlen)
{
	if (len >= sizeof(struct iphdr) && pkt[0] >> 4 == 4) {
		const struct iphdr *ip = (const void *)pkt;

		*hlen = ip->ihl * 4;
		if (*hlen < sizeof(*ip) || ntohs(ip->tot_len) != len)
			return -EINVAL;
		c->ttl = ip->ttl;
		c->tos = ip->tos;
		return set_bytes(&c->src, &ip->saddr, 4) ?: set_bytes(&c->dst, &ip->daddr, 4) ?:
		       (ip->protocol != proto ? -EINVAL : *hlen > sizeof(*ip));
	}
	if (len >= sizeof(struct ip6_hdr) && pkt[0] >> 4 == 6) {
		const struct ip6_hdr *ip6 = (const void *)pkt;

		if (ntohs(ip6->ip6_plen) + sizeof(*ip6) != len)
			return -EINVAL;
		c->ttl = ip6->ip6_hlim;
		c->tos = (ntohl(ip6->ip6_flow) >> 20) & 0xff;
		return set_bytes(&c->src, &ip6->ip6_src, 16) ?:
		       set_bytes(&c->dst, &ip6->ip6_dst, 16) ?:
		       ip6_skip_ext(pkt, len, ip6->ip6_nxt, proto, hlen);
	}
	return -EINVAL;
}

/* The captured packet into c: 0, 1 (options lost: c is still whole) or -errno. */
static int parse_packet(const uint8_t *pkt, size_t len, const InetSkEntry *ie, InetCorkEntry *c)
{
	const struct udphdr *uh;
	size_t hlen;
	int ret;

	ret = ip_header(pkt, len, ie->proto, c, &hlen);
	if (ret < 0)
		return ret;
	uh = (const void *)(pkt + hlen);
	if (len < hlen + sizeof(*uh) || ntohs(uh->source) != ie->src_port)
		return -EINVAL;
	/* UDP-lite's length field is its checksum coverage */
	if (ie->proto == IPPROTO_UDP && ntohs(uh->len) != len - hlen)
		return -EINVAL;
	c->dst_port = ntohs(uh->dest);
	return set_bytes(&c->data, uh + 1, len - hlen - sizeof(*uh)) ?: ret;
}

/* IPv4 options (IP_OPTIONS) or IPv6 extension headers set on the socket: restore has them not */
static bool has_ip_options(int sk, const InetSkEntry *ie)
{
	static const int v6_ext[] = { IPV6_HOPOPTS, IPV6_RTHDR, IPV6_RTHDRDSTOPTS, IPV6_DSTOPTS };
	unsigned char opts[256];
	socklen_t olen = sizeof(opts);
	size_t i;

	if (ie->family == AF_INET)
		return !getsockopt(sk, SOL_IP, IP_OPTIONS, opts, &olen) && olen;
	for (i = 0; i < sizeof(v6_ext) / sizeof(v6_ext[0]); i++) {
		olen = sizeof(opts);
		if (!getsockopt(sk, SOL_IPV6, v6_ext[i], opts, &olen) && olen)
			return true;
	}
	return false;
}

/* Corked datagrams we can't catch whole, or can't cork the same again: refused. */
static int refuse_uncatchable(const struct fd_parms *p, int sk, uint32_t wqueue,
			      const InetSkEntry *ie)
{
	char why[160];
	int gso = 0;

	if (wqueue > CORK_WQUEUE_MAX) {
		snprintf(why, sizeof(why),
			 "%u bytes (with the kernel's overhead) corked or not sent yet: more than "
			 "criu can catch (%u): not supported",
			 wqueue, CORK_WQUEUE_MAX);
		return inet_refuse(p, ie, why);
	}
	if (ie->proto == IPPROTO_UDP && !sk_opt_int(sk, SOL_UDP, UDP_SEGMENT, &gso) && gso)
		return inet_refuse(p, ie,
				   "bytes corked or not sent yet with UDP GSO (UDP_SEGMENT): not "
				   "supported");
	if (has_ip_options(sk, ie))
		return inet_refuse(
			p, ie,
			"bytes corked or not sent yet with IP options (IP_OPTIONS) or IPv6 "
			"extension headers (IPV6_HOPOPTS, IPV6_RTHDR, IPV6_DSTOPTS): not "
			"supported");
	return 0;
}

static InetCorkEntry *cork_entry_new(void)
{
	InetCorkEntry *c = calloc(1, sizeof(*c));

	if (c)
		inet_cork_entry__init(c);
	return c;
}

void udp_cork_free(InetExtraEntry *x)
{
	if (!x->corked)
		return;
	free(x->corked->dst.data);
	free(x->corked->src.data);
	free(x->corked->data.data);
	free(x->corked);
	x->corked = NULL;
}

/* The caught packet into x->corked, and corked again on sk at once. */
static int keep_caught(const struct fd_parms *p, int sk, const char *pkt, size_t len,
		       const InetSkEntry *ie, InetExtraEntry *x)
{
	int ret;

	x->corked = cork_entry_new();
	if (!x->corked)
		return -ENOMEM;
	ret = parse_packet((const uint8_t *)pkt, len, ie, x->corked);
	if (ret < 0) {
		pr_err("socket:[%u]: the corked datagram caught (%zu bytes) is not one of its "
		       "own: it is lost\n",
		       ie->ino, len);
		return ret;
	}
	if (udp_cork_send(sk, ie, x->corked, x->udp_cork))
		return -EIO;
	pr_info("socket:[%u]: %zu bytes corked, to port %u\n", ie->ino, x->corked->data.len,
		x->corked->dst_port);
	if (ret)
		return inet_refuse(p, ie,
				   "bytes corked with IP options or IPv6 extension headers (given "
				   "by a control message), which criu can't cork again: they were "
				   "corked again without them; not supported");
	return 0;
}

int udp_dump_cork(const struct fd_parms *p, int sk, uint32_t wqueue, const InetSkEntry *ie,
		  InetExtraEntry *x)
{
	struct cork_flush f = { .proto = ie->proto };
	size_t len = 0;
	char *pkt;
	int ret;

	ret = sk_opt_int(sk, ie->proto, UDP_CORK, &f.cork);
	if (ret) {
		pr_err("Can't read UDP_CORK of socket:[%u]: %s\n", ie->ino, strerror(-ret));
		return ret;
	}
	x->has_udp_cork = f.cork != 0;
	x->udp_cork = f.cork != 0;
	if (!wqueue)
		return 0;
	ret = refuse_uncatchable(p, sk, wqueue, ie);
	if (ret)
		return ret;
	ret = inet_cork_trap(sk, ie->proto, ie->src_port, ie->ino, cork_flush, &f, &pkt, &len);
	if (ret && !pkt)
		pr_err("fd %d of task %d (socket:[%u]): the %u bytes it holds back or has not sent "
		       "yet could not be caught: the dump is refused\n",
		       p->fd, p->pid, ie->ino, wqueue);
	if (pkt) {
		int kept = keep_caught(p, sk, pkt, len, ie, x);

		ret = ret ?: kept;
		free(pkt);
	}
	return ret;
}

/* c's destination as sk's family takes it: an IPv4 one of an IPv6 socket is mapped. */
static socklen_t cork_dst(const InetSkEntry *ie, const InetCorkEntry *c,
			  struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (ie->family == AF_INET) {
		a->sin_family = AF_INET;
		a->sin_port = htons(c->dst_port);
		memcpy(&a->sin_addr, c->dst.data, 4);
		return sizeof(*a);
	}
	a6->sin6_family = AF_INET6;
	a6->sin6_port = htons(c->dst_port);
	if (c->dst.len == 4) {
		a6->sin6_addr.s6_addr[10] = a6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&a6->sin6_addr.s6_addr[12], c->dst.data, 4);
	} else {
		memcpy(&a6->sin6_addr, c->dst.data, 16);
	}
	return sizeof(*a6);
}

static struct cmsghdr *put_cmsg(struct msghdr *m, struct cmsghdr *cm, int level, int type,
				const void *data, size_t len)
{
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cm), data, len);
	m->msg_controllen += CMSG_SPACE(len);
	return (struct cmsghdr *)((char *)cm + CMSG_SPACE(len));
}

/* TTL, TOS and source of an IPv4 datagram (a mapped one too: the kernel takes SOL_IP's). The
 * TOS only if the socket's differs: as a control message it sets the priority as well. */
static void cmsgs_v4(int sk, const InetCorkEntry *c, struct msghdr *m, struct cmsghdr *cm)
{
	struct in_pktinfo pi = {};
	int ttl = c->ttl, tos = c->tos, now;

	cm = put_cmsg(m, cm, SOL_IP, IP_TTL, &ttl, sizeof(ttl));
	if (sk_opt_int(sk, SOL_IP, IP_TOS, &now) || now != tos)
		cm = put_cmsg(m, cm, SOL_IP, IP_TOS, &tos, sizeof(tos));
	memcpy(&pi.ipi_spec_dst, c->src.data, 4);
	put_cmsg(m, cm, SOL_IP, IP_PKTINFO, &pi, sizeof(pi));
}

static void cmsgs_v6(const InetCorkEntry *c, struct msghdr *m, struct cmsghdr *cm)
{
	struct in6_pktinfo pi = {};
	int hops = c->ttl, tclass = c->tos;

	cm = put_cmsg(m, cm, SOL_IPV6, IPV6_HOPLIMIT, &hops, sizeof(hops));
	cm = put_cmsg(m, cm, SOL_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass));
	memcpy(&pi.ipi6_addr, c->src.data, 16);
	put_cmsg(m, cm, SOL_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
}

int udp_cork_send(int sk, const InetSkEntry *ie, const InetCorkEntry *c, bool udp_cork)
{
	union {
		char buf[3 * CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage ss;
	struct iovec iov = { c->data.data, c->data.len };
	struct msghdr m = { .msg_name = &ss, .msg_iov = &iov, .msg_iovlen = 1 };
	int one = 1;

	if (udp_cork && setsockopt(sk, ie->proto, UDP_CORK, &one, sizeof(one))) {
		pr_perror("Can't cork socket:[%u] (UDP_CORK)", ie->ino);
		return -errno;
	}
	memset(&ctl, 0, sizeof(ctl));
	m.msg_namelen = cork_dst(ie, c, &ss);
	m.msg_control = ctl.buf;
	if (c->dst.len == 4)
		cmsgs_v4(sk, c, &m, &ctl.align);
	else
		cmsgs_v6(c, &m, &ctl.align);
	if (sendmsg(sk, &m, MSG_MORE | MSG_DONTWAIT) != (ssize_t)c->data.len) {
		pr_perror("Can't cork %zu bytes on socket:[%u] again, to port %u", c->data.len,
			  ie->ino, c->dst_port);
		return -errno ?: -EIO;
	}
	return 0;
}

static bool cork_entry_fits(const InetSkEntry *ie, const InetCorkEntry *c)
{
	if (c->dst.len != c->src.len || (c->dst.len != 4 && c->dst.len != 16))
		return false;
	if (ie->family == AF_INET && c->dst.len != 4)
		return false;
	return c->dst_port && c->dst_port <= 0xffff && c->ttl && c->ttl <= 255 && c->tos <= 255 &&
	       c->data.len <= CORK_WQUEUE_MAX;
}

int udp_restore_cork(int sk, const InetSkEntry *ie, const InetExtraEntry *x)
{
	int one = 1;

	if (!x || (!x->corked && !x->udp_cork))
		return 0;
	if (!x->corked) {
		if (setsockopt(sk, ie->proto, UDP_CORK, &one, sizeof(one))) {
			pr_perror("Can't cork socket:[%u] (UDP_CORK)", ie->ino);
			return -errno;
		}
		return 0;
	}
	if (!cork_entry_fits(ie, x->corked)) {
		pr_err("inet-extra.img: the corked datagram of socket:[%u] is malformed\n",
		       ie->ino);
		return -EINVAL;
	}
	return udp_cork_send(sk, ie, x->corked, x->udp_cork);
}
