// SPDX-License-Identifier: GPL-2.0
/*
 * neigh_tc00: the test's own network namespace has a veth pair (zdn0, zdn1), static
 * neighbours on zdn0 (IPv4 permanent, IPv6 permanent with the router flag, IPv4 noarp),
 * proxy entries (IPv4 on zdn0, IPv6 on zdn1), an
 * htb tree on zdn0 (classes 1:1, 1:10, 1:20, a tbf of 256 kbit/s under 1:10, a u32 filter
 * that sends 10.77.0.9 to 1:10) and a clsact qdisc with u32 filters on zdn1 (egress's list
 * made first: its root hash table is 800:, ingress's 801:, which they keep). After the
 * restore, what ip and tc show of them is what they showed before (each field: address,
 * link, lladdr, flags, state; kinds, handles, parents, rates, bursts, filter matches), and
 * they work: 40 UDP datagrams of 1000 bytes to 10.77.0.9 leave zdn0 without an ARP request,
 * as frames to the permanent lladdr (seen on zdn1 by a packet socket), and take over 0.8 s
 * to pass the tbf (about 1.2 s at 256 kbit/s after its 4 kB burst; without the filter or the
 * tbf they pass in milliseconds).
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_DGRAMS 40
#define DGRAM_LEN 1000

static const unsigned char lladdr[6] = { 0x02, 0, 0, 0, 0x77, 0x09 };
static char before[8192];

static const char *const setup_cmds[] = {
	"ip link set lo up",
	"ip link add zdn0 type veth peer name zdn1",
	"ip link set zdn0 up && ip link set zdn1 up",
	"ip addr add 10.77.0.1/24 dev zdn0 && ip addr add fd77::1/64 dev zdn0 nodad",
	"ip neigh add 10.77.0.9 lladdr 02:00:00:00:77:09 dev zdn0 nud permanent",
	"ip -6 neigh add fd77::9 lladdr 02:00:00:00:77:0a dev zdn0 nud permanent router",
	"ip neigh add 10.77.0.10 lladdr 02:00:00:00:77:10 dev zdn0 nud noarp",
	"ip neigh add proxy 10.77.0.50 dev zdn0 && ip -6 neigh add proxy fd77::50 dev zdn1",
	"tc qdisc add dev zdn0 root handle 1: htb default 20",
	"tc class add dev zdn0 parent 1: classid 1:1 htb rate 10mbit",
	"tc class add dev zdn0 parent 1:1 classid 1:10 htb rate 1mbit ceil 2mbit prio 2",
	"tc class add dev zdn0 parent 1:1 classid 1:20 htb rate 5mbit",
	"tc qdisc add dev zdn0 parent 1:10 handle 10: tbf rate 256kbit burst 4kb limit 100kb",
	"tc filter add dev zdn0 parent 1: protocol ip prio 1 u32 match ip dst 10.77.0.9/32 "
	"flowid 1:10",
	"tc qdisc add dev zdn1 clsact",
	"tc filter add dev zdn1 egress protocol ip prio 5 u32 match ip dst 10.77.0.0/24 "
	"classid 1:2",
	"tc filter add dev zdn1 ingress protocol ip prio 3 u32 match ip src 10.77.0.0/24 "
	"classid 1:1",
	NULL,
};

/* what ip and tc show of them, each field as the kernel reports it (a counter left out) */
#define SHOW_CMD                                                                       \
	"{ ip -d neigh show nud permanent; ip -d neigh show to 10.77.0.10 nud noarp; " \
	"ip neigh show proxy; "                                                        \
	"tc qdisc show dev zdn0; tc class show dev zdn0; tc filter show dev zdn0; "    \
	"tc qdisc show dev zdn1; tc filter show dev zdn1 ingress; "                    \
	"tc filter show dev zdn1 egress; } | "                                         \
	"sed 's/direct_packets_stat [0-9]*//'"

