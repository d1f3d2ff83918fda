// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/inet.c - IPv4 and IPv6 sockets (IPv4-mapped addresses are IPv6 sockets): TCP
 * unconnected, bound, listening, connecting (SYN_SENT: saved as its addresses, restore
 * connects again), established and closing (FIN_WAIT1/2, CLOSE_WAIT, LAST_ACK, CLOSING:
 * net/inet/tcp-dump.c, tcp-fin.c); UDP and UDP-lite unconnected, bound and connected; raw
 * sockets (net/inet/raw.c); ICMP echo (ping) sockets (net/inet/ping.c); their socket, IP
 * and TCP options (other IP options: net/inet/ipopts.c); multicast groups and options
 * (net/inet/mcast.c).
 *
 * Dump: the task's socket itself, fetched with pidfd_getfd(2), tells its kind and options;
 * inet_diag (net/inet/diag.c) its state, addresses, queues and shutdown. What can't be
 * restored is refused here, naming the socket and what it holds: a listener with
 * connections not accepted yet (unless --skip-in-flight), datagrams queued on a UDP-lite,
 * raw or ping socket, or to send on any but one held back by UDP_CORK or MSG_MORE
 * (net/inet/udp-cork.c). Received UDP datagrams: net/inet/udp-queue.c. A
 * connection over (reset, closed both ways): net/inet/tcp-closed.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "dump.h"
#include "files.h"
#include "internal.h"
#include "log.h"
#include "opts.h"
#include "sockopts.h"

static const char *const tcp_state_names[] = {
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_SYN_SENT] = "SYN_SENT",
	[TCP_SYN_RECV] = "SYN_RECV",
	[TCP_FIN_WAIT1] = "FIN_WAIT1",
	[TCP_FIN_WAIT2] = "FIN_WAIT2",
	[TCP_TIME_WAIT] = "TIME_WAIT",
	[TCP_CLOSE] = "CLOSE",
	[TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_LAST_ACK] = "LAST_ACK",
	[TCP_LISTEN] = "LISTEN",
	[TCP_CLOSING] = "CLOSING",
};

static const char *tcp_state_name(unsigned int state)
{
	if (state < sizeof(tcp_state_names) / sizeof(tcp_state_names[0]) && tcp_state_names[state])
		return tcp_state_names[state];
	return "unknown";
}

static bool inet_match(const struct fd_parms *p)
{
	int family = task_sk_family(p);

	return family == AF_INET || family == AF_INET6;
}

static int fill_addrs(InetSkEntry *ie, const struct inet_diag_sk *d)
{
	size_t words = ie->family == AF_INET ? 1 : 4;

	ie->src_addr = malloc(words * sizeof(uint32_t));
	ie->dst_addr = malloc(words * sizeof(uint32_t));
	if (!ie->src_addr || !ie->dst_addr)
		return -ENOMEM;
	memcpy(ie->src_addr, d->src, words * 4);
	memcpy(ie->dst_addr, d->dst, words * 4);
	ie->n_src_addr = ie->n_dst_addr = words;
	ie->src_port = d->sport;
	ie->dst_port = d->dport;
	ie->state = d->state;
	ie->has_shutdown = 1;
	ie->shutdown = d->shutdown & SK_SHUTDOWN__BOTH;
	return 0;
}

/* IP_FREEBIND and IPV6_V6ONLY in CRIU's fields; IP_TOS and IP_TTL (IPv6: IPV6_TCLASS and
 * IPV6_UNICAST_HOPS) in ours. */
static int dump_ip_opts(int sk, InetSkEntry *ie, InetExtraEntry *x)
{
	bool v6 = ie->family == AF_INET6;
	int level = v6 ? SOL_IPV6 : SOL_IP;
	int freebind, tos, ttl, v6only, ret;

	ie->ip_opts = malloc(sizeof(*ie->ip_opts));
	if (!ie->ip_opts)
		return -ENOMEM;
	ip_opts_entry__init(ie->ip_opts);
	ret = sk_opt_int(sk, level, v6 ? IPV6_FREEBIND : IP_FREEBIND, &freebind);
	ret = ret ?: sk_opt_int(sk, level, v6 ? IPV6_TCLASS : IP_TOS, &tos);
	ret = ret ?: sk_opt_int(sk, level, v6 ? IPV6_UNICAST_HOPS : IP_TTL, &ttl);
	if (!ret && v6) {
		ret = sk_opt_int(sk, SOL_IPV6, IPV6_V6ONLY, &v6only);
		ie->has_v6only = 1;
		ie->v6only = v6only;
	}
	if (ret) {
		pr_err("Can't read the IP options of socket:[%u]: %s\n", ie->ino, strerror(-ret));
		return ret;
	}
	ie->ip_opts->has_freebind = 1;
	ie->ip_opts->freebind = freebind;
	x->has_tos = x->has_ttl = 1;
	x->tos = tos;
	x->ttl = ttl;
	return 0;
}

