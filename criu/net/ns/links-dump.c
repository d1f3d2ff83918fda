/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/links-dump.c - the links of the tree's network namespace, into netdev-ID.img
 * (CRIU's net_device_entry: type, ifindex, name, MTU, flags, MAC, master, the veth peer's
 * ifindex, a macvlan's mode and flags, and the link's ipv4/ipv6 sysctls). Read by an
 * RTM_GETLINK dump. Loopback, veth (its peer inside the namespace or outside), bridges and
 * macvlans (their parent outside) and persistent tun/tap links (tun.c) are saved; any other
 * kind (sit, vlan, ...) refuses the dump, naming the link: its restore is not written yet.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <net/if_arp.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "array.h"
#include "image.h"
#include "log.h"
#include "plugin.h"
#include "internal.h"

struct link_list {
	NetDeviceEntry *links;
	size_t nr;
	uint32_t ns_id;
	int err;
};

/* mode and flags: what a macvlan is made with (its parent is named at restore) */
static int macvlan_fill(NetDeviceEntry *e, struct nlattr *linkinfo)
{
	struct nlattr *info[IFLA_INFO_MAX + 1], *data[IFLA_MACVLAN_MAX + 1];

	if (nla_parse_nested(info, IFLA_INFO_MAX, linkinfo, NULL) < 0 || !info[IFLA_INFO_DATA] ||
	    nla_parse_nested(data, IFLA_MACVLAN_MAX, info[IFLA_INFO_DATA], NULL) < 0 ||
	    !data[IFLA_MACVLAN_MODE]) {
		pr_err("macvlan %s: the kernel gave no mode\n", e->name);
		return -EINVAL;
	}
	e->macvlan = calloc(1, sizeof(*e->macvlan));
	if (!e->macvlan)
		return -ENOMEM;
	macvlan_link_entry__init(e->macvlan);
	e->macvlan->mode = nla_get_u32(data[IFLA_MACVLAN_MODE]);
	if (data[IFLA_MACVLAN_FLAGS]) {
		e->macvlan->has_flags = true;
		e->macvlan->flags = nla_get_u16(data[IFLA_MACVLAN_FLAGS]);
	}
	return 0;
}

static const char *link_kind(struct nlattr *linkinfo)
{
	struct nlattr *info[IFLA_INFO_MAX + 1];

	if (!linkinfo || nla_parse_nested(info, IFLA_INFO_MAX, linkinfo, NULL) < 0 ||
	    !info[IFLA_INFO_KIND])
		return NULL;
	return nla_get_string(info[IFLA_INFO_KIND]);
}

static int link_type(const struct ifinfomsg *ifi, const char *name, const char *kind)
{
	int ret;

	if (ifi->ifi_type == ARPHRD_LOOPBACK)
		return ND_TYPE__LOOPBACK;
	if (kind && !strcmp(kind, "veth"))
		return ND_TYPE__VETH;
	if (kind && !strcmp(kind, "bridge"))
		return ND_TYPE__BRIDGE;
	if (kind && !strcmp(kind, "macvlan"))
		return ND_TYPE__MACVLAN;
	if (kind && !strcmp(kind, "tun"))
		return ND_TYPE__TUN;
	/* CRIU asks the plugins: one that takes it has its parameters saved (EXTLINK) */
	ret = plugin_dump_ext_link(ifi->ifi_index, ifi->ifi_type, kind);
	if (ret)
		return ret < 0 ? ret : ND_TYPE__EXTLINK;
	pr_err("Link %s (index %d, kind %s) of the tree's network namespace: saving links of "
	       "this kind is not supported yet (lo, veth, bridge, macvlan and tun are); remove it "
	       "or "
	       "dump a "
	       "tree without a network namespace of its own\n",
	       name, ifi->ifi_index, kind ?: "none");
	return -EOPNOTSUPP;
}

