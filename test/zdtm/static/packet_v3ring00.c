// SPDX-License-Identifier: GPL-2.0
/*
 * packet_v3ring00: a packet socket bound to lo for the local experimental ethertype 0x88b5
 * with a TPACKET_V3 receive ring of 4 blocks of 4 KiB (retired after 10 ms), mapped by the
 * program, which received frames numbered in order (a filter keeps out others' frames on lo).
 * - By default: block 0 was read and given back, blocks 1 and 2 hold frames not read yet,
 *   and the kernel fills block 3 next (open, empty).
 * - With PACKET_V3_FROZEN (packet_v3ring01.desc): every block holds frames not read; the
 *   kernel stopped ("froze") on block 1, the oldest, which the program holds.
 * After restore: the ring is at the same address; each block is the program's or the
 * kernel's as before, with the same frames; frames sent now land where the kernel would
 * have put them: in block 3 then block 0, with the next sequence numbers (default), or in
 * block 1 once the program gives it back (frozen), the other blocks left as they were.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#define ETH_RING  0x88b5
#define LO	  1
#define BLOCK	  4096
#define NR_BLOCKS 4
#define PAYLOAD	  200

static int rs, tx, next_nr;
static uint32_t magic; /* the first payload word of our frames: others' on lo are filtered out */
static unsigned char *ring;

struct seen {
	unsigned int status, first, count;
};

static volatile struct tpacket_hdr_v1 *bh(int b)
{
	return &((volatile struct tpacket_block_desc *)(ring + b * BLOCK))->hdr.bh1;
}

static int send_frame(void)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_RING),
				  .sll_ifindex = LO };
	unsigned char f[ETH_HLEN + PAYLOAD] = {};

	f[12] = ETH_RING >> 8;
	f[13] = ETH_RING & 0xff;
	memcpy(f + ETH_HLEN, &(uint32_t){ htonl(magic) }, 4);
	snprintf((char *)f + ETH_HLEN + 4, PAYLOAD - 4, "v3 frame %d", next_nr++);
	return sendto(tx, f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)) == sizeof(f) ? 0
											    : -1;
}

static int send_frames(int n)
{
	while (n--)
		if (send_frame())
			return -1;
	usleep(50000); /* five retire periods: each block that got frames is closed */
	return 0;
}

/* Block b: its owner and the numbers of its frames, which must follow each other. */
static int look(int b, struct seen *s)
{
	const unsigned char *p = ring + b * BLOCK;
	const unsigned char *f = p + bh(b)->offset_to_first_pkt;
	unsigned int i, nr;

	s->status = bh(b)->block_status;
	s->count = bh(b)->num_pkts;
	s->first = 0;
	for (i = 0; i < s->count; i++) {
		const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)f;

		if (h->tp_snaplen != ETH_HLEN + PAYLOAD ||
		    sscanf((const char *)f + h->tp_mac + ETH_HLEN + 4, "v3 frame %u", &nr) != 1 ||
		    (i && nr != s->first + i)) {
			fail("block %d: frame %u of %u is not the one that follows", b, i,
			     s->count);
			return -1;
		}
		if (!i)
			s->first = nr;
		f += h->tp_next_offset;
	}
	return 0;
}

static void give_back(int b)
{
	bh(b)->block_status = TP_STATUS_KERNEL;
}

static int setup(void)
{
	struct tpacket_req3 req = { .tp_block_size = BLOCK,
				    .tp_block_nr = NR_BLOCKS,
				    .tp_frame_size = 512,
				    .tp_frame_nr = NR_BLOCKS * BLOCK / 512,
				    .tp_retire_blk_tov = 10 };
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_RING),
				  .sll_ifindex = LO };
	struct sock_filter ours[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ETH_HLEN),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, magic = 0x76330000 ^ getpid(), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof(ours) / sizeof(ours[0]), ours };
	int version = TPACKET_V3;

	rs = socket(AF_PACKET, SOCK_RAW, htons(ETH_RING));
	tx = socket(AF_PACKET, SOCK_RAW, 0);
	if (rs < 0 || tx < 0 ||
	    setsockopt(rs, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) ||
	    setsockopt(rs, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) ||
	    setsockopt(rs, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) ||
	    bind(rs, (struct sockaddr *)&ll, sizeof(ll)))
		return -1;
	ring = mmap(NULL, NR_BLOCKS * BLOCK, PROT_READ | PROT_WRITE, MAP_SHARED, rs, 0);
	return ring == MAP_FAILED ? -1 : 0;
}

