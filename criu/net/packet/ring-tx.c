// SPDX-License-Identifier: GPL-2.0
/*
 * net/packet/ring-tx.c - a PACKET_TX_RING that was used: its frames are kept whole by ring.c
 * (packet-ring-ID.img, after the receive ring), the frame the kernel sends next here.
 *
 * The kernel sends frames in ring order from its place (its "head"), on each send(), as long
 * as the frame there asks to be sent (TP_STATUS_SEND_REQUEST); it stops on one it can't send
 * (TP_STATUS_WRONG_FORMAT), and gives the others back (TP_STATUS_AVAILABLE) once sent. It
 * does not tell its place: the dump finds it from the frames. It is the frame of wrong
 * format if there is one, else the first of the frames waiting to be sent, else, where
 * the ring never went round, the first frame never written. Refused, naming the socket: a
 * ring whose frames are still being sent after 1 s, frames waiting in more than one run, and
 * a ring that went round with nothing waiting (no frame tells the place then).
 * Restore: the new ring's place is moved on by sending that many frames from it, on lo
 * (whatever interface the socket is bound to), of the local experimental ethertype 0x88b6
 * (0x88b5 for a socket of 0x88b6; receive rings are moved on with 0x88b5), before its
 * receive ring is made; packet sockets on lo see them, this one too if it takes every
 * protocol: those are read off its queue. Then the
 * dumped frames are written over the ring.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "files.h"
#include "internal.h"
#include "log.h"

#define LO_IFINDEX   1
#define ETH_P_LOCAL2 0x88b6 /* IEEE 802 local experimental ethertype 2 */
#define SEND_WAIT_MS 1000
#define STATUS_BITS  (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING | TP_STATUS_WRONG_FORMAT)

static unsigned long tx_status(const uint8_t *f, uint32_t version)
{
	switch (version) {
	case TPACKET_V1:
		return ((const volatile struct tpacket_hdr *)f)->tp_status & STATUS_BITS;
	case TPACKET_V2:
		return ((const volatile struct tpacket2_hdr *)f)->tp_status & STATUS_BITS;
	}
	return ((const volatile struct tpacket3_hdr *)f)->tp_status & STATUS_BITS;
}

static uint32_t tx_len(const uint8_t *f, uint32_t version)
{
	switch (version) {
	case TPACKET_V1:
		return ((const struct tpacket_hdr *)f)->tp_len;
	case TPACKET_V2:
		return ((const struct tpacket2_hdr *)f)->tp_len;
	}
	return ((const struct tpacket3_hdr *)f)->tp_len;
}

/* Where a frame's bytes start (the kernel's place for them without PACKET_TX_HAS_OFF). */
static size_t tx_data(uint32_t version)
{
	switch (version) {
	case TPACKET_V1:
		return TPACKET_ALIGN(sizeof(struct tpacket_hdr));
	case TPACKET_V2:
		return TPACKET_ALIGN(sizeof(struct tpacket2_hdr));
	}
	return TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
}

/*
 * A frame of len bytes at off asked to be sent: its status written last. A socket with
 * PACKET_TX_HAS_OFF takes its bytes from tp_mac (tp_net for SOCK_DGRAM): both say off.
 */
static void tx_request(uint8_t *f, uint32_t version, uint16_t off, uint32_t len)
{
	switch (version) {
	case TPACKET_V1: {
		struct tpacket_hdr *h = (struct tpacket_hdr *)f;

		h->tp_mac = h->tp_net = off;
		h->tp_len = len;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		return;
	}
	case TPACKET_V2: {
		struct tpacket2_hdr *h = (struct tpacket2_hdr *)f;

		h->tp_mac = h->tp_net = off;
		h->tp_len = len;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
		return;
	}
	}
	((struct tpacket3_hdr *)f)->tp_mac = ((struct tpacket3_hdr *)f)->tp_net = off;
	((struct tpacket3_hdr *)f)->tp_len = len;
	__atomic_store_n(&((struct tpacket3_hdr *)f)->tp_status, TP_STATUS_SEND_REQUEST,
			 __ATOMIC_RELEASE);
}

static bool sending(uint8_t *tx, const PacketSockEntry *pe)
{
	uint32_t i;

	for (i = 0; i < pe->tx_ring->frame_nr; i++)
		if (tx_status(packet_frame_at(tx, pe->tx_ring, i), pe->version) & TP_STATUS_SENDING)
			return true;
	return false;
}