/* One link's entry; its name, MAC and sysctls are allocated (link_free). */
static int link_fill(NetDeviceEntry *e, const struct ifinfomsg *ifi, struct nlattr **tb,
		     uint32_t ns_id)
{
	const char *name = nla_get_string(tb[IFLA_IFNAME]);
	int type = link_type(ifi, name, link_kind(tb[IFLA_LINKINFO]));
	int ret;

	if (type < 0)
		return type;
	e->type = type;
	e->ifindex = ifi->ifi_index;
	e->flags = ifi->ifi_flags;
	e->mtu = tb[IFLA_MTU] ? nla_get_u32(tb[IFLA_MTU]) : 0;
	e->name = strdup(name);
	if (!e->name)
		return -ENOMEM;
	if (tb[IFLA_ADDRESS] && type != ND_TYPE__LOOPBACK) {
		e->address.len = nla_len(tb[IFLA_ADDRESS]);
		e->address.data = malloc(e->address.len);
		if (!e->address.data)
			return -ENOMEM;
		memcpy(e->address.data, nla_data(tb[IFLA_ADDRESS]), e->address.len);
		e->has_address = true;
	}
	if (tb[IFLA_MASTER]) {
		e->has_master = true;
		e->master = nla_get_u32(tb[IFLA_MASTER]);
	}
	e->has_peer_ifindex = true;
	e->peer_ifindex = tb[IFLA_LINK] ? nla_get_u32(tb[IFLA_LINK]) : (uint32_t)ifi->ifi_index;
	/* no IFLA_LINK_NETNSID: the peer is in this namespace too */
	if (type == ND_TYPE__VETH && !tb[IFLA_LINK_NETNSID]) {
		e->has_peer_nsid = true;
		e->peer_nsid = ns_id;
	} else if (type == ND_TYPE__VETH) {
		/* in another namespace of the tree (its id), or outside (none) */
		ret = others_peer_id(nla_get_s32(tb[IFLA_LINK_NETNSID]), &e->peer_nsid);
		if (ret < 0)
			return ret;
		e->has_peer_nsid = ret == 1;
	}
	ret = type == ND_TYPE__MACVLAN ? macvlan_fill(e, tb[IFLA_LINKINFO]) : 0;
	if (!ret && type == ND_TYPE__TUN)
		ret = tun_fill(e, tb[IFLA_LINKINFO]) ?: tun_set_owner(e, tb[IFLA_LINKINFO]);
	ret = ret ?: conf_read(CONF_IPV4, name, &e->conf4, &e->n_conf4);
	return ret ?: conf_read(CONF_IPV6, name, &e->conf6, &e->n_conf6);
}

static void link_free(NetDeviceEntry *e)
{
	free(e->name);
	free(e->address.data);
	free(e->macvlan);
	free(e->tun);
	conf_free(e->conf4, e->n_conf4);
	conf_free(e->conf6, e->n_conf6);
}

static int link_seen(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	struct link_list *l = arg;
	NetDeviceEntry *e;

	if (l->err)
		return NL_SKIP;
	if (nlmsg_parse(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0 ||
	    !tb[IFLA_IFNAME]) {
		pr_err("A link of the RTM_GETLINK dump can't be parsed\n");
		l->err = -EINVAL;
		return NL_SKIP;
	}
	if (ARRAY_RESERVE(l->links, l->nr, 1)) {
		l->err = -ENOMEM;
		return NL_SKIP;
	}
	e = &l->links[l->nr++];
	net_device_entry__init(e);
	l->err = link_fill(e, nlmsg_data(nlh), tb, l->ns_id);
	return NL_OK;
}

static int links_read(struct link_list *l)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_sock *sk = rtnl_open();
	int ret;

	if (!sk)
		return -EIO;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, link_seen, l);
	ret = nl_send_simple(sk, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
	if (ret >= 0)
		ret = nl_recvmsgs_default(sk);
	nl_socket_free(sk);
	if (l->err)
		return l->err;
	if (ret < 0) {
		pr_err("Can't list the links of the tree's network namespace: %s\n",
		       nl_geterror(ret));
		return -EIO;
	}
	return 0;
}

int links_dump(int dfd, uint32_t id)
{
	struct link_list l = { .ns_id = id };
	struct cr_img *img = NULL;
	size_t i;
	int ret;

	ret = links_read(&l);
	if (!ret) {
		img = open_image_at(dfd, CR_FD_NETDEV, O_DUMP, id);
		ret = img ? 0 : -EIO;
	}
	for (i = 0; !ret && i < l.nr; i++) {
		pr_info("Network namespace %u: link %s (index %u, type %d, mtu %u, flags %#x)\n",
			id, l.links[i].name, l.links[i].ifindex, l.links[i].type, l.links[i].mtu,
			l.links[i].flags);
		ret = pb_write_one(img, &l.links[i].base);
	}
	if (img)
		ret = close_image(img) ?: ret;
	for (i = 0; i < l.nr; i++)
		link_free(&l.links[i]);
	free(l.links);
	return ret;
}
