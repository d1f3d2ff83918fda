/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/unix/scm.c - descriptors queued in flight on unix sockets (SCM_RIGHTS).
 *
 * Dump: peeking a queued message hands criu copies of the files it carries. Each copy goes
 * through the common fd walk (dump_inflight_file): it gets a FileEntry of its own, or the id
 * of the open file a task holds too (kcmp), and the packet's SkPacketEntry lists the ids in
 * an ScmEntry. Restore: the refill sends the packet again with its files, opened in the task
 * that makes the socket (rst_borrow_file: the task's own fd, a transit fd, or a fresh open
 * kept only until the task's fds are all in place).
 *
 * Not supported (refused at dump): a socket queued in flight that has files queued itself,
 * and a socket with itself or its peer queued on it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "restore-ctx.h"

#include "sk-packet.pb-c.h"

#define MAX_RIGHTS 253 /* the kernel's SCM_MAX_FD */

static size_t cmsg_nr_fds(const struct cmsghdr *c)
{
	if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return 0;
	return (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
}

static int cmsg_fd(const struct cmsghdr *c, size_t i)
{
	int fd;

	memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
	return fd;
}

size_t scm_nr_rights(struct msghdr *mh)
{
	struct cmsghdr *c;
	size_t nr = 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		nr += cmsg_nr_fds(c);
	return nr;
}

void scm_close_rights(struct msghdr *mh)
{
	struct cmsghdr *c;
	size_t i;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		for (i = 0; i < cmsg_nr_fds(c); i++)
			close(cmsg_fd(c, i));
}

/* What restore can't send again: fd is one queued file of socket:[ino]. */
static int check_queued_fd(int fd, const struct scm_sk *sk)
{
	struct stat st;

	if (sk->in_flight) {
		pr_err("socket:[%u] is itself queued in flight (SCM_RIGHTS) and has files queued "
		       "on it in turn: not supported yet\n",
		       sk->ino);
		return -EOPNOTSUPP;
	}
	if (fstat(fd, &st)) {
		pr_perror("Can't stat a file queued on socket:[%u]", sk->ino);
		return -errno;
	}
	if (S_ISSOCK(st.st_mode) && (st.st_ino == sk->ino || (sk->peer && st.st_ino == sk->peer))) {
		pr_err("socket:[%u] has %s queued on it (SCM_RIGHTS): not supported yet\n", sk->ino,
		       st.st_ino == sk->ino ? "itself" : "its own peer");
		return -EOPNOTSUPP;
	}
	return 0;
}

static ScmEntry *scm_add(SkPacketEntry *pe, size_t nr)
{
	ScmEntry *se;

	if (ARRAY_ADD_ROOM(pe->scm, pe->n_scm))
		return NULL;
	se = calloc(1, sizeof(*se));
	if (!se)
		return NULL;
	scm_entry__init(se);
	se->type = SCM_RIGHTS;
	se->rights = calloc(nr, sizeof(*se->rights));
	pe->scm[pe->n_scm++] = se;
	return se->rights ? se : NULL;
}

int scm_dump_rights(struct dump_ctx *dc, struct msghdr *mh, const struct scm_sk *sk,
		    SkPacketEntry *pe)
{
	struct cmsghdr *c;
	int ret = 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t i, nr = cmsg_nr_fds(c);
		ScmEntry *se = NULL;

		if (!nr)
			continue;
		if (!ret) {
			se = scm_add(pe, nr);
			ret = se ? 0 : -ENOMEM;
		}
		/* every fd is ours to close or to hand on, error or not */
		for (i = 0; i < nr; i++) {
			int fd = cmsg_fd(c, i);

			ret = ret ?: check_queued_fd(fd, sk);
			if (ret) {
				close(fd);
				continue;
			}
			ret = dump_inflight_file(dc, fd, &se->rights[i]);
			se->n_rights = i + 1;
		}
		if (!ret)
			pr_debug("socket:[%u]: %zu file(s) queued in one message\n", sk->ino, nr);
	}
	return ret;
}

void scm_free_entries(SkPacketEntry *pe)
{
	size_t i;

	for (i = 0; i < pe->n_scm; i++) {
		if (!pe->scm[i])
			continue;
		free(pe->scm[i]->rights);
		free(pe->scm[i]);
	}
	free(pe->scm);
	pe->scm = NULL;
	pe->n_scm = 0;
}

/* ---- restore ---- */

int scm_copy_rights(const struct rst_ctx *ctx, const SkPacketEntry *e, uint32_t **ids, uint32_t *nr)
{
	size_t i, j, total = 0;

	*ids = NULL;
	*nr = 0;
	for (i = 0; i < e->n_scm; i++) {
		if (e->scm[i]->type != SCM_RIGHTS) {
			pr_err("sk-queues.img: a packet of file id %u carries control data of type "
			       "%u, which this criu can't restore\n",
			       e->id_for, e->scm[i]->type);
			return -EOPNOTSUPP;
		}
		total += e->scm[i]->n_rights;
	}
	if (!total)
		return 0;
	if (total > MAX_RIGHTS) {
		pr_err("sk-queues.img: a packet of file id %u carries %zu files, more than %d\n",
		       e->id_for, total, MAX_RIGHTS);
		return -EINVAL;
	}
	*ids = malloc(total * sizeof(**ids));
	if (!*ids)
		return -ENOMEM;
	for (i = 0; i < e->n_scm; i++) {
		for (j = 0; j < e->scm[i]->n_rights; j++) {
			uint32_t id = e->scm[i]->rights[j];

			if (!rst_find_file(ctx, id)) {
				pr_err("sk-queues.img: a packet of file id %u carries file id %u, "
				       "which is missing in files.img\n",
				       e->id_for, id);
				free(*ids);
				*ids = NULL;
				return -EINVAL;
			}
			(*ids)[(*nr)++] = id;
		}
	}
	return 0;
}

static int add_uses(struct rst_ctx *ctx, const SkPacketEntry *e)
{
	uint32_t *ids, nr, i;
	int ret = scm_copy_rights(ctx, e, &ids, &nr);

	if (ret || !nr)
		return ret;
	ret = ARRAY_RESERVE(ctx->scm_uses, ctx->nr_scm_uses, nr);
	for (i = 0; !ret && i < nr; i++)
		ctx->scm_uses[ctx->nr_scm_uses++] = (struct rst_scm_use){ e->id_for, ids[i], 0 };
	free(ids);
	return ret;
}

int scm_read_uses(struct rst_ctx *ctx)
{
	struct cr_img *img = open_image_optional(ctx->dfd, CR_FD_SK_QUEUES, 0);
	char *buf = NULL;
	SkPacketEntry *e;
	int ret;

	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &sk_packet_entry__descriptor, (ProtobufCMessage **)&e)) >
	       0) {
		char *n = realloc(buf, e->length + 1); /* the bytes are skipped */

		ret = n ? add_uses(ctx, e) : -ENOMEM;
		if (n)
			buf = n;
		if (!ret)
			ret = img_read_buf(img, buf, e->length);
		protobuf_c_message_free_unpacked(&e->base, NULL);
		if (ret)
			break;
	}
	free(buf);
	close_image(img);
	return ret;
}