static bool waiting(uint8_t *tx, const PacketRing *r, uint32_t version, uint32_t i)
{
	return tx_status(packet_frame_at(tx, r, i % r->frame_nr), version) & TP_STATUS_SEND_REQUEST;
}

static void tick(void)
{
	struct timespec ms = { 0, 1000000 };

	nanosleep(&ms, NULL);
}

int packet_tx_place(const struct fd_parms *p, const PacketSockEntry *pe, uint8_t *tx,
		    uint32_t *head)
{
	const PacketRing *r = pe->tx_ring;
	uint32_t i, n = r->frame_nr, wrong = n, runs = 0, written = 0;
	bool prefix = true;

	if (r->frame_size < tx_data(pe->version) + ETH_ZLEN)
		return packet_refuse(
			p, pe,
			"a PACKET_TX_RING ring that was used, of frames too small for "
			"the frames restore sends to move its place on: not supported");
	for (i = 0; i < SEND_WAIT_MS && sending(tx, pe); i++)
		tick();
	if (sending(tx, pe))
		return packet_refuse(
			p, pe,
			"a PACKET_TX_RING ring with frames still being sent after 1 s: "
			"not supported");
	for (i = 0; i < n; i++) {
		uint8_t *f = packet_frame_at(tx, r, i);

		if (tx_status(f, pe->version) & TP_STATUS_WRONG_FORMAT)
			wrong = wrong == n ? i : n + 1;
		if (waiting(tx, r, pe->version, i) && !waiting(tx, r, pe->version, i + n - 1)) {
			runs++;
			*head = i;
		}
		if (tx_len(f, pe->version)) {
			prefix = prefix && written == i;
			written++;
		}
	}
	if (wrong < n) {
		*head = wrong;
		return 0;
	}
	if (wrong == n && runs == 1)
		return 0;
	if (wrong == n && !runs && !waiting(tx, r, pe->version, 0) && prefix && written < n) {
		*head = written;
		return 0;
	}
	return packet_refuse(
		p, pe,
		"a PACKET_TX_RING ring whose place the kernel sends from can't be told "
		"(frames of wrong format or waiting to be sent in more than one run, or "
		"the ring went round with none waiting): not supported");
}

/* Frames of ours that came back to the socket on lo, off its queue. */
static void drain(int sk)
{
	char buf[ETH_ZLEN];

	while (recv(sk, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
		;
}

static int wait_sent(uint8_t *tx, const PacketSockEntry *pe, uint32_t head)
{
	uint32_t i, t;

	for (i = 0; i < head; i++) {
		uint8_t *f = packet_frame_at(tx, pe->tx_ring, i);

		for (t = 0; t < SEND_WAIT_MS && tx_status(f, pe->version); t++)
			tick();
		if (tx_status(f, pe->version)) {
			pr_err("packet socket file id %u: frame %u of its new transmit ring, sent "
			       "to move its place on, was not sent\n",
			       pe->id, i);
			return -EIO;
		}
	}
	return 0;
}

int packet_tx_move(int sk, uint8_t *tx, const PacketSockEntry *pe, uint32_t head)
{
	uint16_t proto = pe->protocol == ETH_P_LOCAL2 ? ETH_P_LOCAL2 - 1 : ETH_P_LOCAL2;
	struct sockaddr_ll lo = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(proto),
				  .sll_ifindex = LO_IFINDEX,
				  .sll_halen = ETH_ALEN };
	size_t off = tx_data(pe->version);
	uint32_t i;
	int ret;

	if (!head)
		return 0;
	for (i = 0; i < head; i++) {
		uint8_t *f = packet_frame_at(tx, pe->tx_ring, i);

		memset(f + off, 0, ETH_ZLEN);
		f[off + 12] = proto >> 8; /* a SOCK_DGRAM socket's kernel writes its own header */
		f[off + 13] = proto & 0xff;
		tx_request(f, pe->version, off, ETH_ZLEN);
	}
	if (sendto(sk, NULL, 0, MSG_DONTWAIT, (struct sockaddr *)&lo, sizeof(lo)) < 0) {
		pr_perror("Can't send frames of packet socket file id %u to move its transmit "
			  "ring on",
			  pe->id);
		return -errno;
	}
	ret = wait_sent(tx, pe, head);
	if (!ret)
		drain(sk);
	return ret;
}
