/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/neigh.c - the static neighbours (ARP and NDP entries) of a network namespace of the
 * tree, saved in neigh-ID.img (ours: CRIU 4.2 saves none) and made again through libnl-3's
 * route part (rtnl_neigh_*) once the links are up with their addresses. Static means what a
 * user added: NUD_PERMANENT, and NUD_NOARP on a link that resolves addresses (the kernel's
 * own NUD_NOARP entries are those of a link without ARP, lo's, and of multicast and
 * broadcast destinations; they come back by themselves), and the proxy entries (ip neigh add
 * proxy), which a dump lists only when asked for them. The kernel's dynamic entries
 * (reachable, stale, incomplete, ...) are a cache and are left out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/socket.h>

#include "image.h"
#include "log.h"
#include "internal.h"

#include "neigh.pb-c.h"

/* the lists a dump reads: neighbours, proxy entries, a bridge's forwarding entries */
#define NR_NEIGH_LISTS 3

/* the NTF_* flags a request may set */
#define NEIGH_SETTABLE_FLAGS (NTF_ROUTER | NTF_EXT_LEARNED | NTF_PROXY)

/* A destination the kernel gives a NUD_NOARP entry itself: multicast or all-ones */
static bool kernel_noarp_dst(int family, const uint8_t *a, size_t len)
{
	if (family == AF_INET6)
		return len == 16 && a[0] == 0xff;
	return len == 4 && ((a[0] & 0xf0) == 0xe0 || !memcmp(a, "\xff\xff\xff\xff", 4));
}

static bool is_static(struct rtnl_neigh *n, struct nl_cache *links, struct nl_cache *list)
{
	struct nl_addr *dst = rtnl_neigh_get_dst(n);
	int state = rtnl_neigh_get_state(n), family = rtnl_neigh_get_family(n);
	struct rtnl_link *l;
	unsigned int lflags;

	if (family == AF_BRIDGE)
		return fdb_is_saved(n, links, list);
	if ((family != AF_INET && family != AF_INET6) || !dst)
		return false;
	if (rtnl_neigh_get_flags(n) & NTF_PROXY)
		return true; /* a user's: the kernel makes none */
	if (state < 0)
		return false;
	if (state & NUD_PERMANENT)
		return true;
	if (!(state & NUD_NOARP) ||
	    kernel_noarp_dst(family, nl_addr_get_binary_addr(dst), nl_addr_get_len(dst)))
		return false;
	l = rtnl_link_get(links, rtnl_neigh_get_ifindex(n));
	lflags = l ? rtnl_link_get_flags(l) : IFF_NOARP;
	if (l)
		rtnl_link_put(l);
	return !(lflags & (IFF_NOARP | IFF_LOOPBACK));
}

static int entry_dump(struct cr_img *img, struct rtnl_neigh *n)
{
	NeighEntry e = NEIGH_ENTRY__INIT;
	struct nl_addr *dst = rtnl_neigh_get_dst(n), *ll = rtnl_neigh_get_lladdr(n);

	e.family = rtnl_neigh_get_family(n);
	e.ifindex = rtnl_neigh_get_ifindex(n);
	if (e.family == AF_BRIDGE) {
		e.has_lladdr = true;
		e.lladdr.len = nl_addr_get_len(ll);
		e.lladdr.data = nl_addr_get_binary_addr(ll);
		fdb_entry_fill(&e, n);
		return pb_write_one(img, &e.base);
	}
	e.dst.len = nl_addr_get_len(dst);
	e.dst.data = nl_addr_get_binary_addr(dst);
	if (ll && nl_addr_get_len(ll)) {
		e.has_lladdr = true;
		e.lladdr.len = nl_addr_get_len(ll);
		e.lladdr.data = nl_addr_get_binary_addr(ll);
	}
	e.state = rtnl_neigh_get_state(n) < 0
			  ? 0
			  : rtnl_neigh_get_state(n) & (NUD_PERMANENT | NUD_NOARP);
	e.flags = rtnl_neigh_get_flags(n) & NEIGH_SETTABLE_FLAGS;
	return pb_write_one(img, &e.base);
}

static int write_cache(struct cr_img *img, struct nl_cache *neighs, struct nl_cache *links)
{
	struct nl_object *o;
	int ret = 0, n = 0;

	for (o = nl_cache_get_first(neighs); o && !ret; o = nl_cache_get_next(o)) {
		if (!is_static((struct rtnl_neigh *)o, links, neighs))
			continue;
		ret = entry_dump(img, (struct rtnl_neigh *)o);
		n += !ret;
	}
	return ret ?: n;
}

static void keep_listed(struct nl_object *o, void *cache)
{
	nl_cache_add(cache, o);
}

static int on_listed(struct nl_msg *msg, void *cache)
{
	return nl_msg_parse(msg, keep_listed, cache) < 0 ? NL_STOP : NL_OK;
}

/*
 * The entries a plain dump does not list: proxy entries (ip neigh add proxy ...) only when
 * asked for (NTF_PROXY), a bridge's forwarding entries only by a dump of family AF_BRIDGE.
 */
static int list_more(struct nl_sock *sk, uint8_t family, uint8_t flags, struct nl_cache **more)
{
	struct ndmsg ndm = { .ndm_family = family, .ndm_flags = flags };
	int ret = nl_cache_alloc_name("route/neigh", more);

	ret = ret ?: nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_listed, *more);
	ret = ret ?: nl_send_simple(sk, RTM_GETNEIGH, NLM_F_DUMP, &ndm, sizeof(ndm));
	if (ret >= 0)
		ret = nl_recvmsgs_default(sk);
	return ret < 0 ? ret : 0;
}

