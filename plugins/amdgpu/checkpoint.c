/* SPDX-License-Identifier: GPL-2.0 */
/*
 * checkpoint.c - dump of a task's /dev/kfd (its whole KFD process: GPUs, buffer objects with
 * their contents, KFD's private data for queues and events); render nodes are gem-dump.c's.
 * The fd criu gives is the task's own open file: KFD answers for that process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kfd_ioctl.h>

#include "kfd-plugin.h"
#include "kfd-image.h"
#include "kfd-seam.h"
#include "plugin-log.h"
#include "topology.h"

struct kfd_dump {
	int fd, id;
	bool paused; /* PROCESS_INFO succeeded: UNPAUSE is owed */
	struct kfd_ioctl_criu_args args;
	struct kfd_criu_device_bucket *devices;
	struct kfd_criu_bo_bucket *bos;
	void *priv;
	struct kfd_topology topo;
};

static int criu_op(int fd, struct kfd_ioctl_criu_args *args, uint32_t op, const char *what)
{
	int ret;

	args->op = op;
	ret = kfd_seam->ioctl(fd, AMDKFD_IOC_CRIU_OP, args);
	if (ret)
		pr_err("KFD %s of " KFD_DEV_PATH " failed: %s\n", what, strerror(-ret));
	return ret;
}

/* PROCESS_INFO (the queues are paused from here), then CHECKPOINT into new arrays. */
static int checkpoint_process(struct kfd_dump *d)
{
	struct kfd_ioctl_criu_args *a = &d->args;
	uint32_t i;
	int ret;

	ret = criu_op(d->fd, a, KFD_CRIU_OP_PROCESS_INFO, "PROCESS_INFO");
	if (ret)
		return ret;
	d->paused = true;
	pr_info("KFD process %u: %u GPU(s), %u BO(s), %u object(s), %llu bytes of private data\n",
		a->pid, a->num_devices, a->num_bos, a->num_objects,
		(unsigned long long)a->priv_data_size);
	if (a->priv_data_size > KFD_IMAGE_MAX) {
		pr_err("KFD's private data of %llu bytes is larger than any image\n",
		       (unsigned long long)a->priv_data_size);
		return -E2BIG;
	}
	d->devices = calloc(a->num_devices + 1, sizeof(*d->devices));
	d->bos = calloc(a->num_bos + 1, sizeof(*d->bos));
	d->priv = calloc(1, a->priv_data_size + 1);
	if (!d->devices || !d->bos || !d->priv)
		return -ENOMEM;
	/* until KFD fills them: no dmabuf to close */
	for (i = 0; i < a->num_bos; i++)
		d->bos[i].dmabuf_fd = (uint32_t)-1;
	a->devices = (uintptr_t)d->devices;
	a->bos = (uintptr_t)d->bos;
	a->priv_data = (uintptr_t)d->priv;
	return criu_op(d->fd, a, KFD_CRIU_OP_CHECKPOINT, "CHECKPOINT");
}

static int fill_devices(struct kfd_dump *d, CriuKfd *e)
{
	uint32_t i;

	e->n_device_entries = d->args.num_devices;
	e->device_entries = calloc(d->args.num_devices + 1, sizeof(*e->device_entries));
	if (!e->device_entries)
		return -ENOMEM;
	for (i = 0; i < d->args.num_devices; i++) {
		const KfdDeviceEntry *g = topology_gpu(&d->topo, d->devices[i].user_gpu_id);

		if (!g) {
			pr_err("KFD names GPU %#x, which is not in " KFD_TOPOLOGY_DIR "\n",
			       d->devices[i].user_gpu_id);
			return -ENODEV;
		}
		/* a copy of the topology entry: the image keeps the GPU's properties */
		e->device_entries[i] = (KfdDeviceEntry *)g;
	}
	return 0;
}

static int fill_bos(struct kfd_dump *d, CriuKfd *e)
{
	KfdBoEntry *entries;
	uint32_t i;

	e->n_bo_entries = d->args.num_bos;
	e->bo_entries = calloc(d->args.num_bos + 1, sizeof(*e->bo_entries));
	entries = calloc(d->args.num_bos + 1, sizeof(*entries));
	if (!e->bo_entries || !entries) {
		free(entries);
		return -ENOMEM;
	}
	/* write_kfd_image() frees the entries through the first slot, BOs or none */
	e->bo_entries[0] = entries;
	for (i = 0; i < d->args.num_bos; i++) {
		const struct kfd_criu_bo_bucket *b = &d->bos[i];

		kfd_bo_entry__init(&entries[i]);
		entries[i].addr = b->addr;
		entries[i].size = b->size;
		entries[i].offset = b->offset;
		entries[i].alloc_flags = b->alloc_flags;
		entries[i].gpu_id = b->gpu_id;
		entries[i].handle = i;
		e->bo_entries[i] = &entries[i];
	}
	return 0;
}