static const char *const expected[] = {
	"10.77.0.9 dev zdn0 lladdr 02:00:00:00:77:09 PERMANENT",
	"fd77::9 dev zdn0 lladdr 02:00:00:00:77:0a router PERMANENT",
	"10.77.0.10 dev zdn0 lladdr 02:00:00:00:77:10 NOARP",
	"10.77.0.50 dev zdn0 proxy",
	"fd77::50 dev zdn1 proxy",
	"qdisc htb 1: root",
	"qdisc tbf 10: parent 1:10 rate 256Kbit burst 4Kb",
	"class htb 1:10 parent 1:1 leaf 10: prio 2 rate 1Mbit ceil 2Mbit",
	"class htb 1:20 parent 1:1 prio 0 rate 5Mbit",
	"*flowid 1:10",
	"match 0a4d0009/ffffffff at 16",
	"qdisc clsact ffff:",
	/* the lists' root tables: egress's made first */
	"fh 801::800 order 2048 key ht 801 bkt 0 *flowid 1:1",
	"match 0a4d0000/ffffff00 at 12",
	"fh 800::800 order 2048 key ht 800 bkt 0 *flowid 1:2",
	"match 0a4d0000/ffffff00 at 16",
	NULL,
};

static int setup(void)
{
	return test_own_netns(setup_cmds);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One frame to 10.77.0.9 seen on zdn1: 1, its dst MAC wrong: -1, another frame: 0 */
static int is_ours(const unsigned char *f, ssize_t len)
{
	const struct iphdr *ip = (const void *)(f + ETH_HLEN);

	if (len < ETH_HLEN + (ssize_t)sizeof(*ip) || ip->protocol != IPPROTO_UDP ||
	    ip->daddr != htonl(0x0a4d0009))
		return 0;
	if (memcmp(f, lladdr, sizeof(lladdr))) {
		fail("a datagram to 10.77.0.9 left with dst %02x:%02x:%02x:%02x:%02x:%02x", f[0],
		     f[1], f[2], f[3], f[4], f[5]);
		return -1;
	}
	return 1;
}

/* Send the datagrams; the seconds from the first frame seen on zdn1 to the last, or -1 */
static double burst(int ps)
{
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(9),
				   .sin_addr.s_addr = htonl(0x0a4d0009) };
	int u = socket(AF_INET, SOCK_DGRAM, 0), i, got = 0, r;
	char payload[DGRAM_LEN] = "neigh_tc00";
	unsigned char frame[2048];
	double first = 0, last = 0, start = now();
	struct pollfd p = { .fd = ps, .events = POLLIN };

	for (i = 0; u >= 0 && i < NR_DGRAMS; i++)
		if (sendto(u, payload, sizeof(payload), 0, (void *)&dst, sizeof(dst)) < 0)
			break;
	if (u < 0 || i < NR_DGRAMS) {
		fail_perror("sending to 10.77.0.9");
		return -1;
	}
	close(u);
	while (got < NR_DGRAMS && now() - start < 15 && poll(&p, 1, 1000) >= 0) {
		ssize_t len = recv(ps, frame, sizeof(frame), MSG_DONTWAIT);

		r = len > 0 ? is_ours(frame, len) : 0;
		if (r < 0)
			return -1;
		if (r && !got++)
			first = now();
		if (r)
			last = now();
	}
	if (got < NR_DGRAMS) {
		fail("only %d of %d datagrams to 10.77.0.9 reached zdn1 (no static neighbour?)",
		     got, NR_DGRAMS);
		return -1;
	}
	return last - first;
}

static void check_traffic(void)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(ETH_P_IP),
				  .sll_ifindex = if_nametoindex("zdn1") };
	int ps = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	double secs;

	if (ps < 0 || bind(ps, (void *)&ll, sizeof(ll))) {
		fail_perror("a packet socket on zdn1");
		return;
	}
	secs = burst(ps);
	close(ps);
	if (secs < 0)
		return;
	test_msg("%d datagrams passed in %.3f s\n", NR_DGRAMS, secs);
	if (secs < 0.8)
		fail("%d datagrams to 10.77.0.9 passed in %.3f s: not through the 256 kbit/s tbf",
		     NR_DGRAMS, secs);
}

static void check(void)
{
	static bool dumped;
	char now_shown[sizeof(before)];
	bool bad = false;
	int i;

	if (test_sh_out(SHOW_CMD, dumped ? now_shown : before, sizeof(before))) {
		fail("can't run '%s'", SHOW_CMD);
		return;
	}
	for (i = 0; !dumped && expected[i]; i++)
		if (!strstr(before, expected[i])) {
			fail("the setup shows no '%s':\n%s", expected[i], before);
			bad = true;
		}
	if (dumped && strcmp(before, now_shown)) {
		bad = true;
		test_fail_diff("neighbours or traffic control", before, now_shown);
	}
	dumped = true;
	if (!bad)
		check_traffic();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
