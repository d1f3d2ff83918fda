/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/fdb.c - a bridge's forwarding entries that a user added, kept in neigh-ID.img with
 * the neighbours (neigh.c lists and makes both through libnl-3): static ones (`bridge fdb
 * add MAC dev PORT master static`: NUD_NOARP) and local ones of an address that no link of
 * the namespace has (NUD_PERMANENT; the kernel makes a local entry for each port's and the
 * bridge's own address, and those come back with the links). Learned entries are a cache.
 * The entries a device lists of its own address lists (NTF_SELF, no master: its multicast
 * memberships, the unicast addresses of its upper links) are not a bridge's and are left out.
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

bool fdb_is_saved(struct rtnl_neigh *n, struct nl_cache *links)
{
	struct nl_addr *ll = rtnl_neigh_get_lladdr(n);
	int state = rtnl_neigh_get_state(n);

	if (rtnl_neigh_get_master(n) <= 0 || !ll || nl_addr_get_len(ll) != ETH_LEN || state < 0)
		return false;
	if (state & NUD_NOARP)
		return true;
	return (state & NUD_PERMANENT) && !is_link_address(links, ll);
}

void fdb_entry_fill(NeighEntry *e, struct rtnl_neigh *n)
{
	int vlan = rtnl_neigh_get_vlan(n);

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
	struct rtnl_neigh *n;
	struct nl_addr *ll;

	if (!e->has_master || !e->has_lladdr || e->lladdr.len != ETH_LEN || e->dst.len ||
	    (e->has_vlan && (!e->vlan || e->vlan >= 4095)))
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
	rtnl_neigh_set_state(n, e->state & (NUD_PERMANENT | NUD_NOARP));
	/* a port's entry goes to its bridge; the bridge's own is asked of the bridge itself */
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
		snprintf(buf, len, "forwarding entry %02x:%02x:%02x:%02x:%02x:%02x vlan %u", m[0],
			 m[1], m[2], m[3], m[4], m[5], e->has_vlan ? e->vlan : 0);
}