static int write_entries(int dfd, uint32_t id, struct nl_cache **caches, struct nl_cache *links)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_NEIGH, O_DUMP, id);
	int ret;
	int nr[NR_NEIGH_LISTS] = {}, i;

	if (!img)
		return -EIO;
	for (i = 0, ret = 0; i < NR_NEIGH_LISTS && ret >= 0; i++)
		ret = nr[i] = write_cache(img, caches[i], links);
	ret = close_image(img) ?: ret;
	if (ret >= 0)
		pr_info("Network namespace %u: %d static neighbours, %d proxy entries and %d "
			"bridge forwarding entries saved\n",
			id, nr[0], nr[1], nr[2]);
	return ret < 0 ? ret : 0;
}

int neigh_dump(int dfd, uint32_t id)
{
	struct nl_cache *caches[NR_NEIGH_LISTS] = {}, *links = NULL;
	struct nl_sock *sk = rtnl_open();
	int ret, i;

	if (!sk)
		return -EIO;
	ret = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
	ret = ret ?: rtnl_neigh_alloc_cache(sk, &caches[0]);
	ret = ret ?: list_more(sk, AF_UNSPEC, NTF_PROXY, &caches[1]);
	ret = ret ?: list_more(sk, AF_BRIDGE, 0, &caches[2]);
	nl_socket_free(sk);
	if (ret < 0) {
		pr_err("Can't list the neighbours of network namespace %u: %s\n", id,
		       nl_geterror(ret));
		ret = -EIO;
	} else {
		ret = write_entries(dfd, id, caches, links);
	}
	for (i = 0; i < NR_NEIGH_LISTS; i++)
		if (caches[i])
			nl_cache_free(caches[i]);
	if (links)
		nl_cache_free(links);
	return ret;
}

static struct rtnl_neigh *entry_to_neigh(const NeighEntry *e)
{
	size_t want = e->family == AF_INET6 ? 16 : 4;
	struct nl_addr *dst = NULL, *ll = NULL;
	struct rtnl_neigh *n;

	if (e->family == AF_BRIDGE)
		return fdb_entry_to_neigh(e);
	if ((e->family != AF_INET && e->family != AF_INET6) || e->dst.len != want ||
	    (e->has_lladdr && (!e->lladdr.len || e->lladdr.len > 32)))
		return NULL;
	n = rtnl_neigh_alloc();
	dst = nl_addr_build(e->family, e->dst.data, e->dst.len);
	if (e->has_lladdr)
		ll = nl_addr_build(AF_LLC, e->lladdr.data, e->lladdr.len);
	if (!n || !dst || (e->has_lladdr && !ll) || rtnl_neigh_set_dst(n, dst) < 0) {
		if (n)
			rtnl_neigh_put(n);
		n = NULL;
	} else {
		rtnl_neigh_set_family(n, e->family);
		rtnl_neigh_set_ifindex(n, e->ifindex);
		if (ll)
			rtnl_neigh_set_lladdr(n, ll);
		rtnl_neigh_set_state(n, e->state & (NUD_PERMANENT | NUD_NOARP));
		rtnl_neigh_set_flags(n, e->flags & NEIGH_SETTABLE_FLAGS);
	}
	nl_addr_put(dst);
	nl_addr_put(ll);
	return n;
}

static int entry_restore(struct nl_sock *sk, const NeighEntry *e, uint32_t id)
{
	struct rtnl_neigh *n = entry_to_neigh(e);
	char dst[64] = "?";
	int ret;

	if (!n) {
		pr_err("neigh-%u.img: a neighbour of family %u on link %u can't be made (bad "
		       "addresses)\n",
		       id, e->family, e->ifindex);
		return -EINVAL;
	}
	/* the kernel may have made one of its own on the way (NLM_F_REPLACE) */
	ret = rtnl_neigh_add(sk, n, NLM_F_CREATE | NLM_F_REPLACE);
	rtnl_neigh_put(n);
	if (ret < 0) {
		if (e->family == AF_BRIDGE)
			fdb_describe(e, dst, sizeof(dst));
		else
			inet_ntop(e->family, e->dst.data, dst, sizeof(dst));
		pr_err("Can't make the static neighbour %s on link %u of network namespace %u: "
		       "%s\n",
		       dst, e->ifindex, id, nl_geterror(ret));
		return -EIO;
	}
	return 0;
}

int neigh_restore(int dfd, uint32_t id)
{
	struct nl_sock *sk;
	struct cr_img *img;
	NeighEntry *e;
	char name[32];
	int ret, n = 0;

	snprintf(name, sizeof(name), "neigh-%u.img", id);
	if (faccessat(dfd, name, F_OK, 0))
		return 0; /* a set without it: CRIU's */
	img = open_image_at(dfd, CR_FD_NEIGH, O_RSTR, id);
	if (!img)
		return -EIO;
	sk = rtnl_open();
	ret = sk ? 0 : -EIO;
	while (!ret && (ret = pb_read_one_eof(img, &neigh_entry__descriptor,
					      (ProtobufCMessage **)&e)) > 0) {
		ret = entry_restore(sk, e, id);
		neigh_entry__free_unpacked(e, NULL);
		n += !ret;
	}
	if (sk)
		nl_socket_free(sk);
	close_image(img);
	if (!ret)
		pr_info("Network namespace %u: %d static neighbours made\n", id, n);
	return ret;
}
