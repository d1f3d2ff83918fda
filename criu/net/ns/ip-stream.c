/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/ip-stream.c - the images CRIU makes with "ip addr save", "ip [-6] route save" and
 * "ip [-6] rule save", made and read back here through libnl-3 instead of ten runs of
 * iproute2 per namespace (about 5 ms each). The format is iproute2's: a u32 magic of the
 * kind, then the kernel's answers to a dump request as they came, so that CRIU's `ip ...
 * restore` reads ours and we read CRIU's. What goes in is what iproute2 saves: every
 * address; the routes of the main table, not cloned ones; every rule of the family; and
 * more: the routes a user added to other tables (route_saved()).
 *
 * The restore sends each message back as a request to create it (NLM_F_CREATE, an
 * existing one is no error, as for iproute2), after tools.c's ip_stream_fit() dropped
 * what a new namespace has already. Routes go in three passes, as iproute2 orders them:
 * those without a gateway or a preferred source, then those with a source, then those
 * through a gateway, which need the others to find their next hop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "image.h"
#include "log.h"
#include "internal.h"

/* iproute2's magics, the first u32 of each stream */
#define IFADDR_STREAM_MAGIC 0x47361222
#define ROUTE_STREAM_MAGIC  0x45311224
#define RULE_STREAM_MAGIC   0x71706986

struct ip_stream_kind {
	enum img_type type;
	uint32_t magic;
	int dump_type; /* RTM_GET* */
	unsigned char family;
	const char *what;
};

static const struct ip_stream_kind kinds[] = {
	{ CR_FD_IFADDR, IFADDR_STREAM_MAGIC, RTM_GETADDR, AF_UNSPEC, "addresses" },
	{ CR_FD_ROUTE, ROUTE_STREAM_MAGIC, RTM_GETROUTE, AF_INET, "IPv4 routes" },
	{ CR_FD_ROUTE6, ROUTE_STREAM_MAGIC, RTM_GETROUTE, AF_INET6, "IPv6 routes" },
	{ CR_FD_RULE, RULE_STREAM_MAGIC, RTM_GETRULE, AF_INET, "IPv4 rules" },
	{ CR_FD_RULE6, RULE_STREAM_MAGIC, RTM_GETRULE, AF_INET6, "IPv6 rules" },
};

static const struct ip_stream_kind *kind_of(enum img_type type)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].type == type)
			return &kinds[i];
	return NULL;
}

struct stream_buf {
	char *data;
	size_t len, size;
	int err;
};

static int stream_add(struct stream_buf *b, const void *p, size_t len)
{
	char *grown;

	if (b->len + len > b->size) {
		size_t size = b->size ? b->size * 2 : 4096;

		while (size < b->len + len)
			size *= 2;
		grown = realloc(b->data, size);
		if (!grown)
			return -ENOMEM;
		b->data = grown;
		b->size = size;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return 0;
}

static uint32_t route_table(const struct nlmsghdr *h)
{
	const struct rtmsg *r = NLMSG_DATA(h);
	int len = RTM_PAYLOAD(h);
	const struct rtattr *rta;
	uint32_t table = r->rtm_table;

	for (rta = RTM_RTA(r); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == RTA_TABLE && RTA_PAYLOAD(rta) == sizeof(uint32_t))
			memcpy(&table, RTA_DATA(rta), sizeof(table));
	return table;
}

/*
 * iproute2's choice of routes, the main table's without the cache's clones, and a user's
 * routes of the other tables (`ip route save` leaves them out, so CRIU loses them; `ip
 * route restore` makes them as any other), not the kernel's own there (local, broadcast,
 * multicast: made again with the addresses).
 */
static bool route_saved(const struct nlmsghdr *h)
{
	const struct rtmsg *r = NLMSG_DATA(h);

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*r)) || (r->rtm_flags & RTM_F_CLONED))
		return false;
	return route_table(h) == RT_TABLE_MAIN || r->rtm_protocol != RTPROT_KERNEL;
}

static int keep_message(struct nl_msg *msg, void *arg)
{
	struct stream_buf *b = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_type == RTM_NEWROUTE && !route_saved(h))
		return NL_OK;
	if (!b->err)
		b->err = stream_add(b, h, h->nlmsg_len);
	return NL_OK;
}

static int dump_request(struct nl_sock *sk, const struct ip_stream_kind *k)
{
	struct rtmsg rtm = { .rtm_family = k->family };
	struct fib_rule_hdr frh = { .family = k->family };
	struct ifaddrmsg ifa = { .ifa_family = k->family };

	switch (k->dump_type) {
	case RTM_GETADDR:
		return nl_send_simple(sk, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	case RTM_GETROUTE:
		return nl_send_simple(sk, RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm));
	default:
		return nl_send_simple(sk, RTM_GETRULE, NLM_F_DUMP, &frh, sizeof(frh));
	}
}

