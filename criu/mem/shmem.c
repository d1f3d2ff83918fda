/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/shmem.c - shared anonymous memory (mmap MAP_SHARED | MAP_ANONYMOUS, which /proc/PID/maps
 * shows as "/dev/zero (deleted)"). The memory is a shmem file: each region gets one object
 * id (VmaEntry.shmid), whatever number of VMAs map it, and its content is saved once, read
 * through /proc/PID/map_files, in pagemap-shmem-SHMID.img and its pages file (the format
 * memfds use). A second task mapping the same region finds the same id by the file's inode.
 * Shared anonymous hugetlb memory ("/anon_hugepage (deleted)", MAP_HUGETLB in the VMA's
 * flags) is the same, on a hugetlbfs file (hugetlb.h).
 *
 * Restore creates the region once, in the lowest common ancestor of the tasks that map it,
 * refills it through /proc/self/map_files, and gives every VMA of it in every task an fd of
 * that file: the restorer maps them MAP_SHARED in place, so the memory stays one shared
 * anonymous region, shared again with any child the program forks afterwards.
 */
#include <fcntl.h>
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
#include "ns.h"
#include "log.h"
#include "restore-ctx.h"
#include "abi/restorer.h"
#include "vma-status.h"
#include "mem.h"
#include "tree.h"

#include "pagemap.pb-c.h"

struct shmem_seen {
	dev_t dev;
	ino_t ino;
	uint32_t shmid;
};

/* The dump's: the regions saved so far, by inode. */
struct shmem_dump {
	struct shmem_seen *seen;
	size_t nr;
};

static void shmem_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	free(((struct shmem_dump *)priv)->seen);
}

static const struct files_dump_key shmem_dump_key = {
	.name = "shared anonymous memory",
	.size = sizeof(struct shmem_dump),
	.fini = shmem_dump_fini,
};

bool vma_is_anon_shared(const struct proc_vma *pv)
{
	return pv->shared && ((pv->deleted && pv->path && !strcmp(pv->path, "/dev/zero")) ||
			      vma_is_anon_hugetlb(pv));
}

static int shmem_id(struct dump_ctx *dc, const struct stat *st, int fd, uint32_t *shmid)
{
	struct shmem_dump *sd = files_dump_priv(dc->fstate, &shmem_dump_key);
	size_t i;
	int ret;

	if (!sd)
		return -ENOMEM;
	for (i = 0; i < sd->nr; i++) {
		if (sd->seen[i].dev == st->st_dev && sd->seen[i].ino == st->st_ino) {
			*shmid = sd->seen[i].shmid;
			return 0;
		}
	}
	if (ARRAY_ADD_ROOM(sd->seen, sd->nr))
		return -ENOMEM;
	*shmid = ++dc->fstate->next_shmid;
	ret = shmem_dump_content(dc, fd, *shmid, st->st_size);
	if (ret)
		return ret;
	sd->seen[sd->nr++] = (struct shmem_seen){ st->st_dev, st->st_ino, *shmid };
	pr_info("shared anonymous memory of %lld bytes saved as shmid %u\n", (long long)st->st_size,
		*shmid);
	return 0;
}

int dump_anon_shared_vma(struct dump_ctx *dc, const struct proc_vma *pv, VmaEntry *v)
{
	char link[96];
	struct stat st;
	uint32_t shmid = 0;
	int fd, ret;

	snprintf(link, sizeof(link), "/proc/%d/map_files/%llx-%llx", dc->pid,
		 (unsigned long long)pv->start, (unsigned long long)pv->end);
	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open the shared memory behind %s", link);
		return -errno;
	}
	if (fstat(fd, &st)) {
		pr_perror("Can't stat the shared memory behind %s", link);
		close(fd);
		return -errno;
	}
	ret = shmem_id(dc, &st, fd, &shmid);
	close(fd);
	v->shmid = shmid;
	v->status |= VMA_ANON_SHARED;
	v->flags = MAP_SHARED | MAP_ANONYMOUS;
	return ret;
}

