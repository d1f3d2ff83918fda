/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/unix/unix.c - unix sockets: stream, datagram and seqpacket; socketpairs, bound (path or
 * abstract name), listening, connected through a listener, half-closed; socket options; the
 * data queued on each socket, message by message (sk-queues.img).
 *
 * Dump: the kernel's unix_diag (NETLINK_SOCK_DIAG) tells a socket's name, state, peer,
 * pending connections and shutdown bits; the queue is read through the task's own socket,
 * fetched with pidfd_getfd(2), by MSG_PEEK walked with SO_PEEK_OFF: the queue stays exactly
 * as it was, whatever happens to the dump. Files queued in flight (SCM_RIGHTS) are dumped
 * as files of their own (net/unix/scm.c). Connections not accepted yet are matched with
 * their listeners once every task is seen (net/unix/backlog.c); peers outside the dumped
 * tree (and not queued in flight either) are refused, naming the socket, but for a named
 * datagram peer with --ext-unix-sk (net/unix/ext.c).
 *
 * Restore: a connected pair is made at once (socketpair, or connect + accept through the
 * listener whose name the accepted end carries) and the end not asked for yet is held; a
 * listener comes with its accepted pairs and the clients it has not accepted yet.
 * Each receive queue is refilled by sending from the peer (or from a temporary socket for
 * a bound datagram socket), then options and shutdown are put back, in that order because
 * a shut-down or small-buffered socket would refuse the refill.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "internal.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore-ctx.h"
#include "sock-diag.h"
#include "sockopts.h"

#include "sk-packet.pb-c.h"
#include "sk-unix.pb-c.h"

#define PEEK_CHUNK (256 << 10) /* bytes per peek; a datagram longer than this is refused */

/* ---- dump: what the kernel says ---- */

static void diag_attr(const struct rtattr *a, struct usk_diag *d)
{
	size_t len = RTA_PAYLOAD(a);

	switch (a->rta_type) {
	case UNIX_DIAG_NAME:
		d->namelen = len < NAME_MAX_LEN ? len : NAME_MAX_LEN;
		memcpy(d->name, RTA_DATA(a), d->namelen);
		break;
	case UNIX_DIAG_VFS:
		d->has_vfs = len >= sizeof(struct unix_diag_vfs);
		if (d->has_vfs)
			d->vfs_ino = ((struct unix_diag_vfs *)RTA_DATA(a))->udiag_vfs_ino;
		break;
	case UNIX_DIAG_PEER:
		if (len >= 4)
			memcpy(&d->peer, RTA_DATA(a), 4);
		break;
	case UNIX_DIAG_ICONS:
		d->nr_icons = len / 4;
		d->icons = RTA_DATA(a);
		break;
	case UNIX_DIAG_RQLEN:
		if (len >= sizeof(struct unix_diag_rqlen)) {
			d->rqlen = ((struct unix_diag_rqlen *)RTA_DATA(a))->udiag_rqueue;
			d->wqlen = ((struct unix_diag_rqlen *)RTA_DATA(a))->udiag_wqueue;
		}
		break;
	case UNIX_DIAG_SHUTDOWN:
		if (len >= 1)
			d->shutdown = *(uint8_t *)RTA_DATA(a);
		break;
	}
}

/* The reply, kept until the next query: d->icons points into it. */
static char diag_buf[32768];

struct diag_want {
	uint32_t ino;
	struct usk_diag *d;
};

static int diag_reply(const struct nlmsghdr *h, void *arg)
{
	const struct diag_want *w = arg;
	const struct unix_diag_msg *m;
	const struct rtattr *a;
	struct usk_diag *d = w->d;
	int len;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)) || h->nlmsg_len > sizeof(diag_buf))
		return -EIO;
	memcpy(diag_buf, h, h->nlmsg_len);
	h = (const struct nlmsghdr *)diag_buf;
	m = NLMSG_DATA(h);
	if (m->udiag_ino != w->ino)
		return -EIO;
	memset(d, 0, sizeof(*d));
	d->ino = w->ino;
	d->type = m->udiag_type;
	d->state = m->udiag_state;
	len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
	for (a = (const struct rtattr *)(m + 1); RTA_OK(a, len); a = RTA_NEXT(a, len))
		diag_attr(a, d);
	return 0;
}

