// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/tcp-restore.c - an established TCP connection made again through TCP_REPAIR,
 * without a packet on the wire: in repair mode a socket binds to its old address and port
 * even next to the listener that accepted it, takes the sequence numbers it is given,
 * "connects" at once, and queues data as received (the receive queue) or as sent and not
 * acknowledged (the send queue). Then its options, timestamp and window. The bytes the
 * program had written but the kernel not sent yet are written again once the socket has
 * left repair mode, as plain writes. A closing connection is made so too, then its FINs
 * are replayed (net/inet/tcp-fin.c).
 *
 * The socket stays in repair mode while the tree is rebuilt: if it left it now, its first
 * packet could reach a peer of the tree not made yet, which would answer with a reset.
 * inet_rst_repair_off() takes every connection out of repair mode from criu, once every
 * task is rebuilt and stopped before it runs again; a connect in progress at dump (SYN_SENT)
 * starts again there too.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "array.h"
#include "files.h"
#include "image.h"
#include "internal.h"
#include "ns.h"
#include "log.h"
#include "restore-ctx.h"
#include "sockopts.h"

#define QUEUE_CHUNK (256u << 10) /* bytes per send() when refilling a queue */
#define QUEUE_MAX   (1u << 30)
#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK 72
#endif /* a larger queue in an image is refused as bad */

struct tcp_image {
	TcpStreamEntry *ts;
	char *in, *out;
};

static void free_stream(struct tcp_image *s)
{
	if (s->ts)
		tcp_stream_entry__free_unpacked(s->ts, NULL);
	free(s->in);
	free(s->out);
}

static uint32_t unsent(const TcpStreamEntry *ts)
{
	return ts->has_unsq_len ? ts->unsq_len : 0;
}

/* Bytes not sent at dump, written again once out of repair mode (CLOSING: in it, as sent). */
static bool tcp_unsent_later(const InetSkEntry *ie, const TcpStreamEntry *ts)
{
	return unsent(ts) && ie->state != TCP_CLOSING;
}

static int check_stream(const TcpStreamEntry *ts, uint32_t ino)
{
	if (ts->inq_len > QUEUE_MAX || ts->outq_len > QUEUE_MAX ||
	    (ts->has_unsq_len && ts->unsq_len > ts->outq_len) || ts->snd_wscale > 14 ||
	    (ts->has_rcv_wscale && ts->rcv_wscale > 14)) {
		pr_err("tcp-stream-%x.img: bad queue lengths or window scale\n", ino);
		return -EINVAL;
	}
	return 0;
}

static int read_stream(int dfd, uint32_t ino, struct tcp_image *s)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_TCP_STREAM, O_RSTR, ino);
	int ret;

	if (!img)
		return -EIO;
	ret = pb_read_one(img, &tcp_stream_entry__descriptor, (ProtobufCMessage **)&s->ts);
	ret = ret ?: check_stream(s->ts, ino);
	if (!ret) {
		s->in = malloc(s->ts->inq_len + 1);
		s->out = malloc(s->ts->outq_len + 1);
		if (!s->in || !s->out)
			ret = -ENOMEM;
	}
	ret = ret ?: img_read_buf(img, s->in, s->ts->inq_len);
	ret = ret ?: img_read_buf(img, s->out, s->ts->outq_len);
	close_image(img);
	return ret;
}

static int tcp_set(int sk, int opt, const void *v, socklen_t len, const char *name, uint32_t ino)
{
	if (setsockopt(sk, SOL_TCP, opt, v, len)) {
		pr_perror("Can't set %s of socket:[%u]", name, ino);
		return -errno;
	}
	return 0;
}

static int tcp_set_int(int sk, int opt, int v, const char *name, uint32_t ino)
{
	return tcp_set(sk, opt, &v, sizeof(v), name, ino);
}

