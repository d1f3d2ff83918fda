/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/netlink/internal.h - what the netlink socket files share: net/netlink/dump.c (the
 * handler, and the dump of a socket's port id, groups, peer and flags), restore.c (making
 * it again) and extra.c (netlink-extra.img, ours). Not for other modules: they see netlink
 * sockets through netlink_handler. May call: log.h, files.h, dump.h, image.h, sockopts.h.
 */
#ifndef CRIU_NET_NETLINK_INTERNAL_H
#define CRIU_NET_NETLINK_INTERNAL_H

#include <stdint.h>

#include "fdinfo.pb-c.h"
#include "netlink-extra.pb-c.h"
#include "sk-netlink.pb-c.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* NETLINK_CONNECTED of the kernel (netlink_sk_entry.state): connect() gave it a peer. */
#define NL_STATE_UNCONNECTED 0
#define NL_STATE_CONNECTED   1

/* The most multicast groups a socket may be in that we take: 32 words of bits. */
#define NL_MAX_GROUP_WORDS 32

struct dump_ctx;
struct rst_fds;

/* One SOL_NETLINK flag: the option and where netlink_extra_entry keeps it. */
struct nl_flag {
	int opt;
	const char *name;
	size_t has; /* offset of has_X */
	size_t val; /* offset of X (a protobuf-c boolean) */
};

extern const struct nl_flag nl_flags[];
extern const size_t nr_nl_flags;

/*
 * net/netlink/extra.c: netlink-extra.img. Dump: one entry per socket. Restore: the entry of
 * socket:[ino] in *x, or NULL if there is none (images CRIU wrote); 0 or -errno.
 */
int netlink_extra_write(struct dump_ctx *dc, const NetlinkExtraEntry *x);
int netlink_extra_find(struct rst_fds *rf, uint32_t ino, const NetlinkExtraEntry **x);

/* net/netlink/restore.c */
int netlink_check(const FileEntry *fe);
int netlink_open(struct rst_fds *rf, const FileEntry *fe);

#endif /* CRIU_NET_NETLINK_INTERNAL_H */
