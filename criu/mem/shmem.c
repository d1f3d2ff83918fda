/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/shmem.c - shared anonymous memory (mmap MAP_SHARED | MAP_ANONYMOUS, which /proc/PID/maps
 * shows as "/dev/zero (deleted)"). The memory is a shmem file: each region gets one object
 * id (VmaEntry.shmid), whatever number of VMAs map it, and its content is saved once, read
 * through /proc/PID/map_files, in pagemap-shmem-SHMID.img and its pages file (the format
 * memfds use). A second task mapping the same region (process trees, later) finds the same
 * id by the file's inode.
 *
 * Restore creates the region once per task with a shared anonymous mmap, refills it through
 * /proc/self/map_files, and gives every VMA of it an fd of that file: the restorer maps them
 * MAP_SHARED in place, so the memory stays shared anonymous memory, shared again with any
 * child the program forks afterwards.
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
#include "image.h"
#include "log.h"
#include "restore-ctx.h"
#include "abi/restorer.h"
#include "vma-status.h"
#include "mem.h"

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
	return pv->shared && pv->deleted && pv->path && !strcmp(pv->path, "/dev/zero");
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

/* ---- restore: in the forked task, one region per shmid, held until the restorer maps ---- */

struct shmem_made {
	uint64_t shmid;
	int fd;
};

static struct shmem_made *made;
static size_t nr_made;

/* The region must hold every VMA that maps it: its size is the largest end offset. */
static uint64_t region_size(const struct rst_task *t, uint64_t shmid)
{
	uint64_t size = 0;
	size_t i;

	for (i = 0; i < t->mm->n_vmas; i++) {
		const VmaEntry *v = t->mm->vmas[i];

		if ((v->status & VMA_ANON_SHARED) && v->shmid == shmid &&
		    v->pgoff + v->end - v->start > size)
			size = v->pgoff + v->end - v->start;
	}
	return size;
}

/* A shared anonymous region of size bytes, as an fd of its shmem file. */
static int make_region(uint64_t size)
{
	char link[96];
	void *p;
	int fd;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		pr_perror("Can't create %llu bytes of shared memory", (unsigned long long)size);
		return -errno;
	}
	snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx", (unsigned long)p,
		 (unsigned long)p + (unsigned long)size);
	fd = open(link, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		pr_perror("Can't open the new shared memory through %s", link);
	}
	munmap(p, size);
	return fd;
}

static int create_shmem(const struct rst_ctx *ctx, const struct rst_task *t, uint64_t shmid)
{
	uint64_t size = region_size(t, shmid);
	int fd, ret;

	fd = make_region(size);
	if (fd < 0)
		return fd;
	ret = shmem_fill(ctx->dfd, fd, shmid, size);
	if (!ret && ARRAY_ADD_ROOM(made, nr_made))
		ret = -ENOMEM;
	if (ret) {
		close(fd);
		return ret;
	}
	made[nr_made++] = (struct shmem_made){ shmid, fd };
	return fd;
}

int rst_anon_shared_fd(const struct rst_ctx *ctx, const struct rst_task *t, const VmaEntry *v)
{
	size_t i;
	int fd = -1, nfd;

	for (i = 0; i < nr_made && fd < 0; i++)
		if (made[i].shmid == v->shmid)
			fd = made[i].fd;
	if (fd < 0)
		fd = create_shmem(ctx, t, v->shmid);
	if (fd < 0)
		return fd;
	/* the restorer closes each VMA's fd once mapped: every VMA gets its own */
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (nfd < 0) {
		pr_perror("Can't dup the fd of shared memory %u", (unsigned int)v->shmid);
		return -errno;
	}
	return nfd;
}

void rst_shmem_fini(void)
{
	size_t i;

	for (i = 0; i < nr_made; i++)
		close(made[i].fd);
	free(made);
	made = NULL;
	nr_made = 0;
	rst_memfd_maps_fini();
}