/* Where each queue starts: the data refilled below moves them to the dumped numbers. */
static int set_seqs(int sk, const TcpStreamEntry *ts, uint32_t ino)
{
	int ret;

	ret = tcp_set_int(sk, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE, "TCP_REPAIR_QUEUE", ino);
	ret = ret
		      ?: tcp_set_int(sk, TCP_QUEUE_SEQ, ts->outq_seq - ts->outq_len,
				     "TCP_QUEUE_SEQ", ino);
	ret = ret ?: tcp_set_int(sk, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE, "TCP_REPAIR_QUEUE", ino);
	ret = ret
		      ?: tcp_set_int(sk, TCP_QUEUE_SEQ, ts->inq_seq - ts->inq_len, "TCP_QUEUE_SEQ",
				     ino);
	return ret;
}

static int connect_repaired(int sk, const InetSkEntry *ie)
{
	struct sockaddr_storage ss;
	socklen_t len = inet_sockaddr(ie, true, &ss);
	char a[INET_ADDR_STR];

	if (connect(sk, (struct sockaddr *)&ss, len)) {
		pr_perror("Can't connect socket:[%u] to %s in repair mode", ie->ino,
			  inet_addr_str(ie, true, a, sizeof(a)));
		return -errno;
	}
	return 0;
}

/* What the two ends agreed on at the handshake: MSS, window scaling, SACK, timestamps. */
static int set_conn_opts(int sk, const TcpStreamEntry *ts, uint32_t ino)
{
	struct tcp_repair_opt o[4];
	int n = 0, ret;

	o[n++] = (struct tcp_repair_opt){ TCPOPT_MAXSEG, ts->mss_clamp };
	if (ts->opt_mask & TCPI_OPT_WSCALE)
		o[n++] = (struct tcp_repair_opt){ TCPOPT_WINDOW,
						  ts->snd_wscale | (ts->rcv_wscale << 16) };
	if (ts->opt_mask & TCPI_OPT_SACK)
		o[n++] = (struct tcp_repair_opt){ TCPOPT_SACK_PERMITTED, 0 };
	if (ts->opt_mask & TCPI_OPT_TIMESTAMPS)
		o[n++] = (struct tcp_repair_opt){ TCPOPT_TIMESTAMP, 0 };
	ret = tcp_set(sk, TCP_REPAIR_OPTIONS, o, n * sizeof(o[0]), "TCP_REPAIR_OPTIONS", ino);
	if (!ret && ts->has_timestamp)
		ret = tcp_set_int(sk, TCP_TIMESTAMP, ts->timestamp, "TCP_TIMESTAMP", ino);
	return ret;
}

/* Room in the socket buffer for len queued bytes (the kernel counts twice what it holds). */
static int make_room(int sk, int opt, int force, uint32_t len, uint32_t ino)
{
	int cur = 0, want = len + (64 << 10);
	socklen_t l = sizeof(cur);

	if (getsockopt(sk, SOL_SOCKET, opt, &cur, &l) || cur / 2 >= want)
		return 0;
	if (rst_ns_force_sock_buf(sk, force, want)) {
		pr_perror("Can't make room for %u queued bytes on socket:[%u]", len, ino);
		return -errno;
	}
	return 0;
}

static int refill(int sk, int queue, const char *data, uint32_t len, uint32_t ino)
{
	const char *name = queue == TCP_RECV_QUEUE ? "receive" : "send";
	uint32_t off = 0;
	ssize_t n;
	int ret;

	if (!len)
		return 0;
	ret = tcp_set_int(sk, TCP_REPAIR_QUEUE, queue, "TCP_REPAIR_QUEUE", ino);
	ret = ret
		      ?: make_room(sk, queue == TCP_RECV_QUEUE ? SO_RCVBUF : SO_SNDBUF,
				   queue == TCP_RECV_QUEUE ? SO_RCVBUFFORCE : SO_SNDBUFFORCE, len,
				   ino);
	while (!ret && off < len) {
		uint32_t chunk = len - off < QUEUE_CHUNK ? len - off : QUEUE_CHUNK;

		n = send(sk, data + off, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0) {
			pr_err("Can't refill the %s queue of socket:[%u] (%u of %u bytes): %s\n",
			       name, ino, off, len, n < 0 ? strerror(errno) : "nothing taken");
			return n < 0 ? -errno : -EIO;
		}
		off += n;
	}
	return ret;
}

