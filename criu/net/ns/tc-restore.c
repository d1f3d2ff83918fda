/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/tc-restore.c - the qdiscs, classes and filters of tc-ID.img (tc-dump.c) made again
 * on the restored links (which have their dumped ifindex), each sent as the kernel had
 * described it: RTM_NEWQDISC, RTM_NEWTCLASS, RTM_NEWTFILTER with its handle, parent, kind
 * and options. A qdisc or class is made once its parent is (the dump lists them by hash,
 * not from the root down), the filters after them all, each list in the order of the dump
 * (u32's hash tables before the filters that link to them). A class that its qdisc made by
 * itself (tbf's) exists already: the kernel's EEXIST is taken there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* the htb version a request gives (the kernel reports 0x30011, checks 3) */
#define HTB_REQUEST_VERSION 3

struct tc_set {
	TcEntry **e;
	bool *made;
	bool *root; /* a u32 list's root hash table (made with the list) */
	size_t n;
};

/* a filter's flags attribute: it reports in_hw/not_in_hw, a request takes skip_hw/skip_sw */
static int flags_attr(const char *kind)
{
	if (!strcmp(kind, "u32"))
		return TCA_U32_FLAGS;
	return -1;
}

/*
 * What the kernel does not read back as it wrote it: an htb qdisc reports its version as
 * 0x30011 but takes only the major (3); a filter's flags tell where it runs, which a request
 * may not set.
 */
static void fix_options(TcEntry *e)
{
	bool htb = e->type == TC_OBJECT__TC_QDISC && !strcmp(e->kind, "htb");
	int flags = e->type == TC_OBJECT__TC_FILTER ? flags_attr(e->kind) : -1;
	struct nlattr *a;
	int rem;

	if (!e->has_options || (!htb && flags < 0))
		return;
	nla_for_each_attr(a, (struct nlattr *)e->options.data, e->options.len, rem)
	{
		if (htb && nla_type(a) == TCA_HTB_INIT &&
		    nla_len(a) >= (int)sizeof(struct tc_htb_glob))
			((struct tc_htb_glob *)nla_data(a))->version = HTB_REQUEST_VERSION;
		if (nla_type(a) == flags && nla_len(a) >= (int)sizeof(uint32_t))
			*(uint32_t *)nla_data(a) &= TCA_CLS_FLAGS_SKIP_HW | TCA_CLS_FLAGS_SKIP_SW;
	}
}

static int send_entry(struct nl_sock *sk, TcEntry *e)
{
	static const int types[] = { [TC_OBJECT__TC_QDISC] = RTM_NEWQDISC,
				     [TC_OBJECT__TC_CLASS] = RTM_NEWTCLASS,
				     [TC_OBJECT__TC_FILTER] = RTM_NEWTFILTER };
	struct tcmsg t = { .tcm_family = AF_UNSPEC,
			   .tcm_ifindex = e->ifindex,
			   .tcm_handle = e->handle,
			   .tcm_parent = e->parent,
			   .tcm_info = e->type == TC_OBJECT__TC_FILTER ? e->info : 0 };
	struct nl_msg *msg = nlmsg_alloc_simple(types[e->type], NLM_F_CREATE | NLM_F_EXCL);

	fix_options(e);
	if (!msg || nlmsg_append(msg, &t, sizeof(t), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(msg, TCA_KIND, e->kind) < 0 ||
	    (e->has_options && nla_put(msg, TCA_OPTIONS, e->options.len, e->options.data) < 0) ||
	    (e->has_chain && nla_put_u32(msg, TCA_CHAIN, e->chain) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return rtnl_talk(sk, msg);
}

/* Is an object of the set on link ifindex with this handle still to be made? */
static bool pending(const struct tc_set *s, uint32_t ifindex, uint32_t handle)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!s->made[i] && s->e[i]->type != TC_OBJECT__TC_FILTER &&
		    s->e[i]->ifindex == ifindex && s->e[i]->handle == handle)
			return true;
	return false;
}

static bool can_make(const struct tc_set *s, const TcEntry *e)
{
	uint32_t major = TC_H_MAJ(e->handle);

	if (e->type == TC_OBJECT__TC_QDISC)
		return e->parent == TC_H_ROOT || e->parent == TC_H_INGRESS ||
		       !pending(s, e->ifindex, e->parent);
	if (e->type == TC_OBJECT__TC_CLASS)
		return !pending(s, e->ifindex, major) && !pending(s, e->ifindex, e->parent);
	return false; /* a filter: after every qdisc and class (make_filters()) */
}

static const char *type_name(const TcEntry *e)
{
	return e->type == TC_OBJECT__TC_QDISC	? "qdisc"
	       : e->type == TC_OBJECT__TC_CLASS ? "class"
						: "filter";
}

static int make_one(struct nl_sock *sk, TcEntry *e, uint32_t id)
{
	int ret = send_entry(sk, e);

	/* made already by its qdisc: tbf's class of its inner qdisc */
	if (ret == -EEXIST && e->type == TC_OBJECT__TC_CLASS)
		ret = 0;
	if (ret)
		pr_err("Can't make the %s %s (handle %x:%x, parent %x:%x) on link %u of network "
		       "namespace %u: %s\n",
		       type_name(e), e->kind, TC_H_MAJ(e->handle) >> 16, TC_H_MIN(e->handle),
		       TC_H_MAJ(e->parent) >> 16, TC_H_MIN(e->parent), e->ifindex, id,
		       strerror(ret < 0 ? -ret : ret));
	return ret;
}

/* an attribute of e's options, or NULL */
static struct nlattr *option(const TcEntry *e, int type)
{
	return e->has_options ? nla_find((struct nlattr *)e->options.data, e->options.len, type)
			      : NULL;
}

static bool same_list(const TcEntry *a, const TcEntry *b)
{
	return a->type == TC_OBJECT__TC_FILTER && b->type == TC_OBJECT__TC_FILTER &&
	       a->ifindex == b->ifindex && a->parent == b->parent && a->info == b->info &&
	       a->chain == b->chain && !strcmp(a->kind, b->kind);
}

static bool is_u32_table(const TcEntry *e)
{
	return e->type == TC_OBJECT__TC_FILTER && !strcmp(e->kind, "u32") &&
	       !TC_U32_KEY(e->handle) && option(e, TCA_U32_DIVISOR);
}

/*
 * A u32 filter list's root hash table is made with the list, under the next free id, which
 * need not be the one it had: it is the list's last table in the dump (they are listed
 * newest first). It is not sent; its filters name it as "the root" (TC_U32_ROOT).
 */
static void u32_root_fix(struct tc_set *s, size_t root)
{
	uint32_t htid = TC_U32_HTID(s->e[root]->handle);
	struct nlattr *hash;
	size_t i;

	s->made[root] = s->root[root] = true;
	for (i = 0; i < s->n; i++) {
		TcEntry *e = s->e[i];

		if (i == root || !same_list(e, s->e[root]) || TC_U32_HTID(e->handle) != htid)
			continue;
		e->handle = TC_U32_NODE(e->handle);
		hash = option(e, TCA_U32_HASH);
		if (hash && nla_len(hash) >= (int)sizeof(uint32_t))
			*(uint32_t *)nla_data(hash) = TC_U32_ROOT;
	}
}

static void u32_fix(struct tc_set *s)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		if (!is_u32_table(s->e[i]))
			continue;
		for (j = i + 1; j < s->n; j++)
			if (is_u32_table(s->e[j]) && same_list(s->e[i], s->e[j]))
				break;
		if (j == s->n)
			u32_root_fix(s, i);
	}
}

static int make_list(struct nl_sock *sk, struct tc_set *s, const TcEntry *head, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->made[i] || !same_list(s->e[i], head))
			continue;
		if (make_one(sk, s->e[i], id))
			return -EIO;
		s->made[i] = true;
	}
	return 0;
}

