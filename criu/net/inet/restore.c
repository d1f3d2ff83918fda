// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/restore.c - an inet socket made again from its InetSkEntry: the options that
 * bind() depends on, bind() itself (a port taken by someone else fails the restore, naming
 * address and port), then listen(), connect() (UDP) or the connection through TCP_REPAIR
 * (net/inet/tcp-restore.c), or a connection over (net/inet/tcp-closed.c), then the other
 * options and the shutdown state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "files.h"
#include "internal.h"
#include "log.h"
#include "net-lock.h"
#include "restore-ctx.h"
#include "sockopts.h"

socklen_t inet_sockaddr(const InetSkEntry *ie, bool dst, struct sockaddr_storage *ss)
{
	const uint32_t *addr = dst ? ie->dst_addr : ie->src_addr;
	uint16_t port = htons(dst ? ie->dst_port : ie->src_port);

	memset(ss, 0, sizeof(*ss));
	if (ie->family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = port;
		memcpy(&a->sin_addr, addr, 4);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	a6->sin6_family = AF_INET6;
	a6->sin6_port = port;
	memcpy(&a6->sin6_addr, addr, 16);
	return sizeof(*a6);
}

const char *inet_addr_str(const InetSkEntry *ie, bool dst, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(ie->family, dst ? ie->dst_addr : ie->src_addr, a, sizeof(a));
	snprintf(buf, size, ie->family == AF_INET ? "%s:%u" : "[%s]:%u", a,
		 dst ? ie->dst_port : ie->src_port);
	return buf;
}

static bool addr_is_any(const InetSkEntry *ie)
{
	size_t i;

	for (i = 0; i < ie->n_src_addr; i++)
		if (ie->src_addr[i])
			return false;
	return true;
}

int inet_check(const FileEntry *fe)
{
	const InetSkEntry *ie = fe->isk;
	size_t words;
	bool tcp, udp;

	if (!ie || ie->id != fe->id || !ie->opts || !ie->fown ||
	    (ie->family != AF_INET && ie->family != AF_INET6))
		goto bad;
	words = ie->family == AF_INET ? 1 : 4;
	tcp = inet_is_tcp(ie);
	udp = (ie->type == SOCK_DGRAM &&
	       (ie->proto == IPPROTO_UDP || ie->proto == IPPROTO_UDPLITE)) ||
	      (ie->type == SOCK_RAW && ie->proto < 256) || inet_is_ping(ie);
	if (ie->n_src_addr != words || ie->n_dst_addr != words || ie->src_port > 65535 ||
	    ie->dst_port > 65535 || (!tcp && !udp))
		goto bad;
	if (ie->ip_opts && ie->ip_opts->raw && ie->ip_opts->raw->n_icmpv_filter > 8)
		goto bad;
	if (tcp && ie->state != TCP_LISTEN && ie->state != TCP_CLOSE &&
	    !tcp_conn_state(ie->state) && ie->state != TCP_SYN_SENT)
		goto bad;
	if (udp && ie->state != TCP_CLOSE && ie->state != TCP_ESTABLISHED)
		goto bad;
	if (ie->has_shutdown && ie->shutdown > SK_SHUTDOWN__BOTH)
		goto bad;
	return 0;
bad:
	pr_err("files.img: file id %u has a bad or unsupported inet socket entry\n", fe->id);
	return -EINVAL;
}

/* bind() to the dumped source, if the socket had one. */
int inet_bind(int sk, const InetSkEntry *ie)
{
	struct sockaddr_storage ss;
	socklen_t len = inet_sockaddr(ie, false, &ss);
	char a[INET_ADDR_STR];

	if (!ie->src_port && addr_is_any(ie))
		return 0;
	if (bind(sk, (struct sockaddr *)&ss, len)) {
		int err = errno;

		pr_err("Can't bind socket:[%u] to %s: %s%s\n", ie->ino,
		       inet_addr_str(ie, false, a, sizeof(a)), strerror(err),
		       err == EADDRINUSE ? " (another socket holds the address and port now)" : "");
		return -err;
	}
	return 0;
}

static int set_ip_opt(int sk, int level, int opt, int v, const char *name, uint32_t ino)
{
	if (setsockopt(sk, level, opt, &v, sizeof(v))) {
		pr_perror("Can't set %s of socket:[%u]", name, ino);
		return -errno;
	}
	return 0;
}

/* Before bind: IPV6_V6ONLY and IP_FREEBIND decide which addresses bind takes. */
static int restore_ip_bind_opts(int sk, const InetSkEntry *ie)
{
	bool v6 = ie->family == AF_INET6;
	const IpOptsEntry *o = ie->ip_opts;
	int ret = 0;

	if (v6 && ie->has_v6only && ie->v6only)
		ret = set_ip_opt(sk, SOL_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY", ie->ino);
	if (!ret && o && o->has_freebind && o->freebind)
		ret = set_ip_opt(sk, v6 ? SOL_IPV6 : SOL_IP, v6 ? IPV6_FREEBIND : IP_FREEBIND, 1,
				 "IP_FREEBIND", ie->ino);
	return ret;
}

static int restore_ip_opts(int sk, const InetSkEntry *ie, const InetExtraEntry *x)
{
	bool v6 = ie->family == AF_INET6;
	int level = v6 ? SOL_IPV6 : SOL_IP, cur = 0, ret = 0;
	socklen_t len = sizeof(cur);

	if (!x)
		return 0;
	if (x->has_tos && !getsockopt(sk, level, v6 ? IPV6_TCLASS : IP_TOS, &cur, &len) &&
	    (uint32_t)cur != x->tos)
		ret = set_ip_opt(sk, level, v6 ? IPV6_TCLASS : IP_TOS, x->tos, "IP_TOS", ie->ino);
	len = sizeof(cur);
	if (!ret && x->has_ttl &&
	    !getsockopt(sk, level, v6 ? IPV6_UNICAST_HOPS : IP_TTL, &cur, &len) &&
	    (uint32_t)cur != x->ttl)
		ret = set_ip_opt(sk, level, v6 ? IPV6_UNICAST_HOPS : IP_TTL, x->ttl, "IP_TTL",
				 ie->ino);
	return ret;
}

static int connect_udp(int sk, const InetSkEntry *ie)
{
	struct sockaddr_storage ss;
	socklen_t len = inet_sockaddr(ie, true, &ss);
	char a[INET_ADDR_STR];

	if (connect(sk, (struct sockaddr *)&ss, len)) {
		pr_perror("Can't connect socket:[%u] to %s", ie->ino,
			  inet_addr_str(ie, true, a, sizeof(a)));
		return -errno;
	}
	return 0;
}

static int listen_sk(int sk, const InetSkEntry *ie)
{
	char a[INET_ADDR_STR];

	if (listen(sk, ie->backlog)) {
		pr_perror("Can't listen on socket:[%u] at %s", ie->ino,
			  inet_addr_str(ie, false, a, sizeof(a)));
		return -errno;
	}
	return 0;
}

/* The state of the socket: bound, listening, connected. */
static int make_state(struct rst_fds *rf, int sk, const InetSkEntry *ie, const InetExtraEntry *x)
{
	int ret;

	if (inet_is_tcp(ie) && tcp_conn_state(ie->state)) {
		if (rf->ctx->ro->tcp_close)
			return 0; /* --tcp-close: a new, closed socket */
		return tcp_restore_established(rf, sk, ie);
	}
	if (inet_is_tcp(ie) && ie->state == TCP_CLOSE && x && x->has_closed_err)
		return tcp_restore_closed(sk, ie, x);
	ret = sk_opts_restore_bind(sk, ie->opts, ie->ino);
	/*
	 * A connection it accepted may be made first, in repair mode, on the same port: with
	 * SO_REUSEADDR bind and listen pass it (but not another listener); the program's own
	 * value comes back with the other options.
	 */
	if (!ret && inet_is_tcp(ie) && ie->state == TCP_LISTEN &&
	    setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int))) {
		pr_perror("Can't set SO_REUSEADDR of socket:[%u]", ie->ino);
		ret = -errno;
	}
	ret = ret ?: inet_bind(sk, ie);
	if (ret)
		return ret;
	if (ie->type == SOCK_RAW)
		ret = inet_restore_raw_opts(sk, ie);
	if (ret)
		return ret;
	if (inet_is_tcp(ie))
		return ie->state == TCP_LISTEN ? listen_sk(sk, ie) : 0;
	/* before connect(): they may be from others than its peer */
	ret = inet_rcvq_restore(sk, ie, x);
	return ret ?: ie->state == TCP_ESTABLISHED ? connect_udp(sk, ie) : 0;
}