/* Ask unix_diag about the socket with inode ino (in criu's netns, the task's too). */
int unix_diag_query(uint32_t ino, struct usk_diag *d, bool quiet)
{
	struct unix_diag_req r = {
		.sdiag_family = AF_UNIX,
		.udiag_states = ~0U,
		.udiag_ino = ino,
		.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER |
			      UDIAG_SHOW_ICONS | UDIAG_SHOW_RQLEN,
		.udiag_cookie = { ~0U, ~0U },
	};
	struct diag_want w = { ino, d };
	int ret;

	d->ino = 0;
	ret = sock_diag_query(&r, sizeof(r), 0, diag_reply, &w);
	if (!ret && d->ino != ino)
		ret = -EIO;
	if (ret && !quiet)
		pr_err("unix_diag knows nothing of socket:[%u]: %s (is unix_diag available?)\n",
		       ino, strerror(-ret));
	return ret;
}

static bool unix_match(const struct fd_parms *p)
{
	int sk, family = 0;
	socklen_t len = sizeof(family);

	if (!S_ISSOCK(p->st.st_mode))
		return false;
	sk = task_fd_take(p->pid, p->fd);
	if (sk < 0)
		return false;
	if (getsockopt(sk, SOL_SOCKET, SO_DOMAIN, &family, &len))
		family = 0;
	close(sk);
	return family == AF_UNIX;
}

/* Socket inode numbers: read once per dump, not once per peer. */
struct sk_inos {
	uint32_t *ino;
	size_t nr;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int sk_inos_add(struct sk_inos *s, uint32_t ino)
{
	if (ARRAY_ADD_ROOM(s->ino, s->nr))
		return -ENOMEM;
	s->ino[s->nr++] = ino;
	return 0;
}

/* Add the socket inodes among pid's fds; a task without fds (a zombie) adds none. */
static int load_task_sockets(struct sk_inos *s, pid_t pid)
{
	char path[300], link[64];
	struct dirent *de;
	uint32_t ino;
	ssize_t n;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (sscanf(link, "socket:[%u]", &ino) == 1 && sk_inos_add(s, ino)) {
			closedir(d);
			return -ENOMEM;
		}
	}
	closedir(d);
	return 0;
}

/* The socket inodes of every task of the tree, sorted: all are seized before any is dumped. */
static struct sk_inos *load_tree_sockets(const struct dump_tree *dt)
{
	struct sk_inos *s = calloc(1, sizeof(*s));
	size_t i;

	for (i = 0; s && i < dt->nr_tasks; i++) {
		if (load_task_sockets(s, dt->tasks[i]->pid)) {
			free(s->ino);
			free(s);
			return NULL;
		}
	}
	if (s)
		qsort(s->ino, s->nr, sizeof(*s->ino), cmp_u32);
	return s;
}

/* The dump's: the tree's socket inodes, peers to check at the end, sk-queues.img. */
struct unix_dump {
	struct sk_inos *inos; /* loaded on first use */
	struct usk_unpaired_set unpaired;
	struct cr_img *queues; /* opened on the first queued packet */
};

static void free_inos(struct sk_inos **s)
{
	if (*s)
		free((*s)->ino);
	free(*s);
	*s = NULL;
}

static int unix_dump_close(struct files_dump_state *fs, void *priv)
{
	struct unix_dump *ud = priv;
	int ret = close_image(ud->queues);

	ud->queues = NULL;
	return ret;
}

static void unix_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct unix_dump *ud = priv;

	free_inos(&ud->inos);
	free(ud->unpaired.v);
	unix_dump_close(fs, ud);
}

