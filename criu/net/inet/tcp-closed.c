// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/tcp-closed.c - a TCP connection that is over (reset by its peer, or closed both
 * ways) while its program still holds the socket. The kernel keeps for the program: the
 * bytes it had not read, the error it had not read (ECONNRESET after a reset, EPIPE after a
 * reset that came once the peer's FIN was in), and the socket's address; its peer is gone
 * (getpeername() says ENOTCONN). A program reads the bytes, then the error if any, then end
 * of file; a write gets the error if any, then EPIPE.
 *
 * Dump: the bytes are peeked; the error can only be read by taking it (SO_ERROR), so it is
 * read last, and only if the tree is killed after the dump (with --leave-running the dump
 * is refused: the program would lose it); if the dump fails after that, its program runs on
 * without it, which a warning names. Other errors (ETIMEDOUT...) are refused: the restore
 * could not make them again. The image is CRIU's unconnected TCP socket in
 * CLOSE, with our inet-extra.img entry saying it was a connection (closed_err, closed_inq).
 *
 * Restore: the way the kernel got there, replayed on a connection made in repair mode
 * (net/inet/tcp-restore.c) from the socket's address to itself: its bytes queued as
 * received, then from "the peer" (raw segments, net/inet/tcp-fin.c): a reset (ECONNRESET);
 * its FIN then a reset (EPIPE); or its FIN, our FIN taken as sent, its ACK (no error). The
 * connection is to the socket's own address and port, with the same sequence numbers both
 * ways: the only segment it sends, the ACK of the FIN, comes back to it as a plain
 * duplicate ACK and goes nowhere else.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "internal.h"
#include "log.h"
#include "opts.h"

/* Where the replayed connection's sequence numbers start (any value would do). */
#define CLOSED_SEQ_BASE 0x10000000u
#define CLOSED_INQ_MAX	(1u << 30)

bool tcp_closed_conn(int sk)
{
	struct pollfd pfd = { .fd = sk, .events = POLLIN | POLLRDHUP };
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	/* the kernel shuts a connection down both ways as it closes it */
	return !getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len) && ti.tcpi_state == TCP_CLOSE &&
	       poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLRDHUP) && (pfd.revents & POLLHUP);
}

static int peek_unread(const struct fd_parms *p, int sk, InetSkEntry *ie, InetExtraEntry *x)
{
	int inq = 0;
	ssize_t n;

	if (ioctl(sk, SIOCINQ, &inq) || inq < 0) {
		pr_perror("Can't read the receive queue length of socket:[%u]", ie->ino);
		return -errno;
	}
	if (!inq)
		return 0;
	x->closed_inq.data = malloc(inq);
	if (!x->closed_inq.data)
		return -ENOMEM;
	x->has_closed_inq = 1;
	/* with bytes to return, a read leaves the pending error where it is */
	n = recv(sk, x->closed_inq.data, inq, MSG_PEEK | MSG_DONTWAIT);
	if (n != inq) {
		pr_err("Can't peek the %d unread bytes of socket:[%u] (fd %d of task %d): %s\n",
		       inq, ie->ino, p->fd, p->pid, n < 0 ? strerror(errno) : "short read");
		return n < 0 ? -errno : -EIO;
	}
	x->closed_inq.len = inq;
	return 0;
}

/* The errors taken from the programs' sockets: a failed dump names what they lost. */
struct taken_errors {
	struct taken_error {
		uint32_t ino;
		int err;
	} * v;
	size_t nr;
};

static void taken_errors_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct taken_errors *t = priv;
	size_t i;

	for (i = 0; failed && i < t->nr; i++)
		pr_warn("socket:[%u]: the failed dump took its pending error (%s), which the "
			"kernel hands out once: its program won't read it\n",
			t->v[i].ino, strerror(t->v[i].err));
	free(t->v);
}

static const struct files_dump_key taken_errors_key = {
	.name = "taken socket errors",
	.size = sizeof(struct taken_errors),
	.fini = taken_errors_fini,
};

static int note_taken(struct files_dump_state *fs, uint32_t ino, int err)
{
	struct taken_errors *t = files_dump_priv(fs, &taken_errors_key);

	if (!t || ARRAY_ADD_ROOM(t->v, t->nr))
		return -ENOMEM;
	t->v[t->nr++] = (struct taken_error){ ino, err };
	return 0;
}

static int take_error(const struct dump_ctx *dc, const struct fd_parms *p, int sk, InetSkEntry *ie,
		      InetExtraEntry *x)
{
	struct pollfd pfd = { .fd = sk, .events = POLLIN };
	socklen_t len = sizeof(int);
	char why[200];
	int err = 0;

	x->has_closed_err = 1;
	x->closed_err = 0;
	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLERR))
		return 0;
	if (dc->opts->leave_running)
		return inet_refuse(p, ie,
				   "a connection reset, its error not read yet: criu can read "
				   "it only by taking it from the program, which runs on with "
				   "--leave-running; dump without it");
	if (getsockopt(sk, SOL_SOCKET, SO_ERROR, &err, &len)) {
		pr_perror("Can't read the pending error of socket:[%u]", ie->ino);
		return -errno;
	}
	if (err && note_taken(dc->fstate, ie->ino, err))
		return -ENOMEM;
	if (err && err != ECONNRESET && err != EPIPE) {
		snprintf(why, sizeof(why),
			 "a connection closed with error %d (%s), which criu can't make again "
			 "(only resets are); the error was taken from the program",
			 err, strerror(err));
		return inet_refuse(p, ie, why);
	}
	x->closed_err = err;
	return 0;
}

