// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/rcvq.c - a datagram socket's received queue (UDP, UDP-lite, raw, ping) put back
 * on it: at restore, after bind() and before connect() (a connected socket takes only its
 * peer's datagrams, and those queued before connect() were from anyone), and at dump for
 * raw and ping sockets, whose queue is read to be saved (net/inet/raw-queue.c). Each
 * datagram comes again, in order, from its sender (net/inet/replay.c), with room lent in
 * the socket's buffer for the time. Then the queue must hold them all, or it fails naming
 * the socket (one bound to a device other than lo takes none). UDP's queue is walked to
 * count them; raw and ping sockets can't be walked (no SO_PEEK_OFF): their queue must have
 * grown by at least the datagrams' bytes and their drop count must not have.
 */
#include <errno.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "internal.h"
#include "ns.h"
#include "log.h"

#define ARRIVAL_MS 1000 /* how long injected datagrams may take to be queued (at once, on lo) */

/* Every datagram queued: wait (a little) until the queue holds them all. */
static int wait_counted(int sk, const InetSkEntry *ie, size_t want_nr, size_t want_bytes)
{
	struct timespec tick = { 0, 1000000 };
	size_t nr = 0, bytes = 0;
	int i, ret = 0;

	for (i = 0; i < ARRIVAL_MS && !ret; i++) {
		ret = udp_queue_count(sk, ie->ino, &nr, &bytes);
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
		if (!rst_ns_force_sock_buf(sk, SO_RCVBUFFORCE, saved[0]) &&
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
	if (!rst_ns_force_sock_buf(sk, SO_RCVBUFFORCE, want))
		return 0;
err:
	pr_perror("Can't %s the receive buffer of socket:[%u] for its queued datagrams",
		  give_back ? "give back" : "enlarge", ie->ino);
	return -errno;
}

static int read_meminfo(int sk, const InetSkEntry *ie, uint32_t mi[SK_MEMINFO_VARS])
{
	socklen_t len = SK_MEMINFO_VARS * sizeof(uint32_t);

	memset(mi, 0, len);
	if (getsockopt(sk, SOL_SOCKET, SO_MEMINFO, mi, &len)) {
		pr_perror("Can't read the memory use of socket:[%u]", ie->ino);
		return -errno;
	}
	return 0;
}

/*
 * A raw or ping socket: its queue grew by at least what the datagrams hold and one byte
 * each (the kernel counts more: the buffers around them), and its drop count did not.
 */
static int wait_grown(int sk, const InetSkEntry *ie, const uint32_t before[SK_MEMINFO_VARS],
		      uint64_t want)
{
	struct timespec tick = { 0, 1000000 };
	uint32_t mi[SK_MEMINFO_VARS];
	uint64_t grown = 0;
	int i, ret = 0;

	for (i = 0; i < ARRIVAL_MS && !ret; i++) {
		ret = read_meminfo(sk, ie, mi);
		grown = (uint64_t)mi[SK_MEMINFO_RMEM_ALLOC] - before[SK_MEMINFO_RMEM_ALLOC];
		if (ret ||
		    (mi[SK_MEMINFO_RMEM_ALLOC] >= before[SK_MEMINFO_RMEM_ALLOC] && grown >= want) ||
		    mi[SK_MEMINFO_DROPS] != before[SK_MEMINFO_DROPS])
			break;
		nanosleep(&tick, NULL);
	}
	if (ret)
		return ret;
	if (mi[SK_MEMINFO_DROPS] != before[SK_MEMINFO_DROPS] || grown < want) {
		pr_err("socket:[%u] did not take its queued datagrams back (%u dropped): is it "
		       "bound to a device other than lo?\n",
		       ie->ino, mi[SK_MEMINFO_DROPS] - before[SK_MEMINFO_DROPS]);
		return -EIO;
	}
	return 0;
}

static int check_dgrams(const InetSkEntry *ie, const InetExtraEntry *x)
{
	size_t i;

	if (x->n_rcv_dgrams > INET_DGRAMS_MAX)
		goto bad;
	for (i = 0; i < x->n_rcv_dgrams; i++)
		if (!inet_replay_fits(ie, x->rcv_dgrams[i]))
			goto bad;
	return 0;
bad:
	pr_err("inet-extra.img: socket:[%u] has a bad queued datagram\n", ie->ino);
	return -EINVAL;
}

static bool walkable(const InetSkEntry *ie)
{
	return ie->type == SOCK_DGRAM && !inet_is_ping(ie);
}

static int replay_all(int sk, const InetSkEntry *ie, const InetExtraEntry *x)
{
	struct inet_replay r = { .raw4 = -1, .raw6 = -1 };
	uint32_t before[SK_MEMINFO_VARS];
	size_t i, nr = 0, bytes = 0;
	int ret, lost = 0;

	ret = walkable(ie) ? 0 : read_meminfo(sk, ie, before);
	ret = ret ?: inet_replay_open(&r, ie->ino);
	for (i = 0; !ret && i < x->n_rcv_dgrams; i++) {
		ret = inet_replay_one(&r, ie, x->rcv_dgrams[i]);
		if (ret == -EADDRNOTAVAIL) {
			/* the others go on: they are not lost with it */
			lost = ret;
			ret = 0;
			continue;
		}
		bytes += x->rcv_dgrams[i]->data.len;
		nr++;
	}
	inet_replay_close(&r);
	if (ret)
		return ret;
	ret = walkable(ie) ? wait_counted(sk, ie, nr, bytes)
			   : wait_grown(sk, ie, before, bytes + nr);
	return ret ?: lost;
}

int inet_rcvq_restore(int sk, const InetSkEntry *ie, const InetExtraEntry *x)
{
	int saved[2] = { 0, 0 };
	int ret;

	if (!x || !x->n_rcv_dgrams)
		return 0;
	ret = check_dgrams(ie, x);
	ret = ret ?: lend_room(sk, ie, x, false, saved);
	if (ret)
		return ret;
	ret = replay_all(sk, ie, x);
	return lend_room(sk, ie, x, true, saved) ?: ret;
}
