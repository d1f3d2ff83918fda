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
 *
 * A segment made with SHM_HUGETLB has hugetlb_flag (SHM_HUGETLB and its page size, as CRIU
 * writes it) and is made again with it; its bytes are read through its hugetlbfs file,
 * which gives zeros for the pages it does not hold without allocating them, and a new one
 * gets only its pages that hold data (hugetlb.h).
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
#include "hugetlb.h"
#include "image.h"
#include "log.h"
#include "proc-parse.h"
#include "restore-ctx.h"
#include "abi/restorer.h"
#include "vma-status.h"
#include "mem.h"
#include "ns.h"

#include "ipc-shm.pb-c.h"

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
	uint64_t size;
	struct shmid_ds ds;
	int id = (int)pv->ino;

	if (shmctl(id, IPC_STAT, &ds) < 0) {
		pr_perror("Can't stat SysV shm segment %d, mapped at %llx", id,
			  (unsigned long long)pv->start);
		return -errno;
	}
	size = page_round(ds.shm_segsz);
	/* a hugetlb segment is attached by whole huge pages */
	if (pv->vmflags & PROC_VMF_HUGETLB)
		size = (ds.shm_segsz + pv->page_size - 1) & ~(pv->page_size - 1);
	if (pv->pgoff || pv->end - pv->start != size) {
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

/*
 * The file behind the attach at p, opened, in *fd; returns its huge page size, 0 if it is
 * not hugetlb memory, or -errno.
 */
static int64_t attach_file(const void *p, int *fd)
{
	struct proc_vma_list maps;
	char link[96] = "";
	int64_t ret;
	size_t i;

	*fd = -1;
	ret = parse_proc_maps(0, &maps);
	for (i = 0; !ret && i < maps.nr; i++)
		if (maps.vmas[i].start == (uint64_t)(unsigned long)p)
			snprintf(link, sizeof(link), "/proc/self/map_files/%llx-%llx",
				 (unsigned long long)maps.vmas[i].start,
				 (unsigned long long)maps.vmas[i].end);
	if (!ret)
		free_proc_vma_list(&maps);
	if (ret || !link[0]) {
		pr_err("Can't find the attach of a SysV shm segment at %p in criu's maps\n", p);
		return ret ?: -ENOENT;
	}
	*fd = rst_ns_open_map_file(link, O_RDONLY);
	if (*fd < 0) {
		pr_perror("Can't open the SysV shm segment behind %s", link);
		return -errno;
	}
	ret = hugetlb_fd_page_size(*fd);
	if (ret < 0) {
		close(*fd);
		*fd = -1;
	}
	return ret;
}

/* size bytes of a hugetlbfs file into img, read (zeros for the pages it does not hold) */
static int copy_huge_segment(struct cr_img *img, int fd, uint64_t size)
{
	const size_t chunk = 2 << 20;
	char *buf = malloc(chunk);
	uint64_t off;
	ssize_t n;
	int ret = buf ? 0 : -ENOMEM;

	for (off = 0; !ret && off < size; off += n) {
		n = pread(fd, buf, size - off < chunk ? size - off : chunk, off);
		if (n <= 0) {
			pr_perror("Can't read a hugetlb SysV shm segment at %" PRIu64, off);
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		ret = img_write_buf(img, buf, n);
	}
	free(buf);
	return ret;
}

static int write_segment(struct cr_img *img, int id, const struct shmid_ds *ds)
{
	IpcShmEntry e = IPC_SHM_ENTRY__INIT;
	IpcDescEntry d = IPC_DESC_ENTRY__INIT;
	static const char pad[4];
	int64_t huge;
	void *p;
	int ret, fd;

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
	huge = attach_file(p, &fd);
	if (huge > 0) {
		e.has_hugetlb_flag = 1;
		e.hugetlb_flag = SHM_HUGETLB | hugetlb_size_flag(huge);
	}
	ret = huge < 0 ? (int)huge : pb_write_one(img, &e.base);
	/* through the file: reading a hugetlb attach would allocate the pages it reads */
	if (!ret)
		ret = huge ? copy_huge_segment(img, fd, e.size) : img_write_buf(img, p, e.size);
	if (!ret && e.size % 4)
		ret = img_write_buf(img, pad, 4 - e.size % 4);
	if (fd >= 0)
		close(fd);
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

	/* a namespace of the tree's own: all of it is the tree's */
	if (!ns_dump_own_ipc(dt) && !created_in_tree(dt, seg->cpid) &&
	    !attached(files_dump_priv_find(&dt->fstate, &sysv_dump_key), seg->id))
		return 0;
	if (shmctl(seg->id, IPC_STAT, &ds) < 0) {
		pr_perror("Can't stat SysV shm segment %d", seg->id);
		return -errno;
	}
	if (!*img) {
		*img = open_image_at(dt->dfd, CR_FD_IPCNS_SHM, O_DUMP, ns_dump_ipc_id(dt));
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

/*
 * A new segment with the dumped id. The dumped tree's own ipc namespace, killed by the dump,
 * is freed by a kernel worker some time later: until then its hugetlb segments hold their
 * pages, and a new one can find the pool empty. Such an ENOMEM is waited out, a while.
 */
#define HUGE_WAIT_TRIES 100
#define HUGE_WAIT_US	20000

static int make_segment(const IpcDescEntry *d, uint64_t size, uint32_t huge)
{
	int id, tries = 0;

	do {
		if (set_next_id(d->id))
			return -EPERM;
		id = shmget(d->key, size, (d->mode & 0777) | IPC_CREAT | IPC_EXCL | huge);
	} while (id < 0 && errno == ENOMEM && huge && ++tries < HUGE_WAIT_TRIES &&
		 !usleep(HUGE_WAIT_US));
	if (id >= 0)
		return id;
	pr_perror("Can't create SysV shm segment %u (key %#x, hugetlb flags %#x)", d->id, d->key,
		  huge);
	return -errno;
}

/* The segment with the dumped id and key: the one still there, or a new one. */
static int get_segment(const IpcDescEntry *d, uint64_t size, uint32_t huge, bool *made)
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
	id = make_segment(d, size, huge);
	if (id < 0)
		return id;
	*made = true;
	if ((uint32_t)id != d->id) {
		pr_err("SysV shm segment %u came back as id %d\n", d->id, id);
		shmctl(id, IPC_RMID, NULL);
		return -EBUSY;
	}
	return 0;
}

/* Only the pages with data into a new hugetlb segment: the others stay unallocated. */
static int fill_new_huge(struct cr_img *img, unsigned char *p, uint64_t size)
{
	static const unsigned char zero[RST_PAGE_SIZE];
	const size_t chunk = 2 << 20;
	unsigned char *buf = malloc(chunk);
	uint64_t off, k, len;
	int ret = buf ? 0 : -ENOMEM;

	for (off = 0; !ret && off < size; off += len) {
		len = size - off < chunk ? size - off : chunk;
		ret = img_read_buf(img, buf, len);
		for (k = 0; !ret && k < len; k += RST_PAGE_SIZE) {
			uint64_t n = len - k < RST_PAGE_SIZE ? len - k : RST_PAGE_SIZE;

			if (memcmp(buf + k, zero, n))
				memcpy(p + off + k, buf + k, n);
		}
	}
	free(buf);
	return ret;
}

/* The segment attached at p must be of the dumped page size: a reused one may not be. */
static int check_page_size(const IpcShmEntry *e, const void *p)
{
	uint32_t want = e->has_hugetlb_flag ? e->hugetlb_flag & HUGETLB_SIZE_BITS : 0;
	int64_t huge;
	int fd;

	huge = attach_file(p, &fd);
	if (fd >= 0)
		close(fd);
	if (huge < 0)
		return (int)huge;
	if ((e->has_hugetlb_flag && (e->hugetlb_flag & SHM_HUGETLB)) != !!huge ||
	    (huge && want && hugetlb_size_flag(huge) != want)) {
		pr_err("SysV shm segment %u has pages of %lld bytes (0: not hugetlb), not those "
		       "of the dumped one (hugetlb flags %#x)\n",
		       e->desc->id, (long long)huge, e->has_hugetlb_flag ? e->hugetlb_flag : 0);
		return -EEXIST;
	}
	return 0;
}

static int fill_segment(struct cr_img *img, const IpcShmEntry *e, bool made)
{
	const IpcDescEntry *d = e->desc;
	bool huge = e->has_hugetlb_flag && (e->hugetlb_flag & SHM_HUGETLB);
	struct shmid_ds ds = {};
	char pad[4];
	void *p;
	int ret;

	p = shmat(d->id, NULL, 0);
	if (p == (void *)-1) {
		pr_perror("Can't attach SysV shm segment %u to fill it", d->id);
		return -errno;
	}
	ret = check_page_size(e, p);
	/* a segment still there may hold other data: all of it is written then */
	if (!ret)
		ret = huge && made ? fill_new_huge(img, p, e->size) : img_read_buf(img, p, e->size);
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
	if (e->has_hugetlb_flag &&
	    (e->hugetlb_flag & ~(SHM_HUGETLB | HUGETLB_SIZE_BITS) ||
	     ((e->hugetlb_flag & SHM_HUGETLB) &&
	      !hugetlb_size_supported(hugetlb_flag_page_size(e->hugetlb_flag))))) {
		pr_err("%s: SysV shm segment %u has hugetlb flags %#x, for pages this kernel does "
		       "not have\n",
		       img_path(img), e->desc->id, e->hugetlb_flag);
		return -EOPNOTSUPP;
	}
	ret = get_segment(e->desc, e->size, e->has_hugetlb_flag ? e->hugetlb_flag : 0, &made);
	ret = ret ?: fill_segment(img, e, made);
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

	img = open_image_optional(ctx->dfd, CR_FD_IPCNS_SHM, rst_ns_ipc_id(ctx));
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
