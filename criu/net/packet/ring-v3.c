// SPDX-License-Identifier: GPL-2.0
/*
 * net/packet/ring-v3.c - where the kernel is in a TPACKET_V3 receive ring. The blocks
 * themselves are kept whole by ring.c, as V1/V2 frames are; the kernel keeps its place to
 * itself: the block it fills, and whether it stopped ("frozen") on a block the program still
 * holds.
 *
 * The kernel opens the blocks in turn, each with the next sequence number, and closes one
 * when a frame does not fit in it, or once it held frames for a whole retire period
 * (tp_retire_blk_tov). Dump: a block being filled is waited for until its period closes it
 * (the program is stopped; the kernel's timer is not), so that the kernel's block is open and
 * empty, or the ring frozen. The latest block opened (the greatest sequence number) is then
 * the kernel's if it is still the kernel's; if the program holds it, the ring is frozen on the
 * next one.
 * Restore: a new ring starts on block 0. Frames sent on lo move the kernel on: frames as large
 * as a block (the kernel cuts them to fit) close one block each, and land in the next. So the
 * block before the kernel's is closed by its retire period instead, which leaves the kernel's
 * block empty. For a frozen ring, the block the kernel stopped on is marked the program's
 * first, and frames close blocks until the kernel reaches it. Then ring.c writes the dumped
 * blocks over the new ones.
 * Not kept: the sequence number of the next block the kernel opens, if the ring went round
 * since it was made (it counts the blocks opened since the restore).
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "files.h"
#include "internal.h"
#include "log.h"

#define SETTLE_MS  1000 /* besides two retire periods: how long the kernel may take */
#define FRAME_WAIT 1000 /* ms for a frame sent on lo to reach the ring */

static volatile struct tpacket_hdr_v1 *bh(uint8_t *ring, const PacketRing *r, uint32_t i)
{
	return &((volatile struct tpacket_block_desc *)(ring + (uint64_t)i * r->block_size))
			->hdr.bh1;
}

static bool users(uint8_t *ring, const PacketRing *r, uint32_t i)
{
	return bh(ring, r, i)->block_status & TP_STATUS_USER;
}

static void tick(void)
{
	struct timespec ms = { 0, 1000000 };

	nanosleep(&ms, NULL);
}

/* The kernel's place once it settled: 0, or -EAGAIN while a block is being filled. */
static int settled(uint8_t *ring, const PacketRing *r, uint32_t *head, bool *frozen)
{
	uint64_t seq, latest = 0;
	uint32_t i, m = 0;

	for (i = 0; i < r->block_nr; i++) {
		seq = bh(ring, r, i)->seq_num;
		if (seq > latest) {
			latest = seq;
			m = i;
		}
	}
	if (!users(ring, r, m)) {
		*head = m;
		*frozen = false;
		return bh(ring, r, m)->num_pkts ? -EAGAIN : 0;
	}
	/* closed and the program's: the kernel could not open the next, or will shortly */
	*head = (m + 1) % r->block_nr;
	*frozen = true;
	return users(ring, r, *head) ? 0 : -EAGAIN;
}

int packet_v3_rx_place(const struct fd_parms *p, const PacketSockEntry *pe, uint8_t *ring,
		       uint32_t *head, bool *frozen)
{
	const PacketRing *r = pe->rx_ring;
	uint64_t i, limit = 2ull * r->retire_tmo + SETTLE_MS;
	char why[200];

	for (i = 0; i < limit; i++) {
		if (!settled(ring, r, head, frozen))
			return 0;
		tick();
	}
	snprintf(why, sizeof(why),
		 "a TPACKET_V3 PACKET_RX_RING ring whose block being filled did not close in %llu "
		 "ms (frames still coming?): not supported",
		 (unsigned long long)limit);
	return packet_refuse(p, pe, why);
}

/* How many blocks from block 0 the kernel closed, up to want. */
static uint32_t closed(uint8_t *ring, const PacketRing *r, uint32_t want)
{
	uint32_t i = 0;

	while (i < want && users(ring, r, i))
		i++;
	return i;
}

/* A frame of len bytes sent, and seen: in block done, or closing it. */
static int send_seen(struct packet_lo_tx *t, uint8_t *ring, const PacketRing *r, uint32_t done,
		     uint32_t want, size_t len)
{
	uint32_t pkts = done < r->block_nr ? bh(ring, r, done)->num_pkts : 0;
	int i, ret = packet_lo_tx_send(t, len);

	for (i = 0; !ret && i < FRAME_WAIT; i++) {
		if (closed(ring, r, want) > done ||
		    (done < r->block_nr && bh(ring, r, done)->num_pkts != pkts))
			return 0;
		tick();
	}
	if (!ret) {
		pr_err("packet socket file id %u: a frame sent on lo to move its receive ring on "
		       "did not reach it\n",
		       t->id);
		ret = -EIO;
	}
	return ret;
}

/* Frames as large as a block until the kernel closed want blocks. */
static int close_blocks(struct packet_lo_tx *t, uint8_t *ring, const PacketRing *r, uint32_t want)
{
	size_t len = r->block_size < PACKET_LO_FRAME_MAX ? r->block_size : PACKET_LO_FRAME_MAX;
	uint32_t done;
	int ret = 0;

	while (!ret && (done = closed(ring, r, want)) < want)
		ret = send_seen(t, ring, r, done, want, len);
	return ret;
}

/* The kernel's block k-1 closed by its retire period: the kernel opens k, empty. */
static int retire_last(struct packet_lo_tx *t, uint8_t *ring, const PacketSockEntry *pe, uint32_t k)
{
	const PacketRing *r = pe->rx_ring;
	uint64_t i, limit = 2ull * r->retire_tmo + SETTLE_MS;
	int ret = 0;

	/* the period closes only a block that holds a frame */
	if (!bh(ring, r, k - 1)->num_pkts)
		ret = send_seen(t, ring, r, k - 1, k, ETH_ZLEN);
	for (i = 0; !ret && i < limit && !users(ring, r, k - 1); i++)
		tick();
	if (!ret && !users(ring, r, k - 1)) {
		pr_err("packet socket file id %u: block %u of its receive ring did not close in "
		       "%llu ms\n",
		       pe->id, k - 1, (unsigned long long)limit);
		ret = -EIO;
	}
	return ret;
}

int packet_v3_rx_move(uint8_t *ring, const PacketSockEntry *pe, uint32_t head, bool frozen)
{
	const PacketRing *r = pe->rx_ring;
	struct packet_lo_tx t;
	int ret;

	if (!head && !frozen)
		return 0;
	ret = packet_lo_tx_open(&t, pe);
	if (ret)
		return ret;
	if (frozen && head) {
		/* the kernel stops on it: it is the program's */
		bh(ring, r, head)->block_status = TP_STATUS_USER;
		ret = close_blocks(&t, ring, r, head);
	} else if (frozen) {
		ret = close_blocks(&t, ring, r, r->block_nr);
	} else {
		ret = close_blocks(&t, ring, r, head - 1) ?: retire_last(&t, ring, pe, head);
	}
	packet_lo_tx_close(&t);
	return ret;
}
