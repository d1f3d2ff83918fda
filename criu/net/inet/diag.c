// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/diag.c - inet_diag, asked once per (family, protocol) and dump: every socket of
 * that kind in criu's network namespace, sorted by inode, looked up by the sockets of the
 * tree. The tree is frozen, but the kernel still moves data and acks: the numbers that
 * matter for a connection (its queues) are read again from the socket in repair mode.
 */
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "files.h"
#include "internal.h"
#include "log.h"
#include "sock-diag.h"

#define NR_KINDS 6 /* {IPv4, IPv6} x {TCP, UDP, UDP-lite} */

struct diag_kind {
	bool loaded;
	struct inet_diag_sk *v;
	size_t nr;
};

struct diag_cache {
	struct diag_kind kinds[NR_KINDS];
	unsigned long ns; /* the network namespace they were read in (a tree may span several) */
};

static void diag_cache_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct diag_cache *c = priv;
	int i;

	for (i = 0; i < NR_KINDS; i++)
		free(c->kinds[i].v);
}

static const struct files_dump_key diag_cache_key = {
	.name = "inet_diag",
	.size = sizeof(struct diag_cache),
	.fini = diag_cache_fini,
};

static int kind_index(int family, int proto)
{
	int f = family == AF_INET6;

	switch (proto) {
	case IPPROTO_TCP:
		return f * 3;
	case IPPROTO_UDP:
		return f * 3 + 1;
	case IPPROTO_UDPLITE:
		return f * 3 + 2;
	}
	return -1;
}

static void diag_attrs(const struct inet_diag_msg *m, int len, struct inet_diag_sk *s)
{
	const struct rtattr *a;

	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == INET_DIAG_SHUTDOWN && RTA_PAYLOAD(a) >= 1)
			s->shutdown = *(const uint8_t *)RTA_DATA(a);
}

static int diag_one(const struct nlmsghdr *h, void *arg)
{
	struct diag_kind *k = arg;
	const struct inet_diag_msg *m = NLMSG_DATA(h);
	struct inet_diag_sk *s;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EIO;
	if (!m->idiag_inode)
		return 0; /* a request or time-wait mini socket: no file holds it */
	if (ARRAY_ADD_ROOM(k->v, k->nr))
		return -ENOMEM;
	s = &k->v[k->nr++];
	memset(s, 0, sizeof(*s));
	s->ino = m->idiag_inode;
	s->state = m->idiag_state;
	memcpy(s->src, m->id.idiag_src, 16);
	memcpy(s->dst, m->id.idiag_dst, 16);
	s->sport = ntohs(m->id.idiag_sport);
	s->dport = ntohs(m->id.idiag_dport);
	s->rqueue = m->idiag_rqueue;
	s->wqueue = m->idiag_wqueue;
	s->ifindex = m->id.idiag_if;
	diag_attrs(m, h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)), s);
	return 0;
}

static int cmp_ino(const void *a, const void *b)
{
	uint32_t x = ((const struct inet_diag_sk *)a)->ino;
	uint32_t y = ((const struct inet_diag_sk *)b)->ino;

	return x < y ? -1 : x > y;
}

static int load_kind(struct diag_kind *k, int family, int proto)
{
	struct inet_diag_req_v2 r = {
		.sdiag_family = family,
		.sdiag_protocol = proto,
		.idiag_states = ~0U,
	};
	int ret = sock_diag_query(&r, sizeof(r), NLM_F_DUMP, diag_one, k);

	if (ret) {
		pr_err("inet_diag can't list the %s sockets of protocol %d: %s (is %s_diag "
		       "loaded?)\n",
		       family == AF_INET ? "IPv4" : "IPv6", proto, strerror(-ret),
		       proto == IPPROTO_TCP ? "tcp" : "udp");
		return ret;
	}
	qsort(k->v, k->nr, sizeof(*k->v), cmp_ino);
	k->loaded = true;
	return 0;
}

/* criu moved into another network namespace since the lists were read: read them again */
static void forget_other_ns(struct diag_cache *c)
{
	struct stat st;
	int i;

	if (stat("/proc/self/ns/net", &st) || c->ns == (unsigned long)st.st_ino)
		return;
	for (i = 0; i < NR_KINDS; i++) {
		free(c->kinds[i].v);
		c->kinds[i].v = NULL;
		c->kinds[i].nr = 0;
		c->kinds[i].loaded = false;
	}
	c->ns = st.st_ino;
}

int inet_diag_find(struct files_dump_state *fs, int family, int proto, uint32_t ino,
		   struct inet_diag_sk *out)
{
	struct diag_cache *c = files_dump_priv(fs, &diag_cache_key);
	int idx = kind_index(family, proto), ret;
	struct inet_diag_sk key = { .ino = ino }, *s;
	struct diag_kind *k;

	if (!c)
		return -ENOMEM;
	if (idx < 0)
		return -ENOENT;
	forget_other_ns(c);
	k = &c->kinds[idx];
	if (!k->loaded) {
		ret = load_kind(k, family, proto);
		if (ret)
			return ret;
	}
	s = bsearch(&key, k->v, k->nr, sizeof(*k->v), cmp_ino);
	if (!s)
		return -ENOENT;
	*out = *s;
	return 0;
}