static int restore_shutdown(int sk, const InetSkEntry *ie, bool tcp_close)
{
	int how;

	if (!ie->has_shutdown || !ie->shutdown)
		return 0;
	if (inet_is_tcp(ie) && tcp_conn_state(ie->state) && tcp_close)
		return 0; /* --tcp-close: a new, closed socket */
	if (inet_is_tcp(ie) && !tcp_conn_state(ie->state))
		return 0; /* the kernel keeps no shutdown of an unconnected TCP socket */
	/* a closing connection was shut down for writing by its FIN, made again already */
	if (inet_is_tcp(ie) && ie->state != TCP_ESTABLISHED) {
		if (!(ie->shutdown & SK_SHUTDOWN__READ))
			return 0;
		if (shutdown(sk, SHUT_RD)) {
			pr_perror("Can't shut socket:[%u] down for reading", ie->ino);
			return -errno;
		}
		return 0;
	}
	how = ie->shutdown == SK_SHUTDOWN__READ	   ? SHUT_RD
	      : ie->shutdown == SK_SHUTDOWN__WRITE ? SHUT_WR
						   : SHUT_RDWR;
	/* an unconnected datagram socket keeps the bits, and says ENOTCONN */
	if (shutdown(sk, how) && !(errno == ENOTCONN && !inet_is_tcp(ie))) {
		pr_perror("Can't shut socket:[%u] down (%u)", ie->ino, ie->shutdown);
		return -errno;
	}
	return 0;
}

