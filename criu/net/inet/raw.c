// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/raw.c - raw IPv4 and IPv6 sockets: their local and peer addresses and state
 * from /proc/PID/net/raw{,6} (inet_diag knows raw sockets only with raw_diag, often not
 * built), IP_HDRINCL, and the ICMP type filter (ICMP_FILTER, ICMP6_FILTER) in CRIU's
 * ip_opts_raw_entry. Datagrams received and not read are kept (net/inet/raw-queue.c); those
 * queued to send are refused.
 */
#include <errno.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "files.h"
#include "internal.h"
#include "log.h"
#include "proc-net.h"

#define TCP_ESTABLISHED_STATE 1

static int fill_raw_addrs(InetSkEntry *ie, const struct proc_raw_sk *r)
{
	size_t words = ie->family == AF_INET ? 1 : 4;

	ie->src_addr = malloc(words * sizeof(uint32_t));
	ie->dst_addr = malloc(words * sizeof(uint32_t));
	if (!ie->src_addr || !ie->dst_addr)
		return -ENOMEM;
	memcpy(ie->src_addr, r->src, words * 4);
	memcpy(ie->dst_addr, r->dst, words * 4);
	ie->n_src_addr = ie->n_dst_addr = words;
	ie->state = r->state;
	return 0;
}

/* The ICMP (8 bytes... 1 word) or ICMPv6 (8 words) type filter, if the socket has one. */
static int dump_icmp_filter(int sk, InetSkEntry *ie, IpOptsRawEntry *raw)
{
	uint32_t f[8] = {};
	socklen_t len = sizeof(f);
	bool v6 = ie->family == AF_INET6;
	size_t i, n;

	if (v6 ? ie->proto != IPPROTO_ICMPV6 : ie->proto != IPPROTO_ICMP)
		return 0;
	if (getsockopt(sk, v6 ? IPPROTO_ICMPV6 : SOL_RAW, v6 ? ICMP6_FILTER : ICMP_FILTER, f,
		       &len)) {
		pr_perror("Can't read the ICMP filter of socket:[%u]", ie->ino);
		return -errno;
	}
	n = len / sizeof(uint32_t);
	for (i = 0; i < n && !f[i]; i++)
		;
	if (i == n)
		return 0; /* nothing filtered: a new socket's */
	raw->icmpv_filter = malloc(n * sizeof(uint32_t));
	if (!raw->icmpv_filter)
		return -ENOMEM;
	memcpy(raw->icmpv_filter, f, n * sizeof(uint32_t));
	raw->n_icmpv_filter = n;
	return 0;
}

static int dump_raw_opts(int sk, InetSkEntry *ie)
{
	IpOptsRawEntry *raw = malloc(sizeof(*raw));
	int hdrincl = 0;
	socklen_t len = sizeof(hdrincl);

	if (!raw)
		return -ENOMEM;
	ip_opts_raw_entry__init(raw);
	ie->ip_opts->raw = raw;
	if (ie->family == AF_INET) {
		if (getsockopt(sk, SOL_IP, IP_HDRINCL, &hdrincl, &len)) {
			pr_perror("Can't read IP_HDRINCL of socket:[%u]", ie->ino);
			return -errno;
		}
		raw->has_hdrincl = 1;
		raw->hdrincl = hdrincl;
	}
	return dump_icmp_filter(sk, ie, raw);
}

int inet_dump_raw(const struct fd_parms *p, int sk, InetSkEntry *ie, InetExtraEntry *x)
{
	struct proc_raw_sk r;
	char why[128];
	int ret;

	ret = proc_net_raw_find(p->pid, ie->family, ie->ino, &r);
	if (ret == -ENOENT)
		return inet_refuse(p, ie,
				   "not listed in /proc/PID/net/raw (another network "
				   "namespace?): not supported yet");
	if (ret)
		return ret;
	if (r.txq) {
		snprintf(why, sizeof(why),
			 "%u bytes of datagrams queued to send: not supported yet", r.txq);
		return inet_refuse(p, ie, why);
	}
	ret = fill_raw_addrs(ie, &r);
	ret = ret ?: dump_raw_opts(sk, ie);
	return ret || !r.rxq ? ret : inet_dump_rcvq_taken(p, sk, ie, x);
}

int inet_restore_raw_opts(int sk, const InetSkEntry *ie)
{
	const IpOptsRawEntry *raw = ie->ip_opts ? ie->ip_opts->raw : NULL;
	bool v6 = ie->family == AF_INET6;
	int one = 1;

	if (!raw)
		return 0;
	if (raw->has_hdrincl && raw->hdrincl && !v6 &&
	    setsockopt(sk, SOL_IP, IP_HDRINCL, &one, sizeof(one))) {
		pr_perror("Can't set IP_HDRINCL of socket:[%u]", ie->ino);
		return -errno;
	}
	if (raw->n_icmpv_filter &&
	    setsockopt(sk, v6 ? IPPROTO_ICMPV6 : SOL_RAW, v6 ? ICMP6_FILTER : ICMP_FILTER,
		       raw->icmpv_filter, raw->n_icmpv_filter * sizeof(uint32_t))) {
		pr_perror("Can't set the ICMP filter of socket:[%u]", ie->ino);
		return -errno;
	}
	return 0;
}
