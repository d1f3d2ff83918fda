/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/memfd.c - memfds. The open file (memfd_file_entry in files.img: flags, position)
 * points at its inode (memfd_inode_entry in memfd.img: name, size, seals), saved once
 * however many open files share it. The content is kept as shared memory is: present
 * pages listed in pagemap-shmem-SHMID.img, their bytes in pages-ID.img, holes left out.
 * Restore makes the memfd once, refills it, seals it, and opens it again for any other
 * open file of the same inode (through /proc/self/fd, which gives a new open file).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "hugetlb.h"
#include "image.h"
#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "tree.h"
#include "vma-status.h"
#include "mem.h"

#include "memfd.pb-c.h"
#include "pagemap.pb-c.h"
#include "pagemap-flags.h"

#define MEMFD_PAGE 4096ULL
/* pages-N.img ids of memfd contents: clear of the ids tasks' own pages use */
#define MEMFD_PAGES_ID_BASE 0x10000

struct memfd_seen {
	dev_t dev;
	ino_t ino;
	uint32_t inode_id;
};

struct memfd_made {
	uint32_t inode_id;
	int fd; /* held, O_RDWR */
	bool given;
};

/* The dump's: memfd.img, opened on first use, and the inodes saved in it. */
struct memfd_dump {
	struct cr_img *inodes;
	struct memfd_seen *seen;
	size_t nr_seen;
};

/* A task's restore: the memfds made, held for the other fds of them. */
struct memfd_rst {
	struct memfd_made *made;
	size_t nr_made;
};

static int memfd_dump_close(struct files_dump_state *fs, void *priv)
{
	struct memfd_dump *md = priv;
	int ret = close_image(md->inodes);

	md->inodes = NULL;
	return ret;
}

static void memfd_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct memfd_dump *md = priv;

	memfd_dump_close(fs, md);
	free(md->seen);
}

static const struct files_dump_key memfd_dump_key = {
	.name = "memfds",
	.size = sizeof(struct memfd_dump),
	.close = memfd_dump_close,
	.fini = memfd_dump_fini,
};

static void memfd_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct memfd_rst *mr = priv;
	size_t i;

	for (i = 0; i < mr->nr_made; i++)
		if (mr->made[i].fd >= 0)
			close(mr->made[i].fd);
	free(mr->made);
}

static const struct rst_fds_key memfd_rst_key = {
	.name = "memfds",
	.size = sizeof(struct memfd_rst),
	.fini = memfd_rst_fini,
};

static bool memfd_match(const struct fd_parms *p)
{
	return S_ISREG(p->st.st_mode) && !strncmp(p->link, "/memfd:", 7) && p->st.st_nlink == 0 &&
	       !(p->flags & O_PATH);
}

/* One pagemap entry and its bytes per data extent, rounded out to whole pages. */
static int write_content(struct cr_img *pm, struct cr_img *pages, int fd, uint64_t size,
			 struct dump_stats *st)
{
	char *buf = malloc(MEMFD_PAGE);
	off_t data, hole = 0;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (!ret && (uint64_t)hole < size && (data = lseek(fd, hole, SEEK_DATA)) >= 0) {
		PagemapEntry pe = PAGEMAP_ENTRY__INIT;
		uint64_t off;

		data &= ~(MEMFD_PAGE - 1);
		hole = lseek(fd, data, SEEK_HOLE);
		hole = (hole + MEMFD_PAGE - 1) & ~(MEMFD_PAGE - 1);
		pe.vaddr = data;
		pagemap_set_nr_pages(&pe, (hole - data) / MEMFD_PAGE);
		pe.has_flags = 1;
		pe.flags = PE_PRESENT;
		ret = pb_write_one(pm, &pe.base);
		for (off = data; !ret && off < (uint64_t)hole; off += MEMFD_PAGE) {
			memset(buf, 0, MEMFD_PAGE);
			if (pread(fd, buf, MEMFD_PAGE, off) < 0) {
				pr_perror("Can't read a memfd at %" PRIu64, off);
				ret = -EIO;
			}
			ret = ret ?: img_write_buf(pages, buf, MEMFD_PAGE);
			st->shpages_written += !ret;
		}
	}
	free(buf);
	return ret;
}