static int dump_one(const struct ip_stream_kind *k, int dfd, uint32_t id)
{
	struct stream_buf b = {};
	struct nl_sock *sk = rtnl_open();
	struct cr_img *img;
	int ret;

	if (!sk)
		return -EIO;
	ret = stream_add(&b, &k->magic, sizeof(k->magic));
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, keep_message, &b);
	ret = ret ?: dump_request(sk, k);
	if (ret >= 0)
		ret = nl_recvmsgs_default(sk);
	nl_socket_free(sk);
	if (ret < 0 || b.err) {
		pr_err("Can't list the %s of network namespace %u: %s\n", k->what, id,
		       b.err ? strerror(-b.err) : nl_geterror(ret));
		free(b.data);
		return -EIO;
	}
	img = open_image_at(dfd, k->type, O_DUMP, id);
	ret = img ? img_write_buf(img, b.data, b.len) : -EIO;
	if (img)
		ret = close_image(img) ?: ret;
	free(b.data);
	return ret;
}

int ip_stream_dump(int dfd, uint32_t id)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		ret = dump_one(&kinds[i], dfd, id);
	return ret;
}

static bool has_attr(const struct nlmsghdr *h, unsigned short type)
{
	const struct rtmsg *r = NLMSG_DATA(h);
	int len = RTM_PAYLOAD(h);
	const struct rtattr *rta;

	for (rta = RTM_RTA(r); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == type)
			return true;
	return false;
}

/* The pass of a route: 0 direct, 1 direct with a preferred source, 2 through a gateway */
static int route_pass(const struct nlmsghdr *h)
{
	if (has_attr(h, RTA_GATEWAY) || has_attr(h, RTA_VIA) || has_attr(h, RTA_MULTIPATH))
		return 2;
	return has_attr(h, RTA_PREFSRC) ? 1 : 0;
}

static int send_one(struct nl_sock *sk, const struct nlmsghdr *h, const struct ip_stream_kind *k,
		    uint32_t id, int nr)
{
	struct nl_msg *msg = nlmsg_convert((struct nlmsghdr *)h);
	struct nlmsghdr *req;
	int ret;

	if (!msg)
		return -ENOMEM;
	req = nlmsg_hdr(msg);
	req->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK;
	req->nlmsg_seq = NL_AUTO_SEQ;
	req->nlmsg_pid = NL_AUTO_PORT;
	ret = rtnl_talk(sk, msg);
	if (ret == -EEXIST)
		return 0;
	if (ret)
		pr_err("Can't make %s number %d of network namespace %u's images: %s\n", k->what,
		       nr, id, ret < 0 ? strerror(-ret) : "no answer");
	return ret ? -EIO : 0;
}

static int send_all(struct nl_sock *sk, const char *buf, size_t len, const struct ip_stream_kind *k,
		    uint32_t id)
{
	int pass, passes = k->dump_type == RTM_GETROUTE ? 3 : 1, ret = 0;

	for (pass = 0; !ret && pass < passes; pass++) {
		size_t off = sizeof(uint32_t);
		int nr = 0;

		while (!ret && off + sizeof(struct nlmsghdr) <= len) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)(buf + off);

			if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - off) {
				pr_err("%s image of network namespace %u: a message cut short "
				       "at byte %zu: bad image\n",
				       k->what, id, off);
				return -EINVAL;
			}
			nr++;
			if (passes == 1 || route_pass(h) == pass)
				ret = send_one(sk, h, k, id, nr);
			off += NLMSG_ALIGN(h->nlmsg_len);
		}
	}
	return ret;
}

int ip_stream_restore(int dfd, enum img_type type, uint32_t id)
{
	const struct ip_stream_kind *k = kind_of(type);
	struct nl_sock *sk;
	char *buf = NULL;
	size_t len = 0;
	uint32_t magic;
	int ret;

	if (!k)
		return -EINVAL;
	ret = ip_stream_read(dfd, type, id, &buf, &len);
	if (ret || !buf)
		return ret;
	magic = 0;
	if (len >= sizeof(magic))
		memcpy(&magic, buf, sizeof(magic));
	if (magic != k->magic) {
		pr_err("The %s image of network namespace %u is no iproute2 stream (magic %#x, "
		       "not %#x): bad image\n",
		       k->what, id, magic, k->magic);
		free(buf);
		return -EINVAL;
	}
	sk = rtnl_open();
	ret = sk ? send_all(sk, buf, len, k, id) : -EIO;
	if (sk)
		nl_socket_free(sk);
	free(buf);
	return ret;
}
