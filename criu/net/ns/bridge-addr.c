/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/bridge-addr.c - how each link's address was given (the kernel's addr_assign_type),
 * saved in netns-extra-ID.img for every link and used for bridges: a bridge whose address a
 * user set (NET_ADDR_SET, by `ip link set BR address` or an address given at its creation)
 * keeps it; any other takes the lowest address of its ports, and again each time a port
 * joins, leaves or changes its address (br_stp_recalculate_bridge_id). No rtnetlink attribute tells
 * which: sysfs's addr_assign_type does, in a sysfs of the namespace, which criu makes as a detached
 * mount (fsopen, fsmount) while it is in the tree's namespace: nothing is mounted anywhere. At
 * restore a following bridge is made without its address and the check after its ports are up says
 * whether it took the dumped one from them. A bridge without a port keeps its address, which only a
 * user's request can give: it is set, and so follows no port joining later (a bridge whose ports
 * all left has 00:00:00:00:00:00, which no request can set: it gets a random one, and the restore
 * warns).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "array.h"
#include "log.h"
#include "internal.h"

#include "netns-extra.pb-c.h"

/* include/linux/netdevice.h's NET_ADDR_SET: an address a user gave */
#define ADDR_SET_BY_USER 3
#define ETH_LEN		 6

/* A sysfs of the current network namespace, mounted nowhere: its root's fd, or -errno */
static int sysfs_here(void)
{
	int fs = fsopen("sysfs", FSOPEN_CLOEXEC), mnt = -1, ret = 0;

	if (fs < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		ret = -errno;
	if (!ret) {
		mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY);
		ret = mnt < 0 ? -errno : 0;
	}
	if (fs >= 0)
		close(fs);
	if (ret)
		pr_err("Can't make a sysfs of the tree's network namespace to read its links' "
		       "addr_assign_type: %s\n",
		       strerror(-ret));
	return ret ?: mnt;
}

/* The number in file name of link dir, or -errno (said) */
static long read_number(int dir, const char *link, const char *name)
{
	char buf[32], path[IF_NAMESIZE + 48];
	ssize_t n = -1;
	long v = -1;
	int fd;

	snprintf(path, sizeof(path), "class/net/%s/%s", link, name);
	fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n > 0) {
		buf[n] = '\0';
		v = strtol(buf, NULL, 10);
	}
	if (v < 0) {
		pr_err("Can't read %s of link %s in the tree's sysfs\n", name, link);
		return -EIO;
	}
	return v;
}

static int add_link(NetnsExtraEntry *x, int sys, const char *name)
{
	long idx = read_number(sys, name, "ifindex");
	long type = idx < 0 ? idx : read_number(sys, name, "addr_assign_type");
	NetdevExtra *l;

	if (type < 0)
		return type;
	l = malloc(sizeof(*l));
	if (!l || ARRAY_RESERVE(x->links, x->n_links, 1)) {
		free(l);
		return -ENOMEM;
	}
	netdev_extra__init(l);
	l->ifindex = idx;
	l->has_addr_assign_type = true;
	l->addr_assign_type = type;
	x->links[x->n_links++] = l;
	return 0;
}

int link_addr_types_read(NetnsExtraEntry *x)
{
	int sys = sysfs_here(), dfd, ret = 0;
	struct dirent *de;
	DIR *d;

	if (sys < 0)
		return sys;
	dfd = openat(sys, "class/net", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		pr_perror("Can't list class/net in the tree's sysfs");
		if (dfd >= 0)
			close(dfd);
		close(sys);
		return -EIO;
	}
	while (!ret && (de = readdir(d)))
		if (de->d_name[0] != '.')
			ret = add_link(x, sys, de->d_name);
	closedir(d);
	close(sys);
	return ret;
}

void link_addr_types_free(NetnsExtraEntry *x)
{
	size_t i;

	for (i = 0; i < x->n_links; i++)
		free(x->links[i]);
	free(x->links);
	x->links = NULL;
	x->n_links = 0;
}

static bool has_port(const NetDeviceEntry *const *links, size_t nr, uint32_t ifindex)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (links[i]->has_master && links[i]->master == ifindex)
			return true;
	return false;
}

static bool all_zero(const NetDeviceEntry *e)
{
	size_t i;

	for (i = 0; i < e->address.len; i++)
		if (e->address.data[i])
			return false;
	return true;
}

bool bridge_follows_ports(const NetnsExtraEntry *x, const NetDeviceEntry *const *links, size_t nr,
			  const NetDeviceEntry *br)
{
	size_t i;

	if (!x || br->type != ND_TYPE__BRIDGE || !br->has_address)
		return false;
	for (i = 0; i < x->n_links; i++) {
		const NetdevExtra *l = x->links[i];

		if (l->ifindex != br->ifindex || !l->has_addr_assign_type ||
		    l->addr_assign_type == ADDR_SET_BY_USER)
			continue;
		/* no port to take it from: set, unless it is none (no request sets zeros) */
		return has_port(links, nr, br->ifindex) || all_zero(br);
	}
	return false; /* not listed (CRIU's images): set, as CRIU does */
}

static void mac_text(const uint8_t *m, size_t len, char *buf, size_t size)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < len && off + 4 < size; i++)
		off += snprintf(buf + off, size - off, "%s%02x", i ? ":" : "", m[i]);
}

int bridge_addr_check(const NetDeviceEntry *const *links, size_t nr, const NetDeviceEntry *br)
{
	struct ifreq ifr = {};
	char want[32], got[32];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", br->name);
	if (s < 0 || ioctl(s, SIOCGIFHWADDR, &ifr)) {
		pr_perror("Can't read the address of bridge %s", br->name);
		ret = -EIO;
	}
	if (s >= 0)
		close(s);
	if (ret || br->address.len != ETH_LEN ||
	    !memcmp(ifr.ifr_hwaddr.sa_data, br->address.data, ETH_LEN))
		return ret;
	mac_text(br->address.data, ETH_LEN, want, sizeof(want));
	mac_text((uint8_t *)ifr.ifr_hwaddr.sa_data, ETH_LEN, got, sizeof(got));
	if (!has_port(links, nr, br->ifindex)) {
		pr_warn("Bridge %s had no port and the address %s, which no request can give: it "
			"has %s now\n",
			br->name, want, got);
		return 0;
	}
	pr_err("Bridge %s (index %u) took its address from its ports when dumped (%s), but its "
	       "restored ports give it %s; were they changed in the images?\n",
	       br->name, br->ifindex, want, got);
	return -EINVAL;
}