int inet_refuse(const struct fd_parms *p, const InetSkEntry *ie, const char *why)
{
	const char *kind = ie->type == SOCK_RAW	      ? "raw"
			   : inet_is_ping(ie)	      ? "ping"
			   : ie->proto == IPPROTO_TCP ? "TCP"
			   : ie->proto == IPPROTO_UDP ? "UDP"
						      : "UDP-lite";

	pr_err("fd %d of task %d (socket:[%u], %s %s): %s\n", p->fd, p->pid, ie->ino,
	       ie->family == AF_INET ? "IPv4" : "IPv6", kind, why);
	return -EOPNOTSUPP;
}

static int dump_tcp_state(struct dump_ctx *dc, const struct fd_parms *p, int *sk,
			  const struct inet_diag_sk *d, InetSkEntry *ie, InetExtraEntry *x)
{
	char why[160];
	int fd;

	switch (d->state) {
	case TCP_LISTEN:
		ie->backlog = d->wqueue;
		if (d->rqueue && !dc->opts->skip_in_flight) {
			snprintf(why, sizeof(why),
				 "listening with %u connection(s) not accepted yet (in-flight): "
				 "not supported; --skip-in-flight drops them",
				 d->rqueue);
			return inet_refuse(p, ie, why);
		}
		if (d->rqueue)
			pr_warn("socket:[%u]: %u connection(s) not accepted yet are dropped "
				"(--skip-in-flight)\n",
				ie->ino, d->rqueue);
		return 0;
	case TCP_CLOSE:
		/* a connection over, whose socket kept its port (bound before connect) */
		if (d->shutdown == SK_SHUTDOWN__BOTH && tcp_closed_conn(*sk))
			return tcp_dump_closed(dc, p, *sk, true, ie, x);
		return 0;
	case TCP_SYN_SENT:
		/* nothing was said yet (the SYN's own sequence number aside): restore connects
		 * again from the same port */
		if (d->wqueue > 1)
			return inet_refuse(p, ie,
					   "a connect in progress with data to send (TCP "
					   "fast open): not supported yet");
		return 0;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSE_WAIT:
	case TCP_LAST_ACK:
	case TCP_CLOSING:
		if (!dc->opts->tcp_established)
			return inet_refuse(p, ie,
					   "Connected TCP socket, consider using "
					   "--tcp-established option.");
		/* shut down for writing is FIN_WAIT1 or later: an ESTABLISHED one is odd */
		if (d->state == TCP_ESTABLISHED && (ie->shutdown & SK_SHUTDOWN__WRITE))
			return inet_refuse(p, ie, "shut down for writing: not supported yet");
		/* the socket is kept in repair mode until the dump ends (sk consumed) */
		fd = *sk;
		*sk = -1;
		return tcp_dump_established(dc, p, fd, d, ie, x);
	}
	snprintf(why, sizeof(why), "a connection in state %s: not supported yet",
		 tcp_state_name(d->state));
	return inet_refuse(p, ie, why);
}

/*
 * Datagrams received and not read yet are kept (net/inet/udp-queue.c; CRIU drops them with
 * a warning), and a datagram held back by UDP_CORK or MSG_MORE (net/inet/udp-cork.c; CRIU
 * refuses it). Other bytes to send (in a device's queue) are refused.
 */
static int dump_udp_state(const struct fd_parms *p, int sk, const struct inet_diag_sk *d,
			  InetSkEntry *ie, InetExtraEntry *x)
{
	char why[160];
	int ret;

	ret = udp_dump_cork(p, sk, d->wqueue, ie, x);
	if (ret)
		return ret;
	if (d->wqueue && !x->corked) {
		snprintf(why, sizeof(why), "%u bytes of datagrams not sent yet: not supported yet",
			 d->wqueue);
		return inet_refuse(p, ie, why);
	}
	if (d->state != TCP_ESTABLISHED && d->state != TCP_CLOSE)
		return inet_refuse(p, ie, "an unknown datagram socket state");
	return d->rqueue ? udp_dump_queue(sk, ie, x) : 0;
}

static int dump_kind(const struct fd_parms *p, int sk, InetSkEntry *ie)
{
	int family, type, proto, ret;

	ret = sk_opt_int(sk, SOL_SOCKET, SO_DOMAIN, &family);
	ret = ret ?: sk_opt_int(sk, SOL_SOCKET, SO_TYPE, &type);
	ret = ret ?: sk_opt_int(sk, SOL_SOCKET, SO_PROTOCOL, &proto);
	if (ret) {
		pr_err("Can't read the kind of socket fd %d of task %d: %s\n", p->fd, p->pid,
		       strerror(-ret));
		return ret;
	}
	ie->family = family;
	ie->type = type;
	ie->proto = proto;
	if ((type == SOCK_STREAM && proto == IPPROTO_TCP) ||
	    (type == SOCK_DGRAM && (proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE)) ||
	    type == SOCK_RAW || inet_is_ping(ie))
		return 0;
	pr_err("fd %d of task %d (socket:[%u]) is an %s socket of type %d, protocol %d (SCTP, "
	       "MPTCP...): not supported yet\n",
	       p->fd, p->pid, ie->ino, family == AF_INET ? "IPv4" : "IPv6", type, proto);
	return -EOPNOTSUPP;
}

