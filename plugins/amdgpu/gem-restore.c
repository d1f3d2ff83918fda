/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gem-restore.c - the GEM BOs of a render node file, made again on the restored task's new
 * file, in the task: each BO at its dumped handle (GEM_CREATE; the kernel hands out the
 * lowest free handle, so the handles a BO did not take are filled by small BOs closed
 * afterwards, and GEM_CHANGE_HANDLE moves a BO the kernel put elsewhere), mapped at its GPU
 * VAs again (GEM_VA), its bytes written back through a CPU mapping of the file. The BO's new
 * mmap offset is remembered for UPDATE_VMA_MAP: the task's CPU mappings of a BO are made
 * again through a copy of that file (the kernel lets only a file holding a handle map it).
 * A BO another render file owns (gem-links.c) is imported from the dmabuf that file's
 * restore handed to criu's fd store; the owner hands its shared BOs on once they are made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amdgpu-gem.h"
#include "criu-amdgpu.pb-c.h"
#include "kfd-image.h"
#include "kfd-plugin.h"
#include "kfd-seam.h"
#include "plugin-log.h"

/* A restored BO's CPU mapping: [old, old + size) of the dump is new_offset on file fd. */
struct gem_vma {
	uint64_t old_offset, size, new_offset;
	int fd;
};

static struct {
	struct gem_vma *vmas;
	unsigned int nr_vmas;
	int *fds; /* copies of restored files, kept for their mappings */
	unsigned int nr_fds;
} gem_rst;

void amdgpu_gem_reset(void)
{
	unsigned int i;

	for (i = 0; i < gem_rst.nr_fds; i++)
		kfd_seam->close(gem_rst.fds[i]);
	free(gem_rst.fds);
	free(gem_rst.vmas);
	memset(&gem_rst, 0, sizeof(gem_rst));
}

struct gem_new {
	int fd;
	unsigned int minor;
	uint32_t id, next; /* the lowest handle the file has not given yet */
	uint32_t *fillers; /* handles taken only to reach the dumped ones */
	uint32_t nr_fillers;
};

static int gem_create(struct gem_new *g, uint64_t size, uint64_t align, uint64_t domains,
		      uint64_t flags, uint32_t *handle)
{
	union gem_create_args c = { .in = { size, align, domains, flags } };
	int ret = kfd_seam->ioctl(g->fd, GEM_IOC_CREATE, &c);

	if (!ret)
		*handle = c.out.handle;
	return ret;
}

/* Take the handles below want with small BOs, so that the next one made is want. */
static int fill_below(struct gem_new *g, uint32_t want)
{
	uint32_t h;
	int ret;

	while (g->next < want) {
		uint32_t *f = realloc(g->fillers, (g->nr_fillers + 1) * sizeof(*f));

		if (!f)
			return -ENOMEM;
		g->fillers = f;
		ret = gem_create(g, GEM_PAGE_SIZE, 0, GEM_DOMAIN_GTT, 0, &h);
		if (ret)
			return ret;
		f[g->nr_fillers++] = h;
		g->next = h + 1;
	}
	return 0;
}

static void close_fillers(struct gem_new *g)
{
	uint32_t i;

	for (i = 0; i < g->nr_fillers; i++) {
		struct gem_close_args c = { .handle = g->fillers[i] };

		kfd_seam->ioctl(g->fd, GEM_IOC_CLOSE, &c);
	}
	free(g->fillers);
	g->fillers = NULL;
	g->nr_fillers = 0;
}

/* The BO another render file owns, imported from the dmabuf that file's restore gave. */
static int gem_import(struct gem_new *g, const DrmBoEntry *b, uint32_t *handle)
{
	struct gem_prime_args p = {};
	int ret;

	p.fd = amdgpu_gem_link_get(b->owner_file_id, b->owner_handle);
	if (p.fd < 0)
		return p.fd;
	ret = kfd_seam->ioctl(g->fd, GEM_IOC_PRIME_TO_HANDLE, &p);
	kfd_seam->close(p.fd);
	if (!ret)
		*handle = p.handle;
	return ret;
}

