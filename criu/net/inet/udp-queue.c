// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/udp-queue.c - the datagrams a UDP or UDP-lite socket received and its program has
 * not read yet. CRIU 4.2 drops them with a warning; we keep them.
 *
 * Dump: SO_PEEK_OFF lets successive MSG_PEEK reads walk the queue, each datagram with its
 * sender's address, leaving it as it was (the socket's own peek offset is given back).
 * Restore (net/inet/rcvq.c): each comes again, in order, from its sender's address and port;
 * then the queue is walked again here to count them. What a datagram carried besides its
 * bytes is not kept: its arrival time (SO_TIMESTAMP), the address it was sent to
 * (IP_PKTINFO), its TOS and TTL, UDP-lite's checksum coverage.
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

static void free_dgram(InetDgramEntry *d)
{
	free(d->addr.data);
	free(d->data.data);
	free(d);
}

void inet_rcvq_free(InetExtraEntry *x)
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
	struct iovec iov = { buf, INET_DGRAM_MAX };
	struct msghdr m = {
		.msg_name = from, .msg_namelen = sizeof(*from), .msg_iov = &iov, .msg_iovlen = 1
	};
	ssize_t n;

	memset(from, 0, sizeof(*from));
	n = recvmsg(sk, &m, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		return -errno;
	return n > INET_DGRAM_MAX ? -EMSGSIZE : n;
}

int inet_rcvq_add(InetExtraEntry *x, const char *buf, size_t len,
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
	char *buf = malloc(INET_DGRAM_MAX);
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
	while (!ret && *nr < INET_DGRAMS_MAX) {
		n = peek_next(sk, buf, &from);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			pr_err("Can't peek datagram %zu of socket:[%u]: %s\n", *nr, ino,
			       strerror(-n));
			ret = n;
			break;
		}
		ret = x ? inet_rcvq_add(x, buf, n, &from) : 0;
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

int udp_queue_count(int sk, uint32_t ino, size_t *nr, size_t *bytes)
{
	return walk_queue(sk, ino, NULL, nr, bytes);
}
