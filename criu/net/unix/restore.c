/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/unix/restore.c - the restore half of unix sockets (see net/unix/unix.c). Sockets are
 * made by inode number: asking for one end of a connected pair makes both, and a socket
 * that must exist before another (a listener before its accepted connection, the target
 * of a one-way datagram connection) is made first. A listener makes its whole group (see
 * net/unix/group.c): right after listen(), the pairs it accepted are connected and
 * accepted again while its queue is empty, then the clients it had not accepted yet
 * connect, in files.img order, which is the order of the queue. Every socket made is held
 * here, above the task's fds, until its own fd takes it and the fd restore ends. A peer
 * outside the dumped tree (USK_EXTERN, net/unix/ext.c) is not made: the socket connects
 * to its name.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "array.h"
#include "internal.h"
#include "files.h"
#include "image.h"
#include "ns.h"
#include "log.h"
#include "plugin.h"
#include "restore-ctx.h"
#include "sockopts.h"

#include "sk-packet.pb-c.h"
#include "sk-unix.pb-c.h"

#define MAX_DEPTH  8 /* chains of one-way datagram peers made first */
#define MAX_PACKET (64u << 20)

struct held_sk {
	uint32_t ino;
	int fd;
	bool given;
};

struct sk_packet {
	uint32_t id_for;
	uint32_t len;
	char *data;
	uint32_t *fds; /* file ids sent with the first byte (SCM_RIGHTS) */
	uint32_t nr_fds;
};

struct sk_packet_set {
	struct sk_packet *pkts;
	size_t nr;
};

/* A task's restore: the sockets made ahead of their fd, and sk-queues.img once read. */
struct unix_rst {
	struct held_sk *sks;
	size_t nr_sks;
	struct sk_packet_set queues;
	bool queues_read;
	int read_err;
};

static void unix_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct unix_rst *ur = priv;
	size_t i;

	for (i = 0; i < ur->nr_sks; i++)
		close(ur->sks[i].fd);
	free(ur->sks);
	for (i = 0; i < ur->queues.nr; i++) {
		free(ur->queues.pkts[i].data);
		free(ur->queues.pkts[i].fds);
	}
	free(ur->queues.pkts);
}

static const struct rst_fds_key unix_rst_key = {
	.name = "unix sockets",
	.size = sizeof(struct unix_rst),
	.fini = unix_rst_fini,
};

static int make_sk(struct rst_fds *rf, const UnixSkEntry *ue, int depth);

static const UnixSkEntry *find_usk(const struct rst_fds *rf, uint32_t ino)
{
	size_t i;

	for (i = 0; i < rf->ctx->nr_files; i++) {
		const FileEntry *fe = rf->ctx->files[i];

		if (fe->type == FD_TYPES__UNIXSK && fe->usk && fe->usk->ino == ino)
			return fe->usk;
	}
	return NULL;
}

static struct held_sk *find_held(struct rst_fds *rf, uint32_t ino)
{
	struct unix_rst *ur = rst_fds_priv_find(rf, &unix_rst_key);
	size_t i;

	for (i = 0; ur && i < ur->nr_sks; i++)
		if (ur->sks[i].ino == ino)
			return &ur->sks[i];
	return NULL;
}

/* Keep fd (consumed) as the socket of ino until its own fd takes it. */
static int hold_sk(struct rst_fds *rf, uint32_t ino, int fd)
{
	struct unix_rst *ur = rst_fds_priv(rf, &unix_rst_key);

	if (!ur || ARRAY_ADD_ROOM(ur->sks, ur->nr_sks)) {
		close(fd);
		return -ENOMEM;
	}
	fd = rst_hold_fd(rf, fd);
	if (fd < 0)
		return fd;
	ur->sks[ur->nr_sks++] = (struct held_sk){ ino, fd, false };
	return 0;
}