static int set_window(int sk, const TcpStreamEntry *ts, uint32_t ino)
{
	struct tcp_repair_window w = {
		.snd_wl1 = ts->snd_wl1,
		.snd_wnd = ts->snd_wnd,
		.max_window = ts->max_window,
		.rcv_wnd = ts->rcv_wnd,
		.rcv_wup = ts->rcv_wup,
	};

	if (!ts->has_snd_wl1 || !ts->has_snd_wnd || !ts->has_max_window || !ts->has_rcv_wnd ||
	    !ts->has_rcv_wup)
		return 0; /* an older image: the kernel's own window, as the handshake set it */
	return tcp_set(sk, TCP_REPAIR_WINDOW, &w, sizeof(w), "TCP_REPAIR_WINDOW", ino);
}

static int make_conn(int sk, const InetSkEntry *ie, const struct tcp_image *s)
{
	const TcpStreamEntry *ts = s->ts;
	int ret;

	ret = sk_opts_restore_bind(sk, ie->opts, ie->ino);
	/* in repair mode bind() takes the port next to its listener's or its peer's */
	ret = ret ?: tcp_set_int(sk, TCP_REPAIR, TCP_REPAIR_ON, "TCP_REPAIR", ie->ino);
	ret = ret ?: inet_bind(sk, ie);
	ret = ret ?: set_seqs(sk, ts, ie->ino);
	ret = ret ?: connect_repaired(sk, ie);
	ret = ret ?: set_conn_opts(sk, ts, ie->ino);
	ret = ret ?: refill(sk, TCP_RECV_QUEUE, s->in, ts->inq_len, ie->ino);
	/* what the program had not sent yet goes out once repair mode is left */
	ret = ret ?: refill(sk, TCP_SEND_QUEUE, s->out, ts->outq_len - unsent(ts), ie->ino);
	ret = ret ?: set_window(sk, ts, ie->ino);
	if (!ret && ts->has_nodelay && ts->nodelay)
		ret = tcp_set_int(sk, TCP_NODELAY, 1, "TCP_NODELAY", ie->ino);
	if (!ret && ts->has_cork && ts->cork)
		ret = tcp_set_int(sk, TCP_CORK, 1, "TCP_CORK", ie->ino);
	ret = ret ?: tcp_set_int(sk, TCP_REPAIR_QUEUE, TCP_NO_QUEUE, "TCP_REPAIR_QUEUE", ie->ino);
	return ret;
}

int tcp_make_repaired(int sk, const InetSkEntry *ie, TcpStreamEntry *ts, char *in)
{
	struct tcp_image s = { .ts = ts, .in = in };

	return make_conn(sk, ie, &s);
}

/*
 * A closing connection is made ESTABLISHED first, with the sequence numbers before its FINs
 * (each took one) and the receive window as it was before the peer's; then the FINs come.
 * In CLOSING the peer's FIN came after ours, which came after the bytes not sent yet: they
 * are queued as sent (the kernel sends them again as lost, once the connection runs).
 */
static int make_closing_conn(int sk, const InetSkEntry *ie, const struct tcp_image *s)
{
	TcpStreamEntry before = *s->ts;
	struct tcp_image at = { .ts = &before, .in = s->in, .out = s->out };
	int ret;

	if (tcp_got_fin(ie->state)) {
		before.inq_seq--;
		before.rcv_wup--;
		before.rcv_wnd++;
	}
	if (tcp_sent_fin(ie->state))
		before.outq_seq--;
	if (ie->state == TCP_CLOSING)
		before.has_unsq_len = 0;
	ret = make_conn(sk, ie, &at);
	return ret ?: tcp_replay_fins(sk, ie, s->ts, tcp_unsent_later(ie, s->ts));
}

int tcp_restore_established(struct rst_fds *rf, int sk, const InetSkEntry *ie)
{
	struct tcp_image s = {};
	int ret = read_stream(rst_images_dfd(rf), ie->ino, &s);

	if (!ret && unsent(s.ts) && ie->state != TCP_ESTABLISHED && !tcp_fin_after_unsent(ie) &&
	    ie->state != TCP_CLOSING) {
		pr_err("tcp-stream-%x.img: unsent bytes in state %u\n", ie->ino, ie->state);
		ret = -EINVAL;
	}
	if (!ret)
		ret = ie->state == TCP_ESTABLISHED ? make_conn(sk, ie, &s)
						   : make_closing_conn(sk, ie, &s);
	free_stream(&s);
	return ret;
}

