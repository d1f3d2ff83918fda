/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/links-restore.c - the links of netdev-ID.img made again in the root's new network
 * namespace, each with its dumped ifindex (the address and route images name links by
 * index), name, MTU and MAC. A veth whose peer was inside gets both ends at once; a veth
 * whose peer was outside gets its peer in criu's namespace, named by
 * --external veth[INSIDE]:OUTSIDE (else the kernel names it). A macvlan is made on the
 * parent that --external macvlan[NAME]:PARENT names in criu's namespace. Bridge ports join their
 * bridge once both exist; then each link's sysctls, the addresses (before_up), and last
 * the MTU and flags (up, ...). A bridge that took its address from its ports is made
 * without it, and checked to have it again once they are up (bridge-addr.c).
 */
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "array.h"
#include "image.h"
#include "log.h"
#include "internal.h"
#include "netns.h"

/* the flags a user sets (ip link set ... up, arp off, promisc, ...) */
#define SETTABLE_FLAGS (IFF_UP | IFF_NOARP | IFF_PROMISC | IFF_ALLMULTI | IFF_MULTICAST | IFF_DEBUG)
/* a dead namespace frees its veth ends asynchronously: a name may stay taken a moment */
#define TAKEN_NAME_WAIT_MS 2000

struct links_rst {
	NetDeviceEntry **links;
	size_t nr;
	uint32_t ns_id;
	int outside_fd;
	const char *const *ext;
	int nr_ext;
	struct nl_sock *sk;
	int dfd;
	int (*before_up)(int dfd, uint32_t id);
	int peer_fd;		       /* a veth across: its peer's namespace, or -1 */
	struct NetnsExtraEntry *extra; /* netns-extra-ID.img, or NULL (CRIU's images) */
};

/* The position of the link of index ifindex in r->links, or -1. */
static long link_pos(const struct links_rst *r, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		if (r->links[i]->ifindex == ifindex)
			return i;
	return -1;
}

/* The outside name --external KIND[name]:OUT gives, or NULL. */
static const char *outside_name(const struct links_rst *r, const char *kind, const char *name)
{
	size_t len = strlen(name), klen = strlen(kind);
	int i;

	for (i = 0; i < r->nr_ext; i++) {
		const char *e = r->ext[i];

		if (!strncmp(e, kind, klen) && e[klen] == '[' &&
		    !strncmp(e + klen + 1, name, len) && !strncmp(e + klen + 1 + len, "]:", 2) &&
		    e[klen + len + 3])
			return e + klen + len + 3;
	}
	return NULL;
}

/* address: false for a bridge that takes its ports' (the kernel marks a given one set) */
static int put_link_attrs(struct nl_msg *msg, const NetDeviceEntry *e, bool address)
{
	int ret = nla_put_string(msg, IFLA_IFNAME, e->name);

	if (!ret && e->mtu)
		ret = nla_put_u32(msg, IFLA_MTU, e->mtu);
	if (!ret && e->has_address && address)
		ret = nla_put(msg, IFLA_ADDRESS, e->address.len, e->address.data);
	return ret;
}

/* The veth's other end: inside (its own entry) or in criu's namespace. */
static int put_veth_peer(struct nl_msg *msg, const struct links_rst *r, const NetDeviceEntry *e,
			 const NetDeviceEntry *peer, const char *outside)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlattr *data, *info;
	int ret;

	data = nla_nest_start(msg, IFLA_INFO_DATA);
	info = data ? nla_nest_start(msg, VETH_INFO_PEER) : NULL;
	if (!info)
		return -ENOMEM;
	if (peer)
		ifi.ifi_index = peer->ifindex;
	ret = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (!ret && peer) {
		ret = put_link_attrs(msg, peer, true);
		/* in another namespace of the tree */
		if (!ret && r->peer_fd >= 0)
			ret = nla_put_u32(msg, IFLA_NET_NS_FD, r->peer_fd);
	} else if (!ret) {
		ret = outside ? nla_put_string(msg, IFLA_IFNAME, outside) : 0;
		ret = ret ?: nla_put_u32(msg, IFLA_NET_NS_FD, r->outside_fd);
	}
	(void)e;
	nla_nest_end(msg, info);
	nla_nest_end(msg, data);
	return ret;
}

static struct nl_msg *newlink_msg(const struct links_rst *r, const NetDeviceEntry *e,
				  const NetDeviceEntry *peer, const char *outside)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = e->ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	const NetDeviceEntry *const *links = (const NetDeviceEntry *const *)r->links;
	bool follows = bridge_follows_ports(r->extra, links, r->nr, e);
	struct nlattr *linkinfo;
	int ret;

	if (!msg)
		return NULL;
	ret = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	ret = ret ?: put_link_attrs(msg, e, !follows);
	linkinfo = ret ? NULL : nla_nest_start(msg, IFLA_LINKINFO);
	if (!linkinfo)
		goto out_free;
	ret = nla_put_string(msg, IFLA_INFO_KIND, e->type == ND_TYPE__VETH ? "veth" : "bridge");
	if (!ret && e->type == ND_TYPE__VETH)
		ret = put_veth_peer(msg, r, e, peer, outside);
	nla_nest_end(msg, linkinfo);
	if (!ret)
		return msg;
