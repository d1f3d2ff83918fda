// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/ipopts.c - the IP-level options of an inet socket that CRIU 4.2 has no field
 * for and whose value getsockopt() tells: one table, (level, option) pairs saved with their
 * value in inet-extra.img, and set again where a new socket's value differs. Those that
 * decide what bind() takes (IP_TRANSPARENT) are set before it. Only options of the table
 * are taken from an image. UDP-lite's checksum coverage (UDPLITE_SEND_CSCOV, and the least
 * it accepts, UDPLITE_RECV_CSCOV) is in the table too. Not here: IP_MULTICAST_IF (the kernel tells
 * only its address, not an interface chosen by index), and what other files keep (IP_TOS, IP_TTL,
 * IP_FREEBIND, IPV6_V6ONLY, multicast options).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "log.h"

#ifndef IP_RECVERR_RFC4884
#define IP_RECVERR_RFC4884 26
#endif
#ifndef SOL_UDPLITE
#define SOL_UDPLITE 136
#endif
#ifndef UDPLITE_SEND_CSCOV
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11
#endif
#ifndef IPV6_RECVERR_RFC4884
#define IPV6_RECVERR_RFC4884 31
#endif

struct ip_opt {
	int level, opt;
	const char *name;
	bool before_bind;
	bool no_stream; /* a TCP socket reads it but takes no value */
};

#define OPT(l, o, b)               \
	{                          \
		l, o, #o, b, false \
	}

static const struct ip_opt ip_opts[] = {
	OPT(SOL_IP, IP_TRANSPARENT, true),
	OPT(SOL_IP, IP_BIND_ADDRESS_NO_PORT, true),
	OPT(SOL_IP, IP_PKTINFO, false),
	OPT(SOL_IP, IP_RECVERR, false),
	OPT(SOL_IP, IP_RECVERR_RFC4884, false),
	OPT(SOL_IP, IP_RECVTOS, false),
	OPT(SOL_IP, IP_RECVTTL, false),
	OPT(SOL_IP, IP_RECVOPTS, false),
	OPT(SOL_IP, IP_RETOPTS, false),
	OPT(SOL_IP, IP_PASSSEC, false),
	OPT(SOL_IP, IP_MTU_DISCOVER, false),
	OPT(SOL_IP, IP_NODEFRAG, false),
	OPT(SOL_IP, IP_RECVORIGDSTADDR, false),
	OPT(SOL_IP, IP_CHECKSUM, false),
	OPT(SOL_IP, IP_RECVFRAGSIZE, false),
	OPT(SOL_IPV6, IPV6_TRANSPARENT, true),
	OPT(SOL_IPV6, IPV6_RECVPKTINFO, false),
	OPT(SOL_IPV6, IPV6_RECVERR, false),
	OPT(SOL_IPV6, IPV6_RECVERR_RFC4884, false),
	OPT(SOL_IPV6, IPV6_RECVHOPLIMIT, false),
	OPT(SOL_IPV6, IPV6_RECVTCLASS, false),
	OPT(SOL_IPV6, IPV6_RECVPATHMTU, false),
	OPT(SOL_IPV6, IPV6_RECVORIGDSTADDR, false),
	OPT(SOL_IPV6, IPV6_RECVFRAGSIZE, false),
	OPT(SOL_IPV6, IPV6_MTU_DISCOVER, false),
	OPT(SOL_IPV6, IPV6_DONTFRAG, false),
	OPT(SOL_IPV6, IPV6_AUTOFLOWLABEL, false),
	OPT(SOL_IPV6, IPV6_MINHOPCOUNT, false),
	{ SOL_IPV6, IPV6_MULTICAST_IF, "IPV6_MULTICAST_IF", false, true },
	OPT(SOL_UDPLITE, UDPLITE_SEND_CSCOV, false),
	OPT(SOL_UDPLITE, UDPLITE_RECV_CSCOV, false),
};

#define NR_IP_OPTS (sizeof(ip_opts) / sizeof(ip_opts[0]))

static const struct ip_opt *find_opt(uint32_t level, uint32_t opt)
{
	size_t i;

	for (i = 0; i < NR_IP_OPTS; i++)
		if ((uint32_t)ip_opts[i].level == level && (uint32_t)ip_opts[i].opt == opt)
			return &ip_opts[i];
	return NULL;
}

/* Options of the IPv4 level apply to an IPv6 socket too (its IPv4-mapped traffic). */
static bool applies(const struct ip_opt *o, const InetSkEntry *ie)
{
	if (o->no_stream && ie->type == SOCK_STREAM)
		return false;
	if (o->level == SOL_UDPLITE)
		return ie->type == SOCK_DGRAM && ie->proto == IPPROTO_UDPLITE;
	return o->level == SOL_IP || ie->family == AF_INET6;
}

int inet_dump_ip_more(int sk, const InetSkEntry *ie, InetExtraEntry *x)
{
	size_t i;

	x->ip_opts = calloc(NR_IP_OPTS, sizeof(*x->ip_opts));
	if (!x->ip_opts)
		return -ENOMEM;
	for (i = 0; i < NR_IP_OPTS; i++) {
		InetOptEntry *e;
		socklen_t len = sizeof(int);
		int v = 0;

		/* an option this socket's kind has not (raw IPv6 at the IPv4 level): none */
		if (!applies(&ip_opts[i], ie) ||
		    getsockopt(sk, ip_opts[i].level, ip_opts[i].opt, &v, &len))
			continue;
		e = malloc(sizeof(*e));
		if (!e)
			return -ENOMEM;
		inet_opt_entry__init(e);
		e->level = ip_opts[i].level;
		e->name = ip_opts[i].opt;
		e->value = v;
		x->ip_opts[x->n_ip_opts++] = e;
	}
	return 0;
}

void inet_ip_more_free(InetExtraEntry *x)
{
	size_t i;

	for (i = 0; i < x->n_ip_opts; i++)
		free(x->ip_opts[i]);
	free(x->ip_opts);
	x->ip_opts = NULL;
	x->n_ip_opts = 0;
}

int inet_restore_ip_more(int sk, const InetSkEntry *ie, const InetExtraEntry *x, bool before_bind)
{
	size_t i;

	for (i = 0; x && i < x->n_ip_opts; i++) {
		const InetOptEntry *e = x->ip_opts[i];
		const struct ip_opt *o = find_opt(e->level, e->name);
		socklen_t len = sizeof(int);
		int cur = 0, v = e->value;

		if (!o || !applies(o, ie)) {
			pr_err("inet-extra.img: socket:[%u] has option %u of level %u, which criu "
			       "does not set\n",
			       ie->ino, e->name, e->level);
			return -EINVAL;
		}
		if (o->before_bind != before_bind ||
		    (!getsockopt(sk, o->level, o->opt, &cur, &len) && cur == v))
			continue;
		if (setsockopt(sk, o->level, o->opt, &v, sizeof(v))) {
			pr_perror("Can't set %s of socket:[%u] to %d", o->name, ie->ino, v);
			return -errno;
		}
	}
	return 0;
}
