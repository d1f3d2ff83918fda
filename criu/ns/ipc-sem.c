/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/ipc-sem.c - the SysV semaphore sets of the tree's ipc namespace, in ipcns-sem-ID.img
 * (CRIU's format: each entry is followed by its nsems values as u16, padded to 8 bytes).
 * Found with SEM_STAT over the kernel's slots, so no /proc text is parsed. Restore makes
 * each set with its id (sem_next_id), owner and mode, and sets its values; the times of
 * the last semop and change, the waiters and the tasks' undo lists are not saved.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>

#include "image.h"
#include "log.h"
#include "internal.h"

#include "ipc-sem.pb-c.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *info;
};

static const char pad[8];

static size_t pad8(size_t n)
{
	return (8 - n % 8) % 8;
}

static int dump_one_set(struct cr_img *img, int id, const struct semid_ds *ds)
{
	IpcSemEntry e = IPC_SEM_ENTRY__INIT;
	IpcDescEntry d = IPC_DESC_ENTRY__INIT;
	unsigned short *vals;
	union semun arg;
	size_t len;
	int ret;

	d.key = ds->sem_perm.__key;
	d.uid = ds->sem_perm.uid;
	d.gid = ds->sem_perm.gid;
	d.cuid = ds->sem_perm.cuid;
	d.cgid = ds->sem_perm.cgid;
	d.mode = ds->sem_perm.mode;
	d.id = id;
	e.desc = &d;
	e.nsems = ds->sem_nsems;
	len = e.nsems * sizeof(*vals);
	vals = calloc(1, len + 8);
	if (!vals)
		return -ENOMEM;
	arg.array = vals;
	if (semctl(id, 0, GETALL, arg) < 0) {
		pr_perror("Can't read the values of SysV semaphore set %d", id);
		ret = -errno;
		goto out_free;
	}
	ret = pb_write_one(img, &e.base);
	ret = ret ?: img_write_buf(img, vals, len);
	ret = ret ?: img_write_buf(img, pad, pad8(len));
	pr_info("SysV semaphore set %d (key %#x, %u semaphores) saved\n", id, d.key, e.nsems);
out_free:
	free(vals);
	return ret;
}

int ipcns_sem_dump(int dfd, uint32_t ns_id)
{
	struct seminfo info;
	struct semid_ds ds;
	struct cr_img *img = NULL;
	union semun arg;
	int max, i, id, ret = 0;

	arg.info = &info;
	max = semctl(0, 0, SEM_INFO, arg);
	if (max < 0) {
		pr_perror("Can't list the SysV semaphore sets");
		return -errno;
	}
	for (i = 0; !ret && i <= max; i++) {
		arg.buf = &ds;
		id = semctl(i, 0, SEM_STAT, arg);
		if (id < 0)
			continue; /* a free slot (EINVAL), or one gone since */
		if (!img)
			img = open_image_at(dfd, CR_FD_IPCNS_SEM, O_DUMP, ns_id);
		ret = img ? dump_one_set(img, id, &ds) : -EIO;
	}
	if (img)
		ret = close_image(img) ?: ret;
	return ret;
}

static int make_set(const IpcSemEntry *e)
{
	const IpcDescEntry *d = e->desc;
	struct semid_ds ds = {};
	union semun arg;
	int id;

	if (ipcns_set_next_id("sem", d->id))
		return -EPERM;
	id = semget(d->key, e->nsems, IPC_CREAT | IPC_EXCL | (d->mode & 0777));
	if (id < 0 || (uint32_t)id != d->id) {
		pr_perror("Can't make SysV semaphore set %u (key %#x) again (got %d)", d->id,
			  d->key, id);
		return -EEXIST;
	}
	ds.sem_perm.uid = d->uid;
	ds.sem_perm.gid = d->gid;
	ds.sem_perm.mode = d->mode & 0777;
	arg.buf = &ds;
	if (semctl(id, 0, IPC_SET, arg)) {
		pr_perror("Can't set the owner and mode of SysV semaphore set %d", id);
		return -errno;
	}
	return id;
}

static int restore_one_set(struct cr_img *img, const IpcSemEntry *e)
{
	unsigned short *vals;
	union semun arg;
	size_t len;
	int id, ret;

	if (!e->desc || !e->nsems || e->nsems > 65536) {
		pr_err("%s: a semaphore set with no description or %u semaphores\n", img_path(img),
		       e->nsems);
		return -EINVAL;
	}
	len = e->nsems * sizeof(*vals);
	vals = malloc(len + 8);
	if (!vals)
		return -ENOMEM;
	ret = img_read_buf(img, vals, len + pad8(len));
	id = ret ? ret : make_set(e);
	if (id >= 0) {
		arg.array = vals;
		ret = semctl(id, 0, SETALL, arg) ? -errno : 0;
		if (ret)
			pr_perror("Can't set the values of SysV semaphore set %d", id);
	} else {
		ret = id;
	}
	free(vals);
	if (!ret)
		pr_info("SysV semaphore set %u made again\n", e->desc->id);
	return ret;
}

int ipcns_sem_restore(int dfd, uint32_t ns_id)
{
	struct cr_img *img;
	IpcSemEntry *e;
	int ret;

	img = open_image_optional(dfd, CR_FD_IPCNS_SEM, ns_id);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &ipc_sem_entry__descriptor, (ProtobufCMessage **)&e)) >
	       0) {
		ret = restore_one_set(img, e);
		ipc_sem_entry__free_unpacked(e, NULL);
		if (ret)
			break;
	}
	close_image(img);
	return ret;
}