out_free:
	nlmsg_free(msg);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int create_link(const struct links_rst *r, const NetDeviceEntry *e,
		       const NetDeviceEntry *peer, const char *outside)
{
	long waited = 0;
	int ret;

	do {
		struct nl_msg *msg = newlink_msg(r, e, peer, outside);

		if (!msg) {
			pr_err("No memory for the request that makes link %s\n", e->name);
			return -ENOMEM;
		}
		ret = rtnl_talk(r->sk, msg);
		/* only the outside end can collide: this namespace is new */
		if (ret != -EEXIST || peer || waited >= TAKEN_NAME_WAIT_MS)
			break;
		sleep_ms(50);
		waited += 50;
	} while (1);
	if (ret == -EEXIST && !peer && outside)
		pr_err("Can't make veth %s: its outside end's name %s is taken in criu's network "
		       "namespace; remove that link or give another name with "
		       "--external veth[%s]:NAME\n",
		       e->name, outside, e->name);
	else if (ret)
		pr_err("Can't make link %s (index %u%s%s): %s\n", e->name, e->ifindex,
		       peer ? ", peer " : "", peer ? peer->name : "", strerror(-ret));
	return ret;
}

static int macvlan_msg(struct nl_msg *msg, const NetDeviceEntry *e, int parent, int ns_fd)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = e->ifindex };
	struct nlattr *linkinfo, *data;
	int ret = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);

	ret = ret ?: nla_put_string(msg, IFLA_IFNAME, e->name);
	if (!ret && e->has_address)
		ret = nla_put(msg, IFLA_ADDRESS, e->address.len, e->address.data);
	ret = ret ?: nla_put_u32(msg, IFLA_LINK, parent);
	ret = ret ?: nla_put_u32(msg, IFLA_NET_NS_FD, ns_fd);
	linkinfo = ret ? NULL : nla_nest_start(msg, IFLA_LINKINFO);
	if (!linkinfo || nla_put_string(msg, IFLA_INFO_KIND, "macvlan"))
		return -ENOMEM;
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	if (!data || nla_put_u32(msg, IFLA_MACVLAN_MODE, e->macvlan->mode) ||
	    (e->macvlan->has_flags && nla_put_u16(msg, IFLA_MACVLAN_FLAGS, e->macvlan->flags)))
		return -ENOMEM;
	nla_nest_end(msg, data);
	nla_nest_end(msg, linkinfo);
	return 0;
}

/*
 * A macvlan's parent is a link of criu's namespace (--external macvlan[NAME]:PARENT, as
 * CRIU spells it): the request goes from there, sending the new link into the tree's.
 */
static int create_macvlan(const struct links_rst *r, const NetDeviceEntry *e)
{
	const char *parent = outside_name(r, "macvlan", e->name);
	int inner = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), idx = 0, ret;
	struct nl_sock *sk = NULL;
	struct nl_msg *msg;

	if (!parent || !e->macvlan) {
		pr_err("macvlan %s: its parent link is outside the namespace: name it with "
		       "--external macvlan[%s]:PARENT (a link of criu's network namespace)\n",
		       e->name, e->name);
		ret = -EINVAL;
		goto out_close;
	}
	if (inner < 0 || setns(r->outside_fd, CLONE_NEWNET)) {
		pr_perror("Can't go to criu's network namespace for macvlan %s", e->name);
		ret = -EPERM;
		goto out_close;
	}
	idx = if_nametoindex(parent);
	sk = rtnl_open();
	if (setns(inner, CLONE_NEWNET)) {
		pr_perror("Can't come back to the tree's network namespace");
		ret = -EPERM;
		goto out_free;
	}
	ret = sk ? 0 : -EIO;
	if (!ret && !idx) {
		pr_err("macvlan %s: its parent %s (--external macvlan[%s]:%s) is no link of criu's "
		       "network namespace\n",
		       e->name, parent, e->name, parent);
		ret = -ENOENT;
	}
	msg = ret ? NULL : nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	if (!ret && (!msg || macvlan_msg(msg, e, idx, inner))) {
		nlmsg_free(msg);
		ret = -ENOMEM;
	} else if (!ret) {
		ret = rtnl_talk(sk, msg);
		if (ret)
			pr_err("Can't make macvlan %s on %s: %s\n", e->name, parent,
			       strerror(-ret));
	}
