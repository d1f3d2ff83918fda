// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/tcp-dump.c - an established TCP connection, or one closing (FIN_WAIT1/2,
 * CLOSE_WAIT, LAST_ACK, CLOSING: net/inet/tcp-fin.c), read through TCP_REPAIR.
 *
 * The connection is locked first (net-lock.h: no packet may reach it from now on), then
 * its socket enters repair mode, which freezes its sequence numbers and lets criu peek at
 * both queues: the receive queue (data the program has not read) and the send queue (data
 * not acknowledged yet, sent or not). tcp-stream-INO.img holds the entry, then the receive
 * queue's bytes, then the send queue's, as CRIU writes it.
 * The socket stays in repair mode until the dump ends: if the tree is killed, closing it
 * then sends nothing (no FIN, no reset) and frees its address for the restore; otherwise
 * (a failed dump, -R, -s) it leaves repair mode and the connection goes on.
 * Our FIN, sent, is in the send queue's length (SIOCOUTQ and SIOCOUTQNSD count its sequence
 * number) but no byte of it: it is counted out, as CRIU does. The state saved is the one
 * the socket is in once in repair mode (the diag's may be older by a packet).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "internal.h"
#include "log.h"
#include "net-lock.h"

struct repaired_sk {
	int fd;
	uint32_t ino;
};

struct tcp_dump {
	bool lock_begun;
	bool released;
	struct repaired_sk *sks;
	size_t nr_sks;
};

static void repair_off(const struct repaired_sk *r)
{
	int off = TCP_REPAIR_OFF_NO_WP;

	/* no window probe: nothing happened to the connection as its peer sees it */
	if (setsockopt(r->fd, SOL_TCP, TCP_REPAIR, &off, sizeof(off))) {
		off = TCP_REPAIR_OFF;
		if (setsockopt(r->fd, SOL_TCP, TCP_REPAIR, &off, sizeof(off)))
			pr_perror("Can't take socket:[%u] out of repair mode", r->ino);
	}
}

static void tcp_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct tcp_dump *td = priv;
	size_t i;

	for (i = 0; i < td->nr_sks; i++) {
		if (!td->released)
			repair_off(&td->sks[i]);
		close(td->sks[i].fd);
	}
	free(td->sks);
	td->sks = NULL;
	td->nr_sks = 0;
}

static const struct files_dump_key tcp_dump_key = {
	.name = "tcp repair",
	.size = sizeof(struct tcp_dump),
	.fini = tcp_dump_fini,
};

void inet_dump_release(struct dump_tree *dt, bool killed)
{
	struct tcp_dump *td = files_dump_priv_find(&dt->fstate, &tcp_dump_key);
	size_t i;

	if (!td)
		return;
	for (i = 0; !killed && i < td->nr_sks; i++)
		repair_off(&td->sks[i]);
	td->released = true;
}

int inet_dump_keep_repaired(struct files_dump_state *fs, int sk, uint32_t ino)
{
	struct tcp_dump *td = files_dump_priv(fs, &tcp_dump_key);

	if (!td || ARRAY_ADD_ROOM(td->sks, td->nr_sks)) {
		struct repaired_sk r = { sk, ino };

		repair_off(&r);
		close(sk);
		return -ENOMEM;
	}
	td->sks[td->nr_sks++] = (struct repaired_sk){ sk, ino };
	return 0;
}

static int tcp_int(int sk, int opt, int *v)
{
	socklen_t len = sizeof(*v);

	*v = 0;
	return getsockopt(sk, SOL_TCP, opt, v, &len) ? -errno : 0;
}