static socklen_t sk_addr(const UnixSkEntry *ue, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (ue->name.len) /* an unnamed socket has no data pointer at all */
		memcpy(a->sun_path, ue->name.data, ue->name.len);
	return offsetof(struct sockaddr_un, sun_path) + ue->name.len;
}

static bool is_path_name(const UnixSkEntry *ue)
{
	return ue->name.len && ue->name.data[0];
}

static int new_sk(const UnixSkEntry *ue)
{
	int fd = socket(AF_UNIX, ue->type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		pr_perror("Can't create a unix socket for socket:[%u]", ue->ino);
	return fd < 0 ? -errno : fd;
}

/* connect() fd to the name of peer (from its directory, if the name is relative) */
static int connect_name(int fd, const UnixSkEntry *peer)
{
	struct sockaddr_un a;
	int saved, ret;

	ret = unix_name_enter(peer, &saved);
	if (!ret && connect(fd, (struct sockaddr *)&a, sk_addr(peer, &a)))
		ret = -errno;
	unix_name_leave(saved);
	errno = -ret;
	return ret;
}

static int bind_at(int fd, const UnixSkEntry *ue, struct sockaddr_un *a, socklen_t len)
{
	struct stat st;

	/* a socket file left by the dumped task is stale: replace it; a removed name's
	 * path was made free by unix_name_prepare() */
	if (is_path_name(ue) && !ue->deleted && !lstat(a->sun_path, &st) && S_ISSOCK(st.st_mode) &&
	    unlink(a->sun_path)) {
		pr_perror("Can't remove the stale socket file %s", a->sun_path);
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)a, len)) {
		pr_perror("Can't bind socket:[%u] to %s%s", ue->ino, a->sun_path[0] ? "" : "@",
			  a->sun_path + !a->sun_path[0]);
		return -errno;
	}
	if (is_path_name(ue) && ue->file_perms &&
	    rst_ns_chown_mode(a->sun_path, ue->file_perms->uid, ue->file_perms->gid,
			      ue->file_perms->mode & 07777, true)) {
		pr_perror("Can't set the owner and mode of the socket file %s", a->sun_path);
		return -errno;
	}
	return 0;
}

/* Bind to the dumped name: from its directory, at its path even if that was removed. */
static int bind_name(struct rst_fds *rf, int fd, const UnixSkEntry *ue)
{
	struct name_undo *undo;
	struct sockaddr_un a;
	socklen_t len = sk_addr(ue, &a);
	int saved, ret;

	if (!ue->name.len)
		return 0;
	ret = unix_name_prepare(rf, ue, &undo);
	ret = ret ?: unix_name_enter(ue, &saved);
	if (ret)
		return ret;
	ret = bind_at(fd, ue, &a, len) ?: unix_name_bound(undo);
	unix_name_leave(saved);
	return ret;
}

/* One entry of sk-queues.img as set->pkts[set->nr] (grown here); its bytes follow. */
static int add_packet(struct rst_fds *rf, struct sk_packet_set *set, const SkPacketEntry *e)
{
	struct sk_packet *n;
	int ret;

	if (ARRAY_ADD_ROOM(set->pkts, set->nr))
		return -ENOMEM;
	n = &set->pkts[set->nr];
	*n = (struct sk_packet){ e->id_for, e->length, NULL, NULL, 0 };
	if (e->length > MAX_PACKET) {
		pr_err("sk-queues.img: packet of %u bytes is too long\n", e->length);
		return -EINVAL;
	}
	ret = scm_copy_rights(rf->ctx, e, &n->fds, &n->nr_fds);
	if (ret)
		return ret;
	n->data = malloc(e->length + 1);
	if (!n->data) {
		free(n->fds);
		return -ENOMEM;
	}
	set->nr++;
	return 0;
}

