/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/inet/internal.h - what the inet socket files share: net/inet/inet.c (the handler and
 * the dump of a socket's addresses, state and options), net/inet/diag.c (inet_diag, read
 * once per family and protocol), net/inet/raw.c and ping.c (from /proc), net/inet/tcp-dump.c and
 * tcp-restore.c (established connections through TCP_REPAIR, tcp-stream-INO.img),
 * net/inet/restore.c (making the socket again), net/inet/extra.c (inet-extra.img, ours). Not for
 * other modules: they see inet sockets through inet_handler and the few calls of files.h. May call:
 * log.h, files.h, dump.h, image.h, sockopts.h, sock-diag.h, net-lock.h.
 */
#ifndef CRIU_NET_INET_INTERNAL_H
#define CRIU_NET_INET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "fdinfo.pb-c.h"
#include "inet-extra.pb-c.h"
#include "sk-inet.pb-c.h"
#include "tcp-stream.pb-c.h"

struct dump_ctx;
struct files_dump_state;
struct fd_parms;
struct rst_fds;

/* What inet_diag (or the socket itself, for raw and ping sockets) tells of one socket. */
struct inet_diag_sk {
	uint32_t ino;
	uint8_t state; /* TCP_ numbering: UDP uses ESTABLISHED (connected) and CLOSE */
	uint8_t shutdown;
	uint8_t src[16], dst[16]; /* network order; 4 bytes used for AF_INET */
	uint16_t sport, dport;	  /* host order */
	uint32_t rqueue, wqueue;  /* listening: pending connections, backlog */
	uint32_t ifindex;
};

/* inet_diag's view of socket:[ino] of that family and protocol: 0, -ENOENT or -errno. */
int inet_diag_find(struct files_dump_state *fs, int family, int proto, uint32_t ino,
		   struct inet_diag_sk *out);

/* A TCP socket (a raw socket may carry IPPROTO_TCP too). */
static inline bool inet_is_tcp(const InetSkEntry *ie)
{
	return ie->type == SOCK_STREAM && ie->proto == IPPROTO_TCP;
}

/* net/inet/inet.c: refuse the dump of p's socket for why (logged, -EOPNOTSUPP). */
int inet_refuse(const struct fd_parms *p, const InetSkEntry *ie, const char *why);

/* An ICMP echo (ping) socket. */
static inline bool inet_is_ping(const InetSkEntry *ie)
{
	return ie->type == SOCK_DGRAM &&
	       (ie->family == AF_INET ? ie->proto == IPPROTO_ICMP : ie->proto == IPPROTO_ICMPV6);
}

/* net/inet/ping.c: a ping socket's addresses, state and queue; restore: socket() for it, with a
 * message naming net.ipv4.ping_group_range if the kernel refuses it (fd or -errno). */
int inet_dump_ping(const struct fd_parms *p, int sk, InetSkEntry *ie, InetExtraEntry *x);
int inet_ping_socket(const InetSkEntry *ie);

/*
 * net/inet/mcast.c: a datagram socket's multicast groups and options into x (free them
 * with inet_mcast_free() once written); restore: the same on sk (x may be NULL).
 */
int inet_dump_mcast(pid_t pid, int sk, const InetSkEntry *ie, InetExtraEntry *x);
void inet_mcast_free(InetExtraEntry *x);
int inet_restore_mcast(int sk, const InetSkEntry *ie, const InetExtraEntry *x);

/*
 * net/inet/ipopts.c: the IP-level options of its table into x (free them with
 * inet_ip_more_free() once written); restore: those set before bind(), or the others.
 */
int inet_dump_ip_more(int sk, const InetSkEntry *ie, InetExtraEntry *x);
void inet_ip_more_free(InetExtraEntry *x);
int inet_restore_ip_more(int sk, const InetSkEntry *ie, const InetExtraEntry *x, bool before_bind);

/* net/inet/raw.c: a raw socket's addresses, state, raw options and queue; restore: the
 * options. */
int inet_dump_raw(const struct fd_parms *p, int sk, InetSkEntry *ie, InetExtraEntry *x);
int inet_restore_raw_opts(int sk, const InetSkEntry *ie);

