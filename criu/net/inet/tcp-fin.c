// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/tcp-fin.c - the closing states of a TCP connection (FIN_WAIT1, FIN_WAIT2,
 * CLOSE_WAIT, LAST_ACK, CLOSING), made again on top of an established one.
 *
 * TCP_REPAIR makes only ESTABLISHED connections. A FIN sent or received takes one sequence
 * number but is no byte of a queue: the dump counts it out of the send queue's length, and
 * the restore makes the connection with both sequence numbers before the FINs, then replays
 * them in the order the kernel went through the states:
 * - our FIN: shutdown(SHUT_WR) in repair mode; with TCP_REPAIR_QUEUE on the send queue the
 *   kernel takes it as sent without sending it (FIN_WAIT2: it will be acknowledged below),
 *   otherwise it is sent, and dropped by the network lock until the peer may see it;
 * - the peer's FIN, and its ACK of ours (FIN_WAIT2): a segment from the peer's address and
 *   port, built here and sent from a raw socket with the network lock's pass mark (0xC114),
 *   with the sequence numbers the connection expects. The socket takes it as from the wire.
 * After each step the socket's state is checked, so that a connection never comes back in
 * another state than it was dumped in. Bytes written but not sent yet come before our FIN:
 * in FIN_WAIT1 and LAST_ACK the FIN is sent once they are written again, out of repair
 * mode (net/inet/tcp-restore.c), before the tree runs; in CLOSING they are queued as sent,
 * before our FIN (the peer's came after it).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "log.h"

#define TCPF(s) (1u << (s))
#define FIN_SENT \
	(TCPF(TCP_FIN_WAIT1) | TCPF(TCP_FIN_WAIT2) | TCPF(TCP_CLOSING) | TCPF(TCP_LAST_ACK))
#define FIN_GOT (TCPF(TCP_CLOSE_WAIT) | TCPF(TCP_LAST_ACK) | TCPF(TCP_CLOSING))

/* The network lock lets packets of this mark through (CRIU's SOCCR_MARK). */
#define FIN_PASS_MARK 0xC114
/* How long a segment sent to ourselves may take to be taken in (it is at once, on lo). */
#define FIN_WAIT_MS 1000

static bool state_in(uint32_t state, uint32_t mask)
{
	return state < 32 && (TCPF(state) & mask);
}

bool tcp_conn_state(uint32_t state)
{
	return state == TCP_ESTABLISHED || state_in(state, FIN_SENT | FIN_GOT);
}

bool tcp_sent_fin(uint32_t state)
{
	return state_in(state, FIN_SENT);
}

bool tcp_got_fin(uint32_t state)
{
	return state_in(state, FIN_GOT);
}

uint32_t inet_csum_add(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t inet_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

bool inet_addr_v4_mapped(const void *addr16)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(addr16, prefix, sizeof(prefix));
}

/* An IPv4-mapped IPv6 address: the connection runs over IPv4. */
static bool v4_mapped(const InetSkEntry *ie)
{
	return ie->family == AF_INET6 && inet_addr_v4_mapped(ie->src_addr);
}

struct seg {
	uint32_t seq, ack;
	uint8_t flags; /* TH_FIN, TH_ACK */
	uint16_t win;
};

static void fill_tcp(struct tcphdr *th, const InetSkEntry *ie, const struct seg *s)
{
	memset(th, 0, sizeof(*th));
	th->th_sport = htons(ie->dst_port); /* from the peer */
	th->th_dport = htons(ie->src_port);
	th->th_seq = htonl(s->seq);
	th->th_ack = htonl(s->ack);
	th->th_off = sizeof(*th) / 4;
	th->th_flags = s->flags;
	th->th_win = htons(s->win);
}

/* From the peer to us over IPv4: addresses are the image's (the last word if mapped). */
static ssize_t send_v4(int raw, const InetSkEntry *ie, const struct seg *s)
{
	struct {
		struct iphdr ip;
		struct tcphdr th;
	} pkt = {};
	struct sockaddr_in to = { .sin_family = AF_INET };
	size_t w = ie->family == AF_INET ? 0 : 3;
	uint8_t pseudo[12];
	uint32_t sum;

	pkt.ip.version = 4;
	pkt.ip.ihl = 5;
	pkt.ip.ttl = 64;
	pkt.ip.protocol = IPPROTO_TCP;
	pkt.ip.tot_len = htons(sizeof(pkt));
	memcpy(&pkt.ip.saddr, &ie->dst_addr[w], 4);
	memcpy(&pkt.ip.daddr, &ie->src_addr[w], 4);
	fill_tcp(&pkt.th, ie, s);
	memcpy(pseudo, &pkt.ip.saddr, 4);
	memcpy(pseudo + 4, &pkt.ip.daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = sizeof(pkt.th);
	sum = inet_csum_add(pseudo, sizeof(pseudo), 0);
	pkt.th.th_sum = inet_csum_fold(inet_csum_add(&pkt.th, sizeof(pkt.th), sum));
	to.sin_addr.s_addr = pkt.ip.daddr;
	return sendto(raw, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to));
}

static ssize_t send_v6(int raw, const InetSkEntry *ie, const struct seg *s)
{
	struct {
		struct ip6_hdr ip;
		struct tcphdr th;
	} pkt = {};
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	uint8_t pseudo[40] = {};
	uint32_t sum;

	pkt.ip.ip6_flow = htonl(6u << 28);
	pkt.ip.ip6_plen = htons(sizeof(pkt.th));
	pkt.ip.ip6_nxt = IPPROTO_TCP;
	pkt.ip.ip6_hlim = 64;
	memcpy(&pkt.ip.ip6_src, ie->dst_addr, 16);
	memcpy(&pkt.ip.ip6_dst, ie->src_addr, 16);
	fill_tcp(&pkt.th, ie, s);
	memcpy(pseudo, &pkt.ip.ip6_src, 16);
	memcpy(pseudo + 16, &pkt.ip.ip6_dst, 16);
	pseudo[35] = sizeof(pkt.th);
	pseudo[39] = IPPROTO_TCP;
	sum = inet_csum_add(pseudo, sizeof(pseudo), 0);
	pkt.th.th_sum = inet_csum_fold(inet_csum_add(&pkt.th, sizeof(pkt.th), sum));
	to.sin6_addr = pkt.ip.ip6_dst;
	return sendto(raw, &pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to));
}

