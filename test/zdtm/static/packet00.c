// SPDX-License-Identifier: GPL-2.0
/*
 * packet00: packet (AF_PACKET) sockets on lo, with local experimental ethertypes no other
 * program of the host uses.
 * - raw: SOCK_RAW bound to lo for 0x88b5, TPACKET_V2, PACKET_RESERVE 16, PACKET_AUXDATA,
 *   PACKET_ORIGDEV, PACKET_LOSS, PACKET_COPY_THRESH 0 (not set), a membership of the
 *   multicast address 01:00:5e:7a:13:01 on lo (twice);
 * - dgram: SOCK_DGRAM bound to lo for 0x88b6, in fanout group 0x7a13 (PACKET_FANOUT_HASH);
 * - spkt: SOCK_PACKET bound to "lo" for 0x88b7;
 * - idle: SOCK_RAW of protocol 0, never bound.
 * After restore: getsockname() tells the same interface and protocol, the options and the
 * fanout group read back the same, /proc/net/dev_mcast shows lo in the multicast address
 * (the restored socket's membership: the old socket is gone), taken twice: it stays after
 * one PACKET_DROP_MEMBERSHIP and goes with the second; a frame sent on lo with each
 * ethertype reaches raw, dgram and spkt. With PACKET_QUEUED set a
 * frame waits on raw at dump: not supported yet, the dump is refused (packet01.desc) and
 * the frame is still there. With PACKET_RING set another socket has an unused
 * PACKET_RX_RING mapped (packet02.desc): after restore it is mapped again, empty
 * (packet_ring00 receives into one).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define ETH_RAW	  0x88b5
#define ETH_DGRAM 0x88b6
#define ETH_SPKT  0x88b7
#define FANOUT_ID 0x7a13

static const unsigned char mc_addr[6] = { 0x01, 0x00, 0x5e, 0x7a, 0x13, 0x01 };
static int raw, dgram, spkt, idle, lo;

static int set_int(int sk, int opt, int v)
{
	return setsockopt(sk, SOL_PACKET, opt, &v, sizeof(v));
}

static int get_int(int sk, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(sk, SOL_PACKET, opt, &v, &len) ? -1 : v;
}

static int bind_ll(int sk, int proto)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(proto),
				  .sll_ifindex = lo };

	return bind(sk, (struct sockaddr *)&ll, sizeof(ll));
}

static int setup(void)
{
	struct sockaddr_pkt pkt = { .spkt_family = AF_PACKET, .spkt_protocol = htons(ETH_SPKT) };
	struct packet_mreq mr = { .mr_type = PACKET_MR_MULTICAST, .mr_alen = 6 };
	struct timeval tv = { 2, 0 };

	lo = if_nametoindex("lo");
	raw = socket(AF_PACKET, SOCK_RAW, 0);
	dgram = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_DGRAM));
	spkt = socket(AF_PACKET, SOCK_PACKET, htons(ETH_SPKT));
	idle = socket(AF_PACKET, SOCK_RAW, 0);
	if (!lo || raw < 0 || dgram < 0 || spkt < 0 || idle < 0)
		return -1;
	mr.mr_ifindex = lo;
	memcpy(mr.mr_address, mc_addr, 6);
	strcpy((char *)pkt.spkt_device, "lo");
	if (bind_ll(raw, ETH_RAW) || set_int(raw, PACKET_VERSION, TPACKET_V2) ||
	    set_int(raw, PACKET_RESERVE, 16) || set_int(raw, PACKET_AUXDATA, 1) ||
	    set_int(raw, PACKET_ORIGDEV, 1) || set_int(raw, PACKET_LOSS, 1) ||
	    setsockopt(raw, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) ||
	    setsockopt(raw, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) ||
	    setsockopt(raw, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	if (bind_ll(dgram, ETH_DGRAM) ||
	    set_int(dgram, PACKET_FANOUT, FANOUT_ID | PACKET_FANOUT_HASH << 16) ||
	    setsockopt(dgram, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	/* the old way: a struct sockaddr of the name (the protocol stays the socket's) */
	if (bind(spkt, (struct sockaddr *)&pkt, sizeof(struct sockaddr)) ||
	    setsockopt(spkt, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	return 0;
}

static int check_name(int sk, int proto)
{
	struct sockaddr_ll ll = {};
	socklen_t len = sizeof(ll);

	if (getsockname(sk, (struct sockaddr *)&ll, &len))
		return -1;
	return ll.sll_ifindex == lo && ll.sll_protocol == htons(proto) ? 0 : -1;
}

/* Users of 01:00:5e:7a:13:01 on lo, as /proc/net/dev_mcast tells (0 if it's not there). */
static int mc_users(void)
{
	char line[256], dev[32], addr[64];
	int idx, users, global, n = 0;
	FILE *f = fopen("/proc/net/dev_mcast", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %31s %d %d %63s", &idx, dev, &users, &global, addr) == 5 &&
		    idx == lo && !strcmp(addr, "01005e7a1301"))
			n = users;
	fclose(f);
	return n;
}

static int check_state(void)
{
	struct sockaddr_pkt pkt = {};
	socklen_t len = sizeof(pkt);

	if (check_name(raw, ETH_RAW) || check_name(dgram, ETH_DGRAM))
		return 1;
	/* the old way tells only the name; the protocol shows in what it receives (talk) */
	if (getsockname(spkt, (struct sockaddr *)&pkt, &len) ||
	    strcmp((char *)pkt.spkt_device, "lo"))
		return 2;
	if (get_int(raw, PACKET_VERSION) != TPACKET_V2 || get_int(raw, PACKET_RESERVE) != 16 ||
	    get_int(raw, PACKET_AUXDATA) != 1 || get_int(raw, PACKET_ORIGDEV) != 1 ||
	    get_int(raw, PACKET_LOSS) != 1 || get_int(dgram, PACKET_AUXDATA) != 0)
		return 3;
	if (get_int(dgram, PACKET_FANOUT) != (FANOUT_ID | PACKET_FANOUT_HASH << 16))
		return 4;
	if (mc_users() != 1)
		return 5;
	if (check_name(idle, 0) != -1) /* never bound: no interface */
		return 6;
	return 0;
}

/* A frame on lo with that ethertype, sent from a new socket of ours. */
static int send_frame(int proto, const char *payload)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_ifindex = lo, .sll_halen = 6 };
	unsigned char frame[64] = {};
	int tx = socket(AF_PACKET, SOCK_RAW, 0), ret;

	if (tx < 0)
		return -1;
	/* destination and source 00:00:00:00:00:00, then the type and the payload */
	frame[12] = proto >> 8;
	frame[13] = proto & 0xff;
	memcpy(frame + 14, payload, strlen(payload));
	ret = sendto(tx, frame, sizeof(frame), 0, (struct sockaddr *)&ll, sizeof(ll));
	close(tx);
	return ret == sizeof(frame) ? 0 : -1;
}