/*
 * net/inet/extra.c: inet-extra.img (ours). Dump: one entry per socket. Restore: the entry
 * of socket:[ino] in *x, or NULL if there is none (images CRIU wrote); 0 or -errno.
 */
int inet_extra_write(struct dump_ctx *dc, const InetExtraEntry *x);
int inet_extra_find(struct rst_fds *rf, uint32_t ino, const InetExtraEntry **x);

/*
 * net/inet/tcp-dump.c: an established connection: lock it, put it in repair mode, write
 * tcp-stream-INO.img. sk is consumed (kept until the dump ends, or closed on error).
 */
int tcp_dump_established(struct dump_ctx *dc, const struct fd_parms *p, int sk,
			 const struct inet_diag_sk *d, InetSkEntry *ie, const InetExtraEntry *x);
/* TCP-level options of any TCP socket: keepalive into ie->opts, TCP_NODELAY and TCP_CORK
 * into x. */
int tcp_dump_opts(int sk, InetSkEntry *ie, InetExtraEntry *x);
/* Keep a socket in repair mode until the dump ends (consumed). */
int inet_dump_keep_repaired(struct files_dump_state *fs, int sk, uint32_t ino);

/*
 * net/inet/tcp-fin.c: the states TCP_REPAIR restores (ESTABLISHED and the closing ones);
 * those where our FIN or the peer's went by (it takes a sequence number, no queue byte).
 * Restore: the FINs (and the ACK of ours) of ie->state replayed on sk, a connection made
 * ESTABLISHED in repair mode with the sequence numbers before them (ts: as dumped).
 */
bool tcp_conn_state(uint32_t state);
bool tcp_sent_fin(uint32_t state);
bool tcp_got_fin(uint32_t state);
int tcp_replay_fins(int sk, const InetSkEntry *ie, const TcpStreamEntry *ts, bool fin_later);
/* A state whose FIN may follow unsent bytes: FIN_WAIT1, LAST_ACK. With fin_later our FIN is
 * left to send_unsent() of net/inet/tcp-restore.c, after those bytes. */
bool tcp_fin_after_unsent(const InetSkEntry *ie);

/* A segment from ie's peer to ie, from a raw socket (flags: TH_FIN, TH_ACK, TH_RST). */
int tcp_peer_segment(const InetSkEntry *ie, uint32_t seq, uint32_t ack, uint8_t flags,
		     uint16_t win);
/* Wait (a little) for sk to reach TCP state want, after step; an error names both. */
int tcp_wait_state(int sk, int want, const InetSkEntry *ie, const char *step);
/* shutdown(SHUT_WR) in repair mode: our FIN sent, or taken as sent if acked. */
int tcp_queue_our_fin(int sk, const InetSkEntry *ie, bool acked);

/*
 * net/inet/tcp-closed.c: a connection over (reset, closed both ways) that its program
 * holds: tcp_closed_conn() tells one; dump: its address (if inet_diag did not list it),
 * unread bytes and pending error into ie and x (free with tcp_closed_free()); restore: the
 * same made again on sk, a new TCP socket.
 */
bool tcp_closed_conn(int sk);
int tcp_dump_closed(const struct dump_ctx *dc, const struct fd_parms *p, int sk, bool listed,
		    InetSkEntry *ie, InetExtraEntry *x);
void tcp_closed_free(InetExtraEntry *x);
int tcp_restore_closed(int sk, const InetSkEntry *ie, const InetExtraEntry *x);

/*
 * Received datagrams not read yet, in x->rcv_dgrams (free them with inet_rcvq_free()).
 * net/inet/udp-queue.c: a UDP or UDP-lite socket's, walked with SO_PEEK_OFF; count them.
 * net/inet/raw-queue.c: a raw or ping socket's, read and queued again at once, or refused.
 * net/inet/rcvq.c: restore: the same queued again on sk, bound and not connected yet.
 * net/inet/replay.c: one datagram sent again from its sender to the socket.
 */
