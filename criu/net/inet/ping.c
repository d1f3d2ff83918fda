// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/ping.c - ICMP echo ("ping") sockets: SOCK_DGRAM of IPPROTO_ICMP (IPv4) or
 * IPPROTO_ICMPV6 (IPv6). Their identifier is their port: bind() or the first send picks it,
 * and the kernel rewrites the echo requests' identifier with it and hands the replies to
 * the socket of that identifier. inet_diag does not know them; /proc/PID/net/icmp and icmp6
 * list them in the raw sockets' format. Saved as an InetSkEntry like a UDP socket: source
 * address and identifier, peer if connected. Replies received and not read are kept
 * (net/inet/raw-queue.c); echo requests queued to send are refused.
 *
 * Restore makes one only if net.ipv4.ping_group_range holds criu's group, as the kernel
 * asks of any program (a range that holds none of them is the kernel's default).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "files.h"
#include "internal.h"
#include "log.h"
#include "proc-net.h"

/* Never bound nor used (no identifier yet): the kernel lists it nowhere. */
static bool ping_unbound(int sk)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	/* sin_port and sin6_port sit at the same place */
	return !getsockname(sk, (struct sockaddr *)&ss, &len) &&
	       !((struct sockaddr_in *)&ss)->sin_port;
}

int inet_dump_ping(const struct fd_parms *p, int sk, InetSkEntry *ie, InetExtraEntry *x)
{
	size_t words = ie->family == AF_INET ? 1 : 4;
	struct proc_raw_sk r;
	char why[128];
	int ret;

	ret = proc_net_ping_find(p->pid, ie->family, ie->ino, &r);
	if (ret == -ENOENT && !ping_unbound(sk))
		return inet_refuse(p, ie,
				   "not listed in /proc/PID/net/icmp (another network "
				   "namespace?): not supported yet");
	if (ret == -ENOENT) {
		memset(&r, 0, sizeof(r));
		r.state = TCP_CLOSE;
	} else if (ret) {
		return ret;
	}
	if (r.txq) {
		snprintf(why, sizeof(why),
			 "%u bytes of echo requests queued to send: not supported yet", r.txq);
		return inet_refuse(p, ie, why);
	}
	if (r.state != TCP_CLOSE && r.state != TCP_ESTABLISHED)
		return inet_refuse(p, ie, "an unknown ping socket state");
	ie->src_addr = malloc(words * sizeof(uint32_t));
	ie->dst_addr = malloc(words * sizeof(uint32_t));
	if (!ie->src_addr || !ie->dst_addr)
		return -ENOMEM;
	memcpy(ie->src_addr, r.src, words * 4);
	memcpy(ie->dst_addr, r.dst, words * 4);
	ie->n_src_addr = ie->n_dst_addr = words;
	ie->src_port = r.proto;
	ie->dst_port = r.dport;
	ie->state = r.state;
	return r.rxq ? inet_dump_rcvq_taken(p, sk, ie, x) : 0;
}

int inet_ping_socket(const InetSkEntry *ie)
{
	int sk = socket(ie->family, ie->type, ie->proto);
	int err = errno;
	char range[64] = "?";
	FILE *f;

	if (sk >= 0)
		return sk;
	if (err != EACCES) {
		pr_err("Can't create ping socket:[%u]: %s\n", ie->ino, strerror(err));
		return -err;
	}
	f = fopen("/proc/sys/net/ipv4/ping_group_range", "r");
	if (f) {
		if (!fgets(range, sizeof(range), f))
			snprintf(range, sizeof(range), "?");
		range[strcspn(range, "\n")] = 0;
		fclose(f);
	}
	pr_err("Can't create ping socket:[%u]: group %u is not in net.ipv4.ping_group_range "
	       "(%s); widen it (sysctl) to restore ping sockets\n",
	       ie->ino, (unsigned int)getegid(), range);
	return -EACCES;
}