static int read_packets(struct rst_fds *rf, struct sk_packet_set *set)
{
	struct cr_img *img;
	SkPacketEntry *e;
	int ret;

	img = open_image_optional(rst_images_dfd(rf), CR_FD_SK_QUEUES, 0);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &sk_packet_entry__descriptor, (ProtobufCMessage **)&e)) >
	       0) {
		ret = add_packet(rf, set, e);
		protobuf_c_message_free_unpacked(&e->base, NULL);
		if (ret < 0) {
			pr_err("sk-queues.img: bad or unreadable packet\n");
			break;
		}
		ret = img_read_buf(img, set->pkts[set->nr - 1].data, set->pkts[set->nr - 1].len);
		if (ret)
			break;
	}
	close_image(img);
	return ret;
}

/* sk-queues.img, read once per task: the queued packets of every socket. */
static struct sk_packet_set *queued_packets(struct rst_fds *rf, int *err)
{
	struct unix_rst *ur = rst_fds_priv(rf, &unix_rst_key);

	if (!ur) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!ur->queues_read) {
		ur->queues_read = true;
		ur->read_err = read_packets(rf, &ur->queues);
	}
	*err = ur->read_err;
	return *err ? NULL : &ur->queues;
}

/* Bytes (and an overhead per packet) queued for ue: the sender's buffer must hold them. */
static uint64_t queued_size(const struct sk_packet_set *set, const UnixSkEntry *ue)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < set->nr; i++)
		if (set->pkts[i].id_for == ue->id)
			sum += set->pkts[i].len + 4096;
	return sum;
}

static int send_all(struct rst_fds *rf, int sender, const struct sk_packet *p,
		    const struct sockaddr_un *to, socklen_t tolen, uint32_t ino)
{
	uint32_t done = 0;

	do {
		/* the files go with the first bytes, as they came */
		ssize_t n =
			scm_sendto(rf, sender, p->data + done, p->len - done, done ? NULL : p->fds,
				   done ? 0 : p->nr_fds, (const struct sockaddr *)to, tolen, ino);

		if (n < 0)
			return n;
		done += n;
	} while (done < p->len);
	return 0;
}

/* Send ue's queued packets, oldest first, from sender (to ue's name if to is given). */
static int refill(struct rst_fds *rf, const UnixSkEntry *ue, int sender,
		  const struct sockaddr_un *to, socklen_t tolen)
{
	const struct sk_packet_set *set;
	uint64_t size;
	size_t i;
	int ret, big;

	set = queued_packets(rf, &ret);
	if (!set)
		return ret;
	size = queued_size(set, ue);
	if (!size)
		return 0;
	/* the queue was built under the dumped buffer sizes; options come back afterwards */
	big = size + (1 << 20) > (1u << 30) ? 1 << 30 : (int)(size + (1 << 20));
	if (rst_ns_force_sock_buf(sender, SO_SNDBUFFORCE, big))
		pr_debug("SO_SNDBUFFORCE refused (%d); the default buffer must do\n", errno);
	for (i = 0; i < set->nr; i++) {
		const struct sk_packet *p = &set->pkts[i];

		if (p->id_for == ue->id && (ret = send_all(rf, sender, p, to, tolen, ue->ino)))
			return ret;
	}
	return 0;
}

/* A bound socket's queue without a peer comes back from a temporary sender. */
static int refill_bound(struct rst_fds *rf, const UnixSkEntry *ue, int fd)
{
	const struct sk_packet_set *set;
	struct sockaddr_un a;
	socklen_t len;
	int tmp, ret, saved;

	(void)fd;
	set = queued_packets(rf, &ret);
	if (!set)
		return ret;
	if (!queued_size(set, ue))
		return 0;
	if (!ue->name.len || ue->type != SOCK_DGRAM) {
		pr_err("socket:[%u] has queued data but no peer to send it again\n", ue->ino);
		return -EINVAL;
	}
	tmp = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (tmp < 0) {
		pr_perror("Can't create a socket to refill socket:[%u]", ue->ino);
		return -errno;
	}
	len = sk_addr(ue, &a);
	ret = unix_name_enter(ue, &saved);
	ret = ret ?: refill(rf, ue, tmp, &a, len);
	unix_name_leave(saved);
	close(tmp);
	return ret;
}