out_free:
	if (sk)
		nl_socket_free(sk);
out_close:
	if (inner >= 0)
		close(inner);
	return ret;
}

/*
 * A link a plugin took at dump (DUMP_EXT_LINK): only its parameters are saved; as in CRIU,
 * the link itself is made by someone else before (the setup-namespaces action script).
 */
static int extlink_found(const struct links_rst *r, const NetDeviceEntry *e)
{
	unsigned int now = if_nametoindex(e->name);

	if (now == e->ifindex)
		return 0;
	if (!now)
		pr_err("netdev-%u.img: link %s (index %u) was saved by a plugin with its "
		       "parameters only (DUMP_EXT_LINK): make it in the new namespace in a "
		       "setup-namespaces action script (CRTOOLS_INIT_PID is the root)\n",
		       r->ns_id, e->name, e->ifindex);
	else
		pr_err("netdev-%u.img: link %s, saved by a plugin, was index %u and is %u here: "
		       "make it with that index (ip link add %s index %u ...)\n",
		       r->ns_id, e->name, e->ifindex, now, e->name, e->ifindex);
	return -ENODEV;
}

static int read_links(struct links_rst *r, int dfd);

/* The link of index ifindex in netdev-NS.img, or NULL (said) */
static NetDeviceEntry *peer_entry(int dfd, uint32_t ns, uint32_t ifindex, const char *of)
{
	struct links_rst p = { .ns_id = ns };
	NetDeviceEntry *found = NULL;
	size_t i;

	if (!read_links(&p, dfd))
		for (i = 0; i < p.nr; i++)
			if (!found && p.links[i]->ifindex == ifindex) {
				found = p.links[i];
				p.links[i] = NULL;
			}
	for (i = 0; i < p.nr; i++)
		if (p.links[i])
			net_device_entry__free_unpacked(p.links[i], NULL);
	free(p.links);
	if (!found)
		pr_err("netdev-%u.img: no link of index %u, the peer of veth %s\n", ns, ifindex,
		       of);
	return found;
}

/* A veth whose peer is in another namespace of the tree: made by the first filled of the two */
static int restore_veth_across(const struct links_rst *r, const NetDeviceEntry *e)
{
	struct links_rst there = *r;
	NetDeviceEntry *peer;
	int ret = netns_rst_peer_ns(e->peer_nsid, &there.peer_fd);

	if (ret < 0) {
		pr_err("netdev-%u.img: veth %s's peer is in network namespace %u, which no task of "
		       "the images is in\n",
		       r->ns_id, e->name, e->peer_nsid);
		return ret;
	}
	if (ret == 1)
		return 0; /* made with its peer's namespace */
	peer = peer_entry(r->dfd, e->peer_nsid, e->peer_ifindex, e->name);
	if (!peer)
		return -EINVAL;
	ret = create_link(&there, e, peer, NULL);
	net_device_entry__free_unpacked(peer, NULL);
	return ret;
}

/* Make one link; a veth with its peer inside makes the peer too (marked done). */
static int restore_one(const struct links_rst *r, NetDeviceEntry *e, bool *done)
{
	NetDeviceEntry *peer = NULL;
	const char *outside = NULL;

	if (e->type == ND_TYPE__LOOPBACK)
		return 0; /* every network namespace is born with its lo */
	if (e->type == ND_TYPE__VETH && e->has_peer_nsid && e->peer_nsid == r->ns_id) {
		long pos = link_pos(r, e->peer_ifindex);

		if (pos < 0) {
			pr_err("netdev-%u.img: veth %s's peer (index %u) is missing\n", r->ns_id,
			       e->name, e->peer_ifindex);
			return -EINVAL;
		}
		peer = r->links[pos];
		done[pos] = true;
	} else if (e->type == ND_TYPE__VETH && e->has_peer_nsid) {
		return restore_veth_across(r, e);
	} else if (e->type == ND_TYPE__VETH) {
		outside = outside_name(r, "veth", e->name);
		if (!outside)
			pr_warn("veth %s: no --external veth[%s]:NAME, the kernel names its "
				"outside "
				"end\n",
				e->name, e->name);
	} else if (e->type == ND_TYPE__MACVLAN) {
		return create_macvlan(r, e);
	} else if (e->type == ND_TYPE__TUN) {
		return tun_create(e);
	} else if (e->type == ND_TYPE__EXTLINK) {
		return extlink_found(r, e);
	} else if (e->type != ND_TYPE__BRIDGE) {
		pr_err("netdev-%u.img: link %s has type %d, whose restore is not supported yet\n",
		       r->ns_id, e->name, e->type);
		return -EOPNOTSUPP;
	}
	return create_link(r, e, peer, outside);
}

