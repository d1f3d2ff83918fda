// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/extra.c - inet-extra.img, ours: the options of an inet socket that CRIU 4.2's
 * images have no field for (images/inet-extra.proto), one entry per socket (sk-extra.h).
 */
#include "image.h"
#include "internal.h"
#include "sk-extra.h"

static const struct sk_extra_kind inet_extra =
	SK_EXTRA_KIND("inet-extra.img", CR_FD_INET_EXTRA, &inet_extra_entry__descriptor);

int inet_extra_write(struct dump_ctx *dc, const InetExtraEntry *x)
{
	return sk_extra_write(dc, &inet_extra, &x->base);
}

int inet_extra_find(struct rst_fds *rf, uint32_t ino, const InetExtraEntry **x)
{
	return sk_extra_find(rf, &inet_extra, ino, (const ProtobufCMessage **)x);
}
