// SPDX-License-Identifier: GPL-2.0
/*
 * net/packet/diag.c - packet_diag (sock_diag of AF_PACKET), asked once per dump: the
 * kernel answers only dumps of every packet socket of criu's network namespace, each with
 * its bound interface, version, reserve, flags, memberships, rings and fanout group.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "files.h"
#include "internal.h"
#include "log.h"
#include "sock-diag.h"

struct packet_cache {
	bool loaded;
	struct packet_diag_sk *v;
	size_t nr;
};

static void packet_cache_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct packet_cache *c = priv;
	size_t i;

	for (i = 0; i < c->nr; i++)
		free(c->v[i].mc);
	free(c->v);
}

static const struct files_dump_key packet_cache_key = {
	.name = "packet_diag",
	.size = sizeof(struct packet_cache),
	.fini = packet_cache_fini,
};

static int take_mclist(struct packet_diag_sk *s, const void *data, size_t len)
{
	size_t n = len / sizeof(struct packet_diag_mclist);

	if (!n)
		return 0;
	s->mc = malloc(n * sizeof(*s->mc));
	if (!s->mc)
		return -ENOMEM;
	memcpy(s->mc, data, n * sizeof(*s->mc));
	s->nr_mc = n;
	return 0;
}

/* An attribute of at least size bytes, copied into dst; *has set. */
static void take_attr(const struct rtattr *a, void *dst, size_t size, bool *has)
{
	if (RTA_PAYLOAD(a) < size)
		return;
	memcpy(dst, RTA_DATA(a), size);
	*has = true;
}

static int diag_attrs(const struct packet_diag_msg *m, int len, struct packet_diag_sk *s)
{
	const struct rtattr *a;
	int ret = 0;

	for (a = (const struct rtattr *)(m + 1); !ret && RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		switch (a->rta_type) {
		case PACKET_DIAG_INFO:
			take_attr(a, &s->info, sizeof(s->info), &s->has_info);
			break;
		case PACKET_DIAG_RX_RING:
			take_attr(a, &s->rx_ring, sizeof(s->rx_ring), &s->has_rx_ring);
			break;
		case PACKET_DIAG_TX_RING:
			take_attr(a, &s->tx_ring, sizeof(s->tx_ring), &s->has_tx_ring);
			break;
		case PACKET_DIAG_FANOUT:
			take_attr(a, &s->fanout, sizeof(s->fanout), &s->has_fanout);
			break;
		case PACKET_DIAG_MCLIST:
			ret = take_mclist(s, RTA_DATA(a), RTA_PAYLOAD(a));
			break;
		}
	}
	return ret;
}

static int diag_one(const struct nlmsghdr *h, void *arg)
{
	struct packet_cache *c = arg;
	const struct packet_diag_msg *m = NLMSG_DATA(h);
	struct packet_diag_sk *s;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EIO;
	if (ARRAY_ADD_ROOM(c->v, c->nr))
		return -ENOMEM;
	s = &c->v[c->nr++];
	memset(s, 0, sizeof(*s));
	s->ino = m->pdiag_ino;
	s->type = m->pdiag_type;
	s->proto = m->pdiag_num;
	return diag_attrs(m, h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)), s);
}

static int load(struct packet_cache *c)
{
	struct packet_diag_req r = {
		.sdiag_family = AF_PACKET,
		.pdiag_show = PACKET_SHOW_INFO | PACKET_SHOW_MCLIST | PACKET_SHOW_RING_CFG |
			      PACKET_SHOW_FANOUT,
	};
	int ret = sock_diag_query(&r, sizeof(r), NLM_F_DUMP, diag_one, c);

	if (ret) {
		pr_err("packet_diag can't list the packet sockets: %s (is packet_diag built?)\n",
		       strerror(-ret));
		return ret;
	}
	c->loaded = true;
	return 0;
}

int packet_diag_find(struct files_dump_state *fs, uint32_t ino, const struct packet_diag_sk **out)
{
	struct packet_cache *c = files_dump_priv(fs, &packet_cache_key);
	size_t i;
	int ret;

	if (!c)
		return -ENOMEM;
	if (!c->loaded) {
		ret = load(c);
		if (ret)
			return ret;
	}
	for (i = 0; i < c->nr; i++)
		if (c->v[i].ino == ino) {
			*out = &c->v[i];
			return 0;
		}
	return -ENOENT;
}
