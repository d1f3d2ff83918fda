// SPDX-License-Identifier: GPL-2.0
/*
 * net/netlink/dump.c - netlink sockets (NETLINK_ROUTE and every other protocol): saved as
 * CRIU's netlink_sk_entry (port id, multicast groups, peer port id and group) and, ours,
 * netlink-extra.img (type and SOL_NETLINK flags).
 *
 * The task's socket itself, fetched with pidfd_getfd(2), tells all: getsockname() the port
 * id, NETLINK_LIST_MEMBERSHIPS every group, getpeername() the peer. Refused, naming the
 * socket: messages or an error (ENOBUFS) waiting to be read (the kernel's replies or
 * notifications, which no one could send again), a socket of another network namespace,
 * groups above 1024. A peer group above 32 (connect() cannot name one either: its address
 * holds a mask of 32 groups) cannot be read.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "dump.h"
#include "files.h"
#include "internal.h"
#include "log.h"
#include "sockopts.h"

#define NL_FLAG(o, f)                                                                       \
	{                                                                                   \
		o, #o, offsetof(NetlinkExtraEntry, has_##f), offsetof(NetlinkExtraEntry, f) \
	}

const struct nl_flag nl_flags[] = {
	NL_FLAG(NETLINK_PKTINFO, pktinfo),
	NL_FLAG(NETLINK_BROADCAST_ERROR, broadcast_error),
	NL_FLAG(NETLINK_NO_ENOBUFS, no_enobufs),
	NL_FLAG(NETLINK_LISTEN_ALL_NSID, listen_all_nsid),
	NL_FLAG(NETLINK_CAP_ACK, cap_ack),
	NL_FLAG(NETLINK_EXT_ACK, ext_ack),
	NL_FLAG(NETLINK_GET_STRICT_CHK, get_strict_chk),
};

const size_t nr_nl_flags = sizeof(nl_flags) / sizeof(nl_flags[0]);

static bool netlink_match(const struct fd_parms *p)
{
	int family = task_sk_family(p);

	return family == AF_NETLINK;
}

static int nl_refuse(const struct fd_parms *p, const NetlinkSkEntry *ne, const char *why)
{
	pr_err("fd %d of task %d (socket:[%u], netlink protocol %u, port id %u): %s\n", p->fd,
	       p->pid, ne->ino, ne->protocol, ne->portid, why);
	return -EOPNOTSUPP;
}

/* Is the socket of the task's own network namespace? 1, 0 or -errno. */
static int same_netns(const struct fd_parms *p, int sk)
{
	struct stat task_ns, sk_ns;
	char path[64];
	int ns;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", p->pid);
	if (stat(path, &task_ns)) {
		pr_perror("Can't stat %s", path);
		return -errno;
	}
	ns = ioctl(sk, SIOCGSKNS);
	if (ns < 0) {
		pr_perror("Can't get the network namespace of socket fd %d of task %d", p->fd,
			  p->pid);
		return -errno;
	}
	if (fstat(ns, &sk_ns)) {
		pr_perror("Can't stat the network namespace of socket fd %d of task %d", p->fd,
			  p->pid);
		close(ns);
		return -errno;
	}
	close(ns);
	return sk_ns.st_ino == task_ns.st_ino && sk_ns.st_dev == task_ns.st_dev;
}

/* Every multicast group, as words of bits (bit 0 of word 0: group 1), zeroes cut off. */
static int dump_groups(int sk, NetlinkSkEntry *ne)
{
	uint32_t words[NL_MAX_GROUP_WORDS] = {};
	socklen_t len = sizeof(words);
	size_t n;

	if (getsockopt(sk, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, words, &len)) {
		pr_perror("Can't list the multicast groups of socket:[%u]", ne->ino);
		return -errno;
	}
	/* len is what the kernel has (it copied what fit) */
	n = len / sizeof(uint32_t);
	if (n > NL_MAX_GROUP_WORDS)
		return -E2BIG; /* the words beyond were not copied: refused by the caller */
	while (n && !words[n - 1])
		n--;
	if (!n)
		return 0;
	ne->groups = malloc(n * sizeof(uint32_t));
	if (!ne->groups)
		return -ENOMEM;
	memcpy(ne->groups, words, n * sizeof(uint32_t));
	ne->n_groups = n;
	return 0;
}

