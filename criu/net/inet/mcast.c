// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/mcast.c - the multicast state of a datagram (UDP, UDP-lite, raw, ping) socket,
 * in inet-extra.img (CRIU 4.2 saves none of it): the groups it joined and their source
 * filters, and IP_MULTICAST_TTL/LOOP/ALL (IPV6_MULTICAST_HOPS/LOOP/ALL).
 *
 * No call lists a socket's groups, but every group a socket joins is in /proc/PID/net/igmp
 * or igmp6 on the interface it joined it on (proc/net-igmp.c), and MCAST_MSFILTER asked of
 * the socket for one group and interface answers with its filter if it joined it, or
 * EADDRNOTAVAIL. So each group of the namespace is asked of each such socket. An IPv6
 * socket may join IPv4 groups too (at the IP level): those are asked at that level.
 * Restore: MCAST_JOIN_GROUP on the interface, then MCAST_MSFILTER if it filters sources.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "files.h"
#include "internal.h"
#include "log.h"
#include "proc-net.h"
#include "sockopts.h"

/* More sources than the kernel lets a group filter hold by default (igmp_max_msf 10,
 * mld_max_msf 64); a socket with more is refused. */
#define MC_MAX_SOURCES 256

static socklen_t fill_group(struct sockaddr_storage *ss, int family, const uint8_t *addr)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = family;
	if (family == AF_INET) {
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, addr, 4);
		return sizeof(struct sockaddr_in);
	}
	memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, addr, 16);
	return sizeof(struct sockaddr_in6);
}