/* A socket inet_diag no longer lists: its address is what getsockname() still says. */
static int own_addr(int sk, InetSkEntry *ie)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	size_t words = ie->family == AF_INET ? 1 : 4;

	if (getsockname(sk, (struct sockaddr *)&ss, &len)) {
		pr_perror("Can't read the address of socket:[%u]", ie->ino);
		return -errno;
	}
	ie->src_addr = calloc(words, sizeof(uint32_t));
	ie->dst_addr = calloc(words, sizeof(uint32_t));
	if (!ie->src_addr || !ie->dst_addr)
		return -ENOMEM;
	if (ie->family == AF_INET) {
		memcpy(ie->src_addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		ie->src_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else {
		memcpy(ie->src_addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
		ie->src_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	ie->n_src_addr = ie->n_dst_addr = words;
	return 0;
}

int tcp_dump_closed(const struct dump_ctx *dc, const struct fd_parms *p, int sk, bool listed,
		    InetSkEntry *ie, InetExtraEntry *x)
{
	int ret = listed ? 0 : own_addr(sk, ie);

	ie->state = TCP_CLOSE;
	ie->has_shutdown = 1;
	ie->shutdown = SK_SHUTDOWN__BOTH;
	ie->dst_port = 0;
	if (ie->dst_addr)
		memset(ie->dst_addr, 0, ie->n_dst_addr * sizeof(uint32_t));
	ret = ret ?: peek_unread(p, sk, ie, x);
	/* last: nothing may fail once the error is taken */
	ret = ret ?: take_error(dc, p, sk, ie, x);
	if (!ret)
		pr_info("socket:[%u]: a closed connection, %zu bytes unread, error %u\n", ie->ino,
			x->closed_inq.len, x->closed_err);
	return ret;
}

void tcp_closed_free(InetExtraEntry *x)
{
	free(x->closed_inq.data);
	x->closed_inq.data = NULL;
}

/* Replay what the peer sent: in is the first sequence number after the unread bytes, out
 * the next of ours. */
static int replay_end(int sk, const InetSkEntry *self, uint32_t err, uint32_t in, uint32_t out)
{
	int ret = 0;

	if (err != ECONNRESET) {
		ret = tcp_peer_segment(self, in++, out, TH_FIN | TH_ACK, 0xffff);
		ret = ret ?: tcp_wait_state(sk, TCP_CLOSE_WAIT, self, "the peer's FIN");
	}
	if (!ret && err) {
		/* a reset after the FIN is EPIPE, before it ECONNRESET (the kernel's choice) */
		ret = tcp_peer_segment(self, in, 0, TH_RST, 0);
	} else if (!ret) {
		ret = tcp_queue_our_fin(sk, self, true);
		ret = ret ?: tcp_wait_state(sk, TCP_LAST_ACK, self, "our FIN");
		ret = ret ?: tcp_peer_segment(self, in, out + 1, TH_ACK, 0xffff);
	}
	return ret ?: tcp_wait_state(sk, TCP_CLOSE, self, "the peer's last segment");
}

int tcp_restore_closed(int sk, const InetSkEntry *ie, const InetExtraEntry *x)
{
	TcpStreamEntry ts = TCP_STREAM_ENTRY__INIT;
	InetSkEntry self = *ie;
	size_t inq = x->has_closed_inq ? x->closed_inq.len : 0;
	int ret;

	if ((x->closed_err && x->closed_err != ECONNRESET && x->closed_err != EPIPE) ||
	    inq > CLOSED_INQ_MAX || !ie->src_port) {
		pr_err("inet-extra.img: socket:[%u] has a bad closed connection entry\n", ie->ino);
		return -EINVAL;
	}
	/* to itself, with the same sequence numbers both ways once the peer's FIN is in */
	self.state = TCP_ESTABLISHED;
	self.dst_addr = ie->src_addr;
	self.dst_port = ie->src_port;
	ts.inq_len = inq;
	ts.inq_seq = CLOSED_SEQ_BASE + inq;
	ts.outq_seq = ts.inq_seq + (x->closed_err == ECONNRESET ? 0 : 1);
	ts.mss_clamp = 1460;
	ret = tcp_make_repaired(sk, &self, &ts, (char *)x->closed_inq.data);
	ret = ret ?: replay_end(sk, &self, x->closed_err, ts.inq_seq, ts.outq_seq);
	if (!ret &&
	    setsockopt(sk, SOL_TCP, TCP_REPAIR, &(int){ TCP_REPAIR_OFF_NO_WP }, sizeof(int))) {
		pr_perror("Can't take socket:[%u] out of repair mode", ie->ino);
		ret = -errno;
	}
	return ret;
}