/*
 * Once every link exists: join its bridge (master), or (state) take its MTU and flags. A
 * bridge's MTU follows its ports' unless set after they joined: masters go first.
 */
static int set_link(const struct links_rst *r, const NetDeviceEntry *e, bool state)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = e->ifindex };
	struct nl_msg *msg;
	int ret;

	if (!state && !e->has_master)
		return 0;
	msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_ACK);
	if (!msg)
		return -ENOMEM;
	if (state) {
		ifi.ifi_flags = e->flags & SETTABLE_FLAGS;
		ifi.ifi_change = SETTABLE_FLAGS;
	}
	ret = nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (!ret && state && e->mtu)
		ret = nla_put_u32(msg, IFLA_MTU, e->mtu);
	/*
	 * a tap is made with a random MAC (a plugin's link keeps its maker's: ifb has no other);
	 * a port gets its own as it joins, before its bridge goes up and may take it
	 */
	if (!ret && e->type == ND_TYPE__TUN && e->has_address && (!state || !e->has_master))
		ret = nla_put(msg, IFLA_ADDRESS, e->address.len, e->address.data);
	if (!ret && !state)
		ret = nla_put_u32(msg, IFLA_MASTER, e->master);
	if (ret) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = rtnl_talk(r->sk, msg);
	if (ret && state)
		pr_err("Can't set the MTU %u and flags %#x of link %s: %s\n", e->mtu, ifi.ifi_flags,
		       e->name, strerror(-ret));
	else if (ret)
		pr_err("Can't make link %s a port of link %u: %s\n", e->name, e->master,
		       strerror(-ret));
	return ret;
}

static int read_links(struct links_rst *r, int dfd)
{
	struct cr_img *img = open_image_at(dfd, CR_FD_NETDEV, O_RSTR, r->ns_id);
	NetDeviceEntry *e;
	int ret;

	if (!img)
		return -EIO;
	while ((ret = pb_read_one_eof(img, &net_device_entry__descriptor,
				      (ProtobufCMessage **)&e)) > 0) {
		if (ARRAY_RESERVE(r->links, r->nr, 1)) {
			net_device_entry__free_unpacked(e, NULL);
			ret = -ENOMEM;
			break;
		}
		r->links[r->nr++] = e;
	}
	close_image(img);
	return ret;
}

static int link_confs(const NetDeviceEntry *e)
{
	int ret = conf_write(CONF_IPV4, e->name, e->conf4, e->n_conf4);

	return ret ?: conf_write(CONF_IPV6, e->name, e->conf6, e->n_conf6);
}

/* The bridges that take their address from their ports: have they the dumped one? */
static int check_bridges(const struct links_rst *r)
{
	const NetDeviceEntry *const *links = (const NetDeviceEntry *const *)r->links;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < r->nr; i++)
		if (bridge_follows_ports(r->extra, links, r->nr, links[i]))
			ret = bridge_addr_check(links, r->nr, links[i]);
	return ret;
}

static int restore_all(struct links_rst *r)
{
	bool *done = calloc(r->nr ?: 1, sizeof(*done));
	size_t i;
	int ret = done ? 0 : -ENOMEM;

	for (i = 0; !ret && i < r->nr; i++) {
		if (done[i])
			continue;
		done[i] = true;
		ret = restore_one(r, r->links[i], done);
	}
	for (i = 0; !ret && i < r->nr; i++)
		ret = set_link(r, r->links[i], false);
	for (i = 0; !ret && i < r->nr; i++)
		ret = link_confs(r->links[i]);
	/* addresses before the links go up: the kernel's own link-local ones then yield */
	ret = ret ?: r->before_up(r->dfd, r->ns_id);
	for (i = 0; !ret && i < r->nr; i++)
		ret = set_link(r, r->links[i], true);
	ret = ret ?: check_bridges(r);
	free(done);
	return ret;
}

int links_restore(int dfd, uint32_t id, int outside_fd, const char *const *ext, int nr_ext,
		  int (*before_up)(int dfd, uint32_t id))
{
	struct links_rst r = {
		.ns_id = id,
		.outside_fd = outside_fd,
		.ext = ext,
		.nr_ext = nr_ext,
		.dfd = dfd,
		.before_up = before_up,
		.peer_fd = -1,
	};
	size_t i;
	int ret;

	ret = read_links(&r, dfd) ?: netns_extra_read(dfd, id, &r.extra);
	if (!ret) {
		r.sk = rtnl_open();
		ret = r.sk ? 0 : -EIO;
	}
	if (!ret)
		ret = restore_all(&r);
	if (r.sk)
		nl_socket_free(r.sk);
	for (i = 0; i < r.nr; i++)
		net_device_entry__free_unpacked(r.links[i], NULL);
	free(r.links);
	netns_extra_free(r.extra);
	return ret;
}