static int dump_names(int sk, NetlinkSkEntry *ne)
{
	struct sockaddr_nl nl = {};
	socklen_t len = sizeof(nl);

	if (getsockname(sk, (struct sockaddr *)&nl, &len)) {
		pr_perror("Can't read the port id of socket:[%u]", ne->ino);
		return -errno;
	}
	ne->portid = nl.nl_pid;
	len = sizeof(nl);
	memset(&nl, 0, sizeof(nl));
	if (getpeername(sk, (struct sockaddr *)&nl, &len)) {
		pr_perror("Can't read the peer of socket:[%u]", ne->ino);
		return -errno;
	}
	ne->dst_portid = nl.nl_pid;
	/* a group above 32 reads as no group at all */
	ne->dst_group = ffs(nl.nl_groups);
	ne->state = ne->dst_portid || ne->dst_group ? NL_STATE_CONNECTED : NL_STATE_UNCONNECTED;
	return 0;
}

static int dump_flags(int sk, NetlinkSkEntry *ne, NetlinkExtraEntry *x)
{
	int type, v, ret;
	size_t i;

	ret = sk_opt_int(sk, SOL_SOCKET, SO_TYPE, &type);
	if (ret) {
		pr_err("Can't read the type of socket:[%u]: %s\n", ne->ino, strerror(-ret));
		return ret;
	}
	x->has_type = 1;
	x->type = type;
	for (i = 0; i < nr_nl_flags; i++) {
		ret = sk_opt_int(sk, SOL_NETLINK, nl_flags[i].opt, &v);
		if (ret) {
			pr_err("Can't read %s of socket:[%u]: %s\n", nl_flags[i].name, ne->ino,
			       strerror(-ret));
			return ret;
		}
		*(protobuf_c_boolean *)((char *)x + nl_flags[i].has) = 1;
		*(protobuf_c_boolean *)((char *)x + nl_flags[i].val) = !!v;
	}
	return 0;
}

/* What the socket holds that can't be made again: refuse. */
static int check_queue(const struct fd_parms *p, int sk, const NetlinkSkEntry *ne)
{
	struct pollfd pfd = { .fd = sk, .events = POLLIN };

	if (poll(&pfd, 1, 0) != 1)
		return 0;
	if (pfd.revents & POLLERR)
		return nl_refuse(p, ne,
				 "an error (lost messages: ENOBUFS) waiting to be read: not "
				 "supported yet");
	if (pfd.revents & POLLIN)
		return nl_refuse(p, ne,
				 "messages (replies or notifications) waiting to be read: not "
				 "supported yet");
	return 0;
}

static int dump_state(const struct fd_parms *p, int sk, NetlinkSkEntry *ne, NetlinkExtraEntry *x)
{
	int ret;

	ret = sk_opt_int(sk, SOL_SOCKET, SO_PROTOCOL, (int *)&ne->protocol);
	if (ret) {
		pr_err("Can't read the protocol of socket:[%u]: %s\n", ne->ino, strerror(-ret));
		return ret;
	}
	ret = dump_names(sk, ne);
	if (ret)
		return ret;
	ret = same_netns(p, sk);
	if (ret == 0)
		return nl_refuse(p, ne,
				 "a socket of another network namespace than its task's: not "
				 "supported yet");
	if (ret < 0)
		return ret;
	ret = dump_groups(sk, ne);
	if (ret == -E2BIG)
		return nl_refuse(p, ne, "in multicast groups above 1024: not supported yet");
	ret = ret ?: dump_flags(sk, ne, x);
	ret = ret ?: sk_opts_dump(sk, ne->opts, ne->ino);
	return ret ?: check_queue(p, sk, ne);
}

static int netlink_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	NetlinkSkEntry *ne = malloc(sizeof(*ne));
	NetlinkExtraEntry x = NETLINK_EXTRA_ENTRY__INIT;
	int sk, ret;

	if (!ne)
		return -ENOMEM;
	netlink_sk_entry__init(ne);
	fe->nlsk = ne;
	ne->id = fe->id;
	ne->ino = p->st.st_ino;
	ne->flags = p->flags;
	ne->fown = p->fown;
	ne->opts = malloc(sizeof(*ne->opts));
	if (!ne->opts)
		return -ENOMEM;
	sk_opts_entry__init(ne->opts);
	sk = task_fd_take(p->pid, p->fd);
	if (sk < 0)
		return sk;
	ret = dump_state(p, sk, ne, &x);
	close(sk);
	x.ino = ne->ino;
	ret = ret ?: netlink_extra_write(dc, &x);
	pr_debug("socket:[%u]: netlink protocol %u port id %u -> %u/%u, %zu group words\n", ne->ino,
		 ne->protocol, ne->portid, ne->dst_portid, ne->dst_group, ne->n_groups);
	return ret;
}

static FownEntry *netlink_fown(const FileEntry *fe)
{
	return fe->nlsk ? fe->nlsk->fown : NULL;
}

const struct fd_handler netlink_handler = {
	.type = FD_TYPES__NETLINKSK,
	.name = "netlink socket",
	.match = netlink_match,
	.dump = netlink_dump,
	.check = netlink_check,
	.open = netlink_open,
	.fown = netlink_fown,
};
