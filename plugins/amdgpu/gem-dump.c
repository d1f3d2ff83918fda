/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gem-dump.c - dump of an open render node (/dev/dri/renderD*) with the GEM buffer objects a
 * program made on it itself (Mesa, or ROCm importing a buffer there): each BO's handle,
 * size, placement and creation flags (DRM_AMDGPU_GEM_LIST_HANDLES), its GPU VA mappings in
 * the file's VM (GEM_OP GET_MAPPING_INFO), its mmap offset (GEM_MMAP) and its contents, read
 * through a CPU mapping of the task's own file (criu holds a copy of it) once the GPU is done
 * with it (GEM_WAIT_IDLE: the frozen task's submitted work runs on). A BO that is one
 * buffer with a KFD BO is refused, one with another render file's BO saved as its import
 * (gem-shared.c).
 *
 * Refused, naming the node, the file and the BO: a BO imported from another device's dmabuf,
 * a userptr or CPU-invisible BO (GEM_MMAP says EPERM: its bytes need SDMA copies), an
 * encrypted one, a doorbell or MMIO BO. A kernel without LIST_HANDLES can't say which BOs a
 * file holds: the handles it would have given first are probed (GEM_OP
 * GET_GEM_CREATE_INFO), and any found refuses the dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amdgpu-gem.h"
#include "kfd-image.h"
#include "kfd-plugin.h"
#include "kfd-seam.h"
#include "plugin-log.h"
#include "topology.h"

/* How long a file's BOs may stay busy on the GPU before the dump gives up on them. */
#define GEM_IDLE_WAIT_NS (10ull * 1000 * 1000 * 1000)

/* Handles probed on a kernel without LIST_HANDLES (the kernel hands out the lowest free). */
#define GEM_PROBE_MAX 4096

struct render_dump {
	int fd, id;
	unsigned int minor;
	uint64_t idle_deadline; /* CLOCK_MONOTONIC ns */
	CriuRenderNode e;
};

static bool kernel_lacks(int err)
{
	return err == -EINVAL || err == -ENOTTY;
}

/* Every handle of the file, in handle order (the kernel's); *n of them, malloc'ed. */
static int list_handles(int fd, struct gem_list_entry **out, uint32_t *n)
{
	struct gem_list_args a = {};
	struct gem_list_entry *e = NULL;
	int ret, tries;

	for (tries = 0; tries < 8; tries++) {
		uint32_t cap = a.num_entries;

		a.entries = (uintptr_t)e;
		ret = kfd_seam->ioctl(fd, GEM_IOC_LIST_HANDLES, &a);
		if (ret)
			break;
		if (a.num_entries <= cap || (!cap && !a.num_entries)) {
			*out = e;
			*n = a.num_entries;
			return 0;
		}
		/* more BOs than room: the count came back, ask again with room for them */
		free(e);
		e = calloc(a.num_entries, sizeof(*e));
		if (!e)
			return -ENOMEM;
	}
	free(e);
	return ret ?: -EAGAIN;
}

/* A kernel without LIST_HANDLES: any BO at the first handles refuses the file. */
static int refuse_probed(struct render_dump *d)
{
	struct gem_create_in info;
	struct gem_op_args op = { .op = GEM_OP_GET_CREATE_INFO };
	uint32_t h;
	int ret;

	for (h = 1; h <= GEM_PROBE_MAX; h++) {
		op.handle = h;
		op.value = (uintptr_t)&info;
		ret = kfd_seam->ioctl(d->fd, GEM_IOC_OP, &op);
		if (ret == -ENOENT)
			continue;
		if (ret)
			break;
		pr_err(DRM_RENDER_FMT
		       " (file id %d) holds GEM BO handle %u (%llu bytes, domains "
		       "%#llx), and this kernel has no AMDGPU_GEM_LIST_HANDLES to list and save "
		       "a file's BOs: not supported (a kernel with it is needed)\n",
		       d->minor, d->id, h, (unsigned long long)info.bo_size,
		       (unsigned long long)info.domains);
		return -EOPNOTSUPP;
	}
	if (h <= GEM_PROBE_MAX) {
		pr_err("Can't ask " DRM_RENDER_FMT " (file id %d) for its BO %u: %s\n", d->minor,
		       d->id, h, strerror(-ret));
		return ret;
	}
	pr_warn(DRM_RENDER_FMT " (file id %d): this kernel can't list GEM BOs; none is at "
			       "handles 1-%u, taken as none\n",
		d->minor, d->id, GEM_PROBE_MAX);
	return 0;
}

static int refuse_bo(const struct render_dump *d, const struct gem_list_entry *l, const char *why)
{
	pr_err(DRM_RENDER_FMT " (file id %d) holds GEM BO handle %u (%llu bytes, domains %#llx), "
			      "%s: not supported\n",
	       d->minor, d->id, l->handle, (unsigned long long)l->size,
	       (unsigned long long)l->preferred_domains, why);
	return -EOPNOTSUPP;
}

/* The BO's GPU VA mappings in this file's VM, into b->vm_entries. */
static int read_mappings(const struct render_dump *d, DrmBoEntry *b)
{
	struct gem_op_args op = { .handle = b->handle, .op = GEM_OP_GET_MAPPING_INFO };
	struct gem_vm_entry *vm = NULL;
	uint32_t i, cap = 0;
	int ret;

	for (;;) {
		op.num_entries = cap;
		op.value = (uintptr_t)vm;
		ret = kfd_seam->ioctl(d->fd, GEM_IOC_OP, &op);
		if (ret || op.num_entries <= cap)
			break;
		cap = op.num_entries;
		free(vm);
		vm = calloc(cap, sizeof(*vm));
		if (!vm)
			return -ENOMEM;
	}
	if (ret) {
		pr_err("Can't read the GPU mappings of BO %u of " DRM_RENDER_FMT
		       " (file id %d): %s\n",
		       b->handle, d->minor, d->id, strerror(-ret));
		goto out_free;
	}
	b->vm_entries = calloc(op.num_entries + 1, sizeof(*b->vm_entries) + sizeof(DrmVmEntry));
	ret = -ENOMEM;
	if (!b->vm_entries)
		goto out_free;
	for (i = 0; i < op.num_entries; i++) {
		DrmVmEntry *v = (DrmVmEntry *)(b->vm_entries + op.num_entries + 1) + i;

		drm_vm_entry__init(v);
		v->addr = vm[i].addr;
		v->size = vm[i].size;
		v->offset = vm[i].offset;
		v->flags = vm[i].flags;
		b->vm_entries[i] = v;
	}
	b->n_vm_entries = b->num_of_vms = op.num_entries;
	b->addr = op.num_entries ? vm[0].addr : 0;
	ret = 0;
out_free:
	free(vm);
	return ret;
}

/* What the BO is, from its list entry, its mmap offset and its mappings; refusals here. */
static int describe_bo(const struct render_dump *d, const struct gem_list_entry *l, DrmBoEntry *b)
{
	union gem_mmap_args mm = { .in.handle = l->handle };
	int ret;

	if (l->flags & GEM_LIST_IS_IMPORT)
		return refuse_bo(
			d, l,
			"imported from another device's dmabuf (its exporter is not followed)");
	if (l->preferred_domains & (GEM_DOMAIN_DOORBELL | GEM_DOMAIN_MMIO_REMAP))
		return refuse_bo(d, l, "a doorbell or MMIO BO (user queues are not saved)");
	if (l->alloc_flags & GEM_CREATE_ENCRYPTED)
		return refuse_bo(d, l, "an encrypted (TMZ) BO, whose bytes the CPU can't read");
	b->handle = l->handle;
	b->size = l->size;
	b->alloc_flags = l->alloc_flags;
	b->preferred_domains = (uint32_t)l->preferred_domains;
	b->has_alignment = true;
	b->alignment = l->alignment;
	ret = kfd_seam->ioctl(d->fd, GEM_IOC_MMAP, &mm);
	if (ret == -EPERM && (l->preferred_domains & GEM_DOMAINS_WITH_CONTENTS))
		return refuse_bo(d, l,
				 "a userptr or CPU-invisible BO (its bytes need SDMA copies)");
	if (ret && ret != -EPERM) {
		pr_err("Can't get the mmap offset of BO %u of " DRM_RENDER_FMT ": %s\n", l->handle,
		       d->minor, strerror(-ret));
		return ret;
	}
	b->offset = ret ? 0 : mm.out.offset;
	return amdgpu_gem_note_bo(d->fd, d->id, d->minor, b) ?: read_mappings(d, b);
}

/* The GPU done with the BO (work the frozen task submitted runs on): its bytes are final. */
static int wait_idle(const struct render_dump *d, uint32_t handle)
{
	union gem_wait_idle_args w = { .in = { handle, 0, d->idle_deadline } };
	int ret = kfd_seam->ioctl(d->fd, GEM_IOC_WAIT_IDLE, &w);

	if (ret)
		pr_err("Can't wait for GEM BO %u of " DRM_RENDER_FMT
		       " (file id %d) to be idle: %s\n",
		       handle, d->minor, d->id, strerror(-ret));
	else if (w.out.status)
		pr_err("GEM BO %u of " DRM_RENDER_FMT
		       " (file id %d) is still busy on the GPU after "
		       "%llu s: its bytes can't be saved\n",
		       handle, d->minor, d->id, GEM_IDLE_WAIT_NS / 1000000000ull);
	return ret ?: w.out.status ? -EBUSY : 0;
}

/* The BO's bytes, through the task's file mapped at its offset, into its own image. */
static int dump_contents(const struct render_dump *d, const DrmBoEntry *b, uint32_t index)
{
	char name[64];
	void *buf;
	FILE *f;
	int ret;

	/* a BO another file owns: that file's image has its bytes */
	if (!(b->preferred_domains & GEM_DOMAINS_WITH_CONTENTS) || b->is_import)
		return 0;
	ret = wait_idle(d, b->handle);
	if (ret)
		return ret;
	buf = malloc(b->size ? b->size : 1);
	if (!buf)
		return -ENOMEM;
	ret = kfd_seam->map_copy(d->fd, b->offset, buf, b->size, false);
	if (ret) {
		pr_err("Can't read GEM BO %u (%llu bytes) of " DRM_RENDER_FMT " (file id %d): %s\n",
		       b->handle, (unsigned long long)b->size, d->minor, d->id, strerror(-ret));
		free(buf);
		return ret;
	}
	snprintf(name, sizeof(name), IMG_DRM_PAGES_FILE, d->id, d->minor, index);
	f = kfd_image_create(name, b->size);
	ret = -EIO;
	if (f) {
		ret = b->size && fwrite(buf, b->size, 1, f) != 1 ? -EIO : 0;
		ret = kfd_image_close(f, name) ?: ret;
	}
	free(buf);
	return ret;
}

static int dump_bos(struct render_dump *d)
{
	struct gem_list_entry *l = NULL;
	DrmBoEntry *bos;
	uint32_t n = 0, i;
	int ret;

	ret = list_handles(d->fd, &l, &n);
	if (kernel_lacks(ret))
		return refuse_probed(d);
	if (ret) {
		pr_err("Can't list the GEM BOs of " DRM_RENDER_FMT " (file id %d): %s\n", d->minor,
		       d->id, strerror(-ret));
		return ret;
	}
	d->e.bo_entries = calloc(n + 1, sizeof(*d->e.bo_entries));
	bos = calloc(n + 1, sizeof(*bos));
	ret = -ENOMEM;
	if (!d->e.bo_entries || !bos)
		goto out_free;
	/* the caller frees the entries through the first slot */
	d->e.bo_entries[0] = bos;
	ret = 0;
	for (i = 0; !ret && i < n; i++) {
		drm_bo_entry__init(&bos[i]);
		d->e.bo_entries[i] = &bos[i];
		d->e.n_bo_entries = i + 1;
		ret = describe_bo(d, &l[i], &bos[i]) ?: dump_contents(d, &bos[i], i);
	}
	d->e.num_of_bos = d->e.n_bo_entries;
	if (n)
		pr_info(DRM_RENDER_FMT " (file id %d): %u GEM BO(s)\n", d->minor, d->id, n);
out_free:
	if (!d->e.bo_entries)
		free(bos);
	free(l);
	return ret;
}

static void free_bos(CriuRenderNode *e)
{
	size_t i;

	for (i = 0; i < e->n_bo_entries; i++)
		free(e->bo_entries[i]->vm_entries);
	if (e->bo_entries)
		free(e->bo_entries[0]);
	free(e->bo_entries);
}

static int write_render_image(struct render_dump *d)
{
	size_t len = criu_render_node__get_packed_size(&d->e);
	char name[64];
	void *buf = malloc(len + 1);
	int ret;

	if (!buf)
		return -ENOMEM;
	criu_render_node__pack(&d->e, buf);
	snprintf(name, sizeof(name), IMG_RENDERD_FILE, d->id);
	ret = kfd_image_write(name, buf, len);
	free(buf);
	return ret;
}

int amdgpu_dump_render(int fd, int id, unsigned int minor)
{
	struct render_dump d = { .fd = fd, .id = id, .minor = minor };
	struct kfd_topology *topo = malloc(sizeof(*topo));
	struct timespec now;
	const KfdDeviceEntry *g;
	int ret;

	if (!topo)
		return -ENOMEM;
	criu_render_node__init(&d.e);
	clock_gettime(CLOCK_MONOTONIC, &now);
	d.idle_deadline =
		(uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec + GEM_IDLE_WAIT_NS;
	ret = topology_read(topo);
	g = ret ? NULL : topology_gpu_by_minor(topo, minor);
	if (!ret && !g) {
		pr_err(DRM_RENDER_FMT " is open, and is no GPU of " KFD_TOPOLOGY_DIR "\n", minor);
		ret = -ENODEV;
	}
	if (!ret) {
		d.e.gpu_id = g->gpu_id;
		d.e.id = (uint32_t)id;
		d.e.drm_render_minor = minor;
		ret = dump_bos(&d) ?: write_render_image(&d);
	}
	free_bos(&d.e);
	free(topo);
	return ret;
}
