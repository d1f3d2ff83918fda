// SPDX-License-Identifier: GPL-2.0
/*
 * net/packet/ring.c - PACKET_RX_RING and PACKET_TX_RING: a packet socket's rings, and the
 * program's mapping of them (packet-ring.h).
 *
 * The rings' geometry is in CRIU's packet_sock_entry (rx_ring, tx_ring, from packet_diag);
 * the mapping is a VMA of CRIU's kind VMA_AREA_SOCKET, MAP_SHARED at offset 0, whose shmid
 * is the socket's file id: at restore the socket is made with its rings first (files come
 * before memory), then the restorer maps it at the same address.
 *
 * A TPACKET_V1/V2 receive ring keeps its frames: the whole ring, as criu's own mapping of
 * the socket reads it, goes to packet-ring-ID.img, with the frame the kernel fills next.
 * The kernel can't be told that position, and a new ring starts at frame 0: the restore
 * moves it there the only way the kernel moves it, by frames the socket receives. It sends
 * that many frames on lo (the socket's protocol, or 0x88b5, IEEE's "local experimental",
 * for ETH_P_ALL), each alone and seen into its frame, before the socket has its filter and
 * fanout group; then writes the dumped ring over them. Other packet sockets on lo see those
 * frames too. The position is found from the frames' receive times: the kernel fills them
 * in order, so the next is the one after the latest.
 * A TPACKET_V3 receive ring keeps its blocks the same way, and the kernel's block in it
 * (net/packet/ring-v3.c).
 * A transmit ring that was used keeps its frames too (after the receive ring's), and the
 * kernel's place in it (net/packet/ring-tx.c).
 * A socket bound to another interface is bound to lo for that, and to its interface once
 * its ring is back (net/packet/restore.c): the frames it receives there go on from the
 * ring's position.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "internal.h"
#include "log.h"
#include "packet-ring.h"
#include "restore-ctx.h"
#include "vma-status.h"

#include "packet-ring.pb-c.h"

#define LO_IFINDEX     1      /* every network namespace's lo */
#define ETH_P_LOCAL    0x88b5 /* IEEE 802 local experimental ethertype */
#define FRAME_WAIT_MS  1000
#define RING_MAX_BYTES (1ull << 32)

static uint64_t ring_bytes(const PacketRing *r)
{
	return r ? (uint64_t)r->block_size * r->block_nr : 0;
}

/* Frame i of a V1/V2 ring: frames fill each block from its start, none spans two. */
uint8_t *packet_frame_at(uint8_t *ring, const PacketRing *r, uint32_t i)
{
	uint32_t per_block = r->block_size / r->frame_size;

	return ring + (uint64_t)(i / per_block) * r->block_size +
	       (uint64_t)(i % per_block) * r->frame_size;
}

static unsigned long frame_status(const volatile uint8_t *f, uint32_t version)
{
	return version == TPACKET_V1 ? ((const volatile struct tpacket_hdr *)f)->tp_status
				     : ((const volatile struct tpacket2_hdr *)f)->tp_status;
}

/* When frame f was filled, in ns (0: never). */
static uint64_t frame_time(const uint8_t *f, uint32_t version)
{
	if (version == TPACKET_V1) {
		const struct tpacket_hdr *h = (const struct tpacket_hdr *)f;

		return h->tp_sec * 1000000000ull + h->tp_usec * 1000ull;
	}
	const struct tpacket2_hdr *h2 = (const struct tpacket2_hdr *)f;

	return h2->tp_sec * 1000000000ull + h2->tp_nsec;
}

/* The frame the kernel fills next: the one after the latest filled. */
static uint32_t rx_head(uint8_t *ring, const PacketRing *r, uint32_t version)
{
	uint64_t latest = 0, t;
	uint32_t i, head = 0;

	for (i = 0; i < r->frame_nr; i++) {
		t = frame_time(packet_frame_at(ring, r, i), version);
		if (t > latest) {
			latest = t;
			head = (i + 1) % r->frame_nr;
		}
	}
	return head;
}

