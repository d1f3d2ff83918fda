// SPDX-License-Identifier: GPL-2.0
/*
 * ipopts00: IP-level options CRIU 4.2 has no field for, on UDP and TCP sockets of both
 * families.
 * - u4: UDP on 127.0.0.1 with IP_PKTINFO, IP_RECVERR, IP_RECVTOS, IP_RECVTTL and
 *   IP_MTU_DISCOVER IP_PMTUDISC_PROBE;
 * - t4: a TCP listener with IP_TRANSPARENT, bound to 127.0.0.1;
 * - u6: UDP on ::1 with IPV6_RECVPKTINFO, IPV6_RECVERR, IPV6_RECVHOPLIMIT, IPV6_DONTFRAG
 *   and IPV6_MULTICAST_IF lo.
 * After restore every option reads back as set, and a datagram sent to u4 and u6 comes with
 * the ancillary data the options ask for (IP_PKTINFO naming lo, IP_TTL; IPV6_PKTINFO,
 * IPV6_HOPLIMIT).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "zdtmtst.h"

struct opt {
	int *sk, level, opt, value;
};

static int u4, t4, u6, lo;

static struct opt opts[] = {
	{ &u4, SOL_IP, IP_PKTINFO, 1 },
	{ &u4, SOL_IP, IP_RECVERR, 1 },
	{ &u4, SOL_IP, IP_RECVTOS, 1 },
	{ &u4, SOL_IP, IP_RECVTTL, 1 },
	{ &u4, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE },
	{ &t4, SOL_IP, IP_TRANSPARENT, 1 },
	{ &u6, SOL_IPV6, IPV6_RECVPKTINFO, 1 },
	{ &u6, SOL_IPV6, IPV6_RECVERR, 1 },
	{ &u6, SOL_IPV6, IPV6_RECVHOPLIMIT, 1 },
	{ &u6, SOL_IPV6, IPV6_DONTFRAG, 1 },
	{ &u6, SOL_IPV6, IPV6_MULTICAST_IF, 0 }, /* lo's index, set below */
};

#define NR_OPTS (sizeof(opts) / sizeof(opts[0]))

static int bind_lo(int sk, int family)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (family == AF_INET)
		return bind(sk, (struct sockaddr *)&a, sizeof(a));
	return bind(sk, (struct sockaddr *)&a6, sizeof(a6));
}

static int setup(void)
{
	struct timeval tv = { 2, 0 };
	size_t i;

	lo = if_nametoindex("lo");
	opts[NR_OPTS - 1].value = lo;
	u4 = socket(AF_INET, SOCK_DGRAM, 0);
	t4 = socket(AF_INET, SOCK_STREAM, 0);
	u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	if (!lo || u4 < 0 || t4 < 0 || u6 < 0)
		return -1;
	for (i = 0; i < NR_OPTS; i++)
		if (setsockopt(*opts[i].sk, opts[i].level, opts[i].opt, &opts[i].value,
			       sizeof(int)))
			return -1;
	if (bind_lo(u4, AF_INET) || bind_lo(t4, AF_INET) || listen(t4, 1) ||
	    bind_lo(u6, AF_INET6) || setsockopt(u4, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(u6, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	return 0;
}

static int check_opts(void)
{
	size_t i;

	for (i = 0; i < NR_OPTS; i++) {
		int v = -1;
		socklen_t len = sizeof(v);

		if (getsockopt(*opts[i].sk, opts[i].level, opts[i].opt, &v, &len) ||
		    v != opts[i].value) {
			test_msg("option %d of level %d is %d, not %d\n", opts[i].opt,
				 opts[i].level, v, opts[i].value);
			return 1;
		}
	}
	return 0;
}

/* A datagram to sk from a new socket; the control messages it comes with must hold
 * want1 and want2 (level, type) pairs. */
static int datagram(int sk, int family, int level, int want1, int want2)
{
	struct sockaddr_storage to;
	socklen_t len = sizeof(to);
	char data[8], ctl[512];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)
	};
	struct cmsghdr *c;
	bool got1 = false, got2 = false;
	int tx = socket(family, SOCK_DGRAM, 0);

	if (tx < 0 || getsockname(sk, (struct sockaddr *)&to, &len) ||
	    sendto(tx, "dgram", 5, 0, (struct sockaddr *)&to, len) != 5)
		return -1;
	close(tx);
	if (recvmsg(sk, &mh, 0) != 5)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != level)
			continue;
		got1 |= c->cmsg_type == want1;
		got2 |= c->cmsg_type == want2;
		if (c->cmsg_type == IP_PKTINFO && level == SOL_IP &&
		    ((struct in_pktinfo *)CMSG_DATA(c))->ipi_ifindex != lo)
			return -2;
	}
	return got1 && got2 ? 0 : -3;
}

static int talk(void)
{
	if (datagram(u4, AF_INET, SOL_IP, IP_PKTINFO, IP_TTL))
		return 10;
	if (datagram(u6, AF_INET6, SOL_IPV6, IPV6_PKTINFO, IPV6_HOPLIMIT))
		return 11;
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	if (setup()) {
		fail("can't set the options up (%s)", strerror(errno));
		return 1;
	}
	ret = check_opts() ?: talk();
	if (ret) {
		fail("the options don't work before the dump (%d: %s)", ret, strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	ret = check_opts() ?: talk();
	if (ret) {
		fail("the options are not as before (%d: %s)", ret, strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