int shmem_dump_content(struct dump_ctx *dc, int fd, uint32_t shmid, uint64_t size)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	int64_t huge = hugetlb_fd_page_size(fd);
	struct cr_img *pm, *pages;
	int ret;

	if (huge < 0)
		return (int)huge;
	head.pages_id = MEMFD_PAGES_ID_BASE + shmid;
	pm = open_image_at(dc->dfd, CR_FD_SHMEM_PAGEMAP, O_DUMP, shmid);
	pages = open_image_at(dc->dfd, CR_FD_PAGES, O_DUMP, head.pages_id);
	ret = (pm && pages) ? pb_write_one(pm, &head.base) : -EIO;
	/* stats-dump's shpages: every page of the object looked at, those with data written */
	dc->stats.shpages_scanned += (size + MEMFD_PAGE - 1) / MEMFD_PAGE;
	if (huge)
		ret = ret ?: hugetlb_write_content(pm, pages, fd, size, &dc->stats);
	else
		ret = ret ?: write_content(pm, pages, fd, size, &dc->stats);
	if (pages)
		ret = close_image(pages) ?: ret;
	if (pm)
		ret = close_image(pm) ?: ret;
	return ret;
}

/* src: a /proc link to read a mapped memfd through, or NULL for the fd in p */
static int write_inode(struct dump_ctx *dc, const struct fd_parms *p, const char *src,
		       uint32_t inode_id)
{
	MemfdInodeEntry ie = MEMFD_INODE_ENTRY__INIT;
	struct memfd_dump *md = files_dump_priv_find(dc->fstate, &memfd_dump_key);
	char *name = link_path(p->link + 7);
	int fd, seals, ret;
	int64_t huge;

	fd = src ? open(src, O_RDONLY | O_CLOEXEC) : open_proc_fd(p, O_RDONLY);
	if (src && fd < 0) {
		fd = -errno;
		pr_perror("Can't open the memfd behind %s", src);
	}
	if (fd < 0 || !name) {
		free(name);
		return fd < 0 ? fd : -ENOMEM;
	}
	seals = fcntl(fd, F_GET_SEALS);
	ie.name = name;
	ie.uid = p->st.st_uid;
	ie.gid = p->st.st_gid;
	ie.has_mode = 1;
	ie.mode = p->st.st_mode & 07777;
	ie.size = p->st.st_size;
	ie.shmid = inode_id;
	ie.seals = seals < 0 ? 0 : seals;
	ie.inode_id = inode_id;
	huge = hugetlb_fd_page_size(fd);
	if (huge > 0) {
		ie.has_hugetlb_flag = 1;
		ie.hugetlb_flag = MFD_HUGETLB | hugetlb_size_flag(huge);
	}
	ret = huge < 0 ? (int)huge : shmem_dump_content(dc, fd, inode_id, ie.size);
	close(fd);
	if (!ret && !md->inodes) {
		md->inodes = open_image_at(dc->dfd, CR_FD_MEMFD_INODE, O_DUMP, 0);
		if (!md->inodes)
			ret = -EIO;
	}
	ret = ret ?: pb_write_one(md->inodes, &ie.base);
	free(name);
	return ret;
}

static int memfd_inode_id(struct dump_ctx *dc, const struct fd_parms *p, const char *src,
			  uint32_t *id)
{
	struct memfd_dump *md = files_dump_priv(dc->fstate, &memfd_dump_key);
	size_t i;

	if (!md)
		return -ENOMEM;
	for (i = 0; i < md->nr_seen; i++) {
		if (md->seen[i].dev == p->st.st_dev && md->seen[i].ino == p->st.st_ino) {
			*id = md->seen[i].inode_id;
			return 0;
		}
	}
	if (ARRAY_ADD_ROOM(md->seen, md->nr_seen))
		return -ENOMEM;
	*id = ++dc->fstate->next_shmid;
	md->seen[md->nr_seen++] = (struct memfd_seen){ p->st.st_dev, p->st.st_ino, *id };
	return write_inode(dc, p, src, *id);
}