/* Options, then shutdown: both would get in the way of the refill. */
static int finish_sk(int fd, const UnixSkEntry *ue)
{
	int ret = sk_opts_restore(fd, ue->opts, ue->ino);

	if (!ret && ue->has_shutdown && ue->shutdown &&
	    shutdown(fd, ue->shutdown == SK_SHUTDOWN__READ    ? SHUT_RD
			 : ue->shutdown == SK_SHUTDOWN__WRITE ? SHUT_WR
							      : SHUT_RDWR)) {
		pr_perror("Can't shut socket:[%u] down (%u)", ue->ino, ue->shutdown);
		ret = -errno;
	}
	return ret;
}

/* The common end of making a socket: options and shutdown, then keep it (or close on error). */
static int finish_and_hold(struct rst_fds *rf, const UnixSkEntry *ue, int fd, int ret)
{
	ret = ret ?: finish_sk(fd, ue);
	if (ret) {
		close(fd);
		return ret;
	}
	return hold_sk(rf, ue->ino, fd);
}

/* ---- a listener and its group (net/unix/group.c): made at once, in one task ---- */

static bool in_group(const struct rst_fds *rf, const UnixSkEntry *ue, enum usk_role role,
		     const UnixSkEntry *l)
{
	uint32_t anchor;

	return unix_role(rf->ctx, ue->ino, &anchor) == role && anchor == l->ino;
}

/* The unix entry of files.img at i, if it has that role in l's group. */
static const UnixSkEntry *member(const struct rst_fds *rf, size_t i, enum usk_role role,
				 const UnixSkEntry *l)
{
	const UnixSkEntry *ue = rf->ctx->files[i]->usk;

	if (rf->ctx->files[i]->type != FD_TYPES__UNIXSK || !ue || !in_group(rf, ue, role, l))
		return NULL;
	return ue;
}

static uint32_t nr_pending(const struct rst_fds *rf, const UnixSkEntry *l)
{
	uint32_t nr = 0;
	size_t i;

	for (i = 0; i < rf->ctx->nr_files; i++)
		nr += member(rf, i, USK_PENDING, l) != NULL;
	return nr;
}

/* s was accepted from lfd, a listener bound to s's name: c connects to it again. */
static int connect_accept(struct rst_fds *rf, int lfd, const UnixSkEntry *s, const UnixSkEntry *c,
			  int *sfd, int *cfd)
{
	int ret;

	*sfd = -1;
	*cfd = new_sk(c);
	ret = *cfd < 0 ? *cfd : bind_name(rf, *cfd, c);
	if (!ret && connect_name(*cfd, s)) {
		pr_perror("Can't connect socket:[%u] to socket:[%u] again", c->ino, s->ino);
		ret = -errno;
	}
	if (!ret) {
		*sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (*sfd < 0) {
			pr_perror("Can't accept socket:[%u] again", s->ino);
			ret = -errno;
		}
	}
	return ret;
}

/* s's listener is gone: a stand-in bound to s's name accepts it again, then goes. */
static int connect_via_stand_in(struct rst_fds *rf, const UnixSkEntry *s, const UnixSkEntry *c,
				int *sfd, int *cfd)
{
	int lfd = new_sk(s), ret;

	*sfd = *cfd = -1;
	if (lfd < 0)
		return lfd;
	ret = bind_name(rf, lfd, s);
	if (!ret && listen(lfd, 1)) {
		pr_perror("Can't listen on a stand-in listener for socket:[%u]", s->ino);
		ret = -errno;
	}
	ret = ret ?: connect_accept(rf, lfd, s, c, sfd, cfd);
	close(lfd);
	return ret;
}