/* Nothing was ever received or sent through it: a new ring is the same. */
static bool ring_unused(const uint8_t *ring, const PacketRing *r, uint32_t version, bool rx)
{
	uint64_t i, len = ring_bytes(r);

	if (version == TPACKET_V3 && rx) {
		for (i = 0; i < r->block_nr; i++) {
			const struct tpacket_block_desc *b =
				(const void *)(ring + i * r->block_size);

			/* the kernel opens the first block (sequence 1) as the ring is made */
			if (b->hdr.bh1.num_pkts || b->hdr.bh1.block_status ||
			    b->hdr.bh1.seq_num > (i == 0))
				return false;
		}
		return true;
	}
	/* the kernel gives a ring zeroed pages */
	for (i = 0; i < len; i++)
		if (ring[i])
			return false;
	return true;
}

static PacketRing *take_ring(const struct packet_diag_ring *d)
{
	PacketRing *r = malloc(sizeof(*r));

	if (!r)
		return NULL;
	packet_ring__init(r);
	r->block_size = d->pdr_block_size;
	r->block_nr = d->pdr_block_nr;
	r->frame_size = d->pdr_frame_size;
	r->frame_nr = d->pdr_frame_nr;
	r->retire_tmo = d->pdr_retire_tmo;
	r->sizeof_priv = d->pdr_sizeof_priv;
	r->features = d->pdr_features;
	return r;
}

/* Where the kernel is in the rings (ring.c, ring-v3.c, ring-tx.c). */
struct ring_place {
	uint32_t rx_head, tx_head;
	bool rx_frozen, tx_used;
};

static int write_rings(struct dump_ctx *dc, const PacketSockEntry *pe, const struct ring_place *pl,
		       const uint8_t *map)
{
	PacketRingEntry e = PACKET_RING_ENTRY__INIT;
	struct cr_img *img = open_image_at(dc->dfd, CR_FD_PACKET_RING, O_DUMP, pe->id);
	int ret;

	if (!img)
		return -EIO;
	e.id = pe->id;
	e.rx_head = pl->rx_head;
	e.has_rx_frozen = e.rx_frozen = pl->rx_frozen;
	e.rx_len = ring_bytes(pe->rx_ring);
	if (pl->tx_used) {
		e.has_tx_head = e.has_tx_len = true;
		e.tx_head = pl->tx_head;
		e.tx_len = ring_bytes(pe->tx_ring);
	}
	/* the receive ring, then the transmit ring: as the kernel maps them */
	ret = pb_write_one(img, &e.base);
	ret = ret ?: img_write_buf(img, map, (uint64_t)e.rx_len + e.tx_len);
	return close_image(img) ?: ret;
}

static int check_v3(const struct fd_parms *p, PacketSockEntry *pe, uint8_t *map,
		    struct ring_place *pl)
{
	int ret = 0;

	if (!ring_unused(map, pe->rx_ring, pe->version, true))
		ret = packet_v3_rx_place(p, pe, map, &pl->rx_head, &pl->rx_frozen);
	if (!ret)
		pr_info("packet socket file id %u: receive ring of %u blocks, the kernel's is "
			"%u%s\n",
			pe->id, pe->rx_ring->block_nr, pl->rx_head,
			pl->rx_frozen ? " (frozen)" : "");
	return ret;
}

static int check_rx(const struct fd_parms *p, PacketSockEntry *pe, uint8_t *map,
		    struct ring_place *pl)
{
	if (pe->version == TPACKET_V3)
		return check_v3(p, pe, map, pl);
	pl->rx_head = rx_head(map, pe->rx_ring, pe->version);
	pr_info("packet socket file id %u: receive ring of %u frames, the next is %u\n", pe->id,
		pe->rx_ring->frame_nr, pl->rx_head);
	return 0;
}

