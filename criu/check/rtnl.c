/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check/rtnl.c - probes through netlink: sock_diag of raw sockets, network namespace ids,
 * and two link features tried on a veth pair that lives only in a child's own namespaces.
 */
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/inet_diag.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "probes.h"

#define NL_BUF	    16384
#define TEST_IFNAME "criu-ck0"
#define PEER_IFNAME "criu-ck1"
#define TEST_INDEX  1234

struct nl_req {
	struct nlmsghdr h;
	char body[1024];
};

/* Append an attribute at the end of h; its payload, or NULL if it does not fit. */
static struct rtattr *put_attr(struct nl_req *req, int type, const void *data, size_t len)
{
	struct nlmsghdr *h = &req->h;
	char *at = (char *)req + NLMSG_ALIGN(h->nlmsg_len);
	struct rtattr *rta = (struct rtattr *)at;

	if (NLMSG_ALIGN(h->nlmsg_len) + RTA_SPACE(len) > sizeof(*req))
		return NULL;
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (data)
		memcpy(RTA_DATA(rta), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static struct rtattr *nest_start(struct nl_req *req, int type)
{
	return put_attr(req, type, NULL, 0);
}

static void nest_end(struct nl_req *req, struct rtattr *nest)
{
	if (nest)
		nest->rta_len = (char *)req + req->h.nlmsg_len - (char *)nest;
}

typedef int (*nl_cb)(struct nlmsghdr *h, void *arg);

/* Read answers until the ack, the end of a dump or an error; cb sees each other message. */
static int nl_recv(int sk, nl_cb cb, void *arg)
{
	static char buf[NL_BUF] __attribute__((aligned(8)));
	struct nlmsghdr *h;
	ssize_t n;

	for (;;) {
		n = recv(sk, buf, sizeof(buf), 0);
		if (n <= 0)
			return -1;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (cb && cb(h, arg))
				return -1;
		}
	}
}

static int nl_talk(int proto, struct nlmsghdr *h, nl_cb cb, void *arg)
{
	struct timeval tmo = { .tv_sec = 5 }; /* a probe never hangs criu check */
	int sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto), ret = -1;

	if (sk < 0 || setsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo))) {
		if (sk >= 0)
			close(sk);
		return -1;
	}
	/* NLM_F_DUMP is two bits, one of them NLM_F_EXCL's value in a NEW request */
	if ((h->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		h->nlmsg_flags |= NLM_F_ACK;
	h->nlmsg_flags |= NLM_F_REQUEST;
	h->nlmsg_seq = 1;
	if (send(sk, h, h->nlmsg_len, 0) == (ssize_t)h->nlmsg_len)
		ret = nl_recv(sk, cb, arg);
	close(sk);
	return ret;
}

static int raw_diag(int family)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_raw r;
	} req;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_DUMP;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = IPPROTO_RAW;
	req.r.sdiag_raw_protocol = IPPROTO_RAW; /* every raw protocol */
	req.r.idiag_states = ~0u;
	return nl_talk(NETLINK_SOCK_DIAG, &req.h, NULL, NULL);
}

const char *probe_net_diag_raw(void)
{
	if (raw_diag(AF_INET) || raw_diag(AF_INET6))
		return "sock_diag of raw sockets is not available (raw_diag)";
	return NULL;
}

static int saw_newnsid(struct nlmsghdr *h, void *arg)
{
	if (h->nlmsg_type == RTM_NEWNSID)
		*(int *)arg = 1;
	return 0;
}

const char *probe_nsid(void)
{
	struct nl_req req = { .h = { .nlmsg_type = RTM_GETNSID } };
	struct rtgenmsg *g = NLMSG_DATA(&req.h);
	uint32_t pid = getpid();
	int seen = 0;

	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	put_attr(&req, NETNSA_PID, &pid, sizeof(pid));
	if (nl_talk(NETLINK_ROUTE, &req.h, saw_newnsid, &seen) || !seen)
		return "NSID isn't supported";
	return NULL;
}

