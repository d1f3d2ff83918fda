// SPDX-License-Identifier: GPL-2.0
/*
 * packet_opts00: the PACKET_* options of a packet socket that CRIU's image has no field
 * for, each shown at work on lo before the dump and again after restore:
 * - PACKET_IGNORE_OUTGOING: ign and all take every protocol on lo, through a classic BPF
 *   filter that keeps ethertype 0x9a31 only (nothing else of the host's lo reaches them).
 *   A frame another socket sends reaches all twice (going out, coming back in) and ign,
 *   which ignores what goes out, once, as it comes in.
 * - PACKET_QDISC_BYPASS: a frame sent by bypass goes straight to lo's driver, past the
 *   sockets that watch what goes out: all sees it once, as it comes in.
 * - PACKET_TX_HAS_OFF: txoff, SOCK_DGRAM with a TPACKET_V2 transmit ring, sends each frame
 *   from its tp_net offset, not from where frames start without the option (where a
 *   decoy is written); rx, bound to lo for 0x9a32, receives the bytes from tp_net. The ring
 *   was used before the dump: restore moves the new ring's place on with frames of its own,
 *   which must say where their bytes are too.
 * - PACKET_VNET_HDR_SZ 12 (a virtio header with num_buffers): vnet, bound to lo for
 *   0x9a33, reads each frame after a 12-byte header (PACKET_VNET_HDR alone gives 10).
 * getsockopt() reads each option back as it was set.
 * With PACKET_OPTS_DROPPED set (packet_opts01.desc) an action script removes our
 * packet-extra-*.img (and checksums.img, ours too) after the dump, which leaves CRIU 4.2's
 * images: after restore each
 * socket has a new socket's values (off, a 10-byte virtio header), at work as such.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif
#ifndef PACKET_VNET_HDR_SZ
#define PACKET_VNET_HDR_SZ 24
#endif

#define ETH_OPT	     0x9a31
#define ETH_OFF	     0x9a32
#define ETH_VNET     0x9a33
#define VNET_SZ	     12
#define VNET_HDR_LEN 10 /* PACKET_VNET_HDR's */
#define BLOCK	     4096
#define FRAME	     512
#define NET_OFF	     256 /* where txoff's frames have their bytes */
#define PAYLOAD	     64
#define DEFAULT_OFF  TPACKET_ALIGN(sizeof(struct tpacket2_hdr))
#define COPY_WAIT_MS 300

static int ign, all, plain, bypass, txoff, rx, vnet, lo;
static int on = 1; /* the options are set (0: restored from CRIU's images, without ours) */
static unsigned char *ring;

static int set_int(int sk, int opt, int v)
{
	return setsockopt(sk, SOL_PACKET, opt, &v, sizeof(v));
}

static int get_int(int sk, int opt)
{
	socklen_t len = sizeof(int);
	int v = -1;

	return getsockopt(sk, SOL_PACKET, opt, &v, &len) ? -1 : v;
}

static int bind_lo(int sk, int proto)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(proto),
				  .sll_ifindex = lo };

	return bind(sk, (struct sockaddr *)&ll, sizeof(ll));
}

/* Only frames of ethertype ETH_OPT pass (the socket sees the Ethernet header). */
static int keep_eth_opt(int sk)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_OPT, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	return setsockopt(sk, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

/* A frame to lo's all-zero address, of ethertype proto, with text after the header. */
static int send_frame(int sk, int proto, const char *text)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(proto),
				  .sll_ifindex = lo };
	unsigned char f[ETH_HLEN + PAYLOAD] = {};

	f[12] = proto >> 8;
	f[13] = proto & 0xff;
	snprintf((char *)f + ETH_HLEN, PAYLOAD, "%s", text);
	if (sendto(sk, f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(f))
		return -1;
	return 0;
}

/* Copies of the frame carrying text that reach sk, by packet type (PACKET_HOST, ...). */
static void count_copies(int sk, const char *text, int by_type[8])
{
	struct pollfd pfd = { .fd = sk, .events = POLLIN };
	unsigned char f[ETH_HLEN + PAYLOAD];
	struct sockaddr_ll from;
	socklen_t len;
	ssize_t n;

	memset(by_type, 0, 8 * sizeof(int));
	while (poll(&pfd, 1, COPY_WAIT_MS) == 1) {
		len = sizeof(from);
		n = recvfrom(sk, f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&from, &len);
		if (n == sizeof(f) && !strcmp((char *)f + ETH_HLEN, text) && from.sll_pkttype < 8)
			by_type[from.sll_pkttype]++;
	}
}

