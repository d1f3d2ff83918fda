// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/udp-queue.c - the datagrams a UDP socket received and its program has not read
 * yet. CRIU 4.2 drops them with a warning; we keep them.
 *
 * Dump: SO_PEEK_OFF lets successive MSG_PEEK reads walk the queue, each datagram with its
 * sender's address, leaving it as it was (the socket's own peek offset is given back).
 * Restore: each datagram comes again, in order, from its sender's address and port, as a
 * packet written whole on a raw socket (IPPROTO_RAW) to the socket's address (loopback if
 * it is bound to any address). That is done after bind() and before connect(): a connected
 * socket takes only its peer's datagrams, and those queued before connect() were from
 * anyone. Then the queue is walked again: every datagram must be there, or the restore
 * fails naming the socket (a socket bound to a device other than lo takes none of them).
 * What a datagram carried besides its bytes is not kept: its arrival time
 * (SO_TIMESTAMP), the address it was sent to (IP_PKTINFO), its TOS and TTL.
 * UDP-lite queues are still refused (their partial checksum coverage is not kept).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "files.h"
#include "internal.h"
#include "log.h"

#define DGRAM_MAX  65535u /* the most a datagram can carry, headers and all */
#define DGRAMS_MAX (1u << 20)
#define ARRIVAL_MS 1000 /* how long injected datagrams may take to be queued (at once, on lo) */

static void free_dgram(InetDgramEntry *d)
{
	free(d->addr.data);
	free(d->data.data);
	free(d);
}

void udp_queue_free(InetExtraEntry *x)
{
	size_t i;

	for (i = 0; i < x->n_rcv_dgrams; i++)
		free_dgram(x->rcv_dgrams[i]);
	free(x->rcv_dgrams);
	x->rcv_dgrams = NULL;
	x->n_rcv_dgrams = 0;
}

/* The next datagram at the peek offset: its length, -EAGAIN at the end, or -errno. */
static ssize_t peek_next(int sk, char *buf, struct sockaddr_storage *from)
{
	struct iovec iov = { buf, DGRAM_MAX };
	struct msghdr m = {
		.msg_name = from, .msg_namelen = sizeof(*from), .msg_iov = &iov, .msg_iovlen = 1
	};
	ssize_t n;

	memset(from, 0, sizeof(*from));
	n = recvmsg(sk, &m, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return -errno;
	return n > DGRAM_MAX ? -EMSGSIZE : n;
}

static int add_dgram(InetExtraEntry *x, const char *buf, size_t len,
		     const struct sockaddr_storage *from)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)from;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)from;
	bool v4 = from->ss_family == AF_INET;
	InetDgramEntry *d;

	if (ARRAY_ADD_ROOM(x->rcv_dgrams, x->n_rcv_dgrams))
		return -ENOMEM;
	d = malloc(sizeof(*d));
	if (!d)
		return -ENOMEM;
	inet_dgram_entry__init(d);
	d->addr.len = v4 ? 4 : 16;
	d->addr.data = malloc(d->addr.len);
	d->data.data = malloc(len ? len : 1);
	if (!d->addr.data || !d->data.data) {
		free_dgram(d);
		return -ENOMEM;
	}
	memcpy(d->addr.data, v4 ? (const void *)&a4->sin_addr : (const void *)&a6->sin6_addr,
	       d->addr.len);
	d->port = ntohs(v4 ? a4->sin_port : a6->sin6_port);
	memcpy(d->data.data, buf, len);
	d->data.len = len;
	x->rcv_dgrams[x->n_rcv_dgrams++] = d;
	return 0;
}

static int set_peek_off(int sk, int off, uint32_t ino)
{
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off))) {
		pr_perror("Can't set SO_PEEK_OFF of socket:[%u]", ino);
		return -errno;
	}
	return 0;
}

/* Walk the queue from its start: each datagram to x, or (x NULL) only counted. */
static int walk_queue(int sk, uint32_t ino, InetExtraEntry *x, size_t *nr, size_t *bytes)
{
	struct sockaddr_storage from;
	int old = -1, ret;
	socklen_t len = sizeof(old);
	char *buf = malloc(DGRAM_MAX);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	*nr = *bytes = 0;
	if (getsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &old, &len)) {
		pr_perror("Can't read SO_PEEK_OFF of socket:[%u]", ino);
		free(buf);
		return -errno;
	}
	ret = set_peek_off(sk, 0, ino);
	while (!ret && *nr < DGRAMS_MAX) {
		n = peek_next(sk, buf, &from);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			pr_err("Can't peek datagram %zu of socket:[%u]: %s\n", *nr, ino,
			       strerror(-n));
			ret = n;
			break;
		}
		ret = x ? add_dgram(x, buf, n, &from) : 0;
		(*nr)++;
		*bytes += n;
	}
	free(buf);
	return set_peek_off(sk, old, ino) ?: ret;
}

