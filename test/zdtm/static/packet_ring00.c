// SPDX-License-Identifier: GPL-2.0
/*
 * packet_ring00: a packet socket bound to lo for the local experimental ethertype 0x88b5,
 * with a PACKET_RX_RING of 16 frames (2 blocks of 8) and an unused PACKET_TX_RING, both
 * mapped by the program, TPACKET_V2 (PACKET_V1 set: TPACKET_V1, packet_ring01.desc).
 * Before the dump five frames were received into ring frames 0-4; the program read and gave
 * back frames 0 and 1, and will read frame 2 next. After restore: the rings are mapped at
 * the same address, frames 2-4 are still the program's with their bytes, 0 and 1 and the
 * rest the kernel's; frames sent since land in frame 5 on, in order, around the ring and
 * past its end again, each seen where the program looks for it.
 * TPACKET_V3 rings: packet_v3ring00.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#define ETH_RING   0x88b5
#define LO	   1
#define BLOCK	   4096
#define FRAME	   512
#define NR_FRAMES  16
#define RX_BYTES   (2 * BLOCK)
#define TX_BYTES   BLOCK
#define SENT_AFTER 22 /* frames 5..21 after restore: past the end of the ring again */

static int rs, tx, version;
static unsigned char *ring;

static unsigned char *frame(int i)
{
	return ring + (i % NR_FRAMES) * FRAME; /* 8 frames to a block, blocks back to back */
}

static unsigned long status(int i)
{
	if (version == TPACKET_V1)
		return ((volatile struct tpacket_hdr *)frame(i))->tp_status;
	return ((volatile struct tpacket2_hdr *)frame(i))->tp_status;
}

static void give_back(int i)
{
	if (version == TPACKET_V1)
		((volatile struct tpacket_hdr *)frame(i))->tp_status = TP_STATUS_KERNEL;
	else
		((volatile struct tpacket2_hdr *)frame(i))->tp_status = TP_STATUS_KERNEL;
}

/* The payload of frame i: after the Ethernet header the kernel put at tp_mac. */
static const char *payload(int i, unsigned int *len)
{
	unsigned int mac, snap;

	if (version == TPACKET_V1) {
		mac = ((struct tpacket_hdr *)frame(i))->tp_mac;
		snap = ((struct tpacket_hdr *)frame(i))->tp_snaplen;
	} else {
		mac = ((struct tpacket2_hdr *)frame(i))->tp_mac;
		snap = ((struct tpacket2_hdr *)frame(i))->tp_snaplen;
	}
	*len = snap > ETH_HLEN ? snap - ETH_HLEN : 0;
	return (const char *)frame(i) + mac + ETH_HLEN;
}

static int send_frame(int n)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_RING),
				  .sll_ifindex = LO };
	unsigned char f[64] = {};

	f[12] = ETH_RING >> 8;
	f[13] = ETH_RING & 0xff;
	snprintf((char *)f + ETH_HLEN, sizeof(f) - ETH_HLEN, "ring frame %d", n);
	return sendto(tx, f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)) == sizeof(f) ? 0
											    : -1;
}

/* Frame n (of the stream) is in its ring frame, the program's, with its bytes. */
static int received(int n)
{
	struct pollfd pfd = { .fd = rs, .events = POLLIN };
	char want[32];
	unsigned int len;
	const char *p;
	int i;

	for (i = 0; i < 100 && !(status(n) & TP_STATUS_USER); i++)
		poll(&pfd, 1, 20);
	if (!(status(n) & TP_STATUS_USER)) {
		fail("frame %d did not come into ring frame %d", n, n % NR_FRAMES);
		return -1;
	}
	snprintf(want, sizeof(want), "ring frame %d", n);
	p = payload(n, &len);
	if (len < strlen(want) + 1 || strcmp(p, want)) {
		fail("ring frame %d does not hold \"%s\"", n % NR_FRAMES, want);
		return -1;
	}
	return 0;
}

static int setup(void)
{
	struct tpacket_req req = { .tp_block_size = BLOCK,
				   .tp_block_nr = RX_BYTES / BLOCK,
				   .tp_frame_size = FRAME,
				   .tp_frame_nr = NR_FRAMES };
	struct tpacket_req treq = { .tp_block_size = BLOCK,
				    .tp_block_nr = TX_BYTES / BLOCK,
				    .tp_frame_size = FRAME,
				    .tp_frame_nr = TX_BYTES / FRAME };
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_RING),
				  .sll_ifindex = LO };
	int i;

	version = getenv("PACKET_V1") ? TPACKET_V1 : TPACKET_V2;
	rs = socket(AF_PACKET, SOCK_RAW, htons(ETH_RING));
	tx = socket(AF_PACKET, SOCK_RAW, 0);
	if (rs < 0 || tx < 0 ||
	    setsockopt(rs, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) ||
	    setsockopt(rs, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) ||
	    setsockopt(rs, SOL_PACKET, PACKET_TX_RING, &treq, sizeof(treq)) ||
	    bind(rs, (struct sockaddr *)&ll, sizeof(ll)))
		return -1;
	ring = mmap(NULL, RX_BYTES + TX_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, rs, 0);
	if (ring == MAP_FAILED)
		return -1;
	for (i = 0; i < 5; i++)
		if (send_frame(i) || received(i))
			return -1;
	give_back(0);
	give_back(1);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char *before;
	int i;

	test_init(argc, argv);
	if (setup()) {
		fail("can't set the ring up (%s)", strerror(errno));
		return 1;
	}
	before = ring;
	test_daemon();
	test_waitsig();

	if (ring != before || status(0) || status(1) || status(5)) {
		fail("the ring's frames are not the program's and the kernel's as before");
		return 1;
	}
	/* the program reads on from frame 2: what came before the dump, then what comes now */
	for (i = 2; i < 5; i++) {
		if (received(i))
			return 1;
		give_back(i);
	}
	for (i = 5; i < SENT_AFTER; i++) {
		if (send_frame(i) || received(i))
			return 1;
		give_back(i);
	}
	if (status(SENT_AFTER)) {
		fail("ring frame %d was filled with no frame sent", SENT_AFTER % NR_FRAMES);
		return 1;
	}
	pass();
	return 0;
}
