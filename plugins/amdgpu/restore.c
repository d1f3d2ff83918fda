/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore.c - restore of a task's /dev/kfd and render nodes, in the restored task itself
 * (KFD makes the process of whoever opens /dev/kfd): the dumped GPUs mapped onto local ones
 * (topology.c), KFD RESTORE with the images' BOs and private data, the BOs' contents written
 * back through their dmabufs. What the task's device mappings need later (UPDATE_VMA_MAP:
 * the BOs' new offsets, the render nodes KFD made them on) is remembered here; RESUME comes
 * from criu once every task's memory is in place (amdgpu_resume).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kfd_ioctl.h>

#include "kfd-plugin.h"
#include "kfd-image.h"
#include "kfd-seam.h"
#include "plugin-log.h"
#include "topology.h"

/* A dumped GPU and the local one it became, with the render node KFD restored on. */
struct gpu_map {
	uint32_t saved_id, local_id, local_minor;
	int drm_fd;
};

struct restored_bo {
	uint64_t addr, restored_offset;
	uint32_t local_gpu;
};

/* What this restored task's mappings need (one KFD process per task). */
static struct {
	struct gpu_map gpus[KFD_MAX_GPUS];
	unsigned int nr_gpus;
	struct restored_bo *bos;
	unsigned int nr_bos;
} rst;

void amdgpu_restore_reset(void)
{
	unsigned int i;

	for (i = 0; i < rst.nr_gpus; i++)
		kfd_seam->close(rst.gpus[i].drm_fd);
	free(rst.bos);
	memset(&rst, 0, sizeof(rst));
}

static const struct gpu_map *gpu_of_saved(uint32_t saved_id)
{
	unsigned int i;

	for (i = 0; i < rst.nr_gpus; i++)
		if (rst.gpus[i].saved_id == saved_id)
			return &rst.gpus[i];
	return NULL;
}

/* The image against itself: counts, and every BO on one of its GPUs. */
static int check_image(const CriuKfd *e, const char *name)
{
	uint64_t i;

	if (e->num_of_gpus != e->n_device_entries || e->num_of_bos != e->n_bo_entries ||
	    e->n_device_entries > KFD_MAX_GPUS) {
		pr_err("%s: its counts of GPUs or BOs don't match its entries\n", name);
		return -EINVAL;
	}
	for (i = 0; i < e->n_bo_entries; i++) {
		uint32_t g;

		for (g = 0; g < e->n_device_entries; g++)
			if (e->device_entries[g]->gpu_id == e->bo_entries[i]->gpu_id)
				break;
		if (g == e->n_device_entries) {
			pr_err("%s: BO %llu is on no GPU of the image\n", name,
			       (unsigned long long)i);
			return -EINVAL;
		}
	}
	return 0;
}

static CriuKfd *read_kfd_image(int id)
{
	CriuKfd *e = NULL;
	char name[64];
	size_t len;
	void *buf;

	snprintf(name, sizeof(name), IMG_KFD_FILE, id);
	if (kfd_image_read(name, &buf, &len))
		return NULL;
	e = criu_kfd__unpack(NULL, len, buf);
	free(buf);
	if (!e)
		pr_err("%s: not a criu_kfd message\n", name);
	else if (check_image(e, name)) {
		criu_kfd__free_unpacked(e, NULL);
		e = NULL;
	}
	return e;
}

/* Map the GPUs and open the render node of each local one. */
static int map_gpus(const CriuKfd *e, struct kfd_ioctl_criu_args *a,
		    struct kfd_criu_device_bucket *devs)
{
	const KfdDeviceEntry *dest[KFD_MAX_GPUS];
	struct kfd_topology *topo = malloc(sizeof(*topo));
	char node[64];
	uint32_t i;
	int ret;