static int check_rings(struct dump_ctx *dc, const struct fd_parms *p, PacketSockEntry *pe,
		       uint8_t *map)
{
	uint8_t *tx = map + ring_bytes(pe->rx_ring);
	struct ring_place pl = {};
	int ret = 0;

	if (pe->tx_ring && !ring_unused(tx, pe->tx_ring, pe->version, false)) {
		pl.tx_used = true;
		ret = packet_tx_place(p, pe, tx, &pl.tx_head);
		if (!ret)
			pr_info("packet socket file id %u: transmit ring used, the kernel sends "
				"frame %u next\n",
				pe->id, pl.tx_head);
	}
	if (!ret && pe->rx_ring)
		ret = check_rx(p, pe, map, &pl);
	if (ret || (!pe->rx_ring && !pl.tx_used))
		return ret;
	return write_rings(dc, pe, &pl, map);
}

int packet_dump_rings(struct dump_ctx *dc, const struct fd_parms *p, int sk,
		      const struct packet_diag_sk *d, PacketSockEntry *pe)
{
	uint64_t len;
	void *map;
	int ret;

	if (!d->has_rx_ring && !d->has_tx_ring)
		return 0;
	pe->rx_ring = d->has_rx_ring ? take_ring(&d->rx_ring) : NULL;
	pe->tx_ring = d->has_tx_ring ? take_ring(&d->tx_ring) : NULL;
	if ((d->has_rx_ring && !pe->rx_ring) || (d->has_tx_ring && !pe->tx_ring))
		return -ENOMEM;
	len = ring_bytes(pe->rx_ring) + ring_bytes(pe->tx_ring);
	/* criu's own view of the rings: the kernel maps both, the receive ring first */
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, sk, 0);
	if (map == MAP_FAILED) {
		pr_perror("Can't map the rings of packet socket file id %u", pe->id);
		return -errno;
	}
	ret = check_rings(dc, p, pe, map);
	munmap(map, len);
	return ret;
}

/* ---- the program's mapping ---- */

int packet_ring_vma(struct dump_ctx *dc, const char *what, const struct stat *st, VmaEntry *v)
{
	const struct fd_walk *w = &dc->tree->seen_fds;
	size_t i;

	for (i = 0; i < w->nr; i++) {
		const struct seen_fd *s = &w->seen[i];

		if (s->dev != st->st_dev || s->ino != st->st_ino)
			continue;
		if (s->type != FD_TYPES__PACKETSK)
			break;
		v->status |= VMA_AREA_SOCKET;
		v->flags = MAP_SHARED;
		v->shmid = s->id;
		return 0;
	}
	pr_err("Mapping %llx-%llx of %s: only the rings of a packet socket an fd of the tree "
	       "holds can be mapped (a socket closed since, or of another kind): not supported\n",
	       (unsigned long long)v->start, (unsigned long long)v->end, what);
	return -EOPNOTSUPP;
}

/* ---- restore ---- */

static int set_ring(int sk, int opt, const PacketRing *r, uint32_t version, uint32_t id)
{
	struct tpacket_req3 req = {
		.tp_block_size = r->block_size,
		.tp_block_nr = r->block_nr,
		.tp_frame_size = r->frame_size,
		.tp_frame_nr = r->frame_nr,
		.tp_retire_blk_tov = r->retire_tmo,
		.tp_sizeof_priv = r->sizeof_priv,
		.tp_feature_req_word = r->features,
	};
	socklen_t len = version == TPACKET_V3 ? sizeof(req) : sizeof(struct tpacket_req);

	if (setsockopt(sk, SOL_PACKET, opt, &req, len)) {
		pr_perror("Can't make the %s ring of packet socket file id %u again (%u blocks "
			  "of %u bytes, %u frames of %u)",
			  opt == PACKET_RX_RING ? "receive" : "transmit", id, r->block_nr,
			  r->block_size, r->frame_nr, r->frame_size);
		return -errno;
	}
	return 0;
}