int tcp_dump_opts(int sk, InetSkEntry *ie, InetExtraEntry *x)
{
	int cork, nodelay, cnt, idle, intvl, ret;
	SkOptsEntry *o = ie->opts;

	ret = tcp_int(sk, TCP_CORK, &cork);
	ret = ret ?: tcp_int(sk, TCP_NODELAY, &nodelay);
	ret = ret ?: tcp_int(sk, TCP_KEEPCNT, &cnt);
	ret = ret ?: tcp_int(sk, TCP_KEEPIDLE, &idle);
	ret = ret ?: tcp_int(sk, TCP_KEEPINTVL, &intvl);
	if (ret) {
		pr_err("Can't read the TCP options of socket:[%u]: %s\n", ie->ino, strerror(-ret));
		return ret;
	}
	/* where CRIU 4.2 keeps them: sk_opts_entry for keepalive, ours for the others */
	o->has_tcp_keepcnt = o->has_tcp_keepidle = o->has_tcp_keepintvl = 1;
	o->tcp_keepcnt = cnt;
	o->tcp_keepidle = idle;
	o->tcp_keepintvl = intvl;
	x->has_cork = x->has_nodelay = 1;
	x->cork = cork;
	x->nodelay = nodelay;
	return 0;
}

static int lock_conn(struct dump_ctx *dc, const struct inet_diag_sk *d, const InetSkEntry *ie)
{
	struct tcp_dump *td = files_dump_priv(dc->fstate, &tcp_dump_key);
	struct netlock_conn c = { .family = ie->family, .sport = d->sport, .dport = d->dport };
	int ret;

	if (!td)
		return -ENOMEM;
	/* idempotent; once in each network namespace of the tree */
	ret = netlock_dump_begin(dc->opts->tree);
	if (ret)
		return ret;
	td->lock_begun = true;
	memcpy(c.src, d->src, sizeof(c.src));
	memcpy(c.dst, d->dst, sizeof(c.dst));
	return netlock_lock_conn(&c);
}

