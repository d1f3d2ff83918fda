/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gem-shared.c - a dumped GEM BO that is one buffer with another: a KFD BO, or a BO of another
 * render node file, imported into the file (amdgpu gives a dmabuf of its own device back as
 * the same object, so LIST_HANDLES does not call it an import). Restored on its own it would
 * be a copy, no longer shared: a KFD BO refuses the dump; a BO of a render node file dumped
 * before is saved as an import of that file's BO (gem-links.c). The kernel keeps one dmabuf per
 * buffer while a handle of it holds the export, so the dmabuf's inode names the buffer: each
 * BO is exported once through the task's file (criu's copy; the export stays cached with the
 * handle) and its inode compared with the other BOs', at once and at DUMP_DEVICES_LATE for
 * the KFD BOs of processes dumped after.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "amdgpu-gem.h"
#include "criu-amdgpu.pb-c.h"
#include "kfd-plugin.h"
#include "kfd-seam.h"
#include "plugin-log.h"

struct seen_bo {
	uint64_t ino;
	int id;
	unsigned int minor;
	uint32_t handle;
};

static struct {
	struct seen_bo *bos;
	unsigned int nr;
} seen;

static int refuse_kfd(const struct seen_bo *b, uint32_t kfd_id)
{
	pr_err(DRM_RENDER_FMT " (file id %d) holds GEM BO handle %u, which is a BO of the KFD "
			      "process of file id %u imported there: not supported\n",
	       b->minor, b->id, b->handle, kfd_id);
	return -EOPNOTSUPP;
}

/* The buffer's dmabuf inode, or 0 for a BO that can't be exported (per-VM, userptr). */
static int buffer_ino(int fd, uint32_t handle, uint64_t *ino)
{
	struct gem_prime_args p = { .handle = handle, .flags = GEM_PRIME_CLOEXEC, .fd = -1 };
	struct kfd_fd_info info;
	int ret = kfd_seam->ioctl(fd, GEM_IOC_PRIME_TO_FD, &p);

	*ino = 0;
	if (ret == -EPERM)
		return 0;
	if (ret)
		return ret;
	ret = kfd_seam->fd_info(p.fd, &info);
	kfd_seam->close(p.fd);
	if (!ret)
		*ino = info.ino;
	return ret;
}

int amdgpu_gem_note_bo(int fd, int id, unsigned int minor, DrmBoEntry *e)
{
	struct seen_bo b = { 0, id, minor, e->handle }, *bos;
	uint32_t handle = e->handle;
	uint32_t kfd_id;
	unsigned int i;
	int ret = buffer_ino(fd, handle, &b.ino);

	if (ret) {
		pr_err("Can't export GEM BO %u of " DRM_RENDER_FMT " (file id %d) to tell whether "
		       "another file shares it: %s\n",
		       handle, minor, id, strerror(-ret));
		return ret;
	}
	if (!b.ino)
		return 0;
	if (amdgpu_dmabuf_is_kfd_bo(b.ino, &kfd_id))
		return refuse_kfd(&b, kfd_id);
	for (i = 0; i < seen.nr; i++)
		if (seen.bos[i].ino == b.ino) {
			/* the file dumped first owns it; this one imports it again at restore */
			e->is_import = 1;
			e->has_owner_file_id = e->has_owner_handle = true;
			e->owner_file_id = (uint32_t)seen.bos[i].id;
			e->owner_handle = seen.bos[i].handle;
			pr_info(DRM_RENDER_FMT " (file id %d): GEM BO %u is BO %u of file id %d\n",
				minor, id, handle, seen.bos[i].handle, seen.bos[i].id);
			return 0;
		}
	bos = realloc(seen.bos, (seen.nr + 1) * sizeof(*bos));
	if (!bos)
		return -ENOMEM;
	seen.bos = bos;
	bos[seen.nr++] = b;
	return 0;
}

int amdgpu_gem_dump_late(void)
{
	uint32_t kfd_id;
	unsigned int i;

	for (i = 0; i < seen.nr; i++)
		if (amdgpu_dmabuf_is_kfd_bo(seen.bos[i].ino, &kfd_id))
			return refuse_kfd(&seen.bos[i], kfd_id);
	return 0;
}

void amdgpu_gem_dump_reset(void)
{
	free(seen.bos);
	memset(&seen, 0, sizeof(seen));
}
