// SPDX-License-Identifier: GPL-2.0
/*
 * netns00: the test has a network namespace of its own, as a container's init: lo up, a
 * veth pair whose other end is outside (in the runner's namespace, named by
 * --external veth[zdnv0]:zdnvo0 at restore), its MTU, MAC, addresses (IPv4 and IPv6), a
 * route through a gateway, an IPv6 rule, a bridge with an address whose port is one end of a veth
 * pair that is all inside, a persistent tap (owner, vnet header, multi-queue, MAC, MTU, address),
 * sysctls of the link, of "default" and of net.unix, an nftables table, iptables and ip6tables
 * rules, and an established TCP connection to the veth's address, inside. After restore each is
 * read back inside, the connection carries bytes both ways, and from outside (a child back in the
 * runner's namespace) the outer end exists and a new connection across the veth reaches the test's
 * listener.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define IN_LINK	  "zdnv0"
#define OUT_LINK  "zdnvo0"
#define IN_ADDR	  "10.78.0.2"
#define OUT_ADDR  "10.78.0.1"
#define IN6_ADDR  "fd78::2"
#define PORT	  4242
#define MTU	  1400
#define MAC	  "02:7a:64:74:6d:01"
#define NFT_TABLE "zdtm_netns00"

static int outer_ns, lsk, cli, srv;
static unsigned int in_index;

static int read_sysctl(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return atoi(buf);
}

static int make_links(void)
{
	/* the outer end goes to the runner's namespace, which outer_ns (inherited) is */
	if (test_sh("ip link set lo up") ||
	    test_sh("ip link add " IN_LINK " type veth peer name " OUT_LINK
		    " netns /proc/self/fd/%d",
		    outer_ns) ||
	    test_sh("ip link set " IN_LINK " mtu %d address " MAC " up", MTU) ||
	    test_sh("ip addr add " IN_ADDR "/24 dev " IN_LINK) ||
	    test_sh("ip addr add " IN6_ADDR "/64 dev " IN_LINK " nodad") ||
	    test_sh("ip route add 10.98.0.0/16 via " OUT_ADDR " dev " IN_LINK " onlink") ||
	    test_sh("ip -6 rule add from fd78::/64 table 100 prio 1000"))
		return -1;
	if (test_sh("ip link add zdbr0 type bridge && ip link set zdbr0 mtu 1300 up") ||
	    test_sh("ip link add zdin1 type veth peer name zdin2") ||
	    test_sh("ip link set zdin2 master zdbr0 up && ip link set zdin1 up") ||
	    test_sh("ip addr add 10.79.5.1/24 dev zdbr0"))
		return -1;
	if (test_sh("ip tuntap add dev zdtap0 mode tap user 65534 vnet_hdr multi_queue") ||
	    test_sh("ip link set zdtap0 address 02:7a:64:74:6d:02 mtu 1280 up") ||
	    test_sh("ip addr add 10.79.7.1/24 dev zdtap0"))
		return -1;
	if (test_sh("sysctl -qw net.ipv4.conf." IN_LINK ".forwarding=1 net.ipv6.conf." IN_LINK
		    ".hop_limit=33 net.ipv4.conf.default.arp_ignore=2 "
		    "net.unix.max_dgram_qlen=77") ||
	    test_sh("sysctl -qw net.ipv4.ping_group_range='0 2147483647' "
		    "net.ipv4.ip_local_port_range='20000 30000' "
		    "net.ipv4.ip_unprivileged_port_start=900"))
		return -1;
	if (test_sh("iptables -A INPUT -p tcp --dport 4245 -j DROP") ||
	    test_sh("ip6tables -A OUTPUT -p udp --dport 4246 -j REJECT"))
		return -1;
	return test_sh("nft add table inet " NFT_TABLE " && nft add chain inet " NFT_TABLE
		       " c '{ type filter hook input priority 0; }' && nft add rule inet " NFT_TABLE
		       " c tcp dport 4243 counter");
}