	if (!topo)
		return -ENOMEM;
	ret = topology_read(topo)
		      ?: topology_map(e->device_entries, e->n_device_entries, topo, dest);
	for (i = 0; !ret && i < e->n_device_entries; i++) {
		struct gpu_map *m = &rst.gpus[rst.nr_gpus];

		snprintf(node, sizeof(node), DRM_RENDER_FMT, dest[i]->drm_render_minor);
		m->drm_fd = kfd_seam->open(node, O_RDWR);
		if (m->drm_fd < 0) {
			pr_err("Can't open %s for GPU %#x: %s\n", node, dest[i]->gpu_id,
			       strerror(-m->drm_fd));
			ret = m->drm_fd;
			break;
		}
		m->saved_id = e->device_entries[i]->gpu_id;
		m->local_id = dest[i]->gpu_id;
		m->local_minor = dest[i]->drm_render_minor;
		rst.nr_gpus++;
		devs[i] = (struct kfd_criu_device_bucket){ .user_gpu_id = m->saved_id,
							   .actual_gpu_id = m->local_id,
							   .drm_fd = (uint32_t)m->drm_fd };
		pr_info("GPU %#x of the dump is GPU %#x (%s) here\n", m->saved_id, m->local_id,
			node);
	}
	free(topo);
	a->num_devices = e->n_device_entries;
	a->devices = (uintptr_t)devs;
	return ret;
}

static void fill_bo_buckets(const CriuKfd *e, struct kfd_criu_bo_bucket *bos)
{
	uint64_t i;

	for (i = 0; i < e->n_bo_entries; i++) {
		const KfdBoEntry *b = e->bo_entries[i];

		bos[i] = (struct kfd_criu_bo_bucket){ .addr = b->addr,
						      .size = b->size,
						      .offset = b->offset,
						      .gpu_id = b->gpu_id,
						      .alloc_flags = b->alloc_flags,
						      .dmabuf_fd = (uint32_t)-1 };
	}
}

/* The pages image of one GPU back into its BOs, in the order the dump wrote them. */
static int fill_gpu_bos(const CriuKfd *e, const struct kfd_criu_bo_bucket *bos, int id,
			const struct gpu_map *m)
{
	uint64_t size, want = 0, i;
	void *buf = NULL;
	char name[64];
	int ret = 0;
	FILE *f;

	for (i = 0; i < e->n_bo_entries; i++)
		if (bos[i].gpu_id == m->saved_id && KFD_BO_HAS_CONTENTS(bos[i].alloc_flags))
			want += bos[i].size;
	snprintf(name, sizeof(name), IMG_PAGES_FILE, id, m->saved_id);
	f = kfd_image_open(name, &size);
	if (!f)
		return -EIO;
	if (size != want) {
		pr_err("%s holds %llu bytes; the BOs of GPU %#x need %llu\n", name,
		       (unsigned long long)size, m->saved_id, (unsigned long long)want);
		ret = -EINVAL;
	}
	for (i = 0; !ret && i < e->n_bo_entries; i++) {
		if (bos[i].gpu_id != m->saved_id || !KFD_BO_HAS_CONTENTS(bos[i].alloc_flags))
			continue;
		free(buf);
		buf = malloc(bos[i].size ? bos[i].size : 1);
		if (!buf || (bos[i].size && fread(buf, bos[i].size, 1, f) != 1)) {
			ret = buf ? -EIO : -ENOMEM;
			break;
		}
		if (KFD_BUCKET_NO_FD(bos[i].dmabuf_fd))
			ret = -EINVAL;
		else
			ret = kfd_seam->bo_copy(m->drm_fd, (int)bos[i].dmabuf_fd, buf, bos[i].size,
						true);
		if (ret)
			pr_err("Can't fill BO %#llx of GPU %#x: %s\n",
			       (unsigned long long)bos[i].addr, m->local_id, strerror(-ret));
	}
	free(buf);
	fclose(f);
	return ret;
}

static int remember_bos(const CriuKfd *e, const struct kfd_criu_bo_bucket *bos)
{
	uint64_t i;

	rst.bos = calloc(e->n_bo_entries + 1, sizeof(*rst.bos));
	if (!rst.bos)
		return -ENOMEM;
	for (i = 0; i < e->n_bo_entries; i++) {
		const struct gpu_map *m = gpu_of_saved(bos[i].gpu_id);

		rst.bos[i] = (struct restored_bo){ bos[i].addr, bos[i].restored_offset,
						   m ? m->local_id : 0 };
	}
	rst.nr_bos = (unsigned int)e->n_bo_entries;
	return 0;
}

