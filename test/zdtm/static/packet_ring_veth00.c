// SPDX-License-Identifier: GPL-2.0
/*
 * packet_ring_veth00: a packet socket with a PACKET_RX_RING (TPACKET_V2, 8 frames) bound to
 * one end (zdpb0) of a veth pair, in a network namespace of the test's own, for the
 * ethertype 0x9a34; a second socket sends on the other end (zdpa0). Before the dump three
 * frames came across the pair into ring frames 0-2; the program read and gave back frames
 * 0 and 1 and holds frame 2. After restore: the ring is at the same address with the same
 * bytes; the socket is bound to zdpb0 again (getsockname), a frame sent on lo with its
 * ethertype does not reach it, and the frames sent across the pair since land in ring
 * frame 3 on, in order, around the ring, each telling zdpb0 as the interface it came in on.
 * With PACKET_V3 set (packet_ring_veth01.desc) the ring is TPACKET_V3, 4 blocks retired
 * after 10 ms: the three frames filled block 0, which the program read and gave back; after
 * restore each frame sent across the pair (after one on lo, which must not come) fills the
 * next block alone, from block 1 on, around the ring.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#define ETH_VETH  0x9a34
#define END_A	  "zdpa0"
#define END_B	  "zdpb0"
#define BLOCK	  4096
#define FRAME	  512
#define NR_FRAMES (BLOCK / FRAME)
#define PAYLOAD	  64
#define HDR	  TPACKET_ALIGN(sizeof(struct tpacket2_hdr))

#define V3_BLOCKS 4
#define V3_TMO_MS 10

static int rs, snd, lo, idx_a, idx_b, version;
static unsigned char *ring;

static struct tpacket2_hdr *frame(int i)
{
	return (struct tpacket2_hdr *)(ring + (i % NR_FRAMES) * FRAME);
}

static int sh(const char *cmd)
{
	int st = system(cmd);

	if (st)
		test_msg("'%s' failed: %d\n", cmd, st);
	return st ? -1 : 0;
}

/* Frame n of the stream sent on the interface ifindex. */
static int send_on(int ifindex, int n)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_VETH),
				  .sll_ifindex = ifindex };
	unsigned char f[ETH_HLEN + PAYLOAD] = {};

	memset(f, 0xff, ETH_ALEN); /* broadcast: the other end takes it whatever its address */
	f[12] = ETH_VETH >> 8;
	f[13] = ETH_VETH & 0xff;
	snprintf((char *)f + ETH_HLEN, PAYLOAD, "veth frame %d", n);
	if (sendto(snd, f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(f)) {
		fail_perror("can't send frame %d on interface %d", n, ifindex);
		return -1;
	}
	return 0;
}

/* Ring frame n (of the stream) filled with stream frame n, from zdpb0. */
static int landed(int n)
{
	struct tpacket2_hdr *h = frame(n);
	struct sockaddr_ll *ll = (struct sockaddr_ll *)((unsigned char *)h + HDR);
	char want[PAYLOAD];
	int i;

	for (i = 0; i < 200 && !(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER);
	     i++)
		usleep(10000);
	snprintf(want, sizeof(want), "veth frame %d", n);
	if (!(h->tp_status & TP_STATUS_USER) || h->tp_len != ETH_HLEN + PAYLOAD ||
	    strcmp((char *)h + h->tp_mac + ETH_HLEN, want) || ll->sll_ifindex != idx_b) {
		fail("frame %d of the stream is not in ring frame %d from %s (status %#x, "
		     "interface %d)",
		     n, n % NR_FRAMES, END_B, h->tp_status, ll->sll_ifindex);
		return -1;
	}
	return 0;
}