/* The frame's payload reaches sk (after the link header where the type keeps it). */
static int got_frame(int sk, size_t hdr, const char *payload)
{
	unsigned char buf[128];
	ssize_t n = recv(sk, buf, sizeof(buf), 0);

	return n >= (ssize_t)(hdr + strlen(payload)) && !memcmp(buf + hdr, payload, strlen(payload))
		       ? 0
		       : -1;
}

static int talk(void)
{
	if (send_frame(ETH_RAW, "to raw") || got_frame(raw, 14, "to raw"))
		return 10;
	if (send_frame(ETH_DGRAM, "to dgram") || got_frame(dgram, 0, "to dgram"))
		return 11;
	if (send_frame(ETH_SPKT, "to spkt") || got_frame(spkt, 14, "to spkt"))
		return 12;
	return 0;
}

/* A socket with a receive ring the task maps; its mapping, or NULL. */
static void *make_ring(void)
{
	struct tpacket_req req = {
		.tp_block_size = 4096, .tp_block_nr = 1, .tp_frame_size = 2048, .tp_frame_nr = 2
	};
	int rs = socket(AF_PACKET, SOCK_RAW, 0);
	void *ring;

	if (rs < 0 || set_int(rs, PACKET_VERSION, TPACKET_V2) ||
	    setsockopt(rs, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		return NULL;
	ring = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rs, 0);
	return ring == MAP_FAILED ? NULL : ring;
}

/* The membership was taken twice: one drop leaves it, the second removes it. */
static int drop_twice(void)
{
	struct packet_mreq mr = { .mr_ifindex = lo, .mr_type = PACKET_MR_MULTICAST, .mr_alen = 6 };

	memcpy(mr.mr_address, mc_addr, 6);
	if (setsockopt(raw, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof(mr)) || mc_users() != 1)
		return 20;
	if (setsockopt(raw, SOL_PACKET, PACKET_DROP_MEMBERSHIP, &mr, sizeof(mr)) || mc_users() != 0)
		return 21;
	return 0;
}

int main(int argc, char **argv)
{
	bool queued = getenv("PACKET_QUEUED");
	void *ring = NULL;
	int ret;

	test_init(argc, argv);
	if (setup()) {
		fail("can't set up the packet sockets (%s)", strerror(errno));
		return 1;
	}
	ret = check_state() ?: talk();
	if (ret) {
		fail("the sockets are not as set up (%d: %s)", ret, strerror(errno));
		return 1;
	}
	if (getenv("PACKET_RING") && !(ring = make_ring())) {
		fail("can't map a packet ring (%s)", strerror(errno));
		return 1;
	}
	if (queued && send_frame(ETH_RAW, "queued")) {
		fail("can't queue a frame (%s)", strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	if (ring && *(volatile unsigned long *)ring & TP_STATUS_USER) {
		fail("the ring is not as it was");
		return 1;
	}
	if (queued && got_frame(raw, 14, "queued")) {
		fail("the queued frame is gone (%s)", strerror(errno));
		return 1;
	}
	ret = check_state() ?: talk() ?: drop_twice();
	if (ret) {
		fail("the sockets are not as before (%d: %s)", ret, strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