/*
 * The filters, each list in the order of the dump. u32 lists are made in the order of their
 * root tables' ids, so that each gets its id back (a qdisc's lists take the next free one).
 */
static int make_filters(struct nl_sock *sk, struct tc_set *s, uint32_t id)
{
	size_t i, best;
	int ret = 0;

	do {
		for (i = 0, best = s->n; i < s->n; i++)
			if (s->root[i] && (best == s->n || TC_U32_HTID(s->e[i]->handle) <
								   TC_U32_HTID(s->e[best]->handle)))
				best = i;
		if (best < s->n) {
			s->root[best] = false;
			ret = make_list(sk, s, s->e[best], id);
		}
	} while (!ret && best < s->n);
	for (i = 0; i < s->n && !ret; i++)
		if (!s->made[i])
			ret = make_list(sk, s, s->e[i], id);
	return ret;
}

/* Parents first: each pass makes what it can; a pass that makes nothing is a bad image. */
static int make_all(struct nl_sock *sk, struct tc_set *s, uint32_t id)
{
	size_t i, left = 0;
	bool progress = true;

	u32_fix(s);
	for (i = 0; i < s->n; i++)
		left += s->e[i]->type != TC_OBJECT__TC_FILTER;
	while (left && progress) {
		progress = false;
		for (i = 0; i < s->n; i++) {
			if (s->made[i] || !can_make(s, s->e[i]))
				continue;
			if (make_one(sk, s->e[i], id))
				return -EIO;
			s->made[i] = progress = true;
			left--;
		}
	}
	if (left) {
		pr_err("tc-%u.img: %zu qdiscs or classes have no parent in the image\n", id, left);
		return -EINVAL;
	}
	return make_filters(sk, s, id);
}