/* One queue: its sequence number (the next byte to come in, or to be written) and bytes. */
static int read_queue(int sk, int queue, uint32_t *seq, uint32_t len, char **data, uint32_t ino)
{
	int q = queue, s = 0;
	socklen_t slen = sizeof(s);
	ssize_t n;

	if (setsockopt(sk, SOL_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) ||
	    getsockopt(sk, SOL_TCP, TCP_QUEUE_SEQ, &s, &slen)) {
		pr_perror("Can't read the %s queue sequence of socket:[%u]",
			  queue == TCP_RECV_QUEUE ? "receive" : "send", ino);
		return -errno;
	}
	*seq = s;
	*data = malloc(len ? len : 1);
	if (!*data)
		return -ENOMEM;
	if (!len)
		return 0;
	n = recv(sk, *data, len, MSG_PEEK | MSG_DONTWAIT);
	if (n != (ssize_t)len) {
		pr_err("Can't peek the %u bytes of the %s queue of socket:[%u]: got %zd (%s)\n",
		       len, queue == TCP_RECV_QUEUE ? "receive" : "send", ino, n,
		       n < 0 ? strerror(errno) : "short");
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/* Lengths of the queues, in repair mode (the numbers don't move any more). */
static int queue_lengths(int sk, uint32_t state, TcpStreamEntry *ts, uint32_t ino)
{
	int inq = 0, outq = 0, unsent = 0;

	if (ioctl(sk, SIOCINQ, &inq) || ioctl(sk, SIOCOUTQ, &outq) ||
	    ioctl(sk, SIOCOUTQNSD, &unsent)) {
		pr_perror("Can't read the queue lengths of socket:[%u]", ino);
		return -errno;
	}
	if (tcp_sent_fin(state)) {
		outq -= outq > 0;
		unsent -= unsent > 0;
	}
	ts->inq_len = inq;
	ts->outq_len = outq;
	ts->has_unsq_len = 1;
	ts->unsq_len = unsent;
	return 0;
}

static int read_conn_opts(int sk, TcpStreamEntry *ts, uint32_t *state, uint32_t ino)
{
	struct tcp_repair_window w;
	struct tcp_info ti;
	socklen_t len = sizeof(ti), wlen = sizeof(w);
	int mss, tstamp, ret;

	if (getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len) ||
	    getsockopt(sk, SOL_TCP, TCP_REPAIR_WINDOW, &w, &wlen)) {
		pr_perror("Can't read TCP_INFO or the window of socket:[%u]", ino);
		return -errno;
	}
	ret = tcp_int(sk, TCP_MAXSEG, &mss) ?: tcp_int(sk, TCP_TIMESTAMP, &tstamp);
	if (ret) {
		pr_err("Can't read the MSS or timestamp of socket:[%u]: %s\n", ino, strerror(-ret));
		return ret;
	}
	if (!tcp_conn_state(ti.tcpi_state)) {
		pr_err("socket:[%u] left state %u (now %u, closed) while it was dumped\n", ino,
		       *state, ti.tcpi_state);
		return -EAGAIN;
	}
	*state = ti.tcpi_state;
	ts->opt_mask = ti.tcpi_options;
	ts->snd_wscale = ti.tcpi_snd_wscale;
	ts->has_rcv_wscale = 1;
	ts->rcv_wscale = ti.tcpi_rcv_wscale;
	ts->mss_clamp = mss;
	ts->has_timestamp = 1;
	ts->timestamp = tstamp;
	ts->has_snd_wl1 = ts->has_snd_wnd = ts->has_max_window = 1;
	ts->has_rcv_wnd = ts->has_rcv_wup = 1;
	ts->snd_wl1 = w.snd_wl1;
	ts->snd_wnd = w.snd_wnd;
	ts->max_window = w.max_window;
	ts->rcv_wnd = w.rcv_wnd;
	ts->rcv_wup = w.rcv_wup;
	return 0;
}

static int write_stream(struct dump_ctx *dc, uint32_t ino, TcpStreamEntry *ts, const char *in,
			const char *out)
{
	struct cr_img *img = open_image_at(dc->dfd, CR_FD_TCP_STREAM, O_DUMP, ino);
	int ret;

	if (!img)
		return -EIO;
	ret = pb_write_one(img, &ts->base);
	ret = ret ?: img_write_buf(img, in, ts->inq_len);
	ret = ret ?: img_write_buf(img, out, ts->outq_len);
	return close_image(img) ?: ret;
}

static int read_stream(int sk, TcpStreamEntry *ts, char **in, char **out, InetSkEntry *ie)
{
	uint32_t ino = ie->ino;
	int ret = read_conn_opts(sk, ts, &ie->state, ino);

	ret = ret ?: queue_lengths(sk, ie->state, ts, ino);
	ret = ret ?: read_queue(sk, TCP_RECV_QUEUE, &ts->inq_seq, ts->inq_len, in, ino);
	ret = ret ?: read_queue(sk, TCP_SEND_QUEUE, &ts->outq_seq, ts->outq_len, out, ino);
	return ret;
}

int tcp_dump_established(struct dump_ctx *dc, const struct fd_parms *p, int sk,
			 const struct inet_diag_sk *d, InetSkEntry *ie, const InetExtraEntry *x)
{
	TcpStreamEntry ts = TCP_STREAM_ENTRY__INIT;
	char *in = NULL, *out = NULL;
	int on = TCP_REPAIR_ON, ret;

	ret = lock_conn(dc, d, ie);
	if (!ret && setsockopt(sk, SOL_TCP, TCP_REPAIR, &on, sizeof(on))) {
		ret = -errno;
		pr_perror("Can't put socket:[%u] (fd %d of task %d) in repair mode", ie->ino, p->fd,
			  p->pid);
	}
	if (ret) {
		close(sk);
		return ret;
	}
	/* from here on it leaves repair mode only when the dump ends */
	ret = inet_dump_keep_repaired(dc->fstate, sk, ie->ino);
	/* CRIU 4.2 reads them from here for an established connection */
	ts.has_cork = ts.has_nodelay = 1;
	ts.cork = x->cork;
	ts.nodelay = x->nodelay;
	ret = ret ?: read_stream(sk, &ts, &in, &out, ie);
	ret = ret ?: write_stream(dc, ie->ino, &ts, in, out);
	free(in);
	free(out);
	if (!ret)
		pr_info("socket:[%u]: TCP state %u, %u bytes to read, %u to send (%u unsent)\n",
			ie->ino, ie->state, ts.inq_len, ts.outq_len, ts.unsq_len);
	return ret;
}