static int tcp_setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int one = 1;

	inet_pton(AF_INET, IN_ADDR, &a.sin_addr);
	lsk = socket(AF_INET, SOCK_STREAM, 0);
	if (lsk < 0 || setsockopt(lsk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lsk, (struct sockaddr *)&a, sizeof(a)) || listen(lsk, 4))
		return -1;
	cli = socket(AF_INET, SOCK_STREAM, 0);
	if (cli < 0 || connect(cli, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	srv = accept(lsk, NULL, NULL);
	return srv < 0 ? -1 : 0;
}

static int setup(void)
{
	outer_ns = open("/proc/self/ns/net", O_RDONLY);
	if (outer_ns < 0 || unshare(CLONE_NEWNET)) {
		fail_perror("a network namespace of the test's own");
		return -1;
	}
	if (make_links()) {
		fail("can't set up the namespace's links");
		return -1;
	}
	in_index = if_nametoindex(IN_LINK);
	if (tcp_setup()) {
		fail_perror("TCP connection to " IN_ADDR);
		return -1;
	}
	return 0;
}

static int check_link(void)
{
	struct ifreq ifr = {};
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret = 0;
	unsigned char mac[6];

	sscanf(MAC, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
	       &mac[5]);
	strcpy(ifr.ifr_name, IN_LINK);
	if (if_nametoindex(IN_LINK) != in_index)
		ret = 1;
	else if (ioctl(s, SIOCGIFMTU, &ifr) || ifr.ifr_mtu != MTU)
		ret = 2;
	else if (ioctl(s, SIOCGIFHWADDR, &ifr) || memcmp(ifr.ifr_hwaddr.sa_data, mac, 6))
		ret = 3;
	else if (ioctl(s, SIOCGIFFLAGS, &ifr) || !(ifr.ifr_flags & IFF_UP))
		ret = 4;
	strcpy(ifr.ifr_name, "lo");
	if (!ret && (ioctl(s, SIOCGIFFLAGS, &ifr) || !(ifr.ifr_flags & IFF_UP)))
		ret = 5;
	close(s);
	if (ret)
		fail("link " IN_LINK " or lo is not as set up (%d)", ret);
	return ret;
}

static int has_addr(int family, const char *want)
{
	struct ifaddrs *ifa, *i;
	char buf[INET6_ADDRSTRLEN];
	int found = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != family ||
		    strcmp(i->ifa_name, IN_LINK))
			continue;
		if (family == AF_INET)
			inet_ntop(family, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf,
				  sizeof(buf));
		else
			inet_ntop(family, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, buf,
				  sizeof(buf));
		found |= !strcmp(buf, want);
	}
	freeifaddrs(ifa);
	return found;
}

/* /proc/net/route: 10.98.0.0/16 via 10.78.0.1 on the veth (hex, network order) */
static int has_route(void)
{
	char line[256], dev[32];
	unsigned int dst, gw, mask;
	FILE *f = fopen("/proc/net/route", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %x %x %*x %*d %*d %*d %x", dev, &dst, &gw, &mask) == 4 &&
		    !strcmp(dev, IN_LINK) && dst == htonl(0x0a620000) && gw == htonl(0x0a4e0001) &&
		    mask == htonl(0xffff0000))
			found = 1;
	fclose(f);
	return found;
}

