/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/sysv-shm.c - System V shared memory segments of the dumped task: those it has attached
 * (a VMA "/SYSVkey" whose inode number is the segment id) and those it created and left
 * unattached. Each is saved once in ipcns-shm-1.img (IPC id, key, owner, mode, size, then
 * its bytes); an attached VMA is VMA_AREA_SYSVIPC with shmid = the IPC id.
 *
 * Segments outlive their users, so at restore the segment may still exist: if its id holds
 * the same key and size it is reused, else it is created again with the same id (through
 * /proc/sys/kernel/shm_next_id) and key. Either way its content becomes the dumped one. The
 * task then attaches it with shmat before it enters the restorer, which moves the attach to
 * its old address like any premapped area.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "proc-parse.h"
#include "restore-ctx.h"
#include "abi/restorer.h"
#include "vma-status.h"
#include "mem.h"

#include "ipc-shm.pb-c.h"

/* ipcns-shm-ID.img: we dump the one IPC namespace the task lives in */
#define SYSV_NS_ID 1

/* The dump's: the segments the tree's tasks have attached. */
struct sysv_seen {
	int *ids;
	size_t nr;
};

static void sysv_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	free(((struct sysv_seen *)priv)->ids);
}

static const struct files_dump_key sysv_dump_key = {
	.name = "SysV shared memory",
	.size = sizeof(struct sysv_seen),
	.fini = sysv_dump_fini,
};

static size_t page_round(uint64_t size)
{
	long pg = sysconf(_SC_PAGESIZE);

	return (size + pg - 1) & ~(uint64_t)(pg - 1);
}

int dump_sysv_vma(struct dump_ctx *dc, const struct proc_vma *pv, VmaEntry *v)
{
	struct sysv_seen *s = files_dump_priv(dc->fstate, &sysv_dump_key);
	struct shmid_ds ds;
	int id = (int)pv->ino;

	if (shmctl(id, IPC_STAT, &ds) < 0) {
		pr_perror("Can't stat SysV shm segment %d, mapped at %llx", id,
			  (unsigned long long)pv->start);
		return -errno;
	}
	if (pv->pgoff || pv->end - pv->start != page_round(ds.shm_segsz)) {
		pr_err("SysV shm segment %d is attached only in part at %llx-%llx: not "
		       "supported yet\n",
		       id, (unsigned long long)pv->start, (unsigned long long)pv->end);
		return -EOPNOTSUPP;
	}
	if (!s || ARRAY_ADD_ROOM(s->ids, s->nr))
		return -ENOMEM;
	s->ids[s->nr++] = id;
	v->status |= VMA_AREA_SYSVIPC;
	v->flags = MAP_SHARED;
	v->shmid = id;
	return 0;
}

