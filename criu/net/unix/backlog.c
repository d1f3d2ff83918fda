/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/unix/backlog.c - connections not accepted yet, the dump side (the restore side is
 * in net/unix/restore.c). A client that connect()ed to a listener is connected at once
 * to a new socket that waits in the listener's queue until accept() hands it out. That
 * socket has no fd and no inode yet: unix_diag shows the client as connected with peer 0,
 * and lists for the listener the inodes of its clients in queue order (UNIX_DIAG_ICONS).
 *
 * The images say it as CRIU does: the client's peer is the listener. The restore binds the
 * listener and connects the clients to it again in the order files.img lists them, so the
 * clients of one listener are put there in queue order, in the places they already had.
 *
 * Refused, naming the socket: a client closed already or outside the dumped tree, a client
 * or listener held only queued in flight (SCM_RIGHTS), and a client that wrote before the
 * accept. Its data waits in the queue of the socket that accept() will return, and only
 * accept() can give that socket an fd to read it with, which can't be undone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "dump.h"
#include "internal.h"
#include "files.h"
#include "log.h"

#include "sk-unix.pb-c.h"

/* Where the dump met a socket, for the messages. */
struct usk_place {
	uint32_t ino;
	pid_t pid;
	int fd;
	bool in_flight; /* criu's copy of a file queued on a socket */
};

struct usk_listener {
	struct usk_place at;
	uint32_t *clients; /* inodes in queue order; 0: that client is closed */
	size_t nr;
};

/* A connected socket without a peer inode: a client not accepted yet, or a dead peer's. */
struct usk_client {
	struct usk_place at;
	FileEntry *fe; /* its entry, whose peer becomes the listener */
	uint32_t type;
	uint32_t unsent; /* unix_diag's write queue: what waits on the other side */
	bool matched;
};

struct usk_backlog {
	struct usk_listener *l;
	size_t nr_l;
	struct usk_client *c;
	size_t nr_c;
};

static void backlog_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct usk_backlog *b = priv;
	size_t i;

	for (i = 0; i < b->nr_l; i++)
		free(b->l[i].clients);
	free(b->l);
	free(b->c);
}

static const struct files_dump_key backlog_key = {
	.name = "unix socket backlogs",
	.size = sizeof(struct usk_backlog),
	.fini = backlog_fini,
};

static struct usk_backlog *backlog_of(struct files_dump_state *fs)
{
	return files_dump_priv(fs, &backlog_key);
}

static struct usk_place place_of(const struct fd_parms *p, uint32_t ino)
{
	return (struct usk_place){ ino, p->pid, p->fd, p->in_flight };
}

int unix_note_listener(struct files_dump_state *fs, const struct fd_parms *p, uint32_t ino,
		       const uint32_t *clients, size_t nr)
{
	struct usk_backlog *b = backlog_of(fs);
	struct usk_listener *n;

	if (!b)
		return -ENOMEM;
	if (ARRAY_ADD_ROOM(b->l, b->nr_l))
		return -ENOMEM;
	n = &b->l[b->nr_l];
	n->clients = malloc(nr * sizeof(*clients));
	if (!n->clients)
		return -ENOMEM;
	memcpy(n->clients, clients, nr * sizeof(*clients));
	n->nr = nr;
	n->at = place_of(p, ino);
	b->nr_l++;
	return 0;
}

int unix_note_unpeered(struct files_dump_state *fs, const struct fd_parms *p, FileEntry *fe,
		       uint32_t type, uint32_t unsent)
{
	struct usk_backlog *b = backlog_of(fs);

	if (!b)
		return -ENOMEM;
	if (ARRAY_ADD_ROOM(b->c, b->nr_c))
		return -ENOMEM;
	b->c[b->nr_c++] = (struct usk_client){ place_of(p, fe->usk->ino), fe, type, unsent, false };
	return 0;
}

/* "fd 5 of task 123 (socket:[4567])", or the same for a file queued in flight. */
static const char *place_name(const struct usk_place *at, char *buf, size_t len)
{
	if (at->in_flight)
		snprintf(buf, len, "a socket queued in flight (socket:[%u])", at->ino);
	else
		snprintf(buf, len, "fd %d of task %d (socket:[%u])", at->fd, at->pid, at->ino);
	return buf;
}

static struct usk_client *find_client(struct usk_backlog *b, uint32_t ino)
{
	size_t i;

	for (i = 0; b && i < b->nr_c; i++)
		if (b->c[i].at.ino == ino)
			return &b->c[i];
	return NULL;
}

