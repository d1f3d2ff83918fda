/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/unix/group.c - which unix sockets of files.img are made together at restore, and
 * what each one is in its group. A connected pair is one group. A listening socket makes a
 * group with the pairs it accepted (the accepted end carries the listener's name) and with
 * the connections it has not accepted yet (a client whose peer is the listener): the
 * listener connects and accepts its pairs again, then lets its pending clients connect,
 * so that one task must make them all, in one go (net/unix/restore.c).
 *
 * Read once per restore, before the owners of shared files are planned: the index holds a
 * role and an anchor (the inode that names the group) per socket, sorted by inode.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "files.h"
#include "log.h"
#include "restore-ctx.h"

#include "sk-unix.pb-c.h"

struct usk_group {
	uint32_t ino;
	uint32_t anchor;
	enum usk_role role;
};

/* The unix entries of files.img, sorted by inode: the lookups below are searches. */
struct usk_index {
	const UnixSkEntry **sks;
	size_t nr;
	const UnixSkEntry **listeners;
	size_t nr_listeners;
};

static int cmp_sk(const void *a, const void *b)
{
	uint32_t x = (*(const UnixSkEntry *const *)a)->ino;
	uint32_t y = (*(const UnixSkEntry *const *)b)->ino;

	return x < y ? -1 : x > y;
}

static const UnixSkEntry *lookup(const struct usk_index *ix, uint32_t ino)
{
	UnixSkEntry key = { .ino = ino };
	const UnixSkEntry *k = &key, **found;

	found = bsearch(&k, ix->sks, ix->nr, sizeof(*ix->sks), cmp_sk);
	return found ? *found : NULL;
}

/* A peer outside the tree (USK_EXTERN) listens nowhere we restore: it is never one. */
static bool is_listener(const UnixSkEntry *ue)
{
	return ue->state == SK_LISTEN && ue->type != SOCK_DGRAM && !usk_is_external(ue);
}

/* The listener an accepted socket came from: one of its type bound to its name. */
static const UnixSkEntry *listener_named(const struct usk_index *ix, const UnixSkEntry *s)
{
	size_t i;

	if (!s->name.len || s->type == SOCK_DGRAM)
		return NULL;
	for (i = 0; i < ix->nr_listeners; i++) {
		const UnixSkEntry *l = ix->listeners[i];

		if (l->type == s->type && l->name.len == s->name.len &&
		    !memcmp(l->name.data, s->name.data, s->name.len))
			return l;
	}
	return NULL;
}

static struct usk_group group_of(const struct usk_index *ix, const UnixSkEntry *ue)
{
	struct usk_group g = { ue->ino, 0, USK_ALONE };
	const UnixSkEntry *peer, *l, *pl;

	if (is_listener(ue))
		return (struct usk_group){ ue->ino, ue->ino, USK_LISTENER };
	if (!ue->peer)
		return g;
	peer = lookup(ix, ue->peer);
	if (peer && is_listener(peer) && ue->type != SOCK_DGRAM)
		return (struct usk_group){ ue->ino, peer->ino, USK_PENDING };
	if (peer && peer->peer == ue->ino) {
		/* the accepted end: named as a listener (the lower inode if both are) */
		l = listener_named(ix, ue);
		pl = listener_named(ix, peer);
		if (l && (!pl || ue->ino < peer->ino))
			return (struct usk_group){ ue->ino, l->ino, USK_ACCEPTED };
		if (pl)
			return (struct usk_group){ ue->ino, pl->ino, USK_CONNECTOR };
	}
	g.anchor = ue->peer < ue->ino ? ue->peer : ue->ino;
	g.role = USK_PEERED;
	return g;
}

static int build_index(const struct rst_ctx *ctx, struct usk_index *ix)
{
	size_t i;

	ix->sks = malloc((ctx->nr_files + 1) * sizeof(*ix->sks));
	ix->listeners = malloc((ctx->nr_files + 1) * sizeof(*ix->listeners));
	if (!ix->sks || !ix->listeners)
		return -ENOMEM;
	for (i = 0; i < ctx->nr_files; i++) {
		const UnixSkEntry *ue = ctx->files[i]->usk;

		if (ctx->files[i]->type != FD_TYPES__UNIXSK || !ue)
			continue;
		ix->sks[ix->nr++] = ue;
		if (is_listener(ue))
			ix->listeners[ix->nr_listeners++] = ue;
	}
	qsort(ix->sks, ix->nr, sizeof(*ix->sks), cmp_sk);
	return 0;
}

int unix_index_groups(struct rst_ctx *ctx)
{
	struct usk_index ix = {};
	struct usk_group *g;
	size_t i;
	int ret;

	ret = build_index(ctx, &ix);
	g = ret ? NULL : malloc((ix.nr + 1) * sizeof(*g));
	if (!ret && !g)
		ret = -ENOMEM;
	/* sks is sorted by inode: so are the groups */
	for (i = 0; g && i < ix.nr; i++)
		g[i] = group_of(&ix, ix.sks[i]);
	if (g) {
		ctx->usk_groups = g;
		ctx->nr_usk_groups = ix.nr;
	}
	free(ix.sks);
	free(ix.listeners);
	return ret;
}

static int cmp_group(const void *a, const void *b)
{
	uint32_t x = ((const struct usk_group *)a)->ino, y = ((const struct usk_group *)b)->ino;

	return x < y ? -1 : x > y;
}

enum usk_role unix_role(const struct rst_ctx *ctx, uint32_t ino, uint32_t *anchor)
{
	struct usk_group key = { .ino = ino };
	const struct usk_group *g;

	g = bsearch(&key, ctx->usk_groups, ctx->nr_usk_groups, sizeof(key), cmp_group);
	if (anchor)
		*anchor = g ? g->anchor : 0;
	return g ? g->role : USK_ALONE;
}

uint32_t unix_anchor(const struct rst_ctx *ctx, const UnixSkEntry *ue)
{
	uint32_t anchor;

	unix_role(ctx, ue->ino, &anchor);
	return anchor;
}
