// SPDX-License-Identifier: GPL-2.0
/*
 * mcast00: multicast groups and options of UDP sockets, on lo.
 * IPv4 (default): rx, bound to port P of any address with IP_MULTICAST_ALL off, joined
 * 239.7.1.1 (any source), 239.7.1.2 (only from 127.0.0.1: MCAST_INCLUDE) and 239.7.1.3
 * (all but 127.0.0.1: MCAST_EXCLUDE); opt has IP_MULTICAST_TTL 9 and IP_MULTICAST_LOOP 0.
 * After restore MCAST_MSFILTER tells the same groups, modes and sources (and no 239.7.1.4),
 * the options read back the same, and datagrams a new socket sends from 127.0.0.1 to the
 * four groups reach rx for 239.7.1.1 and .2 only.
 * MCAST_FAMILY "6" (mcast01): rx6 joined ff15::7:1, ff15::7:2 (from ::1 only), ff15::7:3
 * (all but ::1) and, at the IP level, the IPv4 group 239.7.1.5; opt6 has
 * IPV6_MULTICAST_HOPS 9 and IPV6_MULTICAST_LOOP 0. IPv6 multicast can't be sent on lo: the
 * kernel's own answers (MCAST_MSFILTER, /proc/net/igmp6 through it) are what is checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "zdtmtst.h"

struct group {
	int family;
	const char *addr, *source; /* source: the one source of the filter, or NULL */
	int mode;		   /* MCAST_INCLUDE, MCAST_EXCLUDE, or -1: not joined */
};

static const struct group groups4[] = {
	{ AF_INET, "239.7.1.1", NULL, MCAST_EXCLUDE },
	{ AF_INET, "239.7.1.2", "127.0.0.1", MCAST_INCLUDE },
	{ AF_INET, "239.7.1.3", "127.0.0.1", MCAST_EXCLUDE },
	{ AF_INET, "239.7.1.4", NULL, -1 },
};

static const struct group groups6[] = {
	{ AF_INET6, "ff15::7:1", NULL, MCAST_EXCLUDE },
	{ AF_INET6, "ff15::7:2", "::1", MCAST_INCLUDE },
	{ AF_INET6, "ff15::7:3", "::1", MCAST_EXCLUDE },
	{ AF_INET, "239.7.1.5", NULL, MCAST_EXCLUDE },
	{ AF_INET6, "ff15::7:4", NULL, -1 },
};

static const struct group *groups;
static size_t nr_groups;
static int rx, opt, family, lo;
static uint16_t port;

static void fill(struct sockaddr_storage *ss, int fam, const char *addr)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = fam;
	if (fam == AF_INET)
		inet_pton(AF_INET, addr, &((struct sockaddr_in *)ss)->sin_addr);
	else
		inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)ss)->sin6_addr);
}

static int level(int fam)
{
	return fam == AF_INET ? SOL_IP : SOL_IPV6;
}

static int join(const struct group *g)
{
	struct group_source_req gsr = { .gsr_interface = lo };
	struct group_req gr = { .gr_interface = lo };

	if (g->mode < 0)
		return 0;
	if (g->mode == MCAST_INCLUDE) {
		fill(&gsr.gsr_group, g->family, g->addr);
		fill(&gsr.gsr_source, g->family, g->source);
		return setsockopt(rx, level(g->family), MCAST_JOIN_SOURCE_GROUP, &gsr, sizeof(gsr));
	}
	fill(&gr.gr_group, g->family, g->addr);
	if (setsockopt(rx, level(g->family), MCAST_JOIN_GROUP, &gr, sizeof(gr)))
		return -1;
	if (!g->source)
		return 0;
	fill(&gsr.gsr_group, g->family, g->addr);
	fill(&gsr.gsr_source, g->family, g->source);
	return setsockopt(rx, level(g->family), MCAST_BLOCK_SOURCE, &gsr, sizeof(gsr));
}

static int set_int(int sk, int lvl, int o, int v)
{
	return setsockopt(sk, lvl, o, &v, sizeof(v));
}

static int get_int(int sk, int lvl, int o)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(sk, lvl, o, &v, &len) ? -1 : v;
}

