// SPDX-License-Identifier: GPL-2.0
/*
 * net/packet/extra.c - packet-extra-ID.img, ours: the PACKET_* options CRIU 4.2's
 * packet_sock_entry has no field for (images/packet-extra.proto): PACKET_IGNORE_OUTGOING,
 * PACKET_QDISC_BYPASS, PACKET_TX_HAS_OFF and a virtio header of another size than
 * PACKET_VNET_HDR's (PACKET_VNET_HDR_SZ). Written only for a socket with one of them set.
 *
 * At restore PACKET_TX_HAS_OFF and PACKET_VNET_HDR_SZ go before the rings: the kernel
 * refuses the header size once a socket has a ring, and ignores PACKET_TX_HAS_OFF without
 * an error. The other two go after them, so that the frames that move a new ring on are
 * sent and seen as for any socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "internal.h"
#include "log.h"
#include "sockopts.h"

#include "packet-extra.pb-c.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
#ifndef PACKET_VNET_HDR_SZ
#define PACKET_VNET_HDR_SZ 24
#endif

#define VNET_HDR_LEN	 10 /* struct virtio_net_hdr: what PACKET_VNET_HDR gives */
#define VNET_HDR_MRG_LEN 12 /* struct virtio_net_hdr_mrg_rxbuf */
#define VNET_HDR_V1_LEN	 20 /* struct virtio_net_hdr_v1_hash, on kernels that take it */

/* An option a kernel without it does not have: 0, as a socket that never set it. */
static int read_opt(int sk, int opt, const char *name, uint32_t id, int *v)
{
	int ret = sk_opt_int(sk, SOL_PACKET, opt, v);

	if (ret == -ENOPROTOOPT) {
		*v = 0;
		return 0;
	}
	if (ret)
		pr_err("Can't read %s of packet socket file id %u: %s\n", name, id, strerror(-ret));
	return ret;
}

static int read_extra(int sk, const PacketSockEntry *pe, PacketExtraEntry *x)
{
	int ign, byp, off, vsz, ret;

	if (pe->type == SOCK_PACKET)
		return 0; /* the old interface has no socket options */
	ret = read_opt(sk, PACKET_IGNORE_OUTGOING, "PACKET_IGNORE_OUTGOING", pe->id, &ign);
	ret = ret ?: read_opt(sk, PACKET_QDISC_BYPASS, "PACKET_QDISC_BYPASS", pe->id, &byp);
	ret = ret ?: read_opt(sk, PACKET_TX_HAS_OFF, "PACKET_TX_HAS_OFF", pe->id, &off);
	ret = ret ?: read_opt(sk, PACKET_VNET_HDR_SZ, "PACKET_VNET_HDR_SZ", pe->id, &vsz);
	if (ret)
		return ret;
	x->has_ignore_outgoing = x->ignore_outgoing = !!ign;
	x->has_qdisc_bypass = x->qdisc_bypass = !!byp;
	x->has_tx_has_off = x->tx_has_off = !!off;
	/* 0 and 10 are in packet_sock_entry.vnet_hdr already */
	x->has_vnet_hdr_sz = vsz && vsz != VNET_HDR_LEN;
	x->vnet_hdr_sz = x->has_vnet_hdr_sz ? vsz : 0;
	return 0;
}

int packet_extra_dump(struct dump_ctx *dc, int sk, const PacketSockEntry *pe)
{
	PacketExtraEntry x = PACKET_EXTRA_ENTRY__INIT;
	struct cr_img *img;
	int ret;

	ret = read_extra(sk, pe, &x);
	if (ret || !(x.ignore_outgoing || x.qdisc_bypass || x.tx_has_off || x.has_vnet_hdr_sz))
		return ret;
	x.id = pe->id;
	img = open_image_at(dc->dfd, CR_FD_PACKET_EXTRA, O_DUMP, pe->id);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &x.base);
	return close_image(img) ?: ret;
}

static bool extra_fits(const PacketSockEntry *pe, const PacketExtraEntry *x)
{
	if (x->id != pe->id)
		return false;
	if (!x->has_vnet_hdr_sz)
		return true;
	return pe->vnet_hdr && pe->type == SOCK_RAW &&
	       (x->vnet_hdr_sz == VNET_HDR_MRG_LEN || x->vnet_hdr_sz == VNET_HDR_V1_LEN);
}

int packet_extra_read(struct rst_fds *rf, const PacketSockEntry *pe, PacketExtraEntry **x)
{
	struct cr_img *img = open_image_optional(rst_images_dfd(rf), CR_FD_PACKET_EXTRA, pe->id);
	int ret;

	*x = NULL;
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	ret = pb_read_one(img, &packet_extra_entry__descriptor, (ProtobufCMessage **)x);
	close_image(img);
	if (!ret && !extra_fits(pe, *x)) {
		pr_err("packet-extra-%u.img does not fit the socket (file id %u, type %u, "
		       "vnet_hdr %d, virtio header of %u bytes)\n",
		       pe->id, (*x)->id, pe->type, pe->vnet_hdr, (*x)->vnet_hdr_sz);
		ret = -EINVAL;
	}
	if (ret) {
		packet_extra_free(*x);
		*x = NULL;
	}
	return ret;
}

void packet_extra_free(PacketExtraEntry *x)
{
	if (x)
		packet_extra_entry__free_unpacked(x, NULL);
}

static int set_opt(int sk, int opt, int v, const char *name, uint32_t id)
{
	if (setsockopt(sk, SOL_PACKET, opt, &v, sizeof(v))) {
		pr_perror("Can't set %s of packet socket file id %u to %d", name, id, v);
		return -errno;
	}
	return 0;
}

int packet_extra_restore_early(int sk, const PacketSockEntry *pe, const PacketExtraEntry *x)
{
	int ret = 0;

	if (!x)
		return 0;
	if (x->has_vnet_hdr_sz)
		ret = set_opt(sk, PACKET_VNET_HDR_SZ, x->vnet_hdr_sz, "PACKET_VNET_HDR_SZ", pe->id);
	if (!ret && x->tx_has_off)
		ret = set_opt(sk, PACKET_TX_HAS_OFF, 1, "PACKET_TX_HAS_OFF", pe->id);
	return ret;
}

int packet_extra_restore_late(int sk, const PacketSockEntry *pe, const PacketExtraEntry *x)
{
	int ret = 0;

	if (!x)
		return 0;
	if (x->ignore_outgoing)
		ret = set_opt(sk, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING", pe->id);
	if (!ret && x->qdisc_bypass)
		ret = set_opt(sk, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS", pe->id);
	return ret;
}
