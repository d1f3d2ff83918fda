/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/tun.c - persistent tun/tap links (ip tuntap add ...) with no queue attached:
 * their flags (TUNGETIFF: tun or tap, packet info, vnet header, multi-queue, persist),
 * owner, group, vnet header size and send buffer, in net_device_entry.tun (CRIU's
 * tun_link_entry). The flags come from a queue criu attaches for a moment at dump, in the
 * tree's namespace (the tree is frozen). A tun held open by a task (a queue attached) is
 * refused: tun files are not restored yet.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>

#include <netlink/attr.h>

#include "log.h"
#include "internal.h"

#define TUN_DEV "/dev/net/tun"

/* Attach a queue to the persistent link name (flags must be its own), or create it. */
static int tun_open(const char *name, unsigned int flags, int ifindex)
{
	struct ifreq ifr = { .ifr_flags = flags & ~IFF_PERSIST };
	int fd = open(TUN_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		pr_perror("Can't open " TUN_DEV " for tun %s", name);
		return -errno;
	}
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if ((ifindex && ioctl(fd, TUNSETIFINDEX, &ifindex)) || ioctl(fd, TUNSETIFF, &ifr)) {
		pr_perror("Can't attach to tun %s (flags %#x)", name, flags);
		close(fd);
		return -EIO;
	}
	return fd;
}

/* The queues and the flags the kernel gives in the link's info. */
static int tun_info(const char *name, struct nlattr *linkinfo, unsigned int *flags)
{
	struct nlattr *info[IFLA_INFO_MAX + 1], *d[IFLA_TUN_MAX + 1];

	if (nla_parse_nested(info, IFLA_INFO_MAX, linkinfo, NULL) < 0 || !info[IFLA_INFO_DATA] ||
	    nla_parse_nested(d, IFLA_TUN_MAX, info[IFLA_INFO_DATA], NULL) < 0 ||
	    !d[IFLA_TUN_TYPE]) {
		pr_err("tun %s: the kernel gave no tun info\n", name);
		return -EINVAL;
	}
	if (!d[IFLA_TUN_PERSIST] || !nla_get_u8(d[IFLA_TUN_PERSIST]) ||
	    (d[IFLA_TUN_NUM_QUEUES] && nla_get_u32(d[IFLA_TUN_NUM_QUEUES]))) {
		pr_err("tun %s is held open by a task's file: tun files are not supported yet "
		       "(a persistent tun with no file open is)\n",
		       name);
		return -EOPNOTSUPP;
	}
	*flags = nla_get_u8(d[IFLA_TUN_TYPE]);
	if (d[IFLA_TUN_MULTI_QUEUE] && nla_get_u8(d[IFLA_TUN_MULTI_QUEUE]))
		*flags |= IFF_MULTI_QUEUE;
	if (d[IFLA_TUN_PI] && !nla_get_u8(d[IFLA_TUN_PI]))
		*flags |= IFF_NO_PI;
	if (d[IFLA_TUN_VNET_HDR] && nla_get_u8(d[IFLA_TUN_VNET_HDR]))
		*flags |= IFF_VNET_HDR;
	return 0;
}

int tun_fill(NetDeviceEntry *e, struct nlattr *linkinfo)
{
	struct ifreq ifr = {};
	unsigned int flags;
	TunLinkEntry *t;
	int fd, ret;

	ret = tun_info(e->name, linkinfo, &flags);
	if (ret)
		return ret;
	fd = tun_open(e->name, flags, 0);
	if (fd < 0)
		return fd;
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(fd);
		return -ENOMEM;
	}
	tun_link_entry__init(t);
	e->tun = t;
	if (ioctl(fd, TUNGETIFF, &ifr) || ioctl(fd, TUNGETVNETHDRSZ, &t->vnethdr) ||
	    ioctl(fd, TUNGETSNDBUF, &t->sndbuf)) {
		pr_perror("Can't read the settings of tun %s", e->name);
		ret = -EIO;
	}
	/* closing the queue leaves the persistent link as it was */
	close(fd);
	t->flags = (unsigned short)ifr.ifr_flags;
	return ret;
}

int tun_set_owner(const NetDeviceEntry *e, struct nlattr *linkinfo)
{
	struct nlattr *info[IFLA_INFO_MAX + 1], *d[IFLA_TUN_MAX + 1];

	e->tun->owner = e->tun->group = -1;
	if (nla_parse_nested(info, IFLA_INFO_MAX, linkinfo, NULL) < 0 || !info[IFLA_INFO_DATA] ||
	    nla_parse_nested(d, IFLA_TUN_MAX, info[IFLA_INFO_DATA], NULL) < 0)
		return -EINVAL;
	if (d[IFLA_TUN_OWNER])
		e->tun->owner = nla_get_u32(d[IFLA_TUN_OWNER]);
	if (d[IFLA_TUN_GROUP])
		e->tun->group = nla_get_u32(d[IFLA_TUN_GROUP]);
	return 0;
}

int tun_create(const NetDeviceEntry *e)
{
	const TunLinkEntry *t = e->tun;
	int fd, one = 1, ret = 0;

	if (!t) {
		pr_err("tun %s: the image has no tun entry\n", e->name);
		return -EINVAL;
	}
	fd = tun_open(e->name, t->flags, e->ifindex);
	if (fd < 0)
		return fd;
	if ((t->owner >= 0 && ioctl(fd, TUNSETOWNER, (unsigned long)t->owner)) ||
	    (t->group >= 0 && ioctl(fd, TUNSETGROUP, (unsigned long)t->group)) ||
	    ioctl(fd, TUNSETVNETHDRSZ, &t->vnethdr) || ioctl(fd, TUNSETSNDBUF, &t->sndbuf) ||
	    ioctl(fd, TUNSETPERSIST, (unsigned long)one)) {
		pr_perror("Can't set up tun %s (owner %d, group %d)", e->name, t->owner, t->group);
		ret = -EIO;
	}
	close(fd);
	return ret;
}