int tcp_restore_opts(int sk, const InetSkEntry *ie, const InetExtraEntry *x)
{
	const SkOptsEntry *o = ie->opts;
	int ret = 0;

	if (o->has_tcp_keepcnt && o->tcp_keepcnt)
		ret = tcp_set_int(sk, TCP_KEEPCNT, o->tcp_keepcnt, "TCP_KEEPCNT", ie->ino);
	if (!ret && o->has_tcp_keepidle && o->tcp_keepidle)
		ret = tcp_set_int(sk, TCP_KEEPIDLE, o->tcp_keepidle, "TCP_KEEPIDLE", ie->ino);
	if (!ret && o->has_tcp_keepintvl && o->tcp_keepintvl)
		ret = tcp_set_int(sk, TCP_KEEPINTVL, o->tcp_keepintvl, "TCP_KEEPINTVL", ie->ino);
	if (!ret && x && x->has_nodelay && x->nodelay)
		ret = tcp_set_int(sk, TCP_NODELAY, 1, "TCP_NODELAY", ie->ino);
	if (!ret && x && x->has_cork && x->cork)
		ret = tcp_set_int(sk, TCP_CORK, 1, "TCP_CORK", ie->ino);
	return ret;
}

/* The task's fd as an fd of ours. */
static int task_fd(pid_t pid, int fd)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0), sk;

	if (pidfd < 0) {
		pr_perror("pidfd_open of restored task %d failed", pid);
		return -errno;
	}
	sk = syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (sk < 0) {
		sk = -errno;
		pr_perror("pidfd_getfd of fd %d of restored task %d failed", fd, pid);
	}
	close(pidfd);
	return sk;
}

static int repair_off(int sk, const InetSkEntry *ie)
{
	int on = 0, ret = 0;
	socklen_t len = sizeof(on);

	/* a file of several fds or tasks: once is enough */
	if (getsockopt(sk, SOL_TCP, TCP_REPAIR, &on, &len) || !on)
		return 0;
	/* with a window probe: the peer answers with its window at once */
	ret = tcp_set_int(sk, TCP_REPAIR, TCP_REPAIR_OFF, "TCP_REPAIR", ie->ino);
	/* leaving repair mode forgets SO_REUSEADDR */
	if (!ret && ie->opts->has_reuseaddr && ie->opts->reuseaddr &&
	    setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int))) {
		pr_perror("Can't set SO_REUSEADDR of socket:[%u] again", ie->ino);
		ret = -errno;
	}
	return ret;
}

