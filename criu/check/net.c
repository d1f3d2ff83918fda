/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check/net.c - probes of socket and network device interfaces. network_lock_nftables asks
 * the network lock (net/lock/); nftables (saving a network namespace's rules) and
 * external_net_ns are about criu itself, which saves no network namespaces yet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net-lock.h"
#include "probes.h"

#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK 72
#endif
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif
#define SIOCUNIXFILE (SIOCPROTOPRIVATE + 0)

const char *probe_tun(void)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), idx = 13, ret;

	if (fd < 0)
		return "no /dev/net/tun";
	ret = ioctl(fd, TUNSETIFINDEX, &idx);
	close(fd);
	return ret ? "No proper support for tun dump/restore (TUNSETIFINDEX)" : NULL;
}

/* On a detached tun fd the kernel answers EBADFD if it knows TUNGETDEVNETNS at all. */
const char *probe_tun_ns(void)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return "no /dev/net/tun";
	ret = ioctl(fd, TUNGETDEVNETNS);
	if (ret >= 0)
		close(ret);
	else if (errno == EINVAL || errno == ENOTTY)
		ret = -2;
	close(fd);
	return ret == -2 ? "TUNGETDEVNETNS is not supported" : NULL;
}

/* A connected loopback pair: *cl the client, *sv the accepted end. */
static int tcp_pair(int *cl, int *sv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	*cl = *sv = -1;
	if (l < 0)
		return -1;
	if (bind(l, (struct sockaddr *)&a, len) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &len))
		goto out;
	*cl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*cl < 0 || connect(*cl, (struct sockaddr *)&a, len))
		goto out;
	*sv = accept4(l, NULL, NULL, SOCK_CLOEXEC);
out:
	close(l);
	return *sv < 0 ? -1 : 0;
}

/* Repair mode on a socket whose write side is shut (FIN sent): CRIU's tcp_half_closed. */
const char *probe_tcp_half_closed(void)
{
	int cl, sv, on = 1, ret = -1;

	if (!tcp_pair(&cl, &sv) && !shutdown(cl, SHUT_WR)) {
		usleep(10000); /* the FIN is acked: FIN_WAIT2 */
		ret = setsockopt(cl, SOL_TCP, TCP_REPAIR, &on, sizeof(on));
	}
	if (cl >= 0)
		close(cl);
	if (sv >= 0)
		close(sv);
	return ret ? "TCP repair mode of half-closed sockets is not supported" : NULL;
}

const char *probe_sk_ns(void)
{
	int sk = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), ns;

	if (sk < 0)
		return "can't create a socket";
	ns = ioctl(sk, SIOCGSKNS);
	close(sk);
	if (ns < 0)
		return "SIOCGSKNS is not supported";
	close(ns);
	return NULL;
}

/* An unbound unix socket has no file: ENOENT says the kernel knows SIOCUNIXFILE. */
const char *probe_sk_unix_file(void)
{
	int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), fd;
	int err = 0;

	if (sk < 0)
		return "can't create a socket";
	fd = ioctl(sk, SIOCUNIXFILE);
	if (fd >= 0)
		close(fd);
	else
		err = errno;
	close(sk);
	return fd >= 0 || err == ENOENT ? NULL : "SIOCUNIXFILE is not supported";
}

const char *probe_ipv6_freebind(void)
{
	int sk = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0), on = 1, ret;

	if (sk < 0)
		return "no IPv6 sockets";
	ret = setsockopt(sk, SOL_IPV6, IPV6_FREEBIND, &on, sizeof(on));
	close(sk);
	return ret ? "IPV6_FREEBIND is not supported" : NULL;
}

const char *probe_sockopt_buf_lock(void)
{
	int sk = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), val, ret;
	socklen_t len = sizeof(val);

	if (sk < 0)
		return "can't create a socket";
	ret = getsockopt(sk, SOL_SOCKET, SO_BUF_LOCK, &val, &len);
	close(sk);
	return ret ? "SO_BUF_LOCK is not supported" : NULL;
}

const char *probe_nftables(void)
{
	return "CRIU was built without libnftables support";
}

const char *probe_network_lock_nftables(void)
{
	return netlock_probe_nftables();
}

/* CRIU runs iptables-legacy and ip6tables-legacy to lock the network on such systems. */
const char *probe_ipt_legacy(void)
{
	static const char *const tools[] = { "iptables-legacy", "ip6tables-legacy" };
	const char *env = getenv("PATH");
	char path[4096], dirs[4096], *dir, *save;
	size_t i, found = 0;

	for (i = 0; i < 2; i++) {
		snprintf(dirs, sizeof(dirs), "%s", env ? env : "/usr/sbin:/usr/bin:/sbin:/bin");
		for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			snprintf(path, sizeof(path), "%s/%s", dir, tools[i]);
			if (!access(path, X_OK)) {
				found++;
				break;
			}
		}
	}
	return found == 2 ? NULL : "iptables-legacy and ip6tables-legacy are not installed";
}

const char *probe_external_net_ns(void)
{
	return "external network namespaces (--external net[]) are not supported yet";
}