/* A connected pair; with lfd >= 0, a's listener, which accepts a again from b. */
static int create_pair(struct rst_fds *rf, const UnixSkEntry *a, const UnixSkEntry *b, int lfd,
		       int fds[2])
{
	int ret = 0;

	fds[0] = fds[1] = -1;
	if (lfd >= 0)
		return connect_accept(rf, lfd, a, b, &fds[0], &fds[1]);
	if (a->type != SOCK_DGRAM && (a->name.len || b->name.len)) {
		/* the accepted end carries its listener's name */
		if (a->name.len && !b->name.len)
			return connect_via_stand_in(rf, a, b, &fds[0], &fds[1]);
		return connect_via_stand_in(rf, b, a, &fds[1], &fds[0]);
	}
	if (socketpair(AF_UNIX, a->type | SOCK_CLOEXEC, 0, fds)) {
		pr_perror("Can't create a socket pair for socket:[%u] and socket:[%u]", a->ino,
			  b->ino);
		return -errno;
	}
	ret = bind_name(rf, fds[0], a);
	return ret ?: bind_name(rf, fds[1], b);
}

/* Both ends of a connected pair: each one's queue is sent again by the other. */
static int make_pair(struct rst_fds *rf, const UnixSkEntry *a, const UnixSkEntry *b, int lfd)
{
	int fds[2], ret;

	if (a->type != b->type) {
		pr_err("socket:[%u] and its peer have different types\n", a->ino);
		return -EINVAL;
	}
	ret = create_pair(rf, a, b, lfd, fds);
	ret = ret ?: refill(rf, a, fds[1], NULL, 0);
	ret = ret ?: refill(rf, b, fds[0], NULL, 0);
	ret = ret ?: finish_sk(fds[0], a);
	ret = ret ?: finish_sk(fds[1], b);
	if (ret) {
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		return ret;
	}
	ret = hold_sk(rf, a->ino, fds[0]);
	if (ret) {
		close(fds[1]);
		return ret;
	}
	return hold_sk(rf, b->ino, fds[1]);
}

/* connect() fd to the name of peer, a socket outside the tree that must still be there. */
static int connect_ext(struct rst_fds *rf, int fd, const UnixSkEntry *ue, const UnixSkEntry *peer)
{
	char name[NAME_MAX_LEN + 2];
	struct sockaddr_un a;

	if (!rf->ctx->ro->ext_unix_sk || ue->type != SOCK_DGRAM) {
		/* unix_rst_check_ext() said why before anything was made */
		pr_err("socket:[%u]: its peer socket:[%u] is outside the tree\n", ue->ino,
		       peer->ino);
		return -EOPNOTSUPP;
	}
	if (!connect(fd, (struct sockaddr *)&a, sk_addr(peer, &a)))
		return 0;
	pr_perror("Can't connect unix socket ino %u again to %s, its peer outside the tree "
		  "(--ext-unix-sk): is that socket still bound there",
		  ue->ino, unix_name_str(peer->name.data, peer->name.len, name, sizeof(name)));
	return -errno;
}

/* The peer of a one-way datagram connection, made first (if it is ours), then connected. */
static int connect_peer(struct rst_fds *rf, int fd, const UnixSkEntry *ue, const UnixSkEntry *peer,
			int depth)
{
	int ret;

	if (usk_is_external(peer))
		return connect_ext(rf, fd, ue, peer);
	ret = find_held(rf, peer->ino) ? 0 : make_sk(rf, peer, depth + 1);
	if (ret)
		return ret;
	if (!peer->name.len) {
		pr_err("socket:[%u] is connected to the unnamed socket:[%u]\n", ue->ino, peer->ino);
		return -EINVAL;
	}
	if (connect_name(fd, peer)) {
		pr_perror("Can't connect socket:[%u] to socket:[%u] again", ue->ino, peer->ino);
		return -errno;
	}
	return 0;
}

/* The pairs l had accepted, accepted again while its queue is still empty. */
static int make_accepted(struct rst_fds *rf, const UnixSkEntry *l, int lfd)
{
	const UnixSkEntry *s, *c;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < rf->ctx->nr_files; i++) {
		s = member(rf, i, USK_ACCEPTED, l);
		if (!s)
			continue;
		c = find_usk(rf, s->peer);
		ret = c ? make_pair(rf, s, c, lfd) : -ENOENT;
	}
	return ret;
}

