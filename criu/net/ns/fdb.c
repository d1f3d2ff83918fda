/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/fdb.c - a bridge's forwarding entries that a user added, kept in neigh-ID.img with
 * the neighbours (neigh.c lists and makes both through libnl-3): static ones (`bridge fdb
 * add MAC dev PORT master static`: NUD_NOARP) and local ones of an address that no link of
 * the namespace has (NUD_PERMANENT; the kernel makes a local entry for each port's and the
 * bridge's own address, and those come back with the links). Learned entries are a cache.
 * A link that is not a bridge lists its own address lists too (NTF_SELF, no master): the
 * unicast addresses a user added there (`bridge fdb add MAC dev LINK self`, dev->uc, for
 * which a link that can't filter them goes promiscuous) are saved as entries without a
 * master and made again on the link itself; those the kernel added (the address of a
 * macvlan or vlan on it, a static entry of its bridge copied to a port that is not
 * promiscuous) and the multicast ones (memberships) are left out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/neighbour.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>

#include "internal.h"

#include "neigh.pb-c.h"

#define ETH_LEN 6

/* Is addr the address of a link of the namespace (the kernel's local entries are)? */
static bool is_link_address(struct nl_cache *links, struct nl_addr *addr)
{
	struct nl_object *o;

	for (o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		struct nl_addr *a = rtnl_link_get_addr((struct rtnl_link *)o);

		if (a && !nl_addr_cmp(a, addr))
			return true;
	}
	return false;
}

/* Is addr that of a link stacked on ifindex here (a macvlan's, a vlan's: not a veth peer's)? */
static bool is_upper_address(struct nl_cache *links, int ifindex, struct nl_addr *addr)
{
	struct nl_object *o;
	int32_t nsid;

	for (o = nl_cache_get_first(links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		struct nl_addr *a = rtnl_link_get_addr(l);
		const char *kind = rtnl_link_get_type(l);

		if (rtnl_link_get_link(l) != ifindex || rtnl_link_get_ifindex(l) == ifindex ||
		    !rtnl_link_get_link_netnsid(l, &nsid) || (kind && !strcmp(kind, "veth")))
			continue;
		if (a && !nl_addr_cmp(a, addr))
			return true;
	}
	return false;
}

/* Has the bridge an entry of addr on port ifindex (copied by the kernel to its uc list)? */
static bool is_bridge_entry(struct nl_cache *fdbs, int ifindex, struct nl_addr *addr)
{
	struct nl_object *o;

	for (o = nl_cache_get_first(fdbs); o; o = nl_cache_get_next(o)) {
		struct rtnl_neigh *n = (struct rtnl_neigh *)o;
		struct nl_addr *ll = rtnl_neigh_get_lladdr(n);

		if (rtnl_neigh_get_master(n) > 0 && rtnl_neigh_get_ifindex(n) == ifindex && ll &&
		    !nl_addr_cmp(ll, addr))
			return true;
	}
	return false;
}

/* A unicast address a user added to a link's own list (the link is not a bridge) */
static bool is_users_unicast(struct rtnl_neigh *n, struct nl_cache *links, struct nl_cache *fdbs)
{
	struct nl_addr *ll = rtnl_neigh_get_lladdr(n);
	int ifindex = rtnl_neigh_get_ifindex(n);
	const uint8_t *mac = nl_addr_get_binary_addr(ll);
	struct rtnl_link *l = rtnl_link_get(links, ifindex);
	const char *kind = l ? rtnl_link_get_type(l) : NULL;
	bool bridge = !l || (kind && !strcmp(kind, "bridge"));

	if (l)
		rtnl_link_put(l);
	if (bridge || !(rtnl_neigh_get_flags(n) & NTF_SELF) || (mac[0] & 1))
		return false;
	return !is_upper_address(links, ifindex, ll) && !is_bridge_entry(fdbs, ifindex, ll);
}

bool fdb_is_saved(struct rtnl_neigh *n, struct nl_cache *links, struct nl_cache *fdbs)
{
	struct nl_addr *ll = rtnl_neigh_get_lladdr(n);
	int state = rtnl_neigh_get_state(n);

	if (!ll || nl_addr_get_len(ll) != ETH_LEN || state < 0)
		return false;
	if (rtnl_neigh_get_master(n) <= 0)
		return is_users_unicast(n, links, fdbs);
	if (state & NUD_NOARP)
		return true;
	return (state & NUD_PERMANENT) && !is_link_address(links, ll);
}

void fdb_entry_fill(NeighEntry *e, struct rtnl_neigh *n)
{
	int vlan = rtnl_neigh_get_vlan(n);

	if (rtnl_neigh_get_master(n) <= 0) {
		/* the link's own list: no master, no vlan */
		e->state = NUD_PERMANENT;
		e->flags = NTF_SELF;
		return;
	}
	e->master = rtnl_neigh_get_master(n);
	e->has_master = true;
	if (vlan > 0) {
		e->vlan = vlan;
		e->has_vlan = true;
	}
	e->state = rtnl_neigh_get_state(n) & (NUD_PERMANENT | NUD_NOARP);
	e->flags = rtnl_neigh_get_flags(n) & NTF_STICKY;
}

struct rtnl_neigh *fdb_entry_to_neigh(const NeighEntry *e)
{
	bool own = !e->has_master; /* the link's own list */
	struct rtnl_neigh *n;
	struct nl_addr *ll;

	if (!e->has_lladdr || e->lladdr.len != ETH_LEN || e->dst.len ||
	    (e->has_vlan && (own || !e->vlan || e->vlan >= 4095)) ||
	    (own && (e->flags != NTF_SELF || (e->lladdr.data[0] & 1))))
		return NULL;
	n = rtnl_neigh_alloc();
	ll = nl_addr_build(AF_LLC, e->lladdr.data, e->lladdr.len);
	if (!n || !ll) {
		if (n)
			rtnl_neigh_put(n);
		nl_addr_put(ll);
		return NULL;
	}
	rtnl_neigh_set_family(n, AF_BRIDGE);
	rtnl_neigh_set_ifindex(n, e->ifindex);
	rtnl_neigh_set_lladdr(n, ll);
	nl_addr_put(ll);
	rtnl_neigh_set_state(n, own ? NUD_PERMANENT : e->state & (NUD_PERMANENT | NUD_NOARP));
	/*
	 * a port's entry goes to its bridge; the bridge's own, and a link's own address, are
	 * asked of the link itself
	 */
	if (own)
		rtnl_neigh_set_flags(n, NTF_SELF);
	else
		rtnl_neigh_set_flags(n, (e->flags & NTF_STICKY) |
						(e->ifindex == e->master ? NTF_SELF : NTF_MASTER));
	if (e->has_vlan)
		rtnl_neigh_set_vlan(n, e->vlan);
	return n;
}

void fdb_describe(const NeighEntry *e, char *buf, size_t len)
{
	const uint8_t *m = e->lladdr.data;

	if (e->lladdr.len != ETH_LEN)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%s %02x:%02x:%02x:%02x:%02x:%02x vlan %u",
			 e->has_master ? "forwarding entry" : "unicast address", m[0], m[1], m[2],
			 m[3], m[4], m[5], e->has_vlan ? e->vlan : 0);
}