static const uint8_t *group_addr(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	return (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static int level_of(int family)
{
	return family == AF_INET ? SOL_IP : SOL_IPV6;
}

static void free_mc(InetMcEntry *m)
{
	size_t i;

	if (!m)
		return;
	free(m->group.data);
	for (i = 0; i < m->n_sources; i++)
		free(m->sources[i].data);
	free(m->sources);
	free(m);
}

static int copy_bytes(ProtobufCBinaryData *b, const uint8_t *addr, size_t len)
{
	b->data = malloc(len);
	if (!b->data)
		return -ENOMEM;
	memcpy(b->data, addr, len);
	b->len = len;
	return 0;
}

/* The socket's membership of g as an entry (*out NULL if it did not join it). */
static int mc_entry(const struct group_filter *gf, const struct proc_mc_group *g, InetMcEntry **out)
{
	size_t alen = g->family == AF_INET ? 4 : 16, i;
	InetMcEntry *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	inet_mc_entry__init(m);
	m->ifindex = g->ifindex;
	m->fmode = gf->gf_fmode;
	ret = copy_bytes(&m->group, g->addr, alen);
	if (!ret && gf->gf_numsrc) {
		m->sources = calloc(gf->gf_numsrc, sizeof(*m->sources));
		ret = m->sources ? 0 : -ENOMEM;
	}
	for (i = 0; !ret && i < gf->gf_numsrc; i++) {
		ret = copy_bytes(&m->sources[i], group_addr(&gf->gf_slist[i]), alen);
		m->n_sources += !ret;
	}
	if (ret) {
		free_mc(m);
		return ret;
	}
	*out = m;
	return 0;
}

/* Did the socket join g? Its entry in *out if so. */
static int probe_group(int sk, const struct proc_mc_group *g, const InetSkEntry *ie,
		       InetMcEntry **out)
{
	size_t size = GROUP_FILTER_SIZE(MC_MAX_SOURCES);
	struct group_filter *gf = calloc(1, size);
	socklen_t len = size;
	int ret = 0;

	*out = NULL;
	if (!gf)
		return -ENOMEM;
	gf->gf_interface = g->ifindex;
	gf->gf_numsrc = MC_MAX_SOURCES;
	fill_group(&gf->gf_group, g->family, g->addr);
	if (getsockopt(sk, level_of(g->family), MCAST_MSFILTER, gf, &len)) {
		/* not joined; or a level the socket has no groups at (raw IPv6, IPv4 groups) */
		if (errno != EADDRNOTAVAIL && errno != ENOPROTOOPT && errno != EOPNOTSUPP) {
			pr_perror("Can't ask socket:[%u] for its multicast group %u", ie->ino,
				  g->ifindex);
			ret = -errno;
		}
	} else if (gf->gf_numsrc > MC_MAX_SOURCES) {
		pr_err("socket:[%u]: a multicast group filter of %u sources: not supported (more "
		       "than %d)\n",
		       ie->ino, gf->gf_numsrc, MC_MAX_SOURCES);
		ret = -EOPNOTSUPP;
	} else {
		ret = mc_entry(gf, g, out);
	}
	free(gf);
	return ret;
}

static int dump_groups(pid_t pid, int sk, const InetSkEntry *ie, InetExtraEntry *x)
{
	struct proc_mc_group *groups;
	size_t nr, i;
	int ret = proc_net_mc_groups(pid, &groups, &nr);

	for (i = 0; !ret && i < nr; i++) {
		InetMcEntry *m, **v;

		if (groups[i].family == AF_INET6 && ie->family != AF_INET6)
			continue;
		ret = probe_group(sk, &groups[i], ie, &m);
		if (ret || !m)
			continue;
		v = realloc(x->mcast, (x->n_mcast + 1) * sizeof(*v));
		if (!v) {
			free_mc(m);
			ret = -ENOMEM;
			break;
		}
		x->mcast = v;
		x->mcast[x->n_mcast++] = m;
	}
	free(groups);
	return ret;
}

static int dump_mc_opts(int sk, const InetSkEntry *ie, InetExtraEntry *x)
{
	bool v6 = ie->family == AF_INET6;
	int level = level_of(ie->family), ttl, loop, all, ret;

	ret = sk_opt_int(sk, level, v6 ? IPV6_MULTICAST_HOPS : IP_MULTICAST_TTL, &ttl);
	ret = ret ?: sk_opt_int(sk, level, v6 ? IPV6_MULTICAST_LOOP : IP_MULTICAST_LOOP, &loop);
	ret = ret ?: sk_opt_int(sk, level, v6 ? IPV6_MULTICAST_ALL : IP_MULTICAST_ALL, &all);
	if (ret) {
		pr_err("Can't read the multicast options of socket:[%u]: %s\n", ie->ino,
		       strerror(-ret));
		return ret;
	}
	x->has_mc_ttl = x->has_mc_loop = x->has_mc_all = 1;
	x->mc_ttl = ttl;
	x->mc_loop = loop;
	x->mc_all = all;
	return 0;
}

int inet_dump_mcast(pid_t pid, int sk, const InetSkEntry *ie, InetExtraEntry *x)
{
	return dump_mc_opts(sk, ie, x) ?: dump_groups(pid, sk, ie, x);
}

void inet_mcast_free(InetExtraEntry *x)
{
	size_t i;

	for (i = 0; i < x->n_mcast; i++)
		free_mc(x->mcast[i]);
	free(x->mcast);
	x->mcast = NULL;
	x->n_mcast = 0;
}

static int set_int(int sk, int level, int opt, int v, const char *name, uint32_t ino)
{
	int cur = 0;
	socklen_t len = sizeof(cur);

	if (!getsockopt(sk, level, opt, &cur, &len) && cur == v)
		return 0;
	if (setsockopt(sk, level, opt, &v, sizeof(v))) {
		pr_perror("Can't set %s of socket:[%u]", name, ino);
		return -errno;
	}
	return 0;
}

static int restore_mc_opts(int sk, const InetSkEntry *ie, const InetExtraEntry *x)
{
	bool v6 = ie->family == AF_INET6;
	int level = level_of(ie->family), ret = 0;

	if (x->has_mc_ttl)
		ret = set_int(sk, level, v6 ? IPV6_MULTICAST_HOPS : IP_MULTICAST_TTL, x->mc_ttl,
			      "IP_MULTICAST_TTL", ie->ino);
	if (!ret && x->has_mc_loop)
		ret = set_int(sk, level, v6 ? IPV6_MULTICAST_LOOP : IP_MULTICAST_LOOP, x->mc_loop,
			      "IP_MULTICAST_LOOP", ie->ino);
	if (!ret && x->has_mc_all)
		ret = set_int(sk, level, v6 ? IPV6_MULTICAST_ALL : IP_MULTICAST_ALL, x->mc_all,
			      "IP_MULTICAST_ALL", ie->ino);
	return ret;
}

static int check_mc(const InetMcEntry *m, const InetSkEntry *ie)
{
	size_t i, alen = m->group.len;

	if ((alen != 4 && alen != 16) || (alen == 16 && ie->family != AF_INET6) ||
	    m->n_sources > MC_MAX_SOURCES || m->fmode > MCAST_INCLUDE)
		goto bad;
	for (i = 0; i < m->n_sources; i++)
		if (m->sources[i].len != alen)
			goto bad;
	return 0;
bad:
	pr_err("inet-extra.img: a bad multicast group of socket:[%u]\n", ie->ino);
	return -EINVAL;
}

/* The source filter, for a group that has one (joined in EXCLUDE mode, no source yet). */
static int set_filter(int sk, int level, const InetMcEntry *m, const InetSkEntry *ie)
{
	int family = m->group.len == 4 ? AF_INET : AF_INET6;
	size_t size = GROUP_FILTER_SIZE(m->n_sources), i;
	struct group_filter *gf = calloc(1, size);
	int ret = 0;

	if (!gf)
		return -ENOMEM;
	gf->gf_interface = m->ifindex;
	gf->gf_fmode = m->fmode;
	gf->gf_numsrc = m->n_sources;
	fill_group(&gf->gf_group, family, m->group.data);
	for (i = 0; i < m->n_sources; i++)
		fill_group(&gf->gf_slist[i], family, m->sources[i].data);
	if (setsockopt(sk, level, MCAST_MSFILTER, gf, size)) {
		pr_perror("Can't set the source filter of a multicast group of socket:[%u]",
			  ie->ino);
		ret = -errno;
	}
	free(gf);
	return ret;
}

static int join(int sk, const InetMcEntry *m, const InetSkEntry *ie)
{
	int family = m->group.len == 4 ? AF_INET : AF_INET6;
	struct group_req req = { .gr_interface = m->ifindex };
	int level = level_of(family), ret;

	ret = check_mc(m, ie);
	if (ret)
		return ret;
	fill_group(&req.gr_group, family, m->group.data);
	if (setsockopt(sk, level, MCAST_JOIN_GROUP, &req, sizeof(req))) {
		pr_perror("Can't join socket:[%u] to its multicast group on interface %u again",
			  ie->ino, m->ifindex);
		return -errno;
	}
	if (m->fmode == MCAST_INCLUDE || m->n_sources)
		return set_filter(sk, level, m, ie);
	return 0;
}

int inet_restore_mcast(int sk, const InetSkEntry *ie, const InetExtraEntry *x)
{
	size_t i;
	int ret;

	if (!x)
		return 0;
	ret = restore_mc_opts(sk, ie, x);
	for (i = 0; !ret && i < x->n_mcast; i++)
		ret = join(sk, x->mcast[i], ie);
	return ret;
}
