/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/tc-dump.c - the traffic control of a network namespace's links (qdiscs, their
 * classes and filters), saved in tc-ID.img (ours: CRIU 4.2 saves none) as the kernel
 * describes each object in a dump (RTM_GETQDISC, RTM_GETTCLASS, RTM_GETTFILTER, read through
 * libnl-3's message API: libnl-route parses only the kinds it knows and keeps no raw options),
 * to be sent back as it is at restore (tc-restore.c). A qdisc of handle 0 is one the kernel
 * made itself (a link's default root: noqueue, pfifo_fast, fq_codel, mq and its children;
 * the hidden leaves of classful qdiscs) and comes back with the link. A user's qdisc always
 * has a handle (the kernel gives one, 8001: up, when the request has none): a noqueue root
 * that replaced a link's queue (`tc qdisc replace dev L root noqueue`) is so told from the
 * default noqueue of a link without a queue (IFF_NO_QUEUE: veth, bridge, ...). The kinds whose dump
 * reads back as their request are listed below; any other, an action or policer in a filter,
 * a filter naming a link (indev), a size table and a shared block refuse the dump, naming
 * the link and the kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "image.h"
#include "log.h"
#include "internal.h"

#include "tc.pb-c.h"

/*
 * qdiscs whose dumped options the kernel takes back (tc-restore.c fixes htb's version); each
 * was checked by a replay on a kernel that has it. Others (netem, fq_codel, sfq, prio, ...)
 * are refused until checked so.
 */
static const char *const qdisc_kinds[] = { "pfifo",   "bfifo", "pfifo_head_drop", "pfifo_fast",
					   "tbf",     "htb",   "ingress",	  "clsact",
					   "noqueue", NULL };
#define QDISC_KINDS "pfifo, bfifo, pfifo_head_drop, pfifo_fast, tbf, htb, ingress, clsact, noqueue"

/* filters: the attributes of their options that are actions, policers, or name a link */
static const struct filter_kind {
	const char *kind;
	int max, act, police, indev;
} filter_kinds[] = {
	{ "u32", TCA_U32_MAX, TCA_U32_ACT, TCA_U32_POLICE, TCA_U32_INDEV },
};
#define FILTER_KINDS "u32"

/* the qdiscs and classes of one link */
#define TC_MAX_PARENTS 1024

struct tc_dump {
	struct cr_img *img;
	uint32_t id;
	int type;		  /* TC_OBJECT__TC_* being listed */
	uint32_t ifindex, parent; /* a filter list's */
	int err;
	int saved;
	bool saved_root; /* a root qdisc of the current link is saved */
	/* the qdiscs and classes saved on the current link: where filters may hang */
	struct {
		uint32_t handle;
		bool per_class; /* a class with a filter block of its own (htb) */
		char kind[16];
	} parents[TC_MAX_PARENTS];
	int nr_parents;
};

static const char *link_name(uint32_t ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "?");
	return buf;
}

static bool in_list(const char *const *list, const char *kind)
{
	for (; *list; list++)
		if (!strcmp(*list, kind))
			return true;
	return false;
}

/* A qdisc that can't be replayed as it was dumped: 0, or -EOPNOTSUPP (said) */
static int check_qdisc(struct tc_dump *d, const struct tcmsg *t, struct nlattr **tb)
{
	const char *kind = nla_get_string(tb[TCA_KIND]);
	char name[IF_NAMESIZE], where[32];
	const char *why = NULL;

	if (!in_list(qdisc_kinds, kind))
		why = "saving qdiscs of this kind is not supported yet (saved kinds: " QDISC_KINDS
		      ")";
	else if (tb[TCA_STAB])
		why = "it has a size table (stab), which the kernel does not report whole";
	else if ((tb[TCA_INGRESS_BLOCK] && nla_get_u32(tb[TCA_INGRESS_BLOCK])) ||
		 (tb[TCA_EGRESS_BLOCK] && nla_get_u32(tb[TCA_EGRESS_BLOCK])))
		why = "it shares a filter block with other qdiscs, which is not supported yet";
	if (!why)
		return 0;
	/* tc's words for where it hangs, for the command that removes it */
	if (t->tcm_parent == TC_H_ROOT)
		snprintf(where, sizeof(where), "root");
	else if (t->tcm_parent == TC_H_INGRESS)
		snprintf(where, sizeof(where), "ingress");
	else
		snprintf(where, sizeof(where), "parent %x:%x", TC_H_MAJ(t->tcm_parent) >> 16,
			 TC_H_MIN(t->tcm_parent));
	pr_err("Link %s (index %d) of network namespace %u: its qdisc %s (handle %x:, %s): %s; "
	       "remove it (tc qdisc del dev %s %s) before the dump\n",
	       link_name(t->tcm_ifindex, name), t->tcm_ifindex, d->id, kind,
	       TC_H_MAJ(t->tcm_handle) >> 16, where, why, name, where);
	return -EOPNOTSUPP;
}

static const struct filter_kind *find_filter_kind(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(filter_kinds) / sizeof(filter_kinds[0]); i++)
		if (!strcmp(filter_kinds[i].kind, kind))
			return &filter_kinds[i];
	return NULL;
}