static bool attached(const struct sysv_seen *s, int id)
{
	size_t i;

	for (i = 0; s && i < s->nr; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

static int write_segment(struct cr_img *img, int id, const struct shmid_ds *ds)
{
	IpcShmEntry e = IPC_SHM_ENTRY__INIT;
	IpcDescEntry d = IPC_DESC_ENTRY__INIT;
	static const char pad[4];
	void *p;
	int ret;

	if (ds->shm_perm.mode & SHM_DEST) {
		pr_err("SysV shm segment %d is marked for removal: not supported yet\n", id);
		return -EOPNOTSUPP;
	}
	d.key = ds->shm_perm.__key;
	d.uid = ds->shm_perm.uid;
	d.gid = ds->shm_perm.gid;
	d.cuid = ds->shm_perm.cuid;
	d.cgid = ds->shm_perm.cgid;
	d.mode = ds->shm_perm.mode;
	d.id = id;
	e.desc = &d;
	e.size = ds->shm_segsz;
	p = shmat(id, NULL, SHM_RDONLY);
	if (p == (void *)-1) {
		pr_perror("Can't attach SysV shm segment %d to read it", id);
		return -errno;
	}
	ret = pb_write_one(img, &e.base);
	ret = ret ?: img_write_buf(img, p, e.size);
	if (!ret && e.size % 4)
		ret = img_write_buf(img, pad, 4 - e.size % 4);
	shmdt(p);
	pr_info("SysV shm segment %d (key %#x, %" PRIu64 " bytes) saved\n", id, d.key, e.size);
	return ret;
}

static bool created_in_tree(const struct dump_tree *dt, pid_t cpid)
{
	size_t i;

	for (i = 0; i < dt->nr_tasks; i++)
		if (dt->tasks[i]->pid == cpid)
			return true;
	return false;
}

/* One segment of /proc/sysvipc/shm: is it ours to save? */
static int dump_one_segment(struct dump_tree *dt, struct cr_img **img,
			    const struct proc_sysv_shm *seg)
{
	struct shmid_ds ds;

	if (!created_in_tree(dt, seg->cpid) &&
	    !attached(files_dump_priv_find(&dt->fstate, &sysv_dump_key), seg->id))
		return 0;
	if (shmctl(seg->id, IPC_STAT, &ds) < 0) {
		pr_perror("Can't stat SysV shm segment %d", seg->id);
		return -errno;
	}
	if (!*img) {
		*img = open_image_at(dt->dfd, CR_FD_IPCNS_SHM, O_DUMP, SYSV_NS_ID);
		if (!*img)
			return -EIO;
	}
	return write_segment(*img, seg->id, &ds);
}

int write_sysv_shm(struct dump_tree *dt)
{
	struct proc_sysv_shm *segs;
	struct cr_img *img = NULL;
	size_t nr, i;
	int ret;

	ret = parse_proc_sysvipc_shm(&segs, &nr);
	if (ret)
		return ret;
	for (i = 0; !ret && i < nr; i++)
		ret = dump_one_segment(dt, &img, &segs[i]);
	free(segs);
	if (img)
		ret = close_image(img) ?: ret;
	return ret;
}

/* ---- restore, in the forked task before its memory is premapped ---- */

static int set_next_id(int id)
{
	int fd = open("/proc/sys/kernel/shm_next_id", O_WRONLY | O_CLOEXEC);
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", id);

	if (fd < 0 || write(fd, buf, len) != len) {
		pr_perror("Can't ask for SysV shm id %d through shm_next_id", id);
		if (fd >= 0)
			close(fd);
		return -EPERM;
	}
	close(fd);
	return 0;
}

/* The segment with the dumped id and key: the one still there, or a new one. */
static int get_segment(const IpcDescEntry *d, uint64_t size, bool *made)
{
	struct shmid_ds ds;
	int id;

	*made = false;
	if (shmctl(d->id, IPC_STAT, &ds) == 0) {
		if ((uint32_t)ds.shm_perm.__key == d->key && ds.shm_segsz == size)
			return 0;
		pr_err("SysV shm id %u is taken by another segment (key %#x, %zu bytes)\n", d->id,
		       (unsigned int)ds.shm_perm.__key, (size_t)ds.shm_segsz);
		return -EEXIST;
	}
	if (set_next_id(d->id))
		return -EPERM;
	id = shmget(d->key, size, (d->mode & 0777) | IPC_CREAT | IPC_EXCL);
	if (id < 0) {
		pr_perror("Can't create SysV shm segment %u (key %#x)", d->id, d->key);
		return -errno;
	}
	*made = true;
	if ((uint32_t)id != d->id) {
		pr_err("SysV shm segment %u came back as id %d\n", d->id, id);
		shmctl(id, IPC_RMID, NULL);
		return -EBUSY;
	}
	return 0;
}

static int fill_segment(struct cr_img *img, const IpcShmEntry *e)
{
	const IpcDescEntry *d = e->desc;
	struct shmid_ds ds = {};
	char pad[4];
	void *p;
	int ret;

	p = shmat(d->id, NULL, 0);
	if (p == (void *)-1) {
		pr_perror("Can't attach SysV shm segment %u to fill it", d->id);
		return -errno;
	}
	ret = img_read_buf(img, p, e->size);
	shmdt(p);
	if (!ret && e->size % 4)
		ret = img_read_buf(img, pad, 4 - e->size % 4);
	ds.shm_perm.uid = d->uid;
	ds.shm_perm.gid = d->gid;
	ds.shm_perm.mode = d->mode & 0777;
	if (!ret && shmctl(d->id, IPC_SET, &ds)) {
		pr_perror("Can't set the owner and mode of SysV shm segment %u", d->id);
		ret = -errno;
	}
	return ret;
}

static int restore_segment(struct cr_img *img, const IpcShmEntry *e)
{
	bool made;
	int ret;

	if (!e->desc || (e->has_in_pagemaps && e->in_pagemaps)) {
		pr_err("%s: only segments with their bytes inline are supported\n", img_path(img));
		return -EOPNOTSUPP;
	}
	ret = get_segment(e->desc, e->size, &made);
	ret = ret ?: fill_segment(img, e);
	if (ret && made)
		shmctl(e->desc->id, IPC_RMID, NULL);
	if (!ret)
		pr_info("SysV shm segment %u %s\n", e->desc->id, made ? "created" : "reused");
	return ret;
}

int rst_sysv_shm(const struct rst_ctx *ctx)
{
	struct cr_img *img;
	IpcShmEntry *e;
	int ret;

	img = open_image_optional(ctx->dfd, CR_FD_IPCNS_SHM, SYSV_NS_ID);
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &ipc_shm_entry__descriptor, (ProtobufCMessage **)&e)) >
	       0) {
		ret = restore_segment(img, e);
		protobuf_c_message_free_unpacked(&e->base, NULL);
		if (ret)
			break;
	}
	close_image(img);
	return ret;
}

/* Attach the segment anywhere; the restorer moves it to v->start. */
int rst_sysv_premap(const VmaEntry *v, struct rst_vma *rv)
{
	int flags = (v->prot & PROT_WRITE) ? 0 : SHM_RDONLY;
	void *p;

	if (v->prot & PROT_EXEC)
		flags |= SHM_EXEC;
	p = shmat(v->shmid, NULL, flags);
	if (p == (void *)-1) {
		pr_perror("Can't attach SysV shm segment %u for %#lx", (unsigned int)v->shmid,
			  (unsigned long)v->start);
		return -errno;
	}
	rv->kind = RST_VMA_PREMAPPED;
	rv->premap = (uint64_t)(unsigned long)p;
	return 0;
}

bool vma_is_sysv_shm(const struct proc_vma *pv)
{
	return pv->path && pv->shared && pv->deleted && !strncmp(pv->path, "/SYSV", 5);
}