static int check_config(void)
{
	if (!has_addr(AF_INET, IN_ADDR) || !has_addr(AF_INET6, IN6_ADDR)) {
		fail("the addresses of " IN_LINK " are gone");
		return -1;
	}
	if (!has_route()) {
		fail("the route to 10.98.0.0/16 via " OUT_ADDR " is gone");
		return -1;
	}
	/* the rule once, and the kernel's own v6 rules once each (not made twice) */
	if (test_sh("[ $(ip -6 rule show | grep -c 'from fd78::/64 lookup 100') = 1 ]") ||
	    test_sh("[ $(ip -6 rule show | wc -l) = 3 ]")) {
		fail("the IPv6 rule is gone, or the kernel's rules are doubled");
		return -1;
	}
	if (read_sysctl("/proc/sys/net/ipv4/conf/" IN_LINK "/forwarding") != 1 ||
	    read_sysctl("/proc/sys/net/ipv6/conf/" IN_LINK "/hop_limit") != 33 ||
	    read_sysctl("/proc/sys/net/ipv4/conf/default/arp_ignore") != 2 ||
	    read_sysctl("/proc/sys/net/unix/max_dgram_qlen") != 77 ||
	    read_sysctl("/proc/sys/net/ipv4/ping_group_range") != 0 ||
	    read_sysctl("/proc/sys/net/ipv4/ip_local_port_range") != 20000 ||
	    read_sysctl("/proc/sys/net/ipv4/ip_unprivileged_port_start") != 900) {
		fail("a sysctl of the namespace lost its value");
		return -1;
	}
	/* the pair inside is one pair again, its end a port of the bridge */
	if (test_sh("ip -o link show zdin1 | grep -q 'zdin1@zdin2:.*UP'") ||
	    test_sh("ip -o link show zdin2 | grep -q 'zdin2@zdin1:.* master zdbr0 '") ||
	    test_sh("ip -o link show zdbr0 | grep -q 'mtu 1300'") ||
	    test_sh("ip -o addr show zdbr0 | grep -q '10.79.5.1/24'")) {
		fail("the bridge or the veth pair inside is not as set up");
		return -1;
	}
	if (test_sh("ip -d -o link show zdtap0 | grep 'UP' | grep 'mtu 1280' | grep -q "
		    "'02:7a:64:74:6d:02.*tun type tap pi off vnet_hdr on multi_queue numqueues 0 .*"
		    "persist on user nobody'") ||
	    test_sh("ip -o addr show zdtap0 | grep -q '10.79.7.1/24'")) {
		fail("the tap is not as set up");
		return -1;
	}
	if (test_sh("nft list chain inet " NFT_TABLE " c | grep -q 'tcp dport 4243 counter'")) {
		fail("the nftables rule is gone");
		return -1;
	}
	/* iptables (Debian's is iptables-nft) reads its own tables back */
	if (test_sh("iptables -S INPUT | grep -q -- '-p tcp -m tcp --dport 4245 -j DROP'") ||
	    test_sh("ip6tables -S OUTPUT | grep -q -- '-p udp -m udp --dport 4246 -j REJECT'")) {
		fail("the iptables rules are gone");
		return -1;
	}
	return 0;
}

static int check_tcp(void)
{
	char buf[8];

	if (send(cli, "ping", 4, 0) != 4 || recv(srv, buf, sizeof(buf), 0) != 4 ||
	    memcmp(buf, "ping", 4) || send(srv, "pong", 4, 0) != 4 ||
	    recv(cli, buf, sizeof(buf), 0) != 4 || memcmp(buf, "pong", 4)) {
		fail_perror("the connection inside the namespace");
		return -1;
	}
	return 0;
}

/* A child back outside: the outer end is there, and connects across the veth. */
static int from_outside(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int s;

	if (setns(outer_ns, CLONE_NEWNET) || !if_nametoindex(OUT_LINK))
		return 1;
	/* the outer end is the caller's to set up: a restore makes it bare */
	if (test_sh("ip addr replace " OUT_ADDR "/24 dev " OUT_LINK " && ip link set " OUT_LINK
		    " up"))
		return 2;
	inet_pton(AF_INET, IN_ADDR, &a.sin_addr);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) || send(s, "out", 3, 0) != 3)
		return 3;
	close(s);
	return 0;
}

static void check_outside(void)
{
	struct pollfd p = { .fd = lsk, .events = POLLIN };
	char buf[4] = "";
	pid_t kid = fork();
	int a;

	if (kid == 0)
		_exit(from_outside());
	if (kid < 0 || test_wait_child(kid, "the client outside the namespace"))
		return;
	if (poll(&p, 1, 5000) != 1 || (a = accept(lsk, NULL, NULL)) < 0) {
		fail("the listener inside got no connection from outside");
		return;
	}
	if (recv(a, buf, 3, 0) != 3 || memcmp(buf, "out", 3))
		fail("the connection from outside brought no bytes");
	close(a);
}

static void check(void)
{
	if (check_link() || check_config() || check_tcp())
		return;
	check_outside();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