static int restore_sk_opts(struct rst_fds *rf, int sk, const InetSkEntry *ie)
{
	SkOptsEntry o = *ie->opts;

	/*
	 * In repair mode the socket's SO_REUSEADDR is the kernel's "force": it lets its
	 * listener, made later, bind next to it. The program's own value comes back when it
	 * leaves repair mode (inet_rst_repair_off()).
	 */
	if (inet_is_tcp(ie) && tcp_conn_state(ie->state) && !rf->ctx->ro->tcp_close)
		o.has_reuseaddr = 0;
	return sk_opts_restore(sk, &o, ie->ino);
}

/* The connection as the dump locked it: iptables removes its rules one by one. */
static int name_locked_conn(const InetSkEntry *ie)
{
	struct netlock_conn c = { .family = ie->family,
				  .sport = ie->src_port,
				  .dport = ie->dst_port };
	size_t i;

	for (i = 0; i < ie->n_src_addr && i < 4; i++)
		memcpy(c.src + 4 * i, &ie->src_addr[i], 4);
	for (i = 0; i < ie->n_dst_addr && i < 4; i++)
		memcpy(c.dst + 4 * i, &ie->dst_addr[i], 4);
	return netlock_restore_conn(&c);
}

int inet_rst_check_opts(const struct rst_ctx *ctx)
{
	const struct restore_opts *ro = ctx->ro;
	size_t i;
	int ret;

	for (i = 0; i < ctx->nr_files; i++) {
		const InetSkEntry *ie = ctx->files[i]->isk;

		if (ctx->files[i]->type != FD_TYPES__INETSK || !ie || !inet_is_tcp(ie) ||
		    !tcp_conn_state(ie->state))
			continue;
		ret = name_locked_conn(ie);
		if (ret)
			return ret;
	}

	for (i = 0; i < ctx->nr_files && !ro->tcp_established && !ro->tcp_close; i++) {
		const InetSkEntry *ie = ctx->files[i]->isk;

		if (ctx->files[i]->type == FD_TYPES__INETSK && ie && inet_is_tcp(ie) &&
		    tcp_conn_state(ie->state)) {
			pr_err("socket:[%u]: Connected TCP socket in image: restore with "
			       "--tcp-established (or --tcp-close)\n",
			       ie->ino);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int inet_open(struct rst_fds *rf, const FileEntry *fe)
{
	const InetSkEntry *ie = fe->isk;
	const InetExtraEntry *x;
	char what[64];
	int sk, ret;

	ret = inet_extra_find(rf, ie->ino, &x);
	if (ret)
		return ret;
	if (inet_is_ping(ie))
		sk = inet_ping_socket(ie);
	else
		sk = socket(ie->family, ie->type, ie->proto);
	if (sk < 0 && inet_is_ping(ie))
		return sk; /* said why */
	if (sk < 0) {
		pr_perror("Can't create socket:[%u] (family %u, type %u, protocol %u)", ie->ino,
			  ie->family, ie->type, ie->proto);
		return -errno;
	}
	ret = restore_ip_bind_opts(sk, ie);
	ret = ret ?: inet_restore_ip_more(sk, ie, x, true);
	ret = ret ?: make_state(rf, sk, ie, x);
	ret = ret ?: inet_restore_ip_more(sk, ie, x, false);
	/* IP_TOS sets SO_PRIORITY too: the priority comes after it */
	ret = ret ?: restore_ip_opts(sk, ie, x);
	ret = ret ?: restore_sk_opts(rf, sk, ie);
	if (!ret && !inet_is_tcp(ie))
		ret = inet_restore_mcast(sk, ie, x);
	if (!ret && inet_is_tcp(ie))
		ret = tcp_restore_opts(sk, ie, x);
	/* with its options, before a shutdown */
	if (!ret && ie->type == SOCK_DGRAM && !inet_is_ping(ie))
		ret = udp_restore_cork(sk, ie, x);
	ret = ret ?: restore_shutdown(sk, ie, rf->ctx->ro->tcp_close);
	snprintf(what, sizeof(what), "inet socket file id %u", fe->id);
	ret = ret ?: rst_set_fl(sk, ie->flags, what);
	if (ret) {
		close(sk);
		return ret;
	}
	return sk;
}