static int write_kfd_image(struct kfd_dump *d)
{
	CriuKfd e = CRIU_KFD__INIT;
	char name[64];
	size_t len;
	void *buf;
	int ret;

	e.pid = d->args.pid;
	e.num_of_gpus = d->args.num_devices;
	e.num_of_cpus = d->topo.nr_cpus;
	e.num_of_bos = d->args.num_bos;
	e.num_of_objects = d->args.num_objects;
	e.priv_data.len = d->args.priv_data_size;
	e.priv_data.data = d->priv;
	ret = fill_devices(d, &e) ?: fill_bos(d, &e);
	if (ret)
		goto out_free;
	len = criu_kfd__get_packed_size(&e);
	buf = malloc(len + 1);
	ret = -ENOMEM;
	if (buf) {
		criu_kfd__pack(&e, buf);
		snprintf(name, sizeof(name), IMG_KFD_FILE, d->id);
		ret = kfd_image_write(name, buf, len);
		free(buf);
	}
out_free:
	if (e.bo_entries)
		free(e.bo_entries[0]);
	free(e.bo_entries);
	free(e.device_entries);
	return ret;
}

static uint64_t gpu_contents_size(const struct kfd_dump *d, uint32_t gpu_id)
{
	uint64_t size = 0;
	uint32_t i;

	for (i = 0; i < d->args.num_bos; i++)
		if (d->bos[i].gpu_id == gpu_id && KFD_BO_HAS_CONTENTS(d->bos[i].alloc_flags))
			size += d->bos[i].size;
	return size;
}

/* Each BO of the GPU through its dmabuf, in bucket order, into one pages image. */
static int copy_bos(struct kfd_dump *d, uint32_t gpu_id, int drm_fd, FILE *f)
{
	void *buf = NULL;
	uint32_t i;
	int ret = 0;

	for (i = 0; !ret && i < d->args.num_bos; i++) {
		const struct kfd_criu_bo_bucket *b = &d->bos[i];

		if (b->gpu_id != gpu_id || !KFD_BO_HAS_CONTENTS(b->alloc_flags))
			continue;
		if (KFD_BUCKET_NO_FD(b->dmabuf_fd)) {
			pr_err("KFD gave no dmabuf for BO %#llx of GPU %#x\n",
			       (unsigned long long)b->addr, gpu_id);
			ret = -EINVAL;
			break;
		}
		free(buf);
		buf = malloc(b->size ? b->size : 1);
		if (!buf) {
			ret = -ENOMEM;
			break;
		}
		ret = kfd_seam->bo_copy(drm_fd, (int)b->dmabuf_fd, buf, b->size, false);
		if (ret)
			pr_err("Can't read BO %#llx (%llu bytes) of GPU %#x: %s\n",
			       (unsigned long long)b->addr, (unsigned long long)b->size, gpu_id,
			       strerror(-ret));
		else if (b->size && fwrite(buf, b->size, 1, f) != 1)
			ret = -EIO;
	}
	free(buf);
	return ret;
}

static int dump_gpu_contents(struct kfd_dump *d, const struct kfd_criu_device_bucket *dev)
{
	const KfdDeviceEntry *g = topology_gpu(&d->topo, dev->user_gpu_id);
	char name[64], node[64];
	int drm_fd, ret;
	FILE *f;

	snprintf(node, sizeof(node), DRM_RENDER_FMT, g->drm_render_minor);
	drm_fd = kfd_seam->open(node, O_RDWR);
	if (drm_fd < 0) {
		pr_err("Can't open %s, the render node of GPU %#x: %s\n", node, g->gpu_id,
		       strerror(-drm_fd));
		return drm_fd;
	}
	snprintf(name, sizeof(name), IMG_PAGES_FILE, d->id, dev->user_gpu_id);
	f = kfd_image_create(name, gpu_contents_size(d, dev->user_gpu_id));
	ret = f ? copy_bos(d, dev->user_gpu_id, drm_fd, f) : -EIO;
	if (f)
		ret = kfd_image_close(f, name) ?: ret;
	kfd_seam->close(drm_fd);
	return ret;
}

static void free_dump(struct kfd_dump *d)
{
	uint32_t i;

	for (i = 0; d->bos && i < d->args.num_bos; i++)
		if (!KFD_BUCKET_NO_FD(d->bos[i].dmabuf_fd))
			kfd_seam->close((int)d->bos[i].dmabuf_fd);
	free(d->devices);
	free(d->bos);
	free(d->priv);
}

int amdgpu_dump_kfd(int fd, int id)
{
	struct kfd_dump d = { .fd = fd, .id = id };
	struct kfd_ioctl_criu_args unpause = {};
	uint32_t i;
	int ret;

	ret = topology_read(&d.topo);
	if (ret)
		return ret;
	ret = checkpoint_process(&d);
	if (!d.paused) {
		free_dump(&d);
		return ret;
	}
	ret = ret ?: write_kfd_image(&d);
	for (i = 0; !ret && i < d.args.num_devices; i++)
		ret = dump_gpu_contents(&d, &d.devices[i]);
	/* the dmabufs tasks hold name their BO by the dmabuf KFD gave for it here */
	for (i = 0; !ret && i < d.args.num_bos; i++)
		if (!KFD_BUCKET_NO_FD(d.bos[i].dmabuf_fd))
			ret = amdgpu_dmabuf_note_bo(id, i, (int)d.bos[i].dmabuf_fd);
	free_dump(&d);
	/* PROCESS_INFO paused the queues: they go on, as the task does after -R or a failure */
	return criu_op(fd, &unpause, KFD_CRIU_OP_UNPAUSE, "UNPAUSE") ?: ret;
}