static int setup(void)
{
	struct sockaddr_storage any;
	socklen_t len = sizeof(any);
	bool v6 = family == AF_INET6;
	size_t i;

	lo = if_nametoindex("lo");
	rx = socket(family, SOCK_DGRAM, 0);
	opt = socket(family, SOCK_DGRAM, 0);
	if (!lo || rx < 0 || opt < 0)
		return -1;
	fill(&any, family, v6 ? "::" : "0.0.0.0");
	if (bind(rx, (struct sockaddr *)&any,
		 v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in)) ||
	    getsockname(rx, (struct sockaddr *)&any, &len))
		return -1;
	port = ntohs(((struct sockaddr_in *)&any)->sin_port);
	if (set_int(rx, level(family), v6 ? IPV6_MULTICAST_ALL : IP_MULTICAST_ALL, 0) ||
	    set_int(opt, level(family), v6 ? IPV6_MULTICAST_HOPS : IP_MULTICAST_TTL, 9) ||
	    set_int(opt, level(family), v6 ? IPV6_MULTICAST_LOOP : IP_MULTICAST_LOOP, 0))
		return -1;
	for (i = 0; i < nr_groups; i++)
		if (join(&groups[i]))
			return -1;
	return 0;
}

/* What MCAST_MSFILTER tells of g: as joined, with its one source or none. */
static int check_group(const struct group *g)
{
	char buf[GROUP_FILTER_SIZE(4)];
	struct group_filter *gf = (struct group_filter *)buf;
	struct sockaddr_storage src;
	socklen_t len = sizeof(buf);

	memset(buf, 0, sizeof(buf));
	gf->gf_interface = lo;
	gf->gf_numsrc = 4;
	fill(&gf->gf_group, g->family, g->addr);
	if (getsockopt(rx, level(g->family), MCAST_MSFILTER, gf, &len))
		return g->mode < 0 && errno == EADDRNOTAVAIL ? 0 : -1;
	if (g->mode < 0 || (int)gf->gf_fmode != g->mode || gf->gf_numsrc != (g->source ? 1 : 0))
		return -1;
	if (!g->source)
		return 0;
	fill(&src, g->family, g->source);
	return memcmp(&gf->gf_slist[0], &src, sizeof(src)) ? -1 : 0;
}

static int check_state(void)
{
	bool v6 = family == AF_INET6;
	size_t i;

	for (i = 0; i < nr_groups; i++)
		if (check_group(&groups[i])) {
			test_msg("group %s is not as joined\n", groups[i].addr);
			return 1;
		}
	if (get_int(rx, level(family), v6 ? IPV6_MULTICAST_ALL : IP_MULTICAST_ALL) != 0 ||
	    get_int(opt, level(family), v6 ? IPV6_MULTICAST_HOPS : IP_MULTICAST_TTL) != 9 ||
	    get_int(opt, level(family), v6 ? IPV6_MULTICAST_LOOP : IP_MULTICAST_LOOP) != 0)
		return 2;
	return 0;
}

/* IPv4: a new socket sends "N" to each group from 127.0.0.1; rx gets "0" and "1" only. */
static int talk(void)
{
	struct sockaddr_in from = { .sin_family = AF_INET }, to = { .sin_family = AF_INET };
	struct ip_mreqn mif = { .imr_ifindex = lo };
	struct timeval tv = { 1, 0 };
	char got[8] = "", buf[8];
	size_t i, n = 0;
	int tx;

	if (family != AF_INET)
		return 0;
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (tx < 0 || bind(tx, (struct sockaddr *)&from, sizeof(from)) ||
	    setsockopt(tx, SOL_IP, IP_MULTICAST_IF, &mif, sizeof(mif)) ||
	    setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return 10;
	to.sin_port = htons(port);
	for (i = 0; i < nr_groups; i++) {
		buf[0] = '0' + i;
		inet_pton(AF_INET, groups[i].addr, &to.sin_addr);
		if (sendto(tx, buf, 1, 0, (struct sockaddr *)&to, sizeof(to)) != 1)
			return 11;
	}
	while (n < sizeof(got) - 1 && recv(rx, buf, sizeof(buf), 0) == 1)
		got[n++] = buf[0];
	close(tx);
	if (strcmp(got, "01")) {
		test_msg("rx got \"%s\", not \"01\"\n", got);
		return 12;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *f = getenv("MCAST_FAMILY");
	int ret;

	test_init(argc, argv);
	family = f && !strcmp(f, "6") ? AF_INET6 : AF_INET;
	groups = family == AF_INET ? groups4 : groups6;
	nr_groups = family == AF_INET ? sizeof(groups4) / sizeof(groups4[0])
				      : sizeof(groups6) / sizeof(groups6[0]);
	if (setup()) {
		fail("can't join the groups (%s)", strerror(errno));
		return 1;
	}
	ret = check_state() ?: talk();
	if (ret) {
		fail("the groups are not as joined before the dump (%d: %s)", ret, strerror(errno));
		return 1;
	}
	test_daemon();
	test_waitsig();

	ret = check_state() ?: talk();
	if (ret) {
		fail("the groups or options are not as before (%d: %s)", ret, strerror(errno));
		return 1;
	}
	pass();
	return 0;
}