int udp_dump_queue(int sk, const InetSkEntry *ie, InetExtraEntry *x)
{
	size_t nr, bytes;
	int ret = walk_queue(sk, ie->ino, x, &nr, &bytes);

	if (!ret)
		pr_info("socket:[%u]: %zu datagrams (%zu bytes) received, not read yet\n", ie->ino,
			nr, bytes);
	return ret;
}

/* A UDP packet from the datagram's sender to to:port (4 or 16 bytes), written whole. */
static size_t build_v4(char *pkt, const InetDgramEntry *d, const uint8_t *to, uint16_t port)
{
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *uh = (struct udphdr *)(ip + 1);
	size_t len = sizeof(*ip) + sizeof(*uh) + d->data.len;

	memset(ip, 0, sizeof(*ip) + sizeof(*uh));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(len);
	memcpy(&ip->saddr, d->addr.len == 4 ? d->addr.data : d->addr.data + 12, 4);
	memcpy(&ip->daddr, to, 4);
	uh->uh_sport = htons(d->port);
	uh->uh_dport = htons(port);
	uh->uh_ulen = htons(sizeof(*uh) + d->data.len);
	if (d->data.len) /* an empty datagram's bytes are NULL once unpacked */
		memcpy(uh + 1, d->data.data, d->data.len);
	/* no checksum: IPv4 allows it */
	return len;
}