/* A socket never bound is in no table inet_diag reads: it has nothing to tell either. */
static int unbound_sk(int sk, struct inet_diag_sk *d)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;

	if (getsockname(sk, (struct sockaddr *)&ss, &len) || a->sin_port)
		return -ENOENT;
	/* sin_port and sin6_port sit at the same place; the address is "any" then */
	memset(d, 0, sizeof(*d));
	d->state = TCP_CLOSE;
	return 0;
}

static int dump_state(struct dump_ctx *dc, const struct fd_parms *p, int *sk, InetSkEntry *ie,
		      InetExtraEntry *x)
{
	struct inet_diag_sk d;
	int ret;

	if (ie->type == SOCK_RAW)
		return inet_dump_raw(p, *sk, ie, x);
	if (inet_is_ping(ie))
		return inet_dump_ping(p, *sk, ie, x);
	ret = inet_diag_find(dc->fstate, ie->family, ie->proto, ie->ino, &d);
	if (ret == -ENOENT && !unbound_sk(*sk, &d))
		ret = 0;
	/* a connection over: the kernel gave its port back */
	if (ret == -ENOENT && inet_is_tcp(ie) && tcp_closed_conn(*sk))
		return tcp_dump_opts(*sk, ie, x) ?: tcp_dump_closed(dc, p, *sk, false, ie, x);
	if (ret == -ENOENT) {
		pr_err("fd %d of task %d (socket:[%u]): inet_diag does not list it (a socket of "
		       "another network namespace?): not supported yet\n",
		       p->fd, p->pid, ie->ino);
		return -EOPNOTSUPP;
	}
	ret = ret ?: fill_addrs(ie, &d);
	if (ret)
		return ret;
	if (ie->family == AF_INET6 && d.ifindex && (d.src[0] == 0xfe && (d.src[1] & 0xc0) == 0x80))
		return inet_refuse(p, ie,
				   "a link-local address (bound to an interface): not "
				   "supported yet");
	if (!inet_is_tcp(ie))
		return dump_udp_state(p, *sk, &d, ie, x);
	ret = tcp_dump_opts(*sk, ie, x);
	return ret ?: dump_tcp_state(dc, p, sk, &d, ie, x);
}

static int inet_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	InetSkEntry *ie = malloc(sizeof(*ie));
	InetExtraEntry x = INET_EXTRA_ENTRY__INIT;
	int sk, ret;

	if (!ie)
		return -ENOMEM;
	inet_sk_entry__init(ie);
	fe->isk = ie;
	ie->id = fe->id;
	ie->ino = p->st.st_ino;
	ie->flags = p->flags;
	ie->fown = p->fown;
	ie->opts = malloc(sizeof(*ie->opts));
	if (!ie->opts)
		return -ENOMEM;
	sk_opts_entry__init(ie->opts);
	sk = task_fd_take(p->pid, p->fd);
	if (sk < 0)
		return sk;
	ret = dump_kind(p, sk, ie);
	ret = ret ?: sk_opts_dump(sk, ie->opts, ie->ino);
	x.ino = ie->ino;
	ret = ret ?: dump_ip_opts(sk, ie, &x);
	ret = ret ?: inet_dump_ip_more(sk, ie, &x);
	ret = ret ?: dump_state(dc, p, &sk, ie, &x);
	if (!ret && !inet_is_tcp(ie))
		ret = inet_dump_mcast(p->pid, sk, ie, &x);
	ret = ret ?: inet_extra_write(dc, &x);
	inet_mcast_free(&x);
	inet_ip_more_free(&x);
	tcp_closed_free(&x);
	inet_rcvq_free(&x);
	udp_cork_free(&x);
	if (sk >= 0)
		close(sk);
	pr_debug("socket:[%u]: inet family %u type %u proto %u state %s port %u -> %u\n", ie->ino,
		 ie->family, ie->type, ie->proto, tcp_state_name(ie->state), ie->src_port,
		 ie->dst_port);
	return ret;
}

static FownEntry *inet_fown(const FileEntry *fe)
{
	return fe->isk ? fe->isk->fown : NULL;
}

const struct fd_handler inet_handler = {
	.type = FD_TYPES__INETSK,
	.name = "inet socket",
	.match = inet_match,
	.dump = inet_dump,
	.check = inet_check,
	.open = inet_open,
	.fown = inet_fown,
};