static int restore_process(int kfd, const CriuKfd *e, int id)
{
	struct kfd_criu_device_bucket *devs = calloc(e->n_device_entries + 1, sizeof(*devs));
	struct kfd_criu_bo_bucket *bos = calloc(e->n_bo_entries + 1, sizeof(*bos));
	void *priv = malloc(e->priv_data.len + 1);
	struct kfd_ioctl_criu_args a = {};
	uint64_t i;
	int ret = -ENOMEM;

	if (!devs || !bos || !priv)
		goto out_free;
	ret = map_gpus(e, &a, devs);
	if (ret)
		goto out_free;
	fill_bo_buckets(e, bos);
	memcpy(priv, e->priv_data.data, e->priv_data.len);
	a.bos = (uintptr_t)bos;
	a.num_bos = (uint32_t)e->n_bo_entries;
	a.priv_data = (uintptr_t)priv;
	a.priv_data_size = e->priv_data.len;
	a.num_objects = e->num_of_objects;
	a.op = KFD_CRIU_OP_RESTORE;
	ret = kfd_seam->ioctl(kfd, AMDKFD_IOC_CRIU_OP, &a);
	if (ret) {
		pr_err("KFD RESTORE of " KFD_DEV_PATH " (%u BOs on %u GPUs) failed: %s\n",
		       a.num_bos, a.num_devices, strerror(-ret));
		goto out_free;
	}
	for (i = 0; !ret && i < rst.nr_gpus; i++)
		ret = fill_gpu_bos(e, bos, id, &rst.gpus[i]);
	ret = ret ?: remember_bos(e, bos);
	ret = ret ?: amdgpu_dmabuf_publish(id, bos, a.num_bos);
	for (i = 0; i < e->n_bo_entries; i++)
		if (!KFD_BUCKET_NO_FD(bos[i].dmabuf_fd))
			kfd_seam->close((int)bos[i].dmabuf_fd);
out_free:
	free(devs);
	free(bos);
	free(priv);
	return ret;
}

int amdgpu_restore_kfd(int id)
{
	CriuKfd *e;
	int kfd, ret;

	if (rst.nr_gpus || rst.bos) {
		pr_err("A second " KFD_DEV_PATH " file in one task: not supported yet\n");
		return -EOPNOTSUPP;
	}
	e = read_kfd_image(id);
	if (!e)
		return -EINVAL;
	kfd = kfd_seam->open(KFD_DEV_PATH, O_RDWR);
	if (kfd < 0) {
		pr_err("Can't open " KFD_DEV_PATH " (is amdgpu loaded, with a GPU?): %s\n",
		       strerror(-kfd));
		criu_kfd__free_unpacked(e, NULL);
		return kfd;
	}
	ret = restore_process(kfd, e, id);
	criu_kfd__free_unpacked(e, NULL);
	if (ret) {
		kfd_seam->close(kfd);
		amdgpu_restore_reset();
		return ret;
	}
	return kfd;
}

static int read_render_image(int id, CriuRenderNode **e)
{
	char name[64];
	size_t len;
	void *buf;

	snprintf(name, sizeof(name), IMG_RENDERD_FILE, id);
	if (kfd_image_read(name, &buf, &len))
		return -EINVAL;
	*e = criu_render_node__unpack(NULL, len, buf);
	free(buf);
	if (!*e) {
		pr_err("%s: not a criu_render_node message\n", name);
		return -EINVAL;
	}
	return 0;
}

/* The render node of the GPU KFD mapped it to in this task, else of the same gpu_id here. */
static int render_node_path(const CriuRenderNode *e, char *node, size_t len)
{
	const struct gpu_map *m = gpu_of_saved(e->gpu_id);
	struct kfd_topology *topo;
	const KfdDeviceEntry *g;

	if (m) {
		snprintf(node, len, DRM_RENDER_FMT, m->local_minor);
		return 0;
	}
	topo = malloc(sizeof(*topo));
	if (!topo || topology_read(topo) || !(g = topology_gpu(topo, e->gpu_id))) {
		pr_err("The render node of GPU %#x (renderD%u) has no GPU of that id here: restore "
		       "the task's " KFD_DEV_PATH " first or give KFD_DESTINATION_GPUS\n",
		       e->gpu_id, e->drm_render_minor);
		free(topo);
		return -ENODEV;
	}
	snprintf(node, len, DRM_RENDER_FMT, g->drm_render_minor);
	free(topo);
	return 0;
}