static int dump_memfd_entry(struct dump_ctx *dc, const struct fd_parms *p, const char *src,
			    FileEntry *fe)
{
	MemfdFileEntry *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	memfd_file_entry__init(m);
	fe->memfd = m;
	m->fown = p->fown;
	m->id = fe->id;
	m->flags = p->flags;
	m->pos = p->pos;
	return memfd_inode_id(dc, p, src, &m->inode_id);
}

static int memfd_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	return dump_memfd_entry(dc, p, NULL, fe);
}

int dump_memfd_mapping(struct dump_ctx *dc, const char *src, const char *path,
		       const struct stat *st, uint32_t flags, uint32_t *file_id)
{
	struct fd_parms p = { .pid = dc->pid, .fd = -1, .link = path, .st = *st, .flags = flags };
	FileEntry *fe = files_new(dc->files, FD_TYPES__MEMFD);

	if (!fe)
		return -ENOMEM;
	p.fown = calloc(1, sizeof(*p.fown));
	if (!p.fown)
		return -ENOMEM;
	fown_entry__init(p.fown);
	*file_id = fe->id;
	return dump_memfd_entry(dc, &p, src, fe);
}

static FownEntry *memfd_fown(const FileEntry *fe)
{
	return fe->memfd ? fe->memfd->fown : NULL;
}

/* ---- restore ---- */