/* Files whose refill needs a file whose refill needs a file...: a loop, most likely. */
#define MAX_SCM_NESTING 4

/* The fds of the files ids (borrowed: not to close), in ctl as one SCM_RIGHTS message. */
/* A task's restore: how deep fill_rights() is in refills of sockets queued on sockets. */
static const struct rst_fds_key scm_nesting_key = {
	.name = "files in flight",
	.size = sizeof(int),
};

static int fill_rights(struct rst_fds *rf, const uint32_t *ids, uint32_t nr, char *ctl, size_t len,
		       uint32_t ino)
{
	struct cmsghdr *c = (struct cmsghdr *)ctl;
	int *nesting = rst_fds_priv(rf, &scm_nesting_key);
	uint32_t i;
	int ret = 0;

	if (!nesting)
		return -ENOMEM;
	if (*nesting >= MAX_SCM_NESTING) {
		pr_err("socket:[%u]: files queued on sockets queued on sockets nest too deeply\n",
		       ino);
		return -ELOOP;
	}
	memset(ctl, 0, len);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(nr * sizeof(int));
	(*nesting)++;
	for (i = 0; i < nr && !ret; i++) {
		int fd = rst_borrow_file(rf, ids[i]);

		if (fd < 0) {
			pr_err("socket:[%u]: can't open file id %u, queued on it\n", ino, ids[i]);
			ret = fd;
		}
		memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
	}
	(*nesting)--;
	return ret;
}

ssize_t scm_sendto(struct rst_fds *rf, int sender, const char *data, size_t len,
		   const uint32_t *ids, uint32_t nr, const struct sockaddr *to, socklen_t tolen,
		   uint32_t ino)
{
	char ctl[CMSG_SPACE(sizeof(int) * MAX_RIGHTS)]
		__attribute__((aligned(__alignof__(struct cmsghdr))));
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = {
		.msg_name = (void *)to, .msg_namelen = tolen, .msg_iov = &iov, .msg_iovlen = 1
	};
	ssize_t n;
	int ret;

	if (nr) {
		ret = fill_rights(rf, ids, nr, ctl, sizeof(ctl), ino);
		if (ret)
			return ret;
		mh.msg_control = ctl;
		mh.msg_controllen = CMSG_SPACE(nr * sizeof(int));
	}
	n = sendmsg(sender, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0) {
		pr_perror("Can't put %zu queued bytes%s back on socket:[%u]", len,
			  nr ? " and the files sent with them" : "", ino);
		return -errno;
	}
	if (nr)
		pr_debug("socket:[%u]: %u file(s) queued again\n", ino, nr);
	return n;
}