static int check_outgoing(const char *stage)
{
	int in_all[8], in_ign[8];
	char text[PAYLOAD];

	snprintf(text, sizeof(text), "%s: plain", stage);
	if (send_frame(plain, ETH_OPT, text)) {
		fail_perror("%s: can't send a frame on lo", stage);
		return -1;
	}
	count_copies(all, text, in_all);
	count_copies(ign, text, in_ign);
	if (in_all[PACKET_OUTGOING] != 1 || in_all[PACKET_HOST] != 1 ||
	    in_ign[PACKET_OUTGOING] != !on || in_ign[PACKET_HOST] != 1) {
		fail("%s: a sent frame reached all %d+%d times and ign (PACKET_IGNORE_OUTGOING) "
		     "%d+%d times (going out + coming in): want 1+1 and %d+1",
		     stage, in_all[PACKET_OUTGOING], in_all[PACKET_HOST], in_ign[PACKET_OUTGOING],
		     in_ign[PACKET_HOST], !on);
		return -1;
	}
	return 0;
}

static int check_bypass(const char *stage)
{
	int in_all[8], in_ign[8];
	char text[PAYLOAD];

	snprintf(text, sizeof(text), "%s: bypass", stage);
	if (send_frame(bypass, ETH_OPT, text)) {
		fail_perror("%s: can't send a frame on lo past the qdisc", stage);
		return -1;
	}
	count_copies(all, text, in_all);
	count_copies(ign, text, in_ign);
	if (in_all[PACKET_OUTGOING] != !on || in_all[PACKET_HOST] != 1 ||
	    in_ign[PACKET_OUTGOING] != !on || in_ign[PACKET_HOST] != 1) {
		fail("%s: a frame sent with PACKET_QDISC_BYPASS reached all %d+%d times and ign "
		     "%d+%d times (going out + coming in): want %d+1 for both",
		     stage, in_all[PACKET_OUTGOING], in_all[PACKET_HOST], in_ign[PACKET_OUTGOING],
		     in_ign[PACKET_HOST], !on);
		return -1;
	}
	return 0;
}

/* Ring frame i sends "txoff: stage" from NET_OFF, with a decoy where frames start. */
static int check_tx_off(int i, const char *stage)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_OFF),
				  .sll_ifindex = lo,
				  .sll_halen = ETH_ALEN };
	struct tpacket2_hdr *h = (struct tpacket2_hdr *)(ring + i * FRAME);
	struct pollfd pfd = { .fd = rx, .events = POLLIN };
	char want[PAYLOAD] = {}, got[PAYLOAD] = {};

	snprintf(want, sizeof(want), "txoff: %s", stage);
	memcpy((char *)h + NET_OFF, want, PAYLOAD);
	memset((char *)h + DEFAULT_OFF, 0, PAYLOAD);
	snprintf((char *)h + DEFAULT_OFF, PAYLOAD, "decoy: %s", stage);
	if (!on) /* without PACKET_TX_HAS_OFF the kernel sends the decoy */
		memcpy(want, (char *)h + DEFAULT_OFF, PAYLOAD);
	h->tp_net = NET_OFF;
	h->tp_len = PAYLOAD;
	__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	if (sendto(txoff, NULL, 0, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		fail("%s: txoff can't send ring frame %d (%m)", stage, i);
		return -1;
	}
	if (poll(&pfd, 1, 2000) != 1 || recv(rx, got, sizeof(got), MSG_DONTWAIT) != PAYLOAD ||
	    memcmp(got, want, PAYLOAD)) {
		fail("%s: rx did not get \"%s\" (got \"%.*s\")", stage, want, PAYLOAD, got);
		return -1;
	}
	return 0;
}

/* vnet reads a frame of ETH_VNET after a virtio header of VNET_SZ bytes (10 without). */
static int check_vnet(const char *stage)
{
	struct pollfd pfd = { .fd = vnet, .events = POLLIN };
	unsigned char f[VNET_SZ + ETH_HLEN + PAYLOAD + 16];
	int sz = on ? VNET_SZ : VNET_HDR_LEN;
	char text[PAYLOAD];
	ssize_t n;

	snprintf(text, sizeof(text), "%s: vnet", stage);
	if (send_frame(plain, ETH_VNET, text)) {
		fail_perror("%s: can't send a frame on lo", stage);
		return -1;
	}
	n = poll(&pfd, 1, 2000) == 1 ? recv(vnet, f, sizeof(f), MSG_DONTWAIT) : -1;
	if (n != sz + ETH_HLEN + PAYLOAD || strcmp((char *)f + sz + ETH_HLEN, text)) {
		fail("%s: vnet read %zd bytes, not the frame after a %d-byte virtio header", stage,
		     n, sz);
		return -1;
	}
	return 0;
}