static void give_back(int n)
{
	__atomic_store_n(&frame(n)->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

static struct tpacket_hdr_v1 *block(int b)
{
	return &((struct tpacket_block_desc *)(ring + (b % V3_BLOCKS) * BLOCK))->hdr.bh1;
}

/* Block b of the ring closed by its retire timer with frames from..to-1, from zdpb0. */
static int block_holds(int b, int from, int to)
{
	struct tpacket_hdr_v1 *h = block(b);
	unsigned char *p = (unsigned char *)h - offsetof(struct tpacket_block_desc, hdr);
	unsigned int off = h->offset_to_first_pkt;
	char want[PAYLOAD];
	int i, n;

	for (i = 0;
	     i < 200 && !(__atomic_load_n(&h->block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER);
	     i++)
		usleep(10000);
	if (!(h->block_status & TP_STATUS_USER) || h->num_pkts != (unsigned int)(to - from)) {
		fail("block %d is not closed with %d frames (status %#x, %u frames)", b % V3_BLOCKS,
		     to - from, h->block_status, h->num_pkts);
		return -1;
	}
	for (n = from; n < to; n++) {
		struct tpacket3_hdr *f = (struct tpacket3_hdr *)(p + off);
		struct sockaddr_ll *ll =
			(struct sockaddr_ll *)((unsigned char *)f +
					       TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));

		snprintf(want, sizeof(want), "veth frame %d", n);
		if (off >= BLOCK || strcmp((char *)f + f->tp_mac + ETH_HLEN, want) ||
		    ll->sll_ifindex != idx_b) {
			fail("block %d does not hold frame %d of the stream from %s", b % V3_BLOCKS,
			     n, END_B);
			return -1;
		}
		off += f->tp_next_offset;
	}
	return 0;
}

static void give_back_block(int b)
{
	__atomic_store_n(&block(b)->block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

static int make_ring(void)
{
	struct tpacket_req3 req = { .tp_block_size = BLOCK,
				    .tp_block_nr = version == TPACKET_V3 ? V3_BLOCKS : 1,
				    .tp_frame_size = FRAME,
				    .tp_frame_nr = NR_FRAMES,
				    .tp_retire_blk_tov = V3_TMO_MS };
	socklen_t len = version == TPACKET_V3 ? sizeof(req) : sizeof(struct tpacket_req);

	if (version == TPACKET_V3)
		req.tp_frame_nr *= V3_BLOCKS;
	if (setsockopt(rs, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) ||
	    setsockopt(rs, SOL_PACKET, PACKET_RX_RING, &req, len))
		return -1;
	ring = mmap(NULL, (size_t)req.tp_block_nr * BLOCK, PROT_READ | PROT_WRITE, MAP_SHARED, rs,
		    0);
	return ring == MAP_FAILED ? -1 : 0;
}

/* The kernel brings a link's queue up a moment after the link: until then frames are lost. */
static int link_up(const char *name)
{
	struct ifreq ifr = {};
	int s = socket(AF_INET, SOCK_DGRAM, 0), i, ok = 0;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	for (i = 0; s >= 0 && i < 300 && !ok; i++) {
		ok = !ioctl(s, SIOCGIFFLAGS, &ifr) && (ifr.ifr_flags & IFF_RUNNING);
		if (!ok)
			usleep(10000);
	}
	if (s >= 0)
		close(s);
	if (!ok)
		test_msg("%s is not running after 3 s\n", name);
	return ok ? 0 : -1;
}

static int setup(void)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_VETH) };
	int i;

	if (unshare(CLONE_NEWNET) || sh("ip link set lo up") ||
	    sh("ip link add " END_A " type veth peer name " END_B) ||
	    sh("ip link set " END_A " up && ip link set " END_B " up") || link_up(END_A) ||
	    link_up(END_B))
		return -1;
	usleep(20000);
	lo = if_nametoindex("lo");
	idx_a = if_nametoindex(END_A);
	idx_b = if_nametoindex(END_B);
	rs = socket(AF_PACKET, SOCK_RAW, 0);
	snd = socket(AF_PACKET, SOCK_RAW, 0);
	if (!lo || !idx_a || !idx_b || rs < 0 || snd < 0 || make_ring())
		return -1;
	ll.sll_ifindex = idx_b;
	if (bind(rs, (struct sockaddr *)&ll, sizeof(ll)))
		return -1;
	if (version == TPACKET_V3) {
		for (i = 0; i < 3; i++)
			if (send_on(idx_a, i))
				return -1;
		if (block_holds(0, 0, 3))
			return -1;
		give_back_block(0);
		return 0;
	}
	for (i = 0; i < 3; i++)
		if (send_on(idx_a, i) || landed(i))
			return -1;
	give_back(0);
	give_back(1);
	return 0;
}

/* After restore: each frame fills the next block alone, from block 1, around the ring. */
static int v3_after(void)
{
	int b;

	for (b = 1; b <= V3_BLOCKS + 1; b++) {
		if (send_on(idx_a, b + 2) || block_holds(b, b + 2, b + 3))
			return -1;
		give_back_block(b);
	}
	return 0;
}

static int bound_to_b(void)
{
	struct sockaddr_ll ll = {};
	socklen_t len = sizeof(ll);

	if (getsockname(rs, (struct sockaddr *)&ll, &len) || ll.sll_ifindex != idx_b ||
	    ll.sll_protocol != htons(ETH_VETH)) {
		fail("the socket is bound to interface %d, protocol %#x: not %s (%d), %#x",
		     ll.sll_ifindex, ntohs(ll.sll_protocol), END_B, idx_b, ETH_VETH);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char before[BLOCK], *at;
	int n;

	test_init(argc, argv);
	version = getenv("PACKET_V3") ? TPACKET_V3 : TPACKET_V2;
	if (setup()) {
		fail_perror("can't set the veth pair and the ring up");
		return 1;
	}
	memcpy(before, ring, BLOCK);
	at = ring;
	test_daemon();
	test_waitsig();

	if (ring != at || memcmp(ring, before, BLOCK)) {
		fail("the receive ring is not as before");
		return 1;
	}
	if (bound_to_b())
		return 1;
	/* on lo it would land where the next frame from the pair goes */
	if (send_on(lo, 1000))
		return 1;
	usleep(100000);
	if (version == TPACKET_V3) {
		if (v3_after())
			return 1;
		pass();
		return 0;
	}
	for (n = 3; n < 3 + NR_FRAMES; n++) {
		if (n % NR_FRAMES == 2)
			give_back(2); /* read at last: the ring goes on around it */
		if (send_on(idx_a, n) || landed(n))
			return 1;
		give_back(n);
	}
	pass();
	return 0;
}