/* A segment from the peer, as if from the wire (IPPROTO_RAW: we write the IP header). */
static int send_seg(const InetSkEntry *ie, const struct seg *s)
{
	const char *what = s->flags & TH_RST ? "RST" : s->flags & TH_FIN ? "FIN" : "ACK";
	bool v4 = ie->family == AF_INET || v4_mapped(ie);
	int raw = socket(v4 ? AF_INET : AF_INET6, SOCK_RAW, IPPROTO_RAW);
	int mark = FIN_PASS_MARK, ret = 0;

	if (raw < 0) {
		pr_perror("Can't open a raw socket to replay the peer's segment of socket:[%u]",
			  ie->ino);
		return -errno;
	}
	if (setsockopt(raw, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ||
	    (v4 ? send_v4(raw, ie, s) : send_v6(raw, ie, s)) < 0) {
		ret = -errno;
		pr_perror("Can't replay the peer's %s of socket:[%u]", what, ie->ino);
	}
	close(raw);
	return ret;
}

int tcp_peer_segment(const InetSkEntry *ie, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win)
{
	struct seg s = { seq, ack, flags, win };

	return send_seg(ie, &s);
}

static int sk_state(int sk)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	return getsockopt(sk, SOL_TCP, TCP_INFO, &ti, &len) ? -errno : ti.tcpi_state;
}

/* The socket is in state want, or gets there soon (a segment sent to it on its way). */
int tcp_wait_state(int sk, int want, const InetSkEntry *ie, const char *step)
{
	struct timespec tick = { 0, 1000000 };
	int i, st = -1;

	for (i = 0; i < FIN_WAIT_MS; i++) {
		st = sk_state(sk);
		if (st == want || st < 0)
			break;
		nanosleep(&tick, NULL);
	}
	if (st == want)
		return 0;
	pr_err("socket:[%u]: after %s it is in TCP state %d, not %d (restoring state %u)\n",
	       ie->ino, step, st, want, ie->state);
	return -EIO;
}

/* Our FIN: sent already (acked: taken as sent, the ACK comes next) or to be sent. */
int tcp_queue_our_fin(int sk, const InetSkEntry *ie, bool acked)
{
	int q = acked ? TCP_SEND_QUEUE : TCP_NO_QUEUE;

	if (setsockopt(sk, SOL_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) || shutdown(sk, SHUT_WR)) {
		pr_perror("Can't queue the FIN of socket:[%u] again", ie->ino);
		return -errno;
	}
	q = TCP_NO_QUEUE;
	if (setsockopt(sk, SOL_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q))) {
		pr_perror("Can't set TCP_REPAIR_QUEUE of socket:[%u]", ie->ino);
		return -errno;
	}
	return 0;
}

/* The window the peer advertised, as its segments carry it (scaled down). */
static uint16_t peer_win(const TcpStreamEntry *ts)
{
	uint32_t w = ts->has_snd_wnd ? ts->snd_wnd : 0xffff;

	if (ts->opt_mask & TCPI_OPT_WSCALE)
		w >>= ts->snd_wscale;
	return w > 0xffff ? 0xffff : w;
}

bool tcp_fin_after_unsent(const InetSkEntry *ie)
{
	return ie->state == TCP_FIN_WAIT1 || ie->state == TCP_LAST_ACK;
}

int tcp_replay_fins(int sk, const InetSkEntry *ie, const TcpStreamEntry *ts, bool fin_later)
{
	uint32_t st = ie->state, our_fin = tcp_sent_fin(st) ? 1 : 0;
	/* the first byte the peer has not acknowledged (our FIN, if it has not) */
	uint32_t una = ts->outq_seq - our_fin - ts->outq_len;
	struct seg fin = { ts->inq_seq - 1, una, TH_FIN | TH_ACK, peer_win(ts) };
	struct seg ack = { ts->inq_seq, ts->outq_seq, TH_ACK, peer_win(ts) };
	int ret = 0;

	if ((st == TCP_FIN_WAIT1 && !fin_later) || st == TCP_FIN_WAIT2 || st == TCP_CLOSING) {
		ret = tcp_queue_our_fin(sk, ie, st == TCP_FIN_WAIT2);
		ret = ret ?: tcp_wait_state(sk, TCP_FIN_WAIT1, ie, "our FIN");
	}
	if (!ret && tcp_got_fin(st)) {
		ret = send_seg(ie, &fin);
		ret = ret
			      ?: tcp_wait_state(sk,
						st == TCP_CLOSING ? TCP_CLOSING : TCP_CLOSE_WAIT,
						ie, "the peer's FIN");
	}
	if (!ret && st == TCP_LAST_ACK && !fin_later) {
		ret = tcp_queue_our_fin(sk, ie, false);
		ret = ret ?: tcp_wait_state(sk, TCP_LAST_ACK, ie, "our FIN");
	}
	if (!ret && st == TCP_FIN_WAIT2) {
		ret = send_seg(ie, &ack);
		ret = ret ?: tcp_wait_state(sk, TCP_FIN_WAIT2, ie, "the peer's ACK of our FIN");
	}
	return ret;
}