static int check_filter(struct tc_dump *d, const struct tcmsg *t, struct nlattr **tb)
{
	const char *kind = nla_get_string(tb[TCA_KIND]);
	const struct filter_kind *fk = find_filter_kind(kind);
	struct nlattr *opt[TCA_U32_MAX + 1];
	char name[IF_NAMESIZE];
	const char *why = NULL;

	if (!fk)
		why = "saving filters of this kind is not supported yet (saved kinds: " FILTER_KINDS
		      ")";
	else if (nla_parse_nested(opt, fk->max, tb[TCA_OPTIONS], NULL) < 0)
		why = "its options can't be read";
	else if (opt[fk->act] || (fk->police && opt[fk->police]))
		why = "it has actions or a policer (act_*), which are not saved yet";
	else if (fk->indev && opt[fk->indev])
		why = "it matches an input link by name (indev), which is not supported yet";
	if (!why)
		return 0;
	pr_err("Link %s (index %d) of network namespace %u: its filter %s (parent %x:%x, pref "
	       "%u, handle 0x%x): %s; remove it (tc filter del dev %s parent %x:%x pref %u) "
	       "before the dump\n",
	       link_name(t->tcm_ifindex, name), t->tcm_ifindex, d->id, kind,
	       TC_H_MAJ(d->parent) >> 16, TC_H_MIN(d->parent), TC_H_MAJ(t->tcm_info) >> 16,
	       t->tcm_handle, why, name, TC_H_MAJ(d->parent) >> 16, TC_H_MIN(d->parent),
	       TC_H_MAJ(t->tcm_info) >> 16);
	return -EOPNOTSUPP;
}

/* A filter on the kernel's default root qdisc, which the restore makes with the link */
static int refuse_default_root(struct tc_dump *d, const struct tcmsg *t, const char *kind)
{
	char name[IF_NAMESIZE];

	pr_err("Link %s (index %d) of network namespace %u: its filter %s (pref %u) hangs on "
	       "the kernel's default root qdisc, which is not saved; not supported yet: give the "
	       "link a root qdisc with a handle (tc qdisc replace dev %s root handle 1: ...)\n",
	       link_name(t->tcm_ifindex, name), t->tcm_ifindex, d->id, kind,
	       TC_H_MAJ(t->tcm_info) >> 16, name);
	return -EOPNOTSUPP;
}

static int write_entry(struct tc_dump *d, const struct tcmsg *t, struct nlattr **tb)
{
	TcEntry e = TC_ENTRY__INIT;

	e.type = d->type;
	e.ifindex = t->tcm_ifindex;
	e.handle = t->tcm_handle;
	/* a filter's: as it was given when its list was made (ingress: ffff: or ffff:fff2) */
	e.parent = t->tcm_parent ?: d->parent;
	e.info = t->tcm_info;
	e.kind = nla_get_string(tb[TCA_KIND]);
	if (tb[TCA_OPTIONS]) {
		e.has_options = true;
		e.options.len = nla_len(tb[TCA_OPTIONS]);
		e.options.data = nla_data(tb[TCA_OPTIONS]);
	}
	if (tb[TCA_CHAIN]) {
		e.has_chain = true;
		e.chain = nla_get_u32(tb[TCA_CHAIN]);
	}
	/* what the restore takes at most */
	if (d->saved == TC_MAX_ENTRIES) {
		pr_err("Network namespace %u: over %d traffic control objects (qdiscs, classes, "
		       "filters), which is not supported yet\n",
		       d->id, TC_MAX_ENTRIES);
		return -E2BIG;
	}
	d->saved++;
	return pb_write_one(d->img, &e.base);
}

static int add_parent(struct tc_dump *d, uint32_t handle, const char *kind, bool per_class)
{
	if (d->nr_parents == TC_MAX_PARENTS) {
		pr_err("Network namespace %u: over %d qdiscs and classes on link %u\n", d->id,
		       TC_MAX_PARENTS, d->ifindex);
		return -E2BIG;
	}
	d->parents[d->nr_parents].handle = handle;
	d->parents[d->nr_parents].per_class = per_class;
	snprintf(d->parents[d->nr_parents].kind, sizeof(d->parents[0].kind), "%s", kind);
	d->nr_parents++;
	return 0;
}

/* the qdisc (handle major:0) saved on the current link, or NULL */
static const char *qdisc_kind(struct tc_dump *d, uint32_t major)
{
	int i;

	for (i = 0; i < d->nr_parents; i++)
		if (d->parents[i].handle == major && !TC_H_MIN(major))
			return d->parents[i].kind;
	return NULL;
}