static int read_all(struct cr_img *img, struct tc_set *s, uint32_t id)
{
	TcEntry *e;
	int ret;

	while ((ret = pb_read_one_eof(img, &tc_entry__descriptor, (ProtobufCMessage **)&e)) > 0) {
		if (s->n == TC_MAX_ENTRIES || e->type < TC_OBJECT__TC_QDISC ||
		    e->type > TC_OBJECT__TC_FILTER) {
			pr_err("tc-%u.img: over %d objects, or one of an unknown type\n", id,
			       TC_MAX_ENTRIES);
			tc_entry__free_unpacked(e, NULL);
			return -EINVAL;
		}
		s->e[s->n++] = e;
	}
	return ret;
}

int tc_restore(int dfd, uint32_t id)
{
	struct tc_set s = { NULL, NULL, NULL, 0 };
	struct nl_sock *sk = NULL;
	struct cr_img *img;
	char name[32];
	int ret;
	size_t i;

	snprintf(name, sizeof(name), "tc-%u.img", id);
	if (faccessat(dfd, name, F_OK, 0))
		return 0; /* a set without it: CRIU's */
	img = open_image_at(dfd, CR_FD_TC, O_RSTR, id);
	if (!img)
		return -EIO;
	s.e = calloc(TC_MAX_ENTRIES, sizeof(*s.e));
	s.made = calloc(TC_MAX_ENTRIES, sizeof(*s.made));
	s.root = calloc(TC_MAX_ENTRIES, sizeof(*s.root));
	ret = s.e && s.made && s.root ? read_all(img, &s, id) : -ENOMEM;
	close_image(img);
	if (!ret && s.n) {
		sk = rtnl_open();
		ret = sk ? make_all(sk, &s, id) : -EIO;
	}
	if (sk)
		nl_socket_free(sk);
	for (i = 0; i < s.n; i++)
		tc_entry__free_unpacked(s.e[i], NULL);
	free(s.e);
	free(s.made);
	free(s.root);
	if (!ret)
		pr_info("Network namespace %u: %zu traffic control objects made\n", id, s.n);
	return ret;
}