/* The BO at its dumped handle, made or imported. */
static int create_at_handle(struct gem_new *g, const DrmBoEntry *b)
{
	struct gem_change_handle_args ch = { .new_handle = b->handle };
	uint32_t h = 0;
	int ret;

	ret = fill_below(g, b->handle);
	if (!ret && b->is_import)
		ret = gem_import(g, b, &h);
	else if (!ret)
		ret = gem_create(g, b->size, b->has_alignment ? b->alignment : 0,
				 b->preferred_domains, b->alloc_flags, &h);
	if (ret) {
		pr_err("Can't make GEM BO %u (%llu bytes, domains %#x, flags %#llx) "
		       "on " DRM_RENDER_FMT ": %s\n",
		       b->handle, (unsigned long long)b->size, b->preferred_domains,
		       (unsigned long long)b->alloc_flags, g->minor, strerror(-ret));
		return ret;
	}
	g->next = h + 1 > g->next ? h + 1 : g->next;
	if (h == b->handle)
		return 0;
	ch.handle = h;
	ret = kfd_seam->ioctl(g->fd, GEM_IOC_CHANGE_HANDLE, &ch);
	if (ret)
		pr_err("GEM BO %u came back as handle %u on " DRM_RENDER_FMT
		       ", and GEM_CHANGE_HANDLE can't move it (%s): the kernel needs it\n",
		       b->handle, h, g->minor, strerror(-ret));
	return ret;
}

/* GET_MAPPING_INFO's PTE bits back into GEM_VA's flags. */
static uint32_t va_flags(uint64_t pte)
{
	return (pte & GEM_PTE_READABLE ? GEM_VM_READABLE : 0) |
	       (pte & GEM_PTE_WRITEABLE ? GEM_VM_WRITEABLE : 0) |
	       (pte & GEM_PTE_EXECUTABLE ? GEM_VM_EXECUTABLE : 0) |
	       (pte & GEM_PTE_NOALLOC ? GEM_VM_NOALLOC : 0);
}