/* 0 given back, 1 and 2 the program's, 3 the kernel's, open and empty. */
static int fill_open(void)
{
	struct seen s;

	if (send_frames(20) || look(0, &s) || !(s.status & TP_STATUS_USER) || !s.count ||
	    !(bh(1)->block_status & TP_STATUS_USER))
		return -1;
	give_back(0);
	if (send_frames(5) || !(bh(2)->block_status & TP_STATUS_USER) ||
	    (bh(3)->block_status & TP_STATUS_USER) || bh(3)->num_pkts)
		return -1;
	return 0;
}

/* Every block the program's; the kernel stopped on block 1. */
static int fill_frozen(void)
{
	int b;

	if (send_frames(80))
		return -1;
	give_back(0);
	if (send_frames(30))
		return -1;
	for (b = 0; b < NR_BLOCKS; b++)
		if (!(bh(b)->block_status & TP_STATUS_USER))
			return -1;
	return 0;
}

static int after_open(const struct seen *before)
{
	unsigned int seq = bh(2)->seq_num;
	struct seen s;

	if (bh(3)->num_pkts || (bh(3)->block_status & TP_STATUS_USER)) {
		fail("block 3 is not the kernel's, open and empty");
		return -1;
	}
	give_back(1);
	give_back(2);
	if (send_frames(3) || look(3, &s) || !(s.status & TP_STATUS_USER) || s.count != 3 ||
	    s.first != before[2].first + before[2].count || bh(3)->seq_num != seq + 1) {
		fail("the frames sent after restore are not in block 3, next (%u frames, seq %u)",
		     s.count, (unsigned int)bh(3)->seq_num);
		return -1;
	}
	if (send_frames(2) || look(0, &s) || s.count != 2 ||
	    s.first != before[2].first + before[2].count + 3 || bh(0)->seq_num != seq + 2) {
		fail("the frames after block 3 are not in block 0, next");
		return -1;
	}
	return 0;
}

static int after_frozen(const struct seen *before)
{
	struct seen s;
	int b;

	give_back(1);
	if (send_frames(1) || look(1, &s) || !(s.status & TP_STATUS_USER) || s.count != 1 ||
	    s.first != (unsigned int)next_nr - 1) {
		fail("the frame sent after restore is not in block 1, given back (%u frames)",
		     s.count);
		return -1;
	}
	for (b = 0; b < NR_BLOCKS; b++) {
		if (b == 1)
			continue;
		if (look(b, &s) || memcmp(&s, &before[b], sizeof(s))) {
			fail("block %d changed after the frozen ring was given block 1", b);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool frozen = getenv("PACKET_V3_FROZEN");
	struct seen before[NR_BLOCKS], now;
	unsigned char *at;
	int b;

	test_init(argc, argv);
	if (setup() || (frozen ? fill_frozen() : fill_open())) {
		fail("can't set the ring up as the test wants it (%s)", strerror(errno));
		return 1;
	}
	for (b = 0; b < NR_BLOCKS; b++)
		if (look(b, &before[b]))
			return 1;
	at = ring;
	test_daemon();
	test_waitsig();

	if (ring != at) {
		fail("the ring moved");
		return 1;
	}
	for (b = 0; b < NR_BLOCKS; b++) {
		if (look(b, &now))
			return 1;
		if (memcmp(&now, &before[b], sizeof(now))) {
			fail("block %d is not as before: status %u, %u frames from %u (was %u, %u "
			     "from %u)",
			     b, now.status, now.count, now.first, before[b].status, before[b].count,
			     before[b].first);
			return 1;
		}
	}
	if (frozen ? after_frozen(before) : after_open(before))
		return 1;
	pass();
	return 0;
}
