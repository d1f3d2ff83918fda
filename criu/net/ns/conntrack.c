/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/conntrack.c - the conntrack entries of a tree's own network namespace, saved in
 * conntrack-ID.img (ours: CRIU 4.2 saves none) and made again through libnl-3's netfilter
 * part (nfnl_ct_*). Without them a restored connection is new to the kernel's connection
 * tracking: a firewall that passes only "ct state established,related" drops its packets
 * (the first one it sees in the middle of a stream is "new"). TCP and UDP entries are saved,
 * with their tuples, TCP state, time left, mark, zone and the status bits a new entry may
 * have (seen reply, assured); other protocols' are left out (logged).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/netfilter/nf_conntrack_common.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "image.h"
#include "log.h"
#include "internal.h"

#include "conntrack.pb-c.h"

/* what a new entry may be given (the kernel refuses confirmed, expected, dying, ...) */
#define CT_SETTABLE_STATUS (IPS_SEEN_REPLY | IPS_ASSURED)

static struct nl_sock *ct_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	if (!sk) {
		pr_err("Can't allocate a netfilter netlink socket: out of memory\n");
		return NULL;
	}
	ret = nl_connect(sk, NETLINK_NETFILTER);
	if (ret < 0) {
		pr_err("Can't open a NETLINK_NETFILTER socket: %s\n", nl_geterror(ret));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static int tuple_fill(ConntrackTuple *t, const struct nfnl_ct *ct, int repl)
{
	struct nl_addr *src = nfnl_ct_get_src(ct, repl), *dst = nfnl_ct_get_dst(ct, repl);

	if (!src || !dst)
		return -EINVAL;
	t->src.len = nl_addr_get_len(src);
	t->src.data = nl_addr_get_binary_addr(src);
	t->dst.len = nl_addr_get_len(dst);
	t->dst.data = nl_addr_get_binary_addr(dst);
	t->src_port = nfnl_ct_get_src_port(ct, repl);
	t->dst_port = nfnl_ct_get_dst_port(ct, repl);
	return 0;
}

/* One entry into img; 1 if it is of a protocol that is not saved */
static int entry_dump(struct cr_img *img, struct nfnl_ct *ct)
{
	ConntrackEntry e = CONNTRACK_ENTRY__INIT;
	ConntrackTuple orig = CONNTRACK_TUPLE__INIT, reply = CONNTRACK_TUPLE__INIT;
	uint8_t proto = nfnl_ct_get_proto(ct);

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 1;
	if (tuple_fill(&orig, ct, 0) || tuple_fill(&reply, ct, 1)) {
		pr_err("A conntrack entry (protocol %u) has no addresses\n", proto);
		return -EINVAL;
	}
	e.family = nfnl_ct_get_family(ct);
	e.proto = proto;
	e.orig = &orig;
	e.reply = &reply;
	e.status = nfnl_ct_get_status(ct) & CT_SETTABLE_STATUS;
	e.timeout = nfnl_ct_get_timeout(ct);
	e.has_tcp_state = proto == IPPROTO_TCP && nfnl_ct_test_tcp_state(ct);
	e.tcp_state = nfnl_ct_get_tcp_state(ct);
	e.has_mark = nfnl_ct_test_mark(ct) && nfnl_ct_get_mark(ct);
	e.mark = nfnl_ct_get_mark(ct);
	e.has_zone = nfnl_ct_test_zone(ct) && nfnl_ct_get_zone(ct);
	e.zone = nfnl_ct_get_zone(ct);
	return pb_write_one(img, &e.base);
}

static int write_entries(struct cr_img *img, struct nl_cache *cache, uint32_t id)
{
	struct nl_object *o;
	int ret = 0, saved = 0, skipped = 0;

	for (o = nl_cache_get_first(cache); o && ret >= 0; o = nl_cache_get_next(o)) {
		ret = entry_dump(img, (struct nfnl_ct *)o);
		if (ret == 1)
			skipped++;
		else if (!ret)
			saved++;
	}
	if (ret >= 0)
		pr_info("Network namespace %u: %d conntrack entries saved, %d of other protocols "
			"than TCP and UDP left out\n",
			id, saved, skipped);
	return ret < 0 ? ret : 0;
}

int conntrack_dump(int dfd, uint32_t id)
{
	struct nl_sock *sk = ct_open();
	struct nl_cache *cache = NULL;
	struct cr_img *img;
	int ret;

	if (!sk)
		return -EIO;
	ret = nfnl_ct_alloc_cache(sk, &cache);
	nl_socket_free(sk);
	if (ret < 0) {
		/* no conntrack in this kernel (modules not loaded): nothing is tracked */
		pr_info("Network namespace %u: no conntrack table to read (%s)\n", id,
			nl_geterror(ret));
		return 0;
	}
	img = open_image_at(dfd, CR_FD_CONNTRACK, O_DUMP, id);
	ret = img ? write_entries(img, cache, id) : -EIO;
	if (img)
		ret = close_image(img) ?: ret;
	nl_cache_free(cache);
	return ret;
}

static int tuple_set(struct nfnl_ct *ct, int repl, int family, const ConntrackTuple *t)
{
	size_t want = family == AF_INET6 ? 16 : 4;
	struct nl_addr *src, *dst;
	int ret;

	if (t->src.len != want || t->dst.len != want)
		return -EINVAL;
	src = nl_addr_build(family, t->src.data, t->src.len);
	dst = nl_addr_build(family, t->dst.data, t->dst.len);
	ret = src && dst ? 0 : -ENOMEM;
	if (!ret && (nfnl_ct_set_src(ct, repl, src) < 0 || nfnl_ct_set_dst(ct, repl, dst) < 0))
		ret = -ENOMEM;
	nl_addr_put(src);
	nl_addr_put(dst);
	nfnl_ct_set_src_port(ct, repl, t->src_port);
	nfnl_ct_set_dst_port(ct, repl, t->dst_port);
	return ret;
}

static int entry_restore(struct nl_sock *sk, const ConntrackEntry *e, uint32_t id)
{
	struct nfnl_ct *ct = nfnl_ct_alloc();
	int ret;

	if (!ct)
		return -ENOMEM;
	if ((e->family != AF_INET && e->family != AF_INET6) ||
	    (e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP) ||
	    tuple_set(ct, 0, e->family, e->orig) || tuple_set(ct, 1, e->family, e->reply)) {
		pr_err("conntrack-%u.img: an entry of family %u, protocol %u can't be made\n", id,
		       e->family, e->proto);
		nfnl_ct_put(ct);
		return -EINVAL;
	}
	nfnl_ct_set_family(ct, e->family);
	nfnl_ct_set_proto(ct, e->proto);
	nfnl_ct_set_timeout(ct, e->timeout);
	if (e->has_tcp_state)
		nfnl_ct_set_tcp_state(ct, e->tcp_state);
	if (e->has_mark)
		nfnl_ct_set_mark(ct, e->mark);
	if (e->has_zone)
		nfnl_ct_set_zone(ct, e->zone);
	ret = nfnl_ct_add(sk, ct, NLM_F_CREATE | NLM_F_EXCL);
	/*
	 * The kernel takes no status in a new entry (EBUSY), only in a change of a confirmed
	 * one: "seen reply" then makes the next packets of the connection "established".
	 */
	if (!ret && (e->status & CT_SETTABLE_STATUS)) {
		nfnl_ct_set_status(ct, IPS_CONFIRMED | (e->status & CT_SETTABLE_STATUS));
		ret = nfnl_ct_add(sk, ct, 0);
	}
	nfnl_ct_put(ct);
	if (ret < 0) {
		pr_err("Can't make a conntrack entry of conntrack-%u.img (protocol %u, ports %u "
		       "-> %u): %s\n",
		       id, e->proto, e->orig->src_port, e->orig->dst_port, nl_geterror(ret));
		return -EIO;
	}
	return 0;
}

int conntrack_restore(int dfd, uint32_t id)
{
	struct nl_sock *sk;
	struct cr_img *img;
	ConntrackEntry *e;
	char name[32];
	int ret, n = 0;

	snprintf(name, sizeof(name), "conntrack-%u.img", id);
	if (faccessat(dfd, name, F_OK, 0))
		return 0; /* a set without it: CRIU's, or no conntrack at dump */
	img = open_image_at(dfd, CR_FD_CONNTRACK, O_RSTR, id);
	if (!img)
		return -EIO;
	sk = ct_open();
	ret = sk ? 0 : -EIO;
	while (!ret && (ret = pb_read_one_eof(img, &conntrack_entry__descriptor,
					      (ProtobufCMessage **)&e)) > 0) {
		ret = entry_restore(sk, e, id);
		conntrack_entry__free_unpacked(e, NULL);
		n += !ret;
	}
	if (sk)
		nl_socket_free(sk);
	close_image(img);
	if (!ret)
		pr_info("Network namespace %u: %d conntrack entries made\n", id, n);
	return ret;
}