static bool ring_img_fits(const PacketSockEntry *pe, const PacketRingEntry *e)
{
	const PacketRing *rx = pe->rx_ring, *tx = pe->tx_ring;

	if (e->id != pe->id || e->rx_len != ring_bytes(rx) ||
	    (rx && e->rx_head >= (pe->version == TPACKET_V3 ? rx->block_nr : rx->frame_nr)))
		return false;
	if (e->has_tx_len != e->has_tx_head)
		return false;
	return !e->has_tx_len || (tx && e->tx_len == ring_bytes(tx) && e->tx_head < tx->frame_nr);
}

/* packet-ring-ID.img: *e NULL where there is none (no receive ring, an unused transmit one). */
static int read_rings(struct rst_fds *rf, const PacketSockEntry *pe, PacketRingEntry **e,
		      uint8_t **bytes)
{
	struct cr_img *img = open_image_optional(rst_images_dfd(rf), CR_FD_PACKET_RING, pe->id);
	uint64_t len;
	int ret;

	*bytes = NULL;
	*e = NULL;
	if (!img && errno == ENOENT && !pe->rx_ring)
		return 0;
	if (!img) {
		if (errno == ENOENT)
			pr_err("packet-ring-%u.img is missing: the socket has a receive ring\n",
			       pe->id);
		return -EIO;
	}
	ret = pb_read_one(img, &packet_ring_entry__descriptor, (ProtobufCMessage **)e);
	if (!ret && !ring_img_fits(pe, *e)) {
		pr_err("packet-ring-%u.img does not fit the socket's rings\n", pe->id);
		ret = -EINVAL;
	}
	if (!ret) {
		len = (uint64_t)(*e)->rx_len + (*e)->tx_len;
		*bytes = malloc(len ?: 1);
		ret = *bytes ? img_read_buf(img, *bytes, len) : -ENOMEM;
	}
	close_image(img);
	return ret;
}

/* Frame i of the new ring filled by the kernel (or a stray frame already there). */
static int wait_filled(uint8_t *ring, const PacketSockEntry *pe, uint32_t i)
{
	struct timespec tick = { 0, 1000000 };
	const volatile uint8_t *f = packet_frame_at(ring, pe->rx_ring, i);
	int n;

	for (n = 0; n < FRAME_WAIT_MS; n++) {
		if (frame_status(f, pe->version) & TP_STATUS_USER)
			return 0;
		nanosleep(&tick, NULL);
	}
	pr_err("packet socket file id %u: a frame sent on lo to move its receive ring on did "
	       "not reach it\n",
	       pe->id);
	return -EIO;
}

int packet_lo_tx_open(struct packet_lo_tx *t, const PacketSockEntry *pe)
{
	int one = 1;

	t->proto = pe->protocol == ETH_P_ALL ? ETH_P_LOCAL : pe->protocol;
	t->id = pe->id;
	t->buf = calloc(1, PACKET_LO_FRAME_MAX);
	t->fd = socket(AF_PACKET, SOCK_RAW, 0);
	/* straight to the device: no copy to the packet sockets that watch what goes out */
	if (!t->buf || t->fd < 0 ||
	    setsockopt(t->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		pr_perror("Can't open a packet socket to move the receive ring of file id %u on",
			  pe->id);
		packet_lo_tx_close(t);
		return -EIO;
	}
	t->buf[12] = t->proto >> 8;
	t->buf[13] = t->proto & 0xff;
	return 0;
}

int packet_lo_tx_send(struct packet_lo_tx *t, size_t len)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(t->proto),
				  .sll_ifindex = LO_IFINDEX };

	if (sendto(t->fd, t->buf, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		pr_perror("Can't send a frame on lo for packet socket file id %u", t->id);
		return -errno;
	}
	return 0;
}

void packet_lo_tx_close(struct packet_lo_tx *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	t->fd = -1;
	t->buf = NULL;
}