/* A veth pair TEST_IFNAME/PEER_IFNAME; the peer in netns peer_ns unless -1. */
static int make_veth(int peer_ns)
{
	struct nl_req req = { .h = { .nlmsg_type = RTM_NEWLINK,
				     .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL } };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *info, *data, *peer;

	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifi));
	put_attr(&req, IFLA_IFNAME, TEST_IFNAME, sizeof(TEST_IFNAME));
	info = nest_start(&req, IFLA_LINKINFO);
	put_attr(&req, IFLA_INFO_KIND, "veth", 5);
	data = nest_start(&req, IFLA_INFO_DATA);
	peer = put_attr(&req, VETH_INFO_PEER, &ifi, sizeof(ifi));
	put_attr(&req, IFLA_IFNAME, PEER_IFNAME, sizeof(PEER_IFNAME));
	if (peer_ns >= 0)
		put_attr(&req, IFLA_NET_NS_FD, &peer_ns, sizeof(peer_ns));
	nest_end(&req, peer);
	nest_end(&req, data);
	nest_end(&req, info);
	return nl_talk(NETLINK_ROUTE, &req.h, NULL, NULL);
}

static int has_link_netnsid(struct nlmsghdr *h, void *arg)
{
	struct ifinfomsg *ifi = NLMSG_DATA(h);
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	struct rtattr *rta;

	if (h->nlmsg_type != RTM_NEWLINK)
		return 0;
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_LINK_NETNSID)
			*(int *)arg = 1;
	return 0;
}

/* In a child: a veth whose peer is in another (new) netns reports that netns' id. */
static int link_nsid_child(void)
{
	struct nl_req req = { .h = { .nlmsg_type = RTM_GETLINK } };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int first, seen = 0;

	if (unshare(CLONE_NEWNET))
		return -1;
	first = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (first < 0 || unshare(CLONE_NEWNET) || make_veth(first))
		return -1;
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifi));
	memcpy(NLMSG_DATA(&req.h), &ifi, sizeof(ifi));
	put_attr(&req, IFLA_IFNAME, TEST_IFNAME, sizeof(TEST_IFNAME));
	if (nl_talk(NETLINK_ROUTE, &req.h, has_link_netnsid, &seen))
		return -1;
	return seen ? 0 : -1;
}

const char *probe_link_nsid(void)
{
	return probe_in_child(link_nsid_child) ? "NSID of links (IFLA_LINK_NETNSID) isn't "
						 "supported, or no veth devices"
					       : NULL;
}

/* Move TEST_IFNAME into netns ns_fd, asking for index TEST_INDEX there. */
static int move_link(int ns_fd)
{
	struct nl_req req = { .h = { .nlmsg_type = RTM_NEWLINK } };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int index = TEST_INDEX;

	ifi.ifi_index = if_nametoindex(TEST_IFNAME);
	if (!ifi.ifi_index)
		return -1;
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifi));
	memcpy(NLMSG_DATA(&req.h), &ifi, sizeof(ifi));
	put_attr(&req, IFLA_NET_NS_FD, &ns_fd, sizeof(ns_fd));
	put_attr(&req, IFLA_NEW_IFINDEX, &index, sizeof(index));
	return nl_talk(NETLINK_ROUTE, &req.h, NULL, NULL);
}

/* In a child: a link moved to another (new) netns with IFLA_NEW_IFINDEX gets that index. */
static int new_ifindex_child(void)
{
	int first;

	if (unshare(CLONE_NEWNET))
		return -1;
	first = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (first < 0 || unshare(CLONE_NEWNET) || make_veth(-1) || move_link(first))
		return -1;
	if (setns(first, CLONE_NEWNET))
		return -1;
	return if_nametoindex(TEST_IFNAME) == TEST_INDEX ? 0 : -1;
}

const char *probe_newifindex(void)
{
	return probe_in_child(new_ifindex_child) ? "IFLA_NEW_IFINDEX isn't supported, or no veth "
						   "devices to try it on"
						 : NULL;
}
