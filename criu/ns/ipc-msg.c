/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/ipc-msg.c - the SysV message queues of the tree's ipc namespace, in ipcns-msg-ID.img
 * (CRIU's format: each queue's entry is followed by its qnum messages, each an ipc_msg
 * (type and size) and its bytes padded to 8). The messages are read in queue order with
 * msgrcv(MSG_COPY), which copies the Nth one and leaves the queue as it was; restore sends
 * them again in that order into a queue made with the same id, owner, mode and size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include "image.h"
#include "log.h"
#include "proc-parse.h"
#include "internal.h"

#include "ipc-msg.pb-c.h"

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct msg_buf {
	long mtype;
	char mtext[];
};

static const char pad[8];

static size_t pad8(size_t n)
{
	return (8 - n % 8) % 8;
}

static void fill_desc(IpcDescEntry *d, int id, const struct msqid_ds *ds)
{
	d->key = ds->msg_perm.__key;
	d->uid = ds->msg_perm.uid;
	d->gid = ds->msg_perm.gid;
	d->cuid = ds->msg_perm.cuid;
	d->cgid = ds->msg_perm.cgid;
	d->mode = ds->msg_perm.mode;
	d->id = id;
}

static int dump_messages(struct cr_img *img, int id, uint32_t qnum, struct msg_buf *m, size_t max)
{
	IpcMsg im = IPC_MSG__INIT;
	uint32_t i;
	ssize_t n;
	int ret = 0;

	for (i = 0; !ret && i < qnum; i++) {
		n = msgrcv(id, m, max, i, IPC_NOWAIT | MSG_COPY);
		if (n < 0) {
			pr_perror("Can't copy message %u of SysV queue %d (MSG_COPY needs "
				  "CONFIG_CHECKPOINT_RESTORE)",
				  i, id);
			return -errno;
		}
		im.mtype = m->mtype;
		im.msize = n;
		ret = pb_write_one(img, &im.base);
		ret = ret ?: img_write_buf(img, m->mtext, n);
		ret = ret ?: img_write_buf(img, pad, pad8(n));
	}
	return ret;
}

static int dump_one_queue(struct cr_img *img, int id, const struct msqid_ds *ds, size_t max)
{
	IpcMsgEntry e = IPC_MSG_ENTRY__INIT;
	IpcDescEntry d = IPC_DESC_ENTRY__INIT;
	struct msg_buf *m;
	int ret;

	fill_desc(&d, id, ds);
	e.desc = &d;
	e.qbytes = ds->msg_qbytes;
	e.qnum = ds->msg_qnum;
	m = malloc(sizeof(*m) + max);
	if (!m)
		return -ENOMEM;
	ret = pb_write_one(img, &e.base);
	ret = ret ?: dump_messages(img, id, e.qnum, m, max);
	free(m);
	if (!ret)
		pr_info("SysV message queue %d (key %#x, %u messages) saved\n", id, d.key, e.qnum);
	return ret;
}

int ipcns_msg_dump(int dfd, uint32_t ns_id)
{
	struct msginfo info;
	struct msqid_ds ds;
	struct cr_img *img = NULL;
	int64_t max_size;
	int max, i, id, ret;

	ret = read_proc_number("/proc/sys/kernel/msgmax", 0, INT32_MAX, &max_size);
	if (ret)
		return ret;
	max = msgctl(0, MSG_INFO, (struct msqid_ds *)&info);
	if (max < 0) {
		pr_perror("Can't list the SysV message queues");
		return -errno;
	}
	for (i = 0; !ret && i <= max; i++) {
		id = msgctl(i, MSG_STAT, &ds);
		if (id < 0)
			continue; /* a free slot, or one gone since */
		if (!img)
			img = open_image_at(dfd, CR_FD_IPCNS_MSG, O_DUMP, ns_id);
		ret = img ? dump_one_queue(img, id, &ds, max_size) : -EIO;
	}
	if (img)
		ret = close_image(img) ?: ret;
	return ret;
}

static int make_queue(const IpcMsgEntry *e)
{
	const IpcDescEntry *d = e->desc;
	struct msqid_ds ds;
	int id;

	if (ipcns_set_next_id("msg", d->id))
		return -EPERM;
	id = msgget(d->key, IPC_CREAT | IPC_EXCL | (d->mode & 0777));
	if (id < 0 || (uint32_t)id != d->id) {
		pr_perror("Can't make SysV message queue %u (key %#x) again (got %d)", d->id,
			  d->key, id);
		return -EEXIST;
	}
	if (msgctl(id, IPC_STAT, &ds))
		return -errno;
	ds.msg_perm.uid = d->uid;
	ds.msg_perm.gid = d->gid;
	ds.msg_perm.mode = d->mode & 0777;
	ds.msg_qbytes = e->qbytes;
	if (msgctl(id, IPC_SET, &ds)) {
		pr_perror("Can't set the owner, mode and size (%u bytes) of SysV message queue %d",
			  id, e->qbytes);
		return -errno;
	}
	return id;
}

static int send_one(struct cr_img *img, int id, struct msg_buf *m, size_t max)
{
	IpcMsg *im;
	int ret;

	ret = pb_read_one(img, &ipc_msg__descriptor, (ProtobufCMessage **)&im);
	if (ret)
		return ret;
	if (im->msize > max) {
		pr_err("%s: a message of %u bytes in queue %d, above msgmax %zu\n", img_path(img),
		       im->msize, id, max);
		ret = -EINVAL;
	}
	m->mtype = im->mtype;
	ret = ret ?: img_read_buf(img, m->mtext, im->msize + pad8(im->msize));
	if (!ret && m->mtype <= 0) {
		pr_err("%s: message type %ld in queue %d\n", img_path(img), m->mtype, id);
		ret = -EINVAL;
	}
	if (!ret && msgsnd(id, m, im->msize, IPC_NOWAIT)) {
		pr_perror("Can't queue a message of %u bytes on SysV queue %d", im->msize, id);
		ret = -errno;
	}
	ipc_msg__free_unpacked(im, NULL);
	return ret;
}

static int restore_one_queue(struct cr_img *img, const IpcMsgEntry *e, size_t max)
{
	struct msg_buf *m;
	uint32_t i;
	int id, ret = 0;

	if (!e->desc) {
		pr_err("%s: a queue with no description\n", img_path(img));
		return -EINVAL;
	}
	id = make_queue(e);
	if (id < 0)
		return id;
	m = malloc(sizeof(*m) + max + 8);
	if (!m)
		return -ENOMEM;
	for (i = 0; !ret && i < e->qnum; i++)
		ret = send_one(img, id, m, max);
	free(m);
	if (!ret)
		pr_info("SysV message queue %d made again with %u messages\n", id, e->qnum);
	return ret;
}

int ipcns_msg_restore(int dfd, uint32_t ns_id)
{
	struct cr_img *img;
	IpcMsgEntry *e;
	int64_t max;
	int ret;

	img = open_image_optional(dfd, CR_FD_IPCNS_MSG, ns_id);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	ret = read_proc_number("/proc/sys/kernel/msgmax", 0, INT32_MAX, &max);
	while (!ret && (ret = pb_read_one_eof(img, &ipc_msg_entry__descriptor,
					      (ProtobufCMessage **)&e)) > 0) {
		ret = restore_one_queue(img, e, max);
		ipc_msg_entry__free_unpacked(e, NULL);
	}
	close_image(img);
	return ret;
}