/*
 * ---- restore ----
 * A region, or a memfd several tasks use, is made once, by the lowest common ancestor of
 * the tasks that map it, before it forks them. It stays mapped there, so that every task
 * below inherits the mapping and opens the same file through /proc/self/map_files; the
 * restorer unmaps these with the rest of criu.
 */

struct shared_obj {
	uint32_t kind; /* enum rst_shared_kind */
	uint64_t id;   /* shmid, memfd inode id */
	uint64_t addr;
	uint64_t len;
};

/* Made by this task or an ancestor: inherited with the mappings at fork. */
static struct shared_obj *objs;
static size_t nr_objs;

int rst_shared_open(uint32_t kind, uint64_t id, int flags)
{
	char link[96];
	size_t i;
	int fd;

	for (i = 0; i < nr_objs; i++) {
		if (objs[i].kind != kind || objs[i].id != id)
			continue;
		snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx",
			 (unsigned long)objs[i].addr, (unsigned long)(objs[i].addr + objs[i].len));
		fd = rst_ns_open_map_file(link, flags & O_ACCMODE);
		if (fd < 0) {
			pr_perror("Can't open the shared memory behind %s", link);
			return -errno;
		}
		return fd;
	}
	return -ENOENT;
}

/*
 * Keep a page of fd's file mapped for the tasks below (enough to find the file again),
 * read-only: a sealed memfd allows that, and nothing can write through it by mistake.
 */
static int keep_mapped(uint32_t kind, uint64_t id, int fd)
{
	int64_t huge = hugetlb_fd_page_size(fd);
	/* the kernel maps a hugetlbfs file by whole huge pages: map_files names those */
	const uint64_t len = huge > 0 ? (uint64_t)huge : RST_PAGE_SIZE;
	char path[32];
	int ro;
	void *p;

	if (huge < 0)
		return (int)huge;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	if (ro < 0) {
		pr_perror("Can't open shared memory %lu again", (unsigned long)id);
		return -errno;
	}
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, ro, 0);
	close(ro);
	if (p == MAP_FAILED) {
		pr_perror("Can't map shared memory %lu for the tasks that share it",
			  (unsigned long)id);
		return -errno;
	}
	if (ARRAY_ADD_ROOM(objs, nr_objs)) {
		munmap(p, len);
		return -ENOMEM;
	}
	objs[nr_objs++] = (struct shared_obj){ kind, id, (uint64_t)(unsigned long)p, len };
	return 0;
}

/* The region must hold every VMA of every task that maps it: the largest end offset. */
static uint64_t region_size(const struct rst_ctx *ctx, uint64_t shmid)
{
	uint64_t size = 0;
	size_t i, j;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const MmEntry *mm = ctx->tasks[i].mm;

		for (j = 0; mm && j < mm->n_vmas; j++) {
			const VmaEntry *v = mm->vmas[j];

			if ((v->status & VMA_ANON_SHARED) && v->shmid == shmid &&
			    v->pgoff + v->end - v->start > size)
				size = v->pgoff + v->end - v->start;
		}
	}
	return size;
}

/*
 * A shared anonymous region of size bytes, filled, as an fd of its shmem file; huge: the
 * hugetlb bits of its VMAs' flags (MAP_HUGETLB and the page size), or 0.
 */
static int make_region(const struct rst_ctx *ctx, uint64_t shmid, uint64_t size, int huge)
{
	char link[96];
	void *p;
	int fd, ret;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | huge, -1, 0);
	if (p == MAP_FAILED) {
		pr_perror("Can't create %llu bytes of shared memory%s", (unsigned long long)size,
			  huge ? " of huge pages (are there enough free ones? see "
				 "/proc/sys/vm/nr_hugepages)"
			       : "");
		return -errno;
	}
	snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx", (unsigned long)p,
		 (unsigned long)p + (unsigned long)size);
	fd = rst_ns_open_map_file(link, O_RDWR);
	if (fd < 0) {
		fd = -errno;
		pr_perror("Can't open the new shared memory through %s", link);
	}
	munmap(p, size);
	ret = fd < 0 ? fd : shmem_fill(ctx->dfd, fd, shmid, size);
	if (ret && fd >= 0)
		close(fd);
	return ret ?: fd;
}