static const struct files_dump_key unix_dump_key = {
	.name = "unix sockets",
	.size = sizeof(struct unix_dump),
	.close = unix_dump_close,
	.fini = unix_dump_fini,
};

bool unix_tree_has_socket(struct dump_tree *dt, uint32_t ino)
{
	struct unix_dump *ud = files_dump_priv(&dt->fstate, &unix_dump_key);

	if (!ud)
		return false;
	if (!ud->inos)
		ud->inos = load_tree_sockets(dt);
	return ud->inos && bsearch(&ino, ud->inos->ino, ud->inos->nr, sizeof(ino), cmp_u32);
}

bool unix_inflight_has_socket(const struct files_dump_state *fs, uint32_t ino)
{
	struct stat st;
	size_t i;

	for (i = 0; i < fs->nr_inflight_fds; i++)
		if (!fstat(fs->inflight_fds[i], &st) && S_ISSOCK(st.st_mode) && st.st_ino == ino)
			return true;
	return false;
}

/* The peer may be a socket queued in flight, met later in the walk: check it at the end. */
static int defer_peer_check(struct files_dump_state *fs, const struct fd_parms *p,
			    const struct usk_diag *d)
{
	struct unix_dump *ud = files_dump_priv(fs, &unix_dump_key);
	struct usk_unpaired_set *u = ud ? &ud->unpaired : NULL;

	if (!u || ARRAY_ADD_ROOM(u->v, u->nr))
		return -ENOMEM;
	u->v[u->nr++] = (struct usk_unpaired){ d->ino, d->peer, d->type, p->pid, p->fd };
	return 0;
}

int unix_check_peers(struct dump_tree *dt)
{
	struct unix_dump *ud = files_dump_priv_find(&dt->fstate, &unix_dump_key);
	struct usk_unpaired_set *u = ud ? &ud->unpaired : NULL;
	size_t i;
	int ret = unix_check_backlog(dt), err;

	/* every refusal is told, not only the first */
	for (i = 0; u && i < u->nr; i++) {
		if (unix_inflight_has_socket(&dt->fstate, u->v[i].peer))
			continue;
		err = unix_dump_ext_peer(dt, &u->v[i]);
		ret = ret ?: err;
	}
	return ret;
}

static const char *sk_type_name(uint32_t type)
{
	switch (type) {
	case SOCK_STREAM:
		return "stream";
	case SOCK_DGRAM:
		return "dgram";
	case SOCK_SEQPACKET:
		return "seqpacket";
	}
	return "unknown-type";
}

static int check_unix_sk(struct dump_ctx *dc, const struct fd_parms *p, const struct usk_diag *d)
{
	/* (a peer outside the task may be queued in flight: unix_check_peers() decides) */
	if (d->type != SOCK_STREAM && d->type != SOCK_DGRAM && d->type != SOCK_SEQPACKET) {
		pr_err("fd %d of task %d (socket:[%u]) has unix socket type %u: not supported\n",
		       p->fd, p->pid, d->ino, d->type);
		return -EOPNOTSUPP;
	}
	if (d->peer && !unix_tree_has_socket(dc->tree, d->peer) &&
	    !unix_inflight_has_socket(dc->fstate, d->peer) && defer_peer_check(dc->fstate, p, d))
		return -ENOMEM;
	return 0;
}