/* Frames received until the kernel's next frame is head, as it was at dump. */
static int move_head(uint8_t *ring, const PacketSockEntry *pe, uint32_t head)
{
	struct packet_lo_tx t;
	int ret = 0;
	uint32_t i;

	if (!head)
		return 0;
	ret = packet_lo_tx_open(&t, pe);
	if (ret)
		return ret;
	for (i = 0; !ret && i < head; i++) {
		if (frame_status(packet_frame_at(ring, pe->rx_ring, i), pe->version) &
		    TP_STATUS_USER)
			continue;
		ret = packet_lo_tx_send(&t, ETH_ZLEN) ?: wait_filled(ring, pe, i);
	}
	packet_lo_tx_close(&t);
	return ret;
}

/* The frames sent to move the ring on counted in the socket's statistics: reading resets. */
static int forget_stats(int sk, const PacketSockEntry *pe)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (getsockopt(sk, SOL_PACKET, PACKET_STATISTICS, &st, &len)) {
		pr_perror("Can't reset the statistics of packet socket file id %u", pe->id);
		return -errno;
	}
	return 0;
}

static int refill_rx(int sk, const PacketSockEntry *pe, const PacketRingEntry *e,
		     const uint8_t *bytes)
{
	uint64_t len = ring_bytes(pe->rx_ring) + ring_bytes(pe->tx_ring);
	uint8_t *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, sk, 0);
	int ret;

	if (map == MAP_FAILED) {
		pr_perror("Can't map the rings of packet socket file id %u", pe->id);
		return -errno;
	}
	if (pe->version == TPACKET_V3)
		ret = packet_v3_rx_move(map, pe, e->rx_head, e->has_rx_frozen && e->rx_frozen);
	else
		ret = move_head(map, pe, e->rx_head);
	if (!ret)
		memcpy(map, bytes, e->rx_len);
	munmap(map, len);
	return ret ?: forget_stats(sk, pe);
}

/* Made before the receive ring: the kernel maps the transmit ring alone, at 0. */
static int refill_tx(int sk, const PacketSockEntry *pe, const PacketRingEntry *e,
		     const uint8_t *bytes)
{
	uint8_t *map = mmap(NULL, e->tx_len, PROT_READ | PROT_WRITE, MAP_SHARED, sk, 0);
	int ret;

	if (map == MAP_FAILED) {
		pr_perror("Can't map the transmit ring of packet socket file id %u", pe->id);
		return -errno;
	}
	ret = packet_tx_move(sk, map, pe, e->tx_head);
	if (!ret)
		memcpy(map, bytes, e->tx_len);
	munmap(map, e->tx_len);
	return ret;
}

int packet_check_rings(const PacketSockEntry *pe)
{
	const PacketRing *rings[2] = { pe->rx_ring, pe->tx_ring };
	int i;

	for (i = 0; i < 2; i++) {
		const PacketRing *r = rings[i];

		if (!r)
			continue;
		if (!r->block_nr || !r->frame_size || r->block_size < r->frame_size ||
		    ring_bytes(r) >= RING_MAX_BYTES ||
		    (uint64_t)r->frame_nr > (uint64_t)r->block_nr * (r->block_size / r->frame_size))
			return -EINVAL;
	}
	return pe->version > TPACKET_V3 ? -EINVAL : 0;
}

int packet_restore_rings(struct rst_fds *rf, int sk, const PacketSockEntry *pe)
{
	PacketRingEntry *e = NULL;
	uint8_t *bytes = NULL;
	int ret = 0;

	if (pe->rx_ring || pe->tx_ring)
		ret = read_rings(rf, pe, &e, &bytes);
	/* the transmit ring first: the frames it sends to move on can't reach a receive ring */
	if (!ret && pe->tx_ring)
		ret = set_ring(sk, PACKET_TX_RING, pe->tx_ring, pe->version, pe->id);
	if (!ret && e && e->has_tx_len)
		ret = refill_tx(sk, pe, e, bytes + e->rx_len);
	if (!ret && pe->rx_ring)
		ret = set_ring(sk, PACKET_RX_RING, pe->rx_ring, pe->version, pe->id)
			      ?: refill_rx(sk, pe, e, bytes);
	if (e)
		packet_ring_entry__free_unpacked(e, NULL);
	free(bytes);
	return ret;
}