static int check_opts(void)
{
	if (get_int(ign, PACKET_IGNORE_OUTGOING) != on || get_int(all, PACKET_IGNORE_OUTGOING)) {
		fail("PACKET_IGNORE_OUTGOING reads %d on ign and %d on all: want %d and 0",
		     get_int(ign, PACKET_IGNORE_OUTGOING), get_int(all, PACKET_IGNORE_OUTGOING),
		     on);
		return -1;
	}
	if (get_int(bypass, PACKET_QDISC_BYPASS) != on || get_int(plain, PACKET_QDISC_BYPASS)) {
		fail("PACKET_QDISC_BYPASS reads %d on bypass and %d on plain: want %d and 0",
		     get_int(bypass, PACKET_QDISC_BYPASS), get_int(plain, PACKET_QDISC_BYPASS), on);
		return -1;
	}
	if (get_int(txoff, PACKET_TX_HAS_OFF) != on) {
		fail("PACKET_TX_HAS_OFF reads %d on txoff", get_int(txoff, PACKET_TX_HAS_OFF));
		return -1;
	}
	if (get_int(vnet, PACKET_VNET_HDR_SZ) != (on ? VNET_SZ : VNET_HDR_LEN)) {
		fail("PACKET_VNET_HDR_SZ reads %d on vnet", get_int(vnet, PACKET_VNET_HDR_SZ));
		return -1;
	}
	return 0;
}

static int make_txoff(void)
{
	struct tpacket_req req = { .tp_block_size = BLOCK,
				   .tp_block_nr = 1,
				   .tp_frame_size = FRAME,
				   .tp_frame_nr = BLOCK / FRAME };

	txoff = socket(AF_PACKET, SOCK_DGRAM, 0);
	/* the kernel takes PACKET_TX_HAS_OFF only before the ring */
	if (txoff < 0 || set_int(txoff, PACKET_VERSION, TPACKET_V2) ||
	    set_int(txoff, PACKET_TX_HAS_OFF, 1) ||
	    setsockopt(txoff, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)))
		return -1;
	ring = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_SHARED, txoff, 0);
	return ring == MAP_FAILED ? -1 : 0;
}

static int setup(void)
{
	/* of no protocol until bound: they take nothing before their filters */
	ign = socket(AF_PACKET, SOCK_RAW, 0);
	all = socket(AF_PACKET, SOCK_RAW, 0);
	plain = socket(AF_PACKET, SOCK_RAW, 0);
	bypass = socket(AF_PACKET, SOCK_RAW, 0);
	rx = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_OFF));
	vnet = socket(AF_PACKET, SOCK_RAW, htons(ETH_VNET));
	if (ign < 0 || all < 0 || plain < 0 || bypass < 0 || rx < 0 || vnet < 0)
		return -1;
	/* nothing else of lo's may wait on the sockets at dump */
	if (keep_eth_opt(ign) || keep_eth_opt(all) || bind_lo(ign, ETH_P_ALL) ||
	    bind_lo(all, ETH_P_ALL) || set_int(ign, PACKET_IGNORE_OUTGOING, 1))
		return -1;
	if (set_int(bypass, PACKET_QDISC_BYPASS, 1) || bind_lo(rx, ETH_OFF))
		return -1;
	if (set_int(vnet, PACKET_VNET_HDR_SZ, VNET_SZ) || bind_lo(vnet, ETH_VNET))
		return -1;
	return make_txoff();
}

static int check_all(int frame, const char *stage)
{
	if (check_opts() || check_outgoing(stage) || check_bypass(stage))
		return -1;
	return check_tx_off(frame, stage) ?: check_vnet(stage);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	lo = if_nametoindex("lo");
	if (!lo || setup()) {
		fail_perror("can't set the packet sockets up");
		return 1;
	}
	/* what the test counts on, shown before the dump: the kernel's own behaviour */
	if (check_all(0, "before"))
		return 1;
	test_daemon();
	test_waitsig();

	on = !getenv("PACKET_OPTS_DROPPED");
	if (check_all(1, "after"))
		return 1;
	pass();
	return 0;
}