static bool maps_region(const VmaEntry *v, uint64_t shmid)
{
	return (v->status & VMA_ANON_SHARED) && v->shmid == shmid;
}

/* The lowest common ancestor of the tasks with a VMA of region shmid. */
static pid_t region_owner(const struct rst_ctx *ctx, uint64_t shmid)
{
	pid_t owner = 0;
	size_t i, j;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const MmEntry *mm = ctx->tasks[i].mm;

		for (j = 0; mm && j < mm->n_vmas; j++)
			if (maps_region(mm->vmas[j], shmid))
				break;
		if (mm && j < mm->n_vmas)
			owner = rst_common_ancestor(ctx, owner, ctx->tasks[i].pid);
	}
	return owner;
}

static bool made(uint32_t kind, uint64_t id)
{
	size_t i;

	for (i = 0; i < nr_objs; i++)
		if (objs[i].kind == kind && objs[i].id == id)
			return true;
	return false;
}

static int make_regions(const struct rst_ctx *ctx, const struct rst_task *t)
{
	size_t i, j;
	int fd, ret;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const MmEntry *mm = ctx->tasks[i].mm;

		for (j = 0; mm && j < mm->n_vmas; j++) {
			const VmaEntry *v = mm->vmas[j];
			uint64_t size;

			if (!(v->status & VMA_ANON_SHARED) || made(RST_SHARED_ANON, v->shmid) ||
			    region_owner(ctx, v->shmid) != t->pid)
				continue;
			size = region_size(ctx, v->shmid);
			fd = make_region(ctx, v->shmid, size,
					 v->flags & (MAP_HUGETLB | HUGETLB_SIZE_BITS));
			if (fd < 0)
				return fd;
			ret = keep_mapped(RST_SHARED_ANON, v->shmid, fd);
			close(fd);
			if (ret)
				return ret;
			pr_info("shared anonymous memory %u (%lu bytes) made for the tasks below\n",
				(unsigned int)v->shmid, (unsigned long)size);
		}
	}
	return 0;
}

static int make_memfds(const struct rst_ctx *ctx, const struct rst_task *t)
{
	uint32_t inode;
	size_t i = 0;
	int fd, ret;

	while (rst_memfd_next_shared(ctx, t, &i, &inode)) {
		if (made(RST_SHARED_MEMFD, inode))
			continue;
		fd = rst_memfd_make(ctx, inode);
		if (fd < 0)
			return fd;
		ret = keep_mapped(RST_SHARED_MEMFD, inode, fd);
		close(fd);
		if (ret)
			return ret;
		pr_info("memfd inode %u made for the tasks below\n", inode);
	}
	return 0;
}

int rst_make_shared(const struct rst_ctx *ctx, const struct rst_task *t)
{
	int ret = 0;

	/* SysV segments live in the IPC namespace, not in a task: the root makes them */
	if (t == &ctx->tasks[0])
		ret = rst_sysv_shm(ctx);
	ret = ret ?: make_regions(ctx, t);
	return ret ?: make_memfds(ctx, t);
}

int rst_anon_shared_fd(const struct rst_ctx *ctx, const struct rst_task *t, const VmaEntry *v)
{
	int fd = rst_shared_open(RST_SHARED_ANON, v->shmid, O_RDWR);

	if (fd == -ENOENT)
		pr_err("Task %d: shared anonymous memory %u was not made by any task above it\n",
		       t->pid, (unsigned int)v->shmid);
	return fd;
}

void rst_shmem_fini(void)
{
	rst_memfd_maps_fini();
}