static int on_object(struct tc_dump *d, const struct tcmsg *t, struct nlattr **tb)
{
	const char *kind = nla_get_string(tb[TCA_KIND]), *qkind;
	int ret;

	switch (d->type) {
	case TC_OBJECT__TC_QDISC:
		if (!t->tcm_handle || (uint32_t)t->tcm_ifindex != d->ifindex)
			return 0; /* the kernel's own, or another link's */
		ret = check_qdisc(d, t, tb);
		d->saved_root |= t->tcm_parent == TC_H_ROOT;
		return ret ?: write_entry(d, t, tb) ?: add_parent(d, t->tcm_handle, kind, false);
	case TC_OBJECT__TC_CLASS:
		qkind = qdisc_kind(d, TC_H_MAJ(t->tcm_handle));
		if (!qkind)
			return 0; /* of a qdisc the kernel made (mq's) */
		ret = write_entry(d, t, tb);
		return ret ?: add_parent(d, t->tcm_handle, kind, !strcmp(qkind, "htb"));
	default:
		if (!t->tcm_handle && !tb[TCA_OPTIONS])
			return 0; /* a filter list's head: made with its first filter */
		if (!d->parent)
			return refuse_default_root(d, t, kind);
		return check_filter(d, t, tb) ?: write_entry(d, t, tb);
	}
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[TCA_MAX + 1];
	struct tc_dump *d = arg;

	if (nlmsg_parse(h, sizeof(struct tcmsg), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND]) {
		pr_err("Network namespace %u: a traffic control object the kernel listed can't "
		       "be read\n",
		       d->id);
		d->err = -EINVAL;
		return NL_STOP;
	}
	d->err = on_object(d, nlmsg_data(h), tb);
	return d->err ? NL_STOP : NL_OK;
}

static int list(struct nl_sock *sk, struct tc_dump *d, int type, int msg_type, uint32_t parent)
{
	struct tcmsg t = { .tcm_family = AF_UNSPEC,
			   .tcm_ifindex = d->ifindex,
			   .tcm_parent = parent };
	int ret;

	d->type = type;
	d->parent = parent;
	d->err = 0;
	ret = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, d);
	ret = ret ?: nl_send_simple(sk, msg_type, NLM_F_DUMP, &t, sizeof(t));
	if (ret >= 0)
		ret = nl_recvmsgs_default(sk);
	if (d->err)
		return d->err;
	if (ret < 0) {
		pr_err("Can't list the traffic control of link %u in network namespace %u: %s\n",
		       d->ifindex, d->id, nl_geterror(ret));
		return -EIO;
	}
	return 0;
}

/* The filters hung on each saved qdisc and htb class, and on a default root qdisc */
static int list_filters(struct nl_sock *sk, struct tc_dump *d)
{
	int i, n = d->nr_parents, ret = 0;

	for (i = 0; i < n && !ret; i++) {
		const char *kind = d->parents[i].kind;
		uint32_t h = d->parents[i].handle;

		if (!strcmp(kind, "ingress") || !strcmp(kind, "clsact")) {
			ret = list(sk, d, TC_OBJECT__TC_FILTER, RTM_GETTFILTER,
				   TC_H_MAKE(h, TC_H_MIN_INGRESS));
			if (!ret && !strcmp(kind, "clsact"))
				ret = list(sk, d, TC_OBJECT__TC_FILTER, RTM_GETTFILTER,
					   TC_H_MAKE(h, TC_H_MIN_EGRESS));
		} else if (!TC_H_MIN(h) || d->parents[i].per_class) {
			ret = list(sk, d, TC_OBJECT__TC_FILTER, RTM_GETTFILTER, h);
		}
	}
	return ret;
}

static int link_dump(struct nl_sock *sk, struct tc_dump *d, uint32_t ifindex)
{
	int saved = d->saved, ret;

	d->ifindex = ifindex;
	d->nr_parents = 0;
	d->saved_root = false;
	ret = list(sk, d, TC_OBJECT__TC_QDISC, RTM_GETQDISC, 0);
	if (!ret && !d->saved_root) /* a filter there would be lost: refused */
		ret = list(sk, d, TC_OBJECT__TC_FILTER, RTM_GETTFILTER, 0);
	if (ret || !d->nr_parents)
		return ret;
	ret = list(sk, d, TC_OBJECT__TC_CLASS, RTM_GETTCLASS, 0);
	ret = ret ?: list_filters(sk, d);
	if (!ret)
		pr_info("Network namespace %u: link %u: %d traffic control objects saved\n", d->id,
			ifindex, d->saved - saved);
	return ret;
}

int tc_dump(int dfd, uint32_t id)
{
	struct if_nameindex *links = if_nameindex(), *l;
	struct tc_dump *d = calloc(1, sizeof(*d));
	struct nl_sock *sk = rtnl_open();
	int ret = -EIO;

	if (!links || !d || !sk) {
		pr_err("Can't list the links of network namespace %u for their traffic control\n",
		       id);
		goto out;
	}
	d->id = id;
	d->img = open_image_at(dfd, CR_FD_TC, O_DUMP, id);
	if (!d->img)
		goto out;
	ret = 0;
	for (l = links; l->if_index && !ret; l++)
		ret = link_dump(sk, d, l->if_index);
	ret = close_image(d->img) ?: ret;
out:
	if (sk)
		nl_socket_free(sk);
	if (links)
		if_freenameindex(links);
	free(d);
	return ret;
}