/* The bytes written but not sent at dump: the tail of the send queue, written again. */
static int send_unsent(const struct rst_ctx *ctx, int sk, const InetSkEntry *ie)
{
	struct tcp_image s = {};
	const TcpStreamEntry *ts;
	int sndbuf = 0, lock = 0;
	socklen_t len = sizeof(int);
	uint32_t left, off;
	ssize_t n;
	int ret = read_stream(ctx->dfd, ie->ino, &s);

	ts = s.ts;
	left = ret || !tcp_unsent_later(ie, ts) ? 0 : unsent(ts);
	off = ret ? 0 : ts->outq_len - left;
	/* the repaired queue may take more room than it did: the buffer's size, lent */
	if (left && !getsockopt(sk, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len) &&
	    !getsockopt(sk, SOL_SOCKET, SO_BUF_LOCK, &lock, &len))
		ret = make_room(sk, SO_SNDBUF, SO_SNDBUFFORCE, ts->outq_len * 2, ie->ino);
	while (!ret && left) {
		n = send(sk, s.out + off, left, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0) {
			pr_err("Can't write the %u unsent bytes of socket:[%u] again: %s\n", left,
			       ie->ino, n < 0 ? strerror(errno) : "nothing taken");
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		off += n;
		left -= n;
	}
	/* our FIN went after them */
	if (!ret && tcp_unsent_later(ie, ts) && tcp_fin_after_unsent(ie) && shutdown(sk, SHUT_WR)) {
		pr_perror("Can't send the FIN of socket:[%u] after its unsent bytes", ie->ino);
		ret = -errno;
	}
	if (sndbuf) {
		/* back as it was: a smaller buffer than its queue only holds the next write */
		sndbuf /= 2;
		if (rst_ns_force_sock_buf(sk, SO_SNDBUFFORCE, sndbuf) ||
		    setsockopt(sk, SOL_SOCKET, SO_BUF_LOCK, &lock, sizeof(lock))) {
			pr_perror("Can't give socket:[%u] its send buffer size back", ie->ino);
			ret = ret ?: -errno;
		}
	}
	free_stream(&s);
	return ret;
}

typedef int (*conn_step)(const struct rst_ctx *ctx, int sk, const InetSkEntry *ie);

static int off_step(const struct rst_ctx *ctx, int sk, const InetSkEntry *ie)
{
	return repair_off(sk, ie);
}

/*
 * A connect in progress at dump starts again, from the same address and port, once every
 * socket of the tree exists (its listener may be one). On the task's own file: the task
 * finds it connecting, and a blocking connect() it was in, restarted, waits for it.
 */
static int connect_step(const struct rst_ctx *ctx, int sk, const InetSkEntry *ie)
{
	struct sockaddr_storage ss;
	socklen_t len = inet_sockaddr(ie, true, &ss);
	char a[INET_ADDR_STR];
	int fl = fcntl(sk, F_GETFL), ret = 0;

	/* the file's flags are the task's too: non-blocking for this call only */
	if (fl < 0 || fcntl(sk, F_SETFL, fl | O_NONBLOCK)) {
		pr_perror("Can't make socket:[%u] non-blocking", ie->ino);
		return -errno;
	}
	if (connect(sk, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		ret = -errno;
		pr_perror("Can't start the connect of socket:[%u] to %s again", ie->ino,
			  inet_addr_str(ie, true, a, sizeof(a)));
	}
	if (fcntl(sk, F_SETFL, fl)) {
		pr_perror("Can't give socket:[%u] its file flags back", ie->ino);
		ret = ret ?: -errno;
	}
	return ret;
}

/* step() on every restored TCP socket whose state is in states (a mask of 1 << state). */
static int for_each_conn(const struct rst_ctx *ctx, uint32_t states, conn_step step)
{
	uint32_t *done = NULL;
	size_t nr_done = 0, i, j, k;
	int ret = 0, sk;

	for (i = 0; !ret && i < ctx->nr_tasks; i++) {
		const struct rst_task *t = &ctx->tasks[i];

		for (j = 0; !ret && j < t->nr_fds; j++) {
			const FileEntry *fe = rst_find_file(ctx, t->fds[j]->id);
			const InetSkEntry *ie = fe ? fe->isk : NULL;

			if (!ie || t->fds[j]->type != FD_TYPES__INETSK || !inet_is_tcp(ie) ||
			    ie->state >= 32 || !(states & (1u << ie->state)))
				continue;
			for (k = 0; k < nr_done && done[k] != ie->ino; k++)
				;
			if (k < nr_done)
				continue;
			if (ARRAY_ADD_ROOM(done, nr_done)) {
				ret = -ENOMEM;
				break;
			}
			done[nr_done++] = ie->ino;
			sk = task_fd(t->pid, t->fds[j]->fd);
			if (sk < 0) {
				ret = sk;
				break;
			}
			ret = step(ctx, sk, ie);
			close(sk);
		}
	}
	free(done);
	return ret;
}

int inet_rst_repair_off(const struct rst_ctx *ctx)
{
	uint32_t conns = 0, st;
	int ret = 0;

	for (st = 0; st < 32; st++)
		if (tcp_conn_state(st))
			conns |= 1u << st;
	/* every connection first, then the unsent bytes: their peers talk again by then */
	if (ctx->ro->tcp_established && !ctx->ro->tcp_close)
		ret = for_each_conn(ctx, conns, off_step) ?: for_each_conn(ctx, conns, send_unsent);
	return ret ?: for_each_conn(ctx, 1u << TCP_SYN_SENT, connect_step);
}