static int memfd_check(const FileEntry *fe)
{
	if (!fe->memfd || fe->memfd->id != fe->id) {
		pr_err("files.img: file id %u has a bad memfd entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int find_inode(struct rst_fds *rf, uint32_t inode_id, MemfdInodeEntry **out)
{
	struct cr_img *img = open_image_at(rst_images_dfd(rf), CR_FD_MEMFD_INODE, O_RSTR, 0);
	MemfdInodeEntry *ie;
	int ret;

	if (!img)
		return -EIO;
	while ((ret = pb_read_one_eof(img, &memfd_inode_entry__descriptor,
				      (ProtobufCMessage **)&ie)) > 0) {
		if (ie->inode_id == inode_id) {
			*out = ie;
			break;
		}
		protobuf_c_message_free_unpacked(&ie->base, NULL);
	}
	close_image(img);
	if (ret == 0)
		pr_err("memfd.img: no memfd inode %u\n", inode_id);
	return ret > 0 ? 0 : (ret ?: -ENOENT);
}

static int fill_pages(struct cr_img *pm, struct cr_img *pages, int fd, uint64_t size)
{
	char *buf = malloc(MEMFD_PAGE);
	PagemapEntry *pe;
	int ret;

	if (!buf)
		return -ENOMEM;
	while ((ret = pb_read_one_eof(pm, &pagemap_entry__descriptor, (ProtobufCMessage **)&pe)) >
	       0) {
		uint64_t off = pe->vaddr, end = pe->vaddr + pagemap_nr_pages(pe) * MEMFD_PAGE;

		protobuf_c_message_free_unpacked(&pe->base, NULL);
		for (ret = 0; !ret && off < end; off += MEMFD_PAGE) {
			uint64_t len = off + MEMFD_PAGE > size ? size - off : MEMFD_PAGE;

			ret = img_read_buf(pages, buf, MEMFD_PAGE);
			if (!ret && off < size && pwrite(fd, buf, len, off) != (ssize_t)len) {
				pr_perror("Can't refill a memfd at %" PRIu64, off);
				ret = -EIO;
			}
		}
		if (ret)
			break;
	}
	free(buf);
	return ret;
}

int shmem_fill(int dfd, int fd, uint32_t shmid, uint64_t size)
{
	PagemapHead *head = NULL;
	struct cr_img *pm, *pages = NULL;
	int64_t huge = hugetlb_fd_page_size(fd);
	int ret;

	if (huge < 0)
		return (int)huge;
	pm = open_image_at(dfd, CR_FD_SHMEM_PAGEMAP, O_RSTR, shmid);
	if (!pm)
		return -EIO;
	ret = pb_read_one(pm, &pagemap_head__descriptor, (ProtobufCMessage **)&head);
	if (!ret) {
		pages = open_image_at(dfd, CR_FD_PAGES, O_RSTR, head->pages_id);
		/* hugetlbfs has no write(): its pages are filled through a mapping */
		if (!pages)
			ret = -EIO;
		else
			ret = huge ? hugetlb_fill(pm, pages, fd, size)
				   : fill_pages(pm, pages, fd, size);
	}
	if (head)
		protobuf_c_message_free_unpacked(&head->base, NULL);
	close_image(pages);
	close_image(pm);
	return ret;
}

static int refill_memfd(struct rst_fds *rf, int fd, const MemfdInodeEntry *ie)
{
	return shmem_fill(rst_images_dfd(rf), fd, ie->shmid, ie->size);
}

/* An ancestor made the memfd for every task that uses it: a new open file of it. */
static int open_shared_memfd(struct rst_fds *rf, uint32_t inode_id, struct memfd_made *mm)
{
	int fd = rst_shared_open(RST_SHARED_MEMFD, inode_id, O_RDWR);

	if (fd < 0)
		return fd;
	mm->inode_id = inode_id;
	mm->given = false;
	mm->fd = rst_hold_fd(rf, fd);
	return mm->fd < 0 ? mm->fd : 0;
}

static int make_memfd(struct rst_fds *rf, uint32_t inode_id, struct memfd_made *mm)
{
	MemfdInodeEntry *ie = NULL;
	int fd, ret;

	ret = open_shared_memfd(rf, inode_id, mm);
	if (ret != -ENOENT)
		return ret;
	ret = find_inode(rf, inode_id, &ie);
	if (ret)
		return ret;
	if (ie->has_hugetlb_flag && ie->hugetlb_flag & ~(MFD_HUGETLB | HUGETLB_SIZE_BITS)) {
		pr_err("memfd.img: memfd %s has hugetlb flags %#x\n", ie->name, ie->hugetlb_flag);
		ret = -EINVAL;
		goto out_free;
	}
	fd = memfd_create(ie->name, MFD_CLOEXEC | MFD_ALLOW_SEALING |
					    (ie->has_hugetlb_flag ? ie->hugetlb_flag : 0));
	if (fd < 0) {
		ret = -errno;
		pr_perror("Can't create memfd %s (hugetlb flags %#x)", ie->name,
			  ie->has_hugetlb_flag ? ie->hugetlb_flag : 0);
		goto out_free;
	}
	if (ftruncate(fd, ie->size)) {
		ret = -errno;
		pr_perror("Can't size memfd %s to %" PRIu64, ie->name, ie->size);
	}
	/* the mode after the owner (which clears set-id bits), before the seals (F_SEAL_EXEC) */
	if (!ret && rst_ns_fchown_mode(fd, ie->uid, ie->gid, ie->has_mode ? (int)ie->mode : -1)) {
		ret = -errno;
		pr_perror("Can't give memfd %s owner %u:%u and mode %o", ie->name, ie->uid, ie->gid,
			  ie->mode);
	}
	ret = ret ?: refill_memfd(rf, fd, ie);
	if (!ret && ie->seals && fcntl(fd, F_ADD_SEALS, ie->seals)) {
		ret = -errno;
		pr_perror("Can't seal memfd %s with %#x", ie->name, ie->seals);
	}
	mm->inode_id = inode_id;
	mm->given = false;
	mm->fd = rst_hold_fd(rf, fd);
	if (mm->fd < 0)
		ret = ret ?: mm->fd;
out_free:
	protobuf_c_message_free_unpacked(&ie->base, NULL);
	return ret;
}

static struct memfd_made *get_memfd(struct rst_fds *rf, uint32_t inode_id, int *err)
{
	struct memfd_rst *mr = rst_fds_priv(rf, &memfd_rst_key);
	struct memfd_made *n;
	size_t i;

	for (i = 0; mr && i < mr->nr_made; i++)
		if (mr->made[i].inode_id == inode_id)
			return &mr->made[i];
	if (!mr || ARRAY_ADD_ROOM(mr->made, mr->nr_made)) {
		*err = -ENOMEM;
		return NULL;
	}
	n = &mr->made[mr->nr_made++];
	n->fd = -1;
	*err = make_memfd(rf, inode_id, n);
	return *err ? NULL : n;
}

static int memfd_open(struct rst_fds *rf, const FileEntry *fe)
{
	const MemfdFileEntry *m = fe->memfd;
	struct memfd_made *mm;
	char path[32];
	int fd, err = 0;

	mm = get_memfd(rf, m->inode_id, &err);
	if (!mm)
		return err;
	if (!mm->given && (m->flags & O_ACCMODE) == O_RDWR) {
		mm->given = true;
		fd = fcntl(mm->fd, F_DUPFD_CLOEXEC, 0);
	} else {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", mm->fd);
		fd = open(path, (m->flags & O_ACCMODE) | O_CLOEXEC);
	}
	if (fd < 0) {
		pr_perror("Can't open memfd file id %u", fe->id);
		return -errno;
	}
	if (rst_set_fl(fd, m->flags, "memfd") ||
	    (m->pos && lseek(fd, m->pos, SEEK_SET) != (off_t)m->pos)) {
		pr_err("Can't set the flags or position of memfd file id %u\n", fe->id);
		close(fd);
		return -EIO;
	}
	return fd;
}

const struct fd_handler memfd_handler = {
	.type = FD_TYPES__MEMFD,
	.name = "memfd",
	.match = memfd_match,
	.dump = memfd_dump,
	.check = memfd_check,
	.open = memfd_open,
	.fown = memfd_fown,
};

/* ---- restore of memfd mappings: one memfd per inode in the task, fds and VMAs alike ---- */

struct memfd_map {
	uint32_t inode_id;
	int fd; /* O_RDWR, held until the VMAs are mapped */
};

static struct memfd_map *memfd_maps;
static size_t nr_memfd_maps;

/* An fd the task has on the same memfd inode (restored before its memory), or -ENOENT. */
static int task_memfd_fd(const struct rst_ctx *ctx, uint32_t inode_id)
{
	pid_t me = rst_own_pid();
	size_t i, j;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *t = &ctx->tasks[i];

		for (j = 0; t->pid == me && j < t->nr_fds; j++) {
			const FileEntry *fe = rst_find_file(ctx, t->fds[j]->id);

			if (fe && fe->type == FD_TYPES__MEMFD && fe->memfd->inode_id == inode_id)
				return t->fds[j]->fd;
		}
	}
	return -ENOENT;
}

/* The memfd made anew, with its content and seals, held for the other VMAs of it. */
static int make_mapped_memfd(const struct rst_ctx *ctx, const FileEntry *fe)
{
	struct rst_fds rf = { .ctx = ctx };
	struct memfd_made *mm;
	int fd, err = 0;

	mm = get_memfd(&rf, fe->memfd->inode_id, &err);
	fd = mm ? fcntl(mm->fd, F_DUPFD_CLOEXEC, 0) : err;
	if (mm && fd < 0)
		fd = -errno;
	rst_fds_fini(&rf, fd < 0);
	if (fd < 0)
		return fd;
	if (ARRAY_ADD_ROOM(memfd_maps, nr_memfd_maps)) {
		close(fd);
		return -ENOMEM;
	}
	memfd_maps[nr_memfd_maps++] = (struct memfd_map){ fe->memfd->inode_id, fd };
	return fd;
}

int rst_open_memfd_mapping(const struct rst_ctx *ctx, const FileEntry *fe, int flags,
			   const char *what)
{
	char path[32];
	int src = -ENOENT, fd;
	size_t i;

	for (i = 0; i < nr_memfd_maps && src < 0; i++)
		if (memfd_maps[i].inode_id == fe->memfd->inode_id)
			src = memfd_maps[i].fd;
	if (src < 0)
		src = task_memfd_fd(ctx, fe->memfd->inode_id);
	if (src < 0)
		src = make_mapped_memfd(ctx, fe);
	if (src < 0)
		return src;
	/* a new open file of the same memfd, with the access the mapping needs */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", src);
	fd = open(path, (flags & O_ACCMODE) | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("%s: can't open memfd file id %u again", what, fe->id);
		return -errno;
	}
	return fd;
}

/* ---- memfds used by several tasks: made once, by their common ancestor ---- */

static bool is_memfd(const FileEntry *fe)
{
	return fe->type == FD_TYPES__MEMFD && fe->memfd;
}

static bool uses_inode(const struct rst_ctx *ctx, const struct rst_task *t, uint32_t inode)
{
	const FileEntry *fe;
	size_t i;

	for (i = 0; i < t->nr_fds; i++) {
		fe = rst_find_file(ctx, t->fds[i]->id);
		if (fe && is_memfd(fe) && fe->memfd->inode_id == inode)
			return true;
	}
	for (i = 0; t->mm && i < t->mm->n_vmas; i++) {
		if (!(t->mm->vmas[i]->status & VMA_AREA_MEMFD))
			continue;
		fe = rst_find_file(ctx, t->mm->vmas[i]->shmid);
		if (fe && is_memfd(fe) && fe->memfd->inode_id == inode)
			return true;
	}
	return false;
}

/* Is files[pos] the first memfd file of its inode? Each inode is looked at once. */
static bool first_of_inode(const struct rst_ctx *ctx, size_t pos)
{
	size_t i;

	for (i = 0; i < pos; i++)
		if (is_memfd(ctx->files[i]) &&
		    ctx->files[i]->memfd->inode_id == ctx->files[pos]->memfd->inode_id)
			return false;
	return true;
}

bool rst_memfd_next_shared(const struct rst_ctx *ctx, const struct rst_task *t, size_t *pos,
			   uint32_t *inode)
{
	for (; ctx->nr_tasks > 1 && *pos < ctx->nr_files; (*pos)++) {
		const FileEntry *fe = ctx->files[*pos];
		pid_t owner = 0;
		size_t i, nr = 0;

		if (!is_memfd(fe) || !first_of_inode(ctx, *pos))
			continue;
		for (i = 0; i < ctx->nr_tasks; i++) {
			if (!uses_inode(ctx, &ctx->tasks[i], fe->memfd->inode_id))
				continue;
			nr++;
			owner = rst_common_ancestor(ctx, owner, ctx->tasks[i].pid);
		}
		if (nr > 1 && owner == t->pid) {
			*inode = fe->memfd->inode_id;
			(*pos)++;
			return true;
		}
	}
	return false;
}

int rst_memfd_make(const struct rst_ctx *ctx, uint32_t inode_id)
{
	struct rst_fds rf = { .ctx = ctx };
	struct memfd_made *mm;
	int fd, err = 0;

	mm = get_memfd(&rf, inode_id, &err);
	fd = mm ? fcntl(mm->fd, F_DUPFD_CLOEXEC, 0) : err;
	if (mm && fd < 0) {
		fd = -errno;
		pr_perror("Can't copy the fd of memfd inode %u", inode_id);
	}
	rst_fds_fini(&rf, fd < 0);
	return fd;
}

void rst_memfd_maps_fini(void)
{
	size_t i;

	for (i = 0; i < nr_memfd_maps; i++)
		close(memfd_maps[i].fd);
	free(memfd_maps);
	memfd_maps = NULL;
	nr_memfd_maps = 0;
}
