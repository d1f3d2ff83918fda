// SPDX-License-Identifier: GPL-2.0
/*
 * net/netlink/extra.c - netlink-extra.img, ours: the type and flags of a netlink socket
 * that CRIU 4.2's images have no field for (images/netlink-extra.proto), one entry per
 * socket (sk-extra.h).
 */
#include "image.h"
#include "internal.h"
#include "sk-extra.h"

static const struct sk_extra_kind netlink_extra =
	SK_EXTRA_KIND("netlink-extra.img", CR_FD_NETLINK_EXTRA, &netlink_extra_entry__descriptor);

int netlink_extra_write(struct dump_ctx *dc, const NetlinkExtraEntry *x)
{
	return sk_extra_write(dc, &netlink_extra, &x->base);
}

int netlink_extra_find(struct rst_fds *rf, uint32_t ino, const NetlinkExtraEntry **x)
{
	return sk_extra_find(rf, &netlink_extra, ino, (const ProtobufCMessage **)x);
}