/* The client's side of one pending connection: can it come back as it is? */
static int check_client(struct dump_tree *dt, const struct usk_listener *l,
			const struct usk_client *c)
{
	char lw[80], cw[80];

	place_name(&l->at, lw, sizeof(lw));
	place_name(&c->at, cw, sizeof(cw));
	/* a socket queued in flight and also an fd of a task is restored by that task */
	if (!unix_tree_has_socket(dt, l->at.ino) || !unix_tree_has_socket(dt, c->at.ino)) {
		pr_err("%s is a connection not accepted yet by %s, and one of the two is no "
		       "task's fd, only queued in flight (SCM_RIGHTS): not supported yet\n",
		       cw, lw);
		return -EOPNOTSUPP;
	}
	if (c->unsent) {
		pr_err("%s is a connection not accepted yet by %s and already sent data: that "
		       "data can only be read by accepting the connection, which a dump must not "
		       "do: not supported\n",
		       cw, lw);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Pending connection i of l: its client must be a socket this dump restores. */
static int check_pending(struct dump_tree *dt, const struct usk_listener *l, size_t i,
			 struct usk_client **out)
{
	uint32_t ino = l->clients[i];
	char lw[80];
	int ret;

	place_name(&l->at, lw, sizeof(lw));
	if (!ino) {
		pr_err("%s is listening with a connection not accepted yet whose client is "
		       "closed already: not supported yet\n",
		       lw);
		return -EOPNOTSUPP;
	}
	*out = find_client(files_dump_priv_find(&dt->fstate, &backlog_key), ino);
	if (!*out) {
		pr_err("%s is listening with a connection not accepted yet from socket:[%u], "
		       "which is outside the dumped tree: it can't be restored, even with "
		       "--ext-unix-sk (that covers only datagram sockets connected to a named "
		       "peer outside the tree)\n",
		       lw, ino);
		return -EOPNOTSUPP;
	}
	(*out)->matched = true;
	ret = check_client(dt, l, *out);
	if (!ret)
		(*out)->fe->usk->peer = l->at.ino;
	return ret;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* Put the clients' entries, in queue order, into the places of files.img they hold. */
static int order_clients(struct file_table *ft, struct usk_client **cs, size_t nr)
{
	size_t *pos = malloc(nr * sizeof(*pos)), i, j;

	if (!pos)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		for (j = 0; j < ft->nr && ft->files[j] != cs[i]->fe; j++)
			;
		if (j == ft->nr) {
			pr_err("socket:[%u] has no entry in files.img\n", cs[i]->at.ino);
			free(pos);
			return -ENOENT;
		}
		pos[i] = j;
	}
	qsort(pos, nr, sizeof(*pos), cmp_size);
	for (i = 0; i < nr; i++)
		ft->files[pos[i]] = cs[i]->fe;
	free(pos);
	return 0;
}

static int check_listener(struct dump_tree *dt, const struct usk_listener *l)
{
	struct usk_client **cs = calloc(l->nr, sizeof(*cs));
	size_t i;
	int ret = 0;

	if (!cs)
		return -ENOMEM;
	/* every refusal is told, not only the first one */
	for (i = 0; i < l->nr; i++)
		ret = check_pending(dt, l, i, &cs[i]) ?: ret;
	if (!ret)
		ret = order_clients(&dt->files, cs, l->nr);
	if (!ret)
		pr_debug("socket:[%u]: %zu connections not accepted yet\n", l->at.ino, l->nr);
	free(cs);
	return ret;
}

/*
 * A connected socket whose peer was closed: the kernel shut it down both ways when the peer
 * went, and nothing it sent waits anywhere. It comes back as one end of a pair whose other
 * end is closed (net/unix/restore.c). A client not accepted yet by a listener outside the
 * tree has not been shut down by the kernel, or has sent data that waits there.
 */
static bool peer_closed(const struct usk_client *c)
{
	const UnixSkEntry *ue = c->fe->usk;

	return ue->has_shutdown && ue->shutdown == SK_SHUTDOWN__BOTH && !c->unsent;
}

int unix_check_backlog(struct dump_tree *dt)
{
	struct usk_backlog *b = files_dump_priv_find(&dt->fstate, &backlog_key);
	char cw[80];
	size_t i;
	int ret = 0;

	for (i = 0; b && i < b->nr_l; i++)
		ret = check_listener(dt, &b->l[i]) ?: ret;
	for (i = 0; b && i < b->nr_c; i++) {
		const struct usk_client *c = &b->c[i];

		if (c->matched || peer_closed(c))
			continue;
		pr_err("%s is a connected %s socket with no peer in the dumped tree: a connection "
		       "not accepted yet by a listener outside it, which can't be restored\n",
		       place_name(&c->at, cw, sizeof(cw)),
		       c->type == SOCK_STREAM ? "stream" : "seqpacket");
		ret = -EOPNOTSUPP;
	}
	return ret;
}
