// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/raw-queue.c - the datagrams a raw or ping socket received and its program has not
 * read yet. Their queue can't be walked without taking from it (these sockets have no
 * SO_PEEK_OFF): it is read whole into the image and queued again at once (net/inet/rcvq.c),
 * so that the task keeps it whether the dump goes on or fails.
 *
 * Refused before anything is taken: a socket bound to a device other than lo (its datagrams
 * could not come back to it), and a raw socket of a protocol the kernel handles itself
 * besides ICMP (TCP, UDP, IGMP...: the kernel would act on each packet once more). ICMP
 * messages that the kernel acts on (echo and timestamp requests, errors, redirects; for
 * ICMPv6 also neighbour discovery and multicast listener messages) are refused too, and so is
 * a raw IPv4 packet sent to a multicast or broadcast address (sent again, it would not come
 * back to the socket): the first datagram is looked at before reading; an ICMP message
 * further in the queue is found once it is read, and then the queue is put back as it was
 * before the refusal (the kernel acts on that message once more); a multicast packet
 * further in is not put back, and the dump fails saying so.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "files.h"
#include "internal.h"
#include "log.h"

/* Protocols the kernel's own stack takes a packet of, besides ICMP and ICMPv6. */
static const uint8_t kernel_protos[] = { 0,  2,	 4,  6,	  17,  41,  43,	 44,  47,
					 50, 51, 60, 103, 108, 115, 132, 136, 137 };

static bool kernel_proto(uint32_t proto)
{
	size_t i;

	for (i = 0; i < sizeof(kernel_protos); i++)
		if (kernel_protos[i] == proto)
			return true;
	return false;
}

/* An ICMP or ICMPv6 type that the kernel answers or acts on when one arrives. */
static bool icmp_acted_on(bool v6, uint8_t type)
{
	static const uint8_t v4_types[] = { 3, 4, 5, 8, 11, 12, 13, 42 };
	static const uint8_t v6_types[] = { 1,	 2,   3,   4,	128, 130, 131, 132,
					    133, 134, 135, 136, 137, 143, 160 };
	const uint8_t *t = v6 ? v6_types : v4_types;
	size_t i, n = v6 ? sizeof(v6_types) : sizeof(v4_types);

	for (i = 0; i < n; i++)
		if (t[i] == type)
			return true;
	return false;
}

/* The ICMP type of a datagram a raw socket read, or -1 (not ICMP, or too short). */
static int icmp_type(const InetSkEntry *ie, const uint8_t *p, size_t len)
{
	size_t off = 0;

	if (ie->type != SOCK_RAW ||
	    ie->proto != (ie->family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
		return -1;
	if (ie->family == AF_INET) /* an IPv4 raw socket reads the IP header too */
		off = len ? (p[0] & 0xf) * 4u : 0;
	return off < len ? p[off] : -1;
}

static int refuse_icmp(const struct fd_parms *p, const InetSkEntry *ie, int type)
{
	char why[160];

	snprintf(why, sizeof(why),
		 "an ICMP message of type %d received and not read, which the kernel would act on "
		 "again if it were queued again: not supported",
		 type);
	return inet_refuse(p, ie, why);
}

/* The destination of an IPv4 packet is one address (not multicast, not 255.255.255.255). */
static bool unicast_dest(const char *ip)
{
	const uint8_t *d = (const uint8_t *)ip + 16;

	return (d[0] & 0xf0) != 0xe0 && !(d[0] == 255 && d[1] == 255 && d[2] == 255 && d[3] == 255);
}

/* What can be told before a datagram is taken: a refusal, or 0. */
static int check_before(const struct fd_parms *p, int sk, const InetSkEntry *ie)
{
	char dev[IFNAMSIZ] = "", head[64];
	socklen_t len = sizeof(dev);
	ssize_t n;
	int type;

	if (getsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, dev, &len)) {
		pr_perror("Can't read SO_BINDTODEVICE of socket:[%u]", ie->ino);
		return -errno;
	}
	if (dev[0] && strcmp(dev, "lo"))
		return inet_refuse(p, ie,
				   "datagrams received and not read on a socket bound to a device "
				   "other than lo, which could not be queued on it again: not "
				   "supported");
	if (ie->type == SOCK_RAW && kernel_proto(ie->proto))
		return inet_refuse(p, ie,
				   "datagrams received and not read on a raw socket of a protocol "
				   "the kernel handles too, which would act on them again: not "
				   "supported");
	n = recv(sk, head, sizeof(head), MSG_PEEK | MSG_DONTWAIT);
	if (ie->type == SOCK_RAW && ie->family == AF_INET && n >= 20 && !unicast_dest(head))
		return inet_refuse(p, ie,
				   "a datagram received and not read that was sent to a multicast "
				   "or broadcast address, which can't be queued on it again: not "
				   "supported");
	type = n > 0 ? icmp_type(ie, (uint8_t *)head, n) : -1;
	return type >= 0 && icmp_acted_on(ie->family == AF_INET6, type) ? refuse_icmp(p, ie, type)
									: 0;
}

/* Read every datagram into x. */
static int drain(int sk, const InetSkEntry *ie, InetExtraEntry *x)
{
	struct sockaddr_storage from;
	char *buf = malloc(INET_DGRAM_MAX);
	socklen_t flen;
	ssize_t n;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (!ret && x->n_rcv_dgrams < INET_DGRAMS_MAX) {
		flen = sizeof(from);
		memset(&from, 0, sizeof(from));
		n = recvfrom(sk, buf, INET_DGRAM_MAX, MSG_DONTWAIT, (struct sockaddr *)&from,
			     &flen);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			pr_perror("Can't read datagram %zu of socket:[%u]", x->n_rcv_dgrams,
				  ie->ino);
			ret = -errno;
			break;
		}
		ret = inet_rcvq_add(x, buf, n, &from);
	}
	free(buf);
	return ret;
}

int inet_dump_rcvq_taken(const struct fd_parms *p, int sk, InetSkEntry *ie, InetExtraEntry *x)
{
	size_t i;
	int ret, type;

	ret = check_before(p, sk, ie);
	if (ret)
		return ret;
	ret = drain(sk, ie, x);
	/* what was taken goes back, whatever happens next */
	ret = inet_rcvq_restore(sk, ie, x) ?: ret;
	if (ret) {
		pr_err("socket:[%u]: the datagrams it had received may be lost\n", ie->ino);
		return ret;
	}
	for (i = 0; i < x->n_rcv_dgrams; i++) {
		type = icmp_type(ie, x->rcv_dgrams[i]->data.data, x->rcv_dgrams[i]->data.len);
		if (type >= 0 && icmp_acted_on(ie->family == AF_INET6, type))
			return refuse_icmp(p, ie, type);
	}
	pr_info("socket:[%u]: %zu datagrams received, not read yet (read and queued again)\n",
		ie->ino, x->n_rcv_dgrams);
	return 0;
}