#define INET_DGRAM_MAX	65535u /* the most a datagram can carry, headers and all */
#define INET_DGRAMS_MAX (1u << 20)

int udp_dump_queue(int sk, const InetSkEntry *ie, InetExtraEntry *x);
int udp_queue_count(int sk, uint32_t ino, size_t *nr, size_t *bytes);
int inet_rcvq_add(InetExtraEntry *x, const char *buf, size_t len,
		  const struct sockaddr_storage *from);
void inet_rcvq_free(InetExtraEntry *x);
int inet_dump_rcvq_taken(const struct fd_parms *p, int sk, InetSkEntry *ie, InetExtraEntry *x);
int inet_rcvq_restore(int sk, const InetSkEntry *ie, const InetExtraEntry *x);

/*
 * net/inet/udp-cork.c: a UDP or UDP-lite socket's UDP_CORK and the datagram it holds back
 * into x (free it with udp_cork_free()), uncorked and corked again at once; restore: the
 * same on sk, bound and connected (x may be NULL). udp_cork_send(): c corked on sk.
 * net/inet/cork-trap.c: flush(sk, arg) run while what sk sends from proto and port is
 * caught in its network namespace: the first packet (IP header on), malloc'ed in *pkt (NULL
 * if none), is the caller's also when an error is returned.
 */
int udp_dump_cork(const struct fd_parms *p, int sk, uint32_t wqueue, const InetSkEntry *ie,
		  InetExtraEntry *x);
void udp_cork_free(InetExtraEntry *x);
int udp_cork_send(int sk, const InetSkEntry *ie, const InetCorkEntry *c, bool udp_cork);
int udp_restore_cork(int sk, const InetSkEntry *ie, const InetExtraEntry *x);
int inet_cork_trap(int sk, int proto, uint16_t port, uint32_t ino, int (*flush)(int sk, void *arg),
		   void *arg, char **pkt, size_t *len);

struct inet_replay {
	int raw4, raw6; /* IPPROTO_RAW sockets */
	char *pkt;
};
int inet_replay_open(struct inet_replay *r, uint32_t ino);
void inet_replay_close(struct inet_replay *r);
int inet_replay_one(struct inet_replay *r, const InetSkEntry *ie, const InetDgramEntry *d);
bool inet_replay_fits(const InetSkEntry *ie, const InetDgramEntry *d);

/* net/inet/tcp-fin.c: the Internet checksum: add len bytes to sum; the final 16 bits, in
 * network order. An IPv4-mapped IPv6 address (16 bytes). */
uint32_t inet_csum_add(const void *data, size_t len, uint32_t sum);
uint16_t inet_csum_fold(uint32_t sum);
bool inet_addr_v4_mapped(const void *addr16);

/* net/inet/tcp-restore.c: make sk (a new TCP socket) the connection of the image. */
int tcp_restore_established(struct rst_fds *rf, int sk, const InetSkEntry *ie);
/* sk in repair mode, connected as ie with ts's sequence numbers and in as its receive
 * queue; it stays in repair mode. */
int tcp_make_repaired(int sk, const InetSkEntry *ie, TcpStreamEntry *ts, char *in);
/* TCP_KEEP* from ie->opts, TCP_NODELAY and TCP_CORK from x (may be NULL). */
int tcp_restore_opts(int sk, const InetSkEntry *ie, const InetExtraEntry *x);

/* net/inet/restore.c */
int inet_open(struct rst_fds *rf, const FileEntry *fe);
int inet_check(const FileEntry *fe);
/* bind() to the image's source address and port, if it had one; a failure names them. */
int inet_bind(int sk, const InetSkEntry *ie);
/* A sockaddr of the image's source or destination; its length. */
socklen_t inet_sockaddr(const InetSkEntry *ie, bool dst, struct sockaddr_storage *ss);
/* "addr:port" of the image's source or destination, for messages; in buf. */
const char *inet_addr_str(const InetSkEntry *ie, bool dst, char *buf, size_t size);

#define INET_ADDR_STR 64

#endif /* CRIU_NET_INET_INTERNAL_H */
