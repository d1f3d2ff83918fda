// SPDX-License-Identifier: GPL-2.0
/*
 * net/netlink/restore.c - a netlink socket made again from its netlink_sk_entry: bound to
 * its port id (a port id taken by another socket fails the restore, naming it), joined to
 * each of its multicast groups, connected to its peer, with its socket options and, from
 * netlink-extra.img, its type and SOL_NETLINK flags.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "files.h"
#include "internal.h"
#include "log.h"
#include "sockopts.h"

int netlink_check(const FileEntry *fe)
{
	const NetlinkSkEntry *ne = fe->nlsk;

	if (!ne || ne->id != fe->id || !ne->opts || !ne->fown || ne->protocol >= MAX_LINKS ||
	    ne->n_groups > NL_MAX_GROUP_WORDS || ne->dst_group > 32 ||
	    (ne->state != NL_STATE_UNCONNECTED && ne->state != NL_STATE_CONNECTED)) {
		pr_err("files.img: file id %u has a bad netlink socket entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int bind_portid(int sk, const NetlinkSkEntry *ne)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_pid = ne->portid };
	int err;

	if (!ne->portid)
		return 0; /* never bound: the kernel picks one when it is used */
	if (!bind(sk, (struct sockaddr *)&nl, sizeof(nl)))
		return 0;
	err = errno;
	pr_err("Can't bind netlink socket:[%u] (protocol %u) to port id %u: %s%s\n", ne->ino,
	       ne->protocol, ne->portid, strerror(err),
	       err == EADDRINUSE ? " (another socket holds the port id now)" : "");
	return -err;
}

static int join_groups(int sk, const NetlinkSkEntry *ne)
{
	size_t w;
	int b;

	for (w = 0; w < ne->n_groups; w++)
		for (b = 0; b < 32; b++) {
			int group = w * 32 + b + 1;

			if (!(ne->groups[w] & (1U << b)))
				continue;
			if (setsockopt(sk, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
				       sizeof(group))) {
				pr_perror("Can't join netlink socket:[%u] (protocol %u) to "
					  "multicast group %d",
					  ne->ino, ne->protocol, group);
				return -errno;
			}
		}
	return 0;
}

static int connect_peer(int sk, const NetlinkSkEntry *ne)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_pid = ne->dst_portid };

	if (ne->state != NL_STATE_CONNECTED)
		return 0;
	if (ne->dst_group)
		nl.nl_groups = 1U << (ne->dst_group - 1);
	if (connect(sk, (struct sockaddr *)&nl, sizeof(nl))) {
		pr_perror("Can't connect netlink socket:[%u] to port id %u, group %u", ne->ino,
			  ne->dst_portid, ne->dst_group);
		return -errno;
	}
	return 0;
}

static int restore_flags(int sk, const NetlinkSkEntry *ne, const NetlinkExtraEntry *x)
{
	size_t i;

	for (i = 0; x && i < nr_nl_flags; i++) {
		const char *base = (const char *)x;
		int v;

		if (!*(const protobuf_c_boolean *)(base + nl_flags[i].has))
			continue;
		v = *(const protobuf_c_boolean *)(base + nl_flags[i].val);
		if (v && setsockopt(sk, SOL_NETLINK, nl_flags[i].opt, &v, sizeof(v))) {
			pr_perror("Can't set %s of netlink socket:[%u]", nl_flags[i].name, ne->ino);
			return -errno;
		}
	}
	return 0;
}

int netlink_open(struct rst_fds *rf, const FileEntry *fe)
{
	const NetlinkSkEntry *ne = fe->nlsk;
	const NetlinkExtraEntry *x;
	int sk, type = SOCK_RAW, ret;
	char what[64];

	ret = netlink_extra_find(rf, ne->ino, &x);
	if (ret)
		return ret;
	if (x && x->has_type)
		type = x->type;
	sk = socket(AF_NETLINK, type, ne->protocol);
	if (sk < 0) {
		pr_perror("Can't create netlink socket:[%u] (type %d, protocol %u)", ne->ino, type,
			  ne->protocol);
		return -errno;
	}
	ret = sk_opts_restore_bind(sk, ne->opts, ne->ino);
	ret = ret ?: bind_portid(sk, ne);
	ret = ret ?: join_groups(sk, ne);
	ret = ret ?: connect_peer(sk, ne);
	ret = ret ?: restore_flags(sk, ne, x);
	ret = ret ?: sk_opts_restore(sk, ne->opts, ne->ino);
	snprintf(what, sizeof(what), "netlink socket file id %u", fe->id);
	ret = ret ?: rst_set_fl(sk, ne->flags, what);
	if (ret) {
		close(sk);
		return ret;
	}
	return sk;
}