static int connect_pending_one(struct rst_fds *rf, const UnixSkEntry *c, const UnixSkEntry *l)
{
	int fd, ret;

	if (c->type != l->type) {
		pr_err("socket:[%u], a connection not accepted yet by socket:[%u], has another "
		       "type than its listener\n",
		       c->ino, l->ino);
		return -EINVAL;
	}
	/* non-blocking: a full queue says so instead of waiting (unix_open sets the flags) */
	fd = socket(AF_UNIX, c->type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		pr_perror("Can't create a unix socket for socket:[%u]", c->ino);
		return -errno;
	}
	ret = bind_name(rf, fd, c);
	if (!ret && connect_name(fd, l)) {
		pr_perror("Can't connect socket:[%u] to the listening socket:[%u] again", c->ino,
			  l->ino);
		ret = -errno;
	}
	return finish_and_hold(rf, c, fd, ret);
}

/* l's connections not accepted yet, in files.img order: the order accept() gives them. */
static int connect_pending(struct rst_fds *rf, const UnixSkEntry *l)
{
	const UnixSkEntry *c;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < rf->ctx->nr_files; i++) {
		c = member(rf, i, USK_PENDING, l);
		if (c)
			ret = connect_pending_one(rf, c, l);
	}
	return ret;
}

static int listen_on(int fd, const UnixSkEntry *ue, uint32_t backlog)
{
	if (listen(fd, backlog)) {
		pr_perror("Can't listen on socket:[%u]", ue->ino);
		return -errno;
	}
	return 0;
}

static int make_listener(struct rst_fds *rf, const UnixSkEntry *ue)
{
	uint32_t pending = nr_pending(rf, ue);
	int fd = new_sk(ue), ret;

	if (fd < 0)
		return fd;
	ret = bind_name(rf, fd, ue);
	/* the backlog may have shrunk since they came: room for all, then the dumped one */
	ret = ret ?: listen_on(fd, ue, pending > ue->backlog ? pending : ue->backlog);
	ret = ret ?: make_accepted(rf, ue, fd);
	ret = ret ?: connect_pending(rf, ue);
	if (!ret && pending > ue->backlog)
		ret = listen_on(fd, ue, ue->backlog);
	if (!ret && pending)
		pr_debug("socket:[%u]: %u connections not accepted yet\n", ue->ino, pending);
	return finish_and_hold(rf, ue, fd, ret);
}

/* A member of a listener's group: the listener makes the whole group. */
static int make_by_listener(struct rst_fds *rf, const UnixSkEntry *ue, uint32_t anchor, int depth)
{
	const UnixSkEntry *l = find_usk(rf, anchor);
	int ret;

	if (!l) {
		pr_err("socket:[%u]: its listener socket:[%u] is missing in files.img\n", ue->ino,
		       anchor);
		return -ENOENT;
	}
	ret = find_held(rf, l->ino) ? 0 : make_sk(rf, l, depth + 1);
	if (!ret && !find_held(rf, ue->ino)) {
		pr_err("socket:[%u] was not made with its listener socket:[%u]\n", ue->ino, l->ino);
		ret = -EINVAL;
	}
	return ret;
}

/* Unconnected (maybe bound), or a datagram socket connected one way to a bound one. */
static int make_single(struct rst_fds *rf, const UnixSkEntry *ue, const UnixSkEntry *peer,
		       int depth)
{
	int fd = new_sk(ue), ret;

	if (fd < 0)
		return fd;
	ret = bind_name(rf, fd, ue);
	/* before connect: a connected datagram socket takes packets from its peer only */
	ret = ret ?: refill_bound(rf, ue, fd);
	if (!ret && peer)
		ret = connect_peer(rf, fd, ue, peer, depth);
	return finish_and_hold(rf, ue, fd, ret);
}