/* Credentials need nothing (the peer resends); a cut message can't be saved whole. */
static int check_trunc(struct msghdr *mh, uint32_t ino)
{
	if (!(mh->msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		return 0;
	scm_close_rights(mh);
	pr_err("socket:[%u] has a queued message longer than %d bytes or too much control "
	       "data: not supported yet\n",
	       ino, PEEK_CHUNK);
	return -EOPNOTSUPP;
}

/* One packet of the queue; mh (or NULL) holds the files it carries, consumed here. */
static int write_packet(struct dump_ctx *dc, uint32_t id, const char *buf, size_t len,
			struct msghdr *mh, const struct scm_sk *sk)
{
	struct unix_dump *ud = files_dump_priv(dc->fstate, &unix_dump_key);
	SkPacketEntry pe = SK_PACKET_ENTRY__INIT;
	int ret = 0;

	/* first: the files may be sockets whose own packets go to the image before this one */
	if (mh && scm_nr_rights(mh))
		ret = scm_dump_rights(dc, mh, sk, &pe);
	if (!ret && !ud)
		ret = -ENOMEM;
	if (!ret && !ud->queues) {
		ud->queues = open_image_at(dc->dfd, CR_FD_SK_QUEUES, O_DUMP, 0);
		if (!ud->queues)
			ret = -EIO;
	}
	pe.id_for = id;
	pe.length = len;
	ret = ret ?: pb_write_one(ud->queues, &pe.base);
	ret = ret ?: img_write_buf(ud->queues, buf, len);
	scm_free_entries(&pe);
	return ret;
}

struct peek {
	int sk;
	char *buf;
	struct sockaddr_un from; /* a datagram's sender */
	/* aligned as a cmsghdr: it follows the name, which ends at any byte */
	char cbuf[CMSG_SPACE(sizeof(int) * 253) + CMSG_SPACE(64)]
		__attribute__((aligned(__alignof__(struct cmsghdr))));
	struct iovec iov;
	struct msghdr mh;
};

/* Peek up to len bytes from byte offset off of the queue: nothing is taken out of it. */
static ssize_t peek_at(struct peek *pk, uint64_t off, size_t len)
{
	int o = off;

	if (setsockopt(pk->sk, SOL_SOCKET, SO_PEEK_OFF, &o, sizeof(o)))
		return -1;
	pk->iov = (struct iovec){ pk->buf, len };
	memset(&pk->from, 0, sizeof(pk->from));
	pk->mh = (struct msghdr){ .msg_name = &pk->from,
				  .msg_namelen = sizeof(pk->from),
				  .msg_iov = &pk->iov,
				  .msg_iovlen = 1,
				  .msg_control = pk->cbuf,
				  .msg_controllen = sizeof(pk->cbuf) };
	return recvmsg(pk->sk, &pk->mh, MSG_PEEK | MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
}

/*
 * The next packet at off: its length (0 at the end), pk->mh holding its files if any. A
 * stream peek runs on over plain bytes into the next message that carries files and stops
 * after it; where that message began can't be seen (even a one-byte peek at any of those
 * bytes reports that message's files: the kernel walks on to it), so its files come back
 * with the first of those bytes: a reader gets them no later than it did, maybe earlier.
 */
static ssize_t next_packet(struct peek *pk, uint64_t off, const struct usk_diag *d, bool *with_fds)
{
	ssize_t n = peek_at(pk, off, PEEK_CHUNK);

	if (n < 0 && errno == EAGAIN)
		return 0;
	if (n < 0) {
		pr_perror("Can't peek at the queue of socket:[%u]", d->ino);
		return -errno;
	}
	*with_fds = scm_nr_rights(&pk->mh) > 0;
	return n;
}

/*
 * A datagram keeps its sender's name, which sk-queues.img has no place for: restore sends
 * it again from the socket's peer, or from an unbound socket. A name other than the
 * peer's would be lost: refuse it.
 */
static int check_sender(const struct peek *pk, const struct usk_diag *d)
{
	size_t len = pk->mh.msg_namelen;
	struct usk_diag pd;

	if (d->type != SOCK_DGRAM || len <= offsetof(struct sockaddr_un, sun_path))
		return 0;
	len -= offsetof(struct sockaddr_un, sun_path);
	if (d->peer && !unix_diag_query(d->peer, &pd, true) && pd.namelen == len &&
	    !memcmp(pd.name, pk->from.sun_path, len))
		return 0;
	pr_err("socket:[%u] has a datagram queued from %s%.*s, a socket other than its peer: "
	       "restoring the sender's name of a queued datagram is not supported yet\n",
	       d->ino, pk->from.sun_path[0] ? "" : "@", (int)len - !pk->from.sun_path[0],
	       pk->from.sun_path + !pk->from.sun_path[0]);
	return -EOPNOTSUPP;
}

static int walk_queue(struct dump_ctx *dc, struct peek *pk, uint32_t id, const struct usk_diag *d,
		      bool in_flight)
{
	const struct scm_sk ssk = { d->ino, d->peer, in_flight };
	uint64_t total = 0;
	int ret = 0;

	for (;;) {
		bool fds = false;
		ssize_t n = next_packet(pk, total, d, &fds);

		if (n < 0)
			return n;
		ret = check_trunc(&pk->mh, d->ino);
		if (ret)
			return ret;
		ret = n > 0 ? check_sender(pk, d) : 0;
		if (ret) {
			scm_close_rights(&pk->mh);
			return ret;
		}
		if (n == 0 && fds) {
			scm_close_rights(&pk->mh);
			pr_err("socket:[%u] has an empty message with files queued (SCM_RIGHTS): "
			       "not supported yet\n",
			       d->ino);
			return -EOPNOTSUPP;
		}
		if (n == 0) /* end of stream after shutdown, or an empty message */
			break;
		ret = write_packet(dc, id, pk->buf, n, fds ? &pk->mh : NULL, &ssk);
		if (ret)
			return ret;
		total += n;
	}
	/* an empty datagram stops the walk: say so rather than lose what follows it */
	if (d->type != SOCK_DGRAM && total != d->rqlen) {
		pr_err("socket:[%u]: read %llu of %u queued bytes (empty messages queued?): not "
		       "supported yet\n",
		       d->ino, (unsigned long long)total, d->rqlen);
		return -EOPNOTSUPP;
	}
	pr_debug("socket:[%u]: %llu bytes queued\n", d->ino, (unsigned long long)total);
	return 0;
}

/* Walk the receive queue with MSG_PEEK from offset 0: nothing is taken out of it. */
static int peek_queue(struct dump_ctx *dc, int sk, uint32_t id, const struct usk_diag *d,
		      bool in_flight)
{
	struct peek *pk = calloc(1, sizeof(*pk));
	int ret = -ENOMEM;

	if (pk) {
		pk->sk = sk;
		pk->buf = malloc(PEEK_CHUNK);
	}
	if (pk && pk->buf)
		ret = walk_queue(dc, pk, id, d, in_flight);
	if (pk)
		free(pk->buf);
	free(pk);
	return ret;
}

static int dump_queue(struct dump_ctx *dc, int sk, uint32_t id, const struct usk_diag *d,
		      bool in_flight)
{
	int old_off = -1, ret;
	socklen_t len = sizeof(old_off);

	if (d->state == SK_LISTEN)
		return 0;
	/* a stream or seqpacket socket never connected has no queue (a peek says ENOTCONN) */
	if (d->type != SOCK_DGRAM && d->state != SK_ESTABLISHED)
		return 0;
	if (getsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &old_off, &len)) {
		pr_perror("Can't read SO_PEEK_OFF of socket:[%u] to read its queue", d->ino);
		return -errno;
	}
	ret = peek_queue(dc, sk, id, d, in_flight);
	/* the task may use a peek offset of its own: give it back */
	if (setsockopt(sk, SOL_SOCKET, SO_PEEK_OFF, &old_off, sizeof(old_off))) {
		pr_perror("Can't put SO_PEEK_OFF of socket:[%u] back", d->ino);
		ret = ret ?: -errno;
	}
	return ret;
}

static int fill_unix_entry(UnixSkEntry *ue, const struct fd_parms *p, const struct usk_diag *d)
{
	ue->ino = d->ino;
	ue->type = d->type;
	ue->state = d->state;
	ue->flags = p->flags;
	ue->backlog = d->state == SK_LISTEN ? d->wqlen : 0;
	ue->peer = d->peer;
	ue->fown = p->fown;
	ue->has_shutdown = 1;
	ue->shutdown = d->shutdown & SK_SHUTDOWN__BOTH;
	ue->opts = malloc(sizeof(*ue->opts));
	ue->name.data = malloc(d->namelen + 1);
	if (!ue->opts || !ue->name.data)
		return -ENOMEM;
	sk_opts_entry__init(ue->opts);
	memcpy(ue->name.data, d->name, d->namelen);
	ue->name.len = d->namelen;
	return 0;
}

/*
 * A listener's pending clients, and connected sockets without a peer inode (a client not
 * accepted yet, or one whose peer is closed): matched at the end, once every task is seen.
 */
static int note_backlog(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe,
			const struct usk_diag *d)
{
	if (d->state == SK_LISTEN && d->nr_icons)
		return unix_note_listener(dc->fstate, p, d->ino, d->icons, d->nr_icons);
	if (!d->peer && d->state == SK_ESTABLISHED && d->type != SOCK_DGRAM)
		return unix_note_unpeered(dc->fstate, p, fe, d->type, d->wqlen);
	return 0;
}

static int unix_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	UnixSkEntry *ue = malloc(sizeof(*ue));
	struct usk_diag d = {};
	int sk, ret;

	if (!ue)
		return -ENOMEM;
	unix_sk_entry__init(ue);
	fe->usk = ue;
	ue->id = fe->id;
	ue->fown = p->fown;
	ret = unix_diag_query(p->st.st_ino, &d, false);
	ret = ret ?: check_unix_sk(dc, p, &d);
	ret = ret ?: fill_unix_entry(ue, p, &d);
	ret = ret ?: unix_dump_name(p, &d, ue);
	/* before another query (a queued socket's) takes the reply buffer */
	ret = ret ?: note_backlog(dc, p, fe, &d);
	if (ret)
		return ret;
	sk = task_fd_take(p->pid, p->fd);
	if (sk < 0)
		return sk;
	ret = sk_opts_dump(sk, ue->opts, d.ino);
	ret = ret ?: dump_queue(dc, sk, fe->id, &d, p->in_flight);
	close(sk);
	pr_debug("socket:[%u]: unix %s, state %u, peer %u, shutdown %u\n", d.ino,
		 sk_type_name(d.type), d.state, d.peer, d.shutdown);
	return ret;
}

static FownEntry *unix_fown(const FileEntry *fe)
{
	return fe->usk ? fe->usk->fown : NULL;
}

static int unix_check(const FileEntry *fe)
{
	const UnixSkEntry *ue = fe->usk;

	if (!ue || ue->id != fe->id || !ue->opts || !ue->fown || ue->name.len > NAME_MAX_LEN ||
	    (ue->type != SOCK_STREAM && ue->type != SOCK_DGRAM && ue->type != SOCK_SEQPACKET) ||
	    (ue->state != SK_ESTABLISHED && ue->state != SK_CLOSE && ue->state != SK_LISTEN)) {
		pr_err("files.img: file id %u has a bad unix socket entry\n", fe->id);
		return -EINVAL;
	}
	if (ue->uflags & ~(USK_EXTERN | USK_CALLBACK | USK_INHERIT)) {
		pr_err("files.img: unix socket file id %u has flags %#x, of which only %#x "
		       "(a peer outside the tree, a socket a plugin makes, a socket given back) "
		       "are supported\n",
		       fe->id, ue->uflags, USK_EXTERN | USK_CALLBACK | USK_INHERIT);
		return -EOPNOTSUPP;
	}
	return usk_is_external(ue) ? unix_check_ext_entry(ue, fe->id) : 0;
}

const struct fd_handler unix_handler = {
	.type = FD_TYPES__UNIXSK,
	.name = "unix socket",
	.match = unix_match,
	.dump = unix_dump,
	.check = unix_check,
	.open = unix_open,
	.fown = unix_fown,
};