static int map_vas(const struct gem_new *g, const DrmBoEntry *b)
{
	size_t i;
	int ret;

	for (i = 0; i < b->n_vm_entries; i++) {
		const DrmVmEntry *v = b->vm_entries[i];
		struct gem_va_args va = { .handle = b->handle,
					  .operation = GEM_VA_OP_MAP,
					  .flags = va_flags(v->flags),
					  .va_address = v->addr,
					  .offset_in_bo = v->offset,
					  .map_size = v->size };

		ret = kfd_seam->ioctl(g->fd, GEM_IOC_VA, &va);
		if (ret) {
			pr_err("Can't map GEM BO %u at GPU VA %#llx (%llu bytes) on " DRM_RENDER_FMT
			       ": %s\n",
			       b->handle, (unsigned long long)v->addr, (unsigned long long)v->size,
			       g->minor, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* The BO's image back into it, through the new file mapped at its new offset. */
static int fill_contents(const struct gem_new *g, const DrmBoEntry *b, size_t index,
			 uint64_t offset)
{
	uint64_t size;
	char name[64];
	void *buf;
	FILE *f;
	int ret;

	if (!(b->preferred_domains & GEM_DOMAINS_WITH_CONTENTS))
		return 0;
	snprintf(name, sizeof(name), IMG_DRM_PAGES_FILE, g->id, g->minor, (unsigned int)index);
	f = kfd_image_open(name, &size);
	if (!f)
		return -EIO;
	buf = size == b->size ? malloc(size ? size : 1) : NULL;
	ret = -ENOMEM;
	if (size != b->size) {
		pr_err("%s holds %llu bytes; GEM BO %u has %llu\n", name, (unsigned long long)size,
		       b->handle, (unsigned long long)b->size);
		ret = -EINVAL;
	} else if (buf && size && fread(buf, size, 1, f) != 1) {
		ret = -EIO;
	} else if (buf) {
		ret = kfd_seam->map_copy(g->fd, offset, buf, size, true);
		if (ret)
			pr_err("Can't write GEM BO %u back through " DRM_RENDER_FMT ": %s\n",
			       b->handle, g->minor, strerror(-ret));
	}
	free(buf);
	fclose(f);
	return ret;
}

static int remember_vma(uint64_t old_offset, uint64_t size, uint64_t new_offset, int fd)
{
	struct gem_vma *v = realloc(gem_rst.vmas, (gem_rst.nr_vmas + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	gem_rst.vmas = v;
	v[gem_rst.nr_vmas++] = (struct gem_vma){ old_offset, size, new_offset, fd };
	return 0;
}

static int restore_bo(struct gem_new *g, const DrmBoEntry *b, size_t index, int keep_fd)
{
	union gem_mmap_args mm = { .in.handle = b->handle };
	int ret;

	if (b->is_import && !(b->has_owner_file_id && b->has_owner_handle)) {
		pr_err("GEM BO %u of " DRM_RENDER_FMT " is an import of another device's buffer: "
		       "not supported\n",
		       b->handle, g->minor);
		return -EOPNOTSUPP;
	}
	ret = create_at_handle(g, b) ?: map_vas(g, b);
	if (ret || !(b->preferred_domains & GEM_DOMAINS_WITH_CONTENTS))
		return ret;
	ret = kfd_seam->ioctl(g->fd, GEM_IOC_MMAP, &mm);
	if (ret) {
		pr_err("Can't get the mmap offset of GEM BO %u on " DRM_RENDER_FMT ": %s\n",
		       b->handle, g->minor, strerror(-ret));
		return ret;
	}
	/* an import's bytes came with its owner's BO */
	ret = b->is_import ? 0 : fill_contents(g, b, index, mm.out.offset);
	return ret ?: remember_vma(b->offset, b->size, mm.out.offset, keep_fd);
}

/* Handles in the image must rise (LIST_HANDLES gives them so), none 0. */
static int check_handles(const CriuRenderNode *e)
{
	size_t i;

	if (e->num_of_bos != e->n_bo_entries) {
		pr_err("amdgpu-renderD-%u.img: %llu BOs said, %zu given\n", e->id,
		       (unsigned long long)e->num_of_bos, e->n_bo_entries);
		return -EINVAL;
	}
	for (i = 0; i < e->n_bo_entries; i++)
		if (!e->bo_entries[i]->handle ||
		    (i && e->bo_entries[i]->handle <= e->bo_entries[i - 1]->handle)) {
			pr_err("amdgpu-renderD-%u.img: its BO handles are damaged\n", e->id);
			return -EINVAL;
		}
	return 0;
}

static int keep_fd(int fd)
{
	int *fds = realloc(gem_rst.fds, (gem_rst.nr_fds + 1) * sizeof(*fds));
	int copy;

	if (!fds)
		return -ENOMEM;
	gem_rst.fds = fds;
	copy = kfd_seam->dup(fd);
	if (copy >= 0)
		fds[gem_rst.nr_fds++] = copy;
	return copy;
}

int amdgpu_gem_restore(int fd, const CriuRenderNode *e)
{
	struct gem_new g = { .fd = fd, .minor = e->drm_render_minor, .id = e->id, .next = 1 };
	unsigned int nr_vmas = gem_rst.nr_vmas;
	int kept, ret;
	size_t i;

	if (!e->n_bo_entries)
		return check_handles(e);
	ret = check_handles(e);
	kept = ret ? ret : keep_fd(fd);
	if (kept < 0)
		return kept;
	for (i = 0; !ret && i < e->n_bo_entries; i++)
		ret = restore_bo(&g, e->bo_entries[i], i, kept);
	close_fillers(&g);
	ret = ret ?: amdgpu_gem_links_publish(fd, e->id);
	if (ret) {
		/* the file goes with its BOs; forget its mappings */
		gem_rst.nr_vmas = nr_vmas;
		kfd_seam->close(gem_rst.fds[--gem_rst.nr_fds]);
		return ret;
	}
	pr_info(DRM_RENDER_FMT " (file id %u): %zu GEM BO(s) restored\n", g.minor, e->id,
		e->n_bo_entries);
	return 0;
}

int amdgpu_gem_imports_ready(const CriuRenderNode *e)
{
	size_t i;
	int ret;

	for (i = 0; i < e->n_bo_entries; i++) {
		const DrmBoEntry *b = e->bo_entries[i];

		if (!b->is_import || !b->has_owner_file_id || !b->has_owner_handle)
			continue;
		ret = amdgpu_gem_link_ready(b->owner_file_id, b->owner_handle);
		if (ret <= 0) {
			if (ret)
				pr_err("GEM BO %u of render node file id %u imports BO %u of file "
				       "id "
				       "%u, of which no image tells\n",
				       b->handle, e->id, b->owner_handle, b->owner_file_id);
			return ret;
		}
	}
	return 1;
}

int amdgpu_gem_update_vma(uint64_t old_pgoff, uint64_t *new_pgoff, int *plugin_fd)
{
	unsigned int i;

	for (i = 0; i < gem_rst.nr_vmas; i++) {
		const struct gem_vma *v = &gem_rst.vmas[i];

		if (old_pgoff < v->old_offset || old_pgoff - v->old_offset >= v->size)
			continue;
		*new_pgoff = v->new_offset + (old_pgoff - v->old_offset);
		*plugin_fd = kfd_seam->dup(v->fd);
		return *plugin_fd < 0 ? *plugin_fd : 0;
	}
	return -ENOENT;
}