static size_t build_v6(char *pkt, const InetDgramEntry *d, const uint8_t *to, uint16_t port)
{
	struct ip6_hdr *ip = (struct ip6_hdr *)pkt;
	struct udphdr *uh = (struct udphdr *)(ip + 1);
	uint32_t ulen = sizeof(*uh) + d->data.len, sum;
	uint8_t tail[8] = { 0, 0, ulen >> 8, ulen & 0xff, 0, 0, 0, IPPROTO_UDP };

	memset(ip, 0, sizeof(*ip) + sizeof(*uh));
	ip->ip6_flow = htonl(6u << 28);
	ip->ip6_plen = htons(ulen);
	ip->ip6_nxt = IPPROTO_UDP;
	ip->ip6_hlim = 64;
	memcpy(&ip->ip6_src, d->addr.data, 16);
	memcpy(&ip->ip6_dst, to, 16);
	uh->uh_sport = htons(d->port);
	uh->uh_dport = htons(port);
	uh->uh_ulen = htons(ulen);
	if (d->data.len)
		memcpy(uh + 1, d->data.data, d->data.len);
	/* IPv6 requires it: over the pseudo-header (addresses, length, protocol) and all */
	sum = inet_csum_add(&ip->ip6_src, 32, 0);
	sum = inet_csum_add(tail, sizeof(tail), sum);
	uh->uh_sum = inet_csum_fold(inet_csum_add(uh, ulen, sum)) ?: 0xffff;
	return sizeof(*ip) + ulen;
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

static int send_dgram(int raw4, int raw6, char *pkt, const InetSkEntry *ie, const InetDgramEntry *d)
{
	bool v4 = d->addr.len == 4 || inet_addr_v4_mapped(d->addr.data);
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	uint8_t to[16];
	size_t len;

	dest_addr(ie, v4, to);
	len = v4 ? build_v4(pkt, d, to, ie->src_port) : build_v6(pkt, d, to, ie->src_port);
	memcpy(&a4.sin_addr, to, 4);
	memcpy(&a6.sin6_addr, to, 16);
	if ((v4 ? sendto(raw4, pkt, len, 0, (struct sockaddr *)&a4, sizeof(a4))
		: sendto(raw6, pkt, len, 0, (struct sockaddr *)&a6, sizeof(a6))) < 0) {
		pr_perror("Can't queue a datagram of %zu bytes on socket:[%u] again", d->data.len,
			  ie->ino);
		return -errno;
	}
	return 0;
}

static int check_dgrams(const InetExtraEntry *x, uint32_t ino)
{
	size_t i;

	if (x->n_rcv_dgrams > DGRAMS_MAX)
		goto bad;
	for (i = 0; i < x->n_rcv_dgrams; i++) {
		const InetDgramEntry *d = x->rcv_dgrams[i];

		if ((d->addr.len != 4 && d->addr.len != 16) || d->port > 65535 ||
		    d->data.len > DGRAM_MAX - 48)
			goto bad;
	}
	return 0;
bad:
	pr_err("inet-extra.img: socket:[%u] has a bad queued datagram\n", ino);
	return -EINVAL;
}

/* Every datagram queued: wait (a little) until the queue holds them all. */
static int wait_queued(int sk, const InetSkEntry *ie, size_t want_nr, size_t want_bytes)
{
	struct timespec tick = { 0, 1000000 };
	size_t nr = 0, bytes = 0;
	int i, ret = 0;

	for (i = 0; i < ARRIVAL_MS && !ret; i++) {
		ret = walk_queue(sk, ie->ino, NULL, &nr, &bytes);
		if (ret || (nr == want_nr && bytes == want_bytes))
			break;
		nanosleep(&tick, NULL);
	}
	if (!ret && (nr != want_nr || bytes != want_bytes)) {
		pr_err("socket:[%u] took %zu of its %zu queued datagrams back (%zu of %zu bytes): "
		       "is it bound to a device other than lo, or is its buffer smaller?\n",
		       ie->ino, nr, want_nr, bytes, want_bytes);
		ret = -EIO;
	}
	return ret;
}

#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK 72
#endif

/*
 * Room for the datagrams whatever the socket's buffer size (its own comes with its options,
 * later): lent for the time they are queued, then the size and lock as they were (a
 * smaller buffer than its queue only delays the next datagram, as it did at dump).
 */
static int lend_room(int sk, const InetSkEntry *ie, const InetExtraEntry *x, bool give_back,
		     int saved[2])
{
	socklen_t len = sizeof(int);
	int want = 0;
	size_t i;

	if (give_back) {
		if (!saved[0])
			return 0;
		saved[0] /= 2; /* the kernel doubles what it is given */
		if (!setsockopt(sk, SOL_SOCKET, SO_RCVBUFFORCE, &saved[0], sizeof(int)) &&
		    !setsockopt(sk, SOL_SOCKET, SO_BUF_LOCK, &saved[1], sizeof(int)))
			return 0;
		goto err;
	}
	for (i = 0; i < x->n_rcv_dgrams; i++)
		want += x->rcv_dgrams[i]->data.len + 4096; /* and what the kernel counts with it */
	if (getsockopt(sk, SOL_SOCKET, SO_RCVBUF, &saved[0], &len) ||
	    getsockopt(sk, SOL_SOCKET, SO_BUF_LOCK, &saved[1], &len))
		goto err;
	if (saved[0] / 2 >= want) {
		saved[0] = 0;
		return 0;
	}
	if (!setsockopt(sk, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)))
		return 0;
err:
	pr_perror("Can't %s the receive buffer of socket:[%u] for its queued datagrams",
		  give_back ? "give back" : "enlarge", ie->ino);
	return -errno;
}

int udp_restore_queue(int sk, const InetSkEntry *ie, const InetExtraEntry *x)
{
	int saved[2] = { 0, 0 };
	int raw4 = -1, raw6 = -1, ret;
	size_t i, bytes = 0;
	char *pkt = NULL;

	if (!x || !x->n_rcv_dgrams)
		return 0;
	ret = check_dgrams(x, ie->ino);
	if (ret)
		return ret;
	pkt = malloc(DGRAM_MAX + 64);
	raw4 = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	raw6 = socket(AF_INET6, SOCK_RAW, IPPROTO_RAW);
	if (!pkt || raw4 < 0 || raw6 < 0) {
		ret = pkt ? -errno : -ENOMEM;
		pr_err("Can't open raw sockets to queue the datagrams of socket:[%u] again: %s\n",
		       ie->ino, strerror(-ret));
		goto close_raw;
	}
	ret = lend_room(sk, ie, x, false, saved);
	for (i = 0; !ret && i < x->n_rcv_dgrams; i++) {
		ret = send_dgram(raw4, raw6, pkt, ie, x->rcv_dgrams[i]);
		bytes += x->rcv_dgrams[i]->data.len;
	}
	ret = ret ?: wait_queued(sk, ie, x->n_rcv_dgrams, bytes);
	ret = lend_room(sk, ie, x, true, saved) ?: ret;
close_raw:
	if (raw4 >= 0)
		close(raw4);
	if (raw6 >= 0)
		close(raw6);
	free(pkt);
	return ret;
}