/* A new file of the node, with the dumped file's GEM BOs (gem-restore.c). */
int amdgpu_restore_render(int id, bool *retry_needed)
{
	CriuRenderNode *e;
	char node[64];
	int ret, fd;

	ret = read_render_image(id, &e);
	if (ret)
		return ret;
	ret = amdgpu_gem_imports_ready(e);
	if (ret <= 0) {
		/* a BO it shares is not restored by the file that owns it yet */
		*retry_needed = !ret;
		criu_render_node__free_unpacked(e, NULL);
		return ret;
	}
	ret = render_node_path(e, node, sizeof(node));
	fd = ret ?: kfd_seam->open(node, O_RDWR);
	if (!ret && fd < 0)
		pr_err("Can't open %s: %s\n", node, strerror(-fd));
	if (fd >= 0) {
		ret = amdgpu_gem_restore(fd, e);
		if (ret) {
			kfd_seam->close(fd);
			fd = ret;
		}
	}
	criu_render_node__free_unpacked(e, NULL);
	return fd;
}

/* /dev/kfd: the gpu_id in the offset is the local one now. */
static int update_kfd_vma(uint64_t old_pgoff, uint64_t *new_pgoff, int *plugin_fd)
{
	uint32_t old_id = (uint32_t)((old_pgoff & KFD_MMAP_GPU_ID_MASK) >> KFD_MMAP_GPU_ID_SHIFT);
	unsigned int i;

	*new_pgoff = old_pgoff;
	for (i = 0; old_id && i < rst.nr_gpus; i++)
		if ((rst.gpus[i].saved_id & 0xffff) == old_id)
			*new_pgoff = (old_pgoff & ~KFD_MMAP_GPU_ID_MASK) |
				     (((uint64_t)rst.gpus[i].local_id << KFD_MMAP_GPU_ID_SHIFT) &
				      KFD_MMAP_GPU_ID_MASK);
	*plugin_fd = kfd_seam->open(KFD_DEV_PATH, O_RDWR);
	return *plugin_fd < 0 ? *plugin_fd : 0;
}

/*
 * A render node: a GEM BO of a restored file, by its dumped offset, or else the KFD BO at
 * addr, at its new offset, through the file KFD made it on.
 */
static int update_render_vma(uint64_t addr, uint64_t old_pgoff, uint64_t *new_pgoff, int *plugin_fd)
{
	unsigned int i, g;
	int ret = amdgpu_gem_update_vma(old_pgoff, new_pgoff, plugin_fd);

	if (ret != -ENOENT)
		return ret;

	for (i = 0; i < rst.nr_bos; i++) {
		if (rst.bos[i].addr != addr)
			continue;
		for (g = 0; g < rst.nr_gpus; g++) {
			if (rst.gpus[g].local_id != rst.bos[i].local_gpu)
				continue;
			*new_pgoff = rst.bos[i].restored_offset;
			*plugin_fd = kfd_seam->dup(rst.gpus[g].drm_fd);
			return *plugin_fd < 0 ? *plugin_fd : 0;
		}
	}
	pr_err("No restored BO is at %#llx, mapped from a render node\n", (unsigned long long)addr);
	return -ENOENT;
}

int amdgpu_update_vma(const char *path, uint64_t addr, uint64_t old_pgoff, uint64_t *new_pgoff,
		      int *plugin_fd)
{
	unsigned int minor;

	if (!strcmp(path, KFD_DEV_PATH))
		return update_kfd_vma(old_pgoff, new_pgoff, plugin_fd);
	if (sscanf(path, DRM_RENDER_FMT, &minor) == 1)
		return update_render_vma(addr, old_pgoff, new_pgoff, plugin_fd);
	return -ENOTSUP;
}

int amdgpu_resume(pid_t pid)
{
	struct kfd_ioctl_criu_args a = { .pid = (uint32_t)pid, .op = KFD_CRIU_OP_RESUME };
	int kfd, ret;

	ret = kfd_seam->task_has_kfd(pid);
	if (ret <= 0)
		return ret ?: -ENOTSUP;
	kfd = kfd_seam->open(KFD_DEV_PATH, O_RDWR);
	if (kfd < 0) {
		pr_err("Can't open " KFD_DEV_PATH " to resume task %d: %s\n", pid, strerror(-kfd));
		return kfd;
	}
	ret = kfd_seam->ioctl(kfd, AMDKFD_IOC_CRIU_OP, &a);
	if (ret)
		pr_err("KFD RESUME of task %d failed: %s\n", pid, strerror(-ret));
	kfd_seam->close(kfd);
	return ret;
}