/*
 * A connected socket whose peer was closed: one end of a new pair, its queue sent again by
 * the other end, which is then closed as the peer was. The kernel then shuts a stream or
 * seqpacket survivor down both ways, as it did to the dumped one.
 */
static int make_orphaned(struct rst_fds *rf, const UnixSkEntry *ue)
{
	int fds[2], ret;

	if (socketpair(AF_UNIX, ue->type | SOCK_CLOEXEC, 0, fds)) {
		pr_perror("Can't create a socket pair for socket:[%u], whose peer is closed",
			  ue->ino);
		return -errno;
	}
	ret = bind_name(rf, fds[0], ue);
	ret = ret ?: refill(rf, ue, fds[1], NULL, 0);
	close(fds[1]);
	return finish_and_hold(rf, ue, fds[0], ret);
}

/* A socket a plugin took at dump (USK_CALLBACK): the plugin's fd, kept as it gives it. */
static int make_by_plugin(struct rst_fds *rf, const UnixSkEntry *ue)
{
	int fd = run_plugins(RESTORE_UNIX_SK, ue->ino);

	if (fd == -ENOTSUP)
		pr_err("socket:[%u] was taken by a plugin at dump (its peer is outside the tree) "
		       "and no plugin makes it again: give the plugin's directory with "
		       "--libdir\n",
		       ue->ino);
	if (fd < 0)
		return fd;
	return hold_sk(rf, ue->ino, fd);
}

static int make_sk(struct rst_fds *rf, const UnixSkEntry *ue, int depth)
{
	const UnixSkEntry *peer = NULL;
	uint32_t anchor;

	if (depth > MAX_DEPTH) {
		pr_err("socket:[%u]: its peers form a chain too long to restore\n", ue->ino);
		return -ELOOP;
	}
	if (usk_is_external(ue)) {
		pr_err("socket:[%u] lives outside the dumped tree: no fd of it can be restored\n",
		       ue->ino);
		return -EINVAL;
	}
	if (ue->uflags & USK_CALLBACK)
		return make_by_plugin(rf, ue);
	switch (unix_role(rf->ctx, ue->ino, &anchor)) {
	case USK_LISTENER:
		return make_listener(rf, ue);
	case USK_PENDING:
	case USK_ACCEPTED:
	case USK_CONNECTOR:
		return make_by_listener(rf, ue, anchor, depth);
	default:
		break;
	}
	if (ue->peer) {
		peer = find_usk(rf, ue->peer);
		if (!peer) {
			pr_err("socket:[%u]: its peer socket:[%u] is missing in files.img\n",
			       ue->ino, ue->peer);
			return -ENOENT;
		}
	}
	if (!peer && ue->state == SK_ESTABLISHED)
		return make_orphaned(rf, ue);
	if (peer && peer->peer == ue->ino)
		return make_pair(rf, ue, peer, -1);
	if (peer && ue->type != SOCK_DGRAM) {
		pr_err("socket:[%u]: its peer socket:[%u] is not connected back\n", ue->ino,
		       peer->ino);
		return -EINVAL;
	}
	return make_single(rf, ue, peer, depth);
}

int unix_open(struct rst_fds *rf, const FileEntry *fe)
{
	const UnixSkEntry *ue = fe->usk;
	struct held_sk *h = find_held(rf, ue->ino);
	char what[48];
	int fd, ret;

	if (!h) {
		ret = make_sk(rf, ue, 0);
		if (ret)
			return ret;
		h = find_held(rf, ue->ino);
	}
	if (!h || h->given) {
		pr_err("socket:[%u] (file id %u) can't be opened twice\n", ue->ino, fe->id);
		return -EINVAL;
	}
	h->given = true;
	fd = fcntl(h->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		pr_perror("Can't take socket:[%u]", ue->ino);
		return -errno;
	}
	snprintf(what, sizeof(what), "unix socket file id %u", fe->id);
	ret = rst_set_fl(fd, ue->flags, what);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}
