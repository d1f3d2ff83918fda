// SPDX-License-Identifier: GPL-2.0
/*
 * packet_txring00: a packet socket with a PACKET_TX_RING of 8 frames that was used, bound to
 * lo for no protocol (it receives nothing), TPACKET_V2 (PACKET_V3 set: TPACKET_V3,
 * packet_txring01.desc). Before the dump it sent frames 0-2 of the ring (given back since),
 * and frames 3 and 4 wait to be sent at the next send(). A second packet socket, watch,
 * reads what goes on lo with the test's ethertype. After restore: the ring is at the same
 * address, frames 3 and 4 still wait with their bytes, the others are free; a send() sends
 * 3 and 4, in order, and then frames written from 5 on, around the ring, go in order too.
 * With PACKET_TX_ROUND set the ring went round (frames 0-10 sent) with none waiting: no
 * frame tells where the kernel is, so the dump is refused (packet_txring02.desc), and the
 * ring goes on from frame 11 after it.
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

#define ETH_TEST  0x88b7
#define LO	  1
#define BLOCK	  4096
#define FRAME	  512
#define NR_FRAMES (BLOCK / FRAME)
#define PAYLOAD	  64

static int txs, watch, version;
static unsigned char *ring;

static unsigned char *frame(int i)
{
	return ring + (i % NR_FRAMES) * FRAME;
}

static volatile unsigned int *status(int i)
{
	if (version == TPACKET_V3)
		return &((struct tpacket3_hdr *)frame(i))->tp_status;
	return &((struct tpacket2_hdr *)frame(i))->tp_status;
}

static unsigned char *data(int i)
{
	if (version == TPACKET_V3)
		return frame(i) + TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
	return frame(i) + TPACKET_ALIGN(sizeof(struct tpacket2_hdr));
}

/* Frame n of the stream written into its ring frame, asked to be sent. */
static void queue_frame(int n)
{
	unsigned char *d = data(n);

	memset(d, 0, ETH_HLEN + PAYLOAD);
	d[12] = ETH_TEST >> 8;
	d[13] = ETH_TEST & 0xff;
	snprintf((char *)d + ETH_HLEN, PAYLOAD, "tx frame %d", n);
	if (version == TPACKET_V3)
		((struct tpacket3_hdr *)frame(n))->tp_len = ETH_HLEN + PAYLOAD;
	else
		((struct tpacket2_hdr *)frame(n))->tp_len = ETH_HLEN + PAYLOAD;
	__atomic_store_n(status(n), TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
}

static int kick(void)
{
	return send(txs, NULL, 0, 0) < 0 ? -1 : 0;
}

/* watch's next frame is frame n of the stream, and ring frame n is free again. */
static int went_out(int n)
{
	struct pollfd pfd = { .fd = watch, .events = POLLIN };
	unsigned char buf[ETH_HLEN + PAYLOAD];
	char want[PAYLOAD];
	int i;

	snprintf(want, sizeof(want), "tx frame %d", n);
	if (poll(&pfd, 1, 2000) != 1 ||
	    recv(watch, buf, sizeof(buf), MSG_DONTWAIT) != sizeof(buf) ||
	    strcmp((char *)buf + ETH_HLEN, want)) {
		fail("frame %d of the stream did not go out next", n);
		return -1;
	}
	for (i = 0; i < 100 && (*status(n) & 7); i++)
		usleep(10000);
	if (*status(n) & 7) {
		fail("ring frame %d was not given back after it went out", n % NR_FRAMES);
		return -1;
	}
	return 0;
}

/* Frames from..to-1 of the stream written, sent with one send(), and seen going out. */
static int send_run(int from, int to)
{
	int i;

	for (i = from; i < to; i++)
		queue_frame(i);
	if (kick())
		return -1;
	for (i = from; i < to; i++)
		if (went_out(i))
			return -1;
	return 0;
}

static int setup(void)
{
	struct tpacket_req3 req = { .tp_block_size = BLOCK,
				    .tp_block_nr = 1,
				    .tp_frame_size = FRAME,
				    .tp_frame_nr = NR_FRAMES };
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = LO };
	socklen_t len = version == TPACKET_V3 ? sizeof(req) : sizeof(struct tpacket_req);

	txs = socket(AF_PACKET, SOCK_RAW, 0);
	watch = socket(AF_PACKET, SOCK_RAW, htons(ETH_TEST));
	if (txs < 0 || watch < 0 ||
	    setsockopt(txs, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) ||
	    setsockopt(txs, SOL_PACKET, PACKET_TX_RING, &req, len) ||
	    bind(txs, (struct sockaddr *)&ll, sizeof(ll)))
		return -1;
	ll.sll_protocol = htons(ETH_TEST);
	if (bind(watch, (struct sockaddr *)&ll, sizeof(ll)))
		return -1;
	ring = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_SHARED, txs, 0);
	if (ring == MAP_FAILED)
		return -1;
	if (send_run(0, 3))
		return -1;
	if (getenv("PACKET_TX_ROUND"))
		return send_run(3, 11);
	queue_frame(3);
	queue_frame(4);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char before[BLOCK], *at;

	test_init(argc, argv);
	version = getenv("PACKET_V3") ? TPACKET_V3 : TPACKET_V2;
	if (setup()) {
		fail("can't set the transmit ring up (%s)", strerror(errno));
		return 1;
	}
	memcpy(before, ring, BLOCK);
	at = ring;
	test_daemon();
	test_waitsig();

	if (ring != at || memcmp(ring, before, BLOCK)) {
		fail("the transmit ring is not as before");
		return 1;
	}
	if (getenv("PACKET_TX_ROUND")) {
		queue_frame(11);
		if (kick() || went_out(11))
			return 1;
		pass();
		return 0;
	}
	/* the kernel goes on from frame 3, then around the ring */
	if (kick() || went_out(3) || went_out(4))
		return 1;
	if (send_run(5, 5 + NR_FRAMES))
		return 1;
	pass();
	return 0;
}
