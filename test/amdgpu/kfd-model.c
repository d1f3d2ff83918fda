/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfd-model.c - the KFD model behind the AMDGPU plugin's tests (kfd-model.h).
 *
 * What it holds to, from linux/kfd_ioctl.h: PROCESS_INFO pauses the process and gives the
 * counts; CHECKPOINT needs a paused process and arrays of exactly those counts, and gives a
 * dmabuf fd for each VRAM or GTT BO (an invalid fd for the others); UNPAUSE needs a paused
 * process; RESTORE runs in a process with no GPU state yet, with one device bucket per
 * dumped GPU (a local GPU id and a render node of that GPU), BOs on those GPUs, the private
 * data it gave at CHECKPOINT unchanged and the same object count; RESUME (by pid) needs a
 * restored process. The private data is the model's own layout, opaque to the plugin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kfd_ioctl.h>

#include "amdgpu-gem.h"
#include "gem-model.h"
#include "kfd-model.h"

#define MAX_NODES  16
#define MAX_PROCS  8
#define MAX_BOS	   64
#define MAX_QS	   16
#define MAX_EVS	   16
#define MAX_FDS	   256
#define NO_FD	   0xffffffffu
#define PRIV_MAGIC 0x4b46444du /* "KFDM" */

struct node {
	bool gpu;
	struct model_gpu_props p;
};

struct bo {
	uint64_t addr, size, offset;
	uint32_t gpu_id, flags;
	uint8_t *data;
};

struct proc {
	pid_t pid;
	bool used, paused, restored, resumed;
	uint32_t gpus[MAX_NODES];
	unsigned int nr_gpus, nr_bos, nr_qs, nr_evs;
	struct bo bos[MAX_BOS];
	struct model_queue qs[MAX_QS];
	struct model_event evs[MAX_EVS];
};

enum fd_kind { FD_FREE, FD_KFD, FD_RENDER, FD_DMABUF, FD_GEMBUF };

struct mfd {
	enum fd_kind kind;
	pid_t pid;	/* KFD: the process; DMABUF: the BO's owner */
	uint32_t minor; /* RENDER */
	uint64_t addr;	/* DMABUF: the BO; GEMBUF: the GEM object (gem-model.c) */
	int gem;	/* RENDER: its file's GEM state (gem-model.c) */
};

static struct node nodes[MAX_NODES];
static unsigned int nr_nodes;
static struct proc procs[MAX_PROCS];
static struct mfd fds[MAX_FDS];
static pid_t current;
static uint64_t next_offset = 0x100000;
static uint32_t fail_op = ~0u;
static int fail_err;

/* ---- machine and processes ---- */

void model_reset(void)
{
	unsigned int i, j;

	for (i = 0; i < MAX_PROCS; i++)
		for (j = 0; j < procs[i].nr_bos; j++)
			free(procs[i].bos[j].data);
	memset(nodes, 0, sizeof(nodes));
	memset(procs, 0, sizeof(procs));
	memset(fds, 0, sizeof(fds));
	nr_nodes = 0;
	current = 0;
	fail_op = ~0u;
	gem_model_reset();
}

void model_add_cpu(void)
{
	nodes[nr_nodes++] = (struct node){ .gpu = false };
}

void model_add_gpu(const struct model_gpu_props *p)
{
	nodes[nr_nodes++] = (struct node){ .gpu = true, .p = *p };
}

static const struct node *gpu_node(uint32_t gpu_id)
{
	unsigned int i;

	for (i = 0; i < nr_nodes; i++)
		if (nodes[i].gpu && nodes[i].p.gpu_id == gpu_id)
			return &nodes[i];
	return NULL;
}

static struct proc *proc_of(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < MAX_PROCS; i++)
		if (procs[i].used && procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

static struct proc *proc_get(pid_t pid)
{
	struct proc *p = proc_of(pid);
	unsigned int i;

	for (i = 0; !p && i < MAX_PROCS; i++)
		if (!procs[i].used) {
			p = &procs[i];
			memset(p, 0, sizeof(*p));
			p->used = true;
			p->pid = pid;
		}
	return p;
}

void model_set_current(pid_t pid)
{
	current = pid;
}

static void use_gpu(struct proc *p, uint32_t gpu_id)
{
	unsigned int i;

	for (i = 0; i < p->nr_gpus; i++)
		if (p->gpus[i] == gpu_id)
			return;
	p->gpus[p->nr_gpus++] = gpu_id;
}

static struct bo *add_bo(struct proc *p, uint32_t gpu_id, uint64_t addr, uint64_t size,
			 uint32_t flags)
{
	struct bo *b;

	if (p->nr_bos == MAX_BOS || !gpu_node(gpu_id) || !size || addr % 4096)
		return NULL;
	b = &p->bos[p->nr_bos];
	b->data = calloc(1, size);
	if (!b->data)
		return NULL;
	p->nr_bos++;
	b->addr = addr;
	b->size = size;
	b->gpu_id = gpu_id;
	b->flags = flags;
	b->offset = next_offset;
	next_offset += (size + 4095) & ~4095ull;
	use_gpu(p, gpu_id);
	return b;
}

uint8_t *model_alloc_bo(uint32_t gpu_id, uint64_t addr, uint64_t size, uint32_t flags)
{
	struct proc *p = proc_of(current);
	struct bo *b = p ? add_bo(p, gpu_id, addr, size, flags) : NULL;

	return b ? b->data : NULL;
}

int model_add_queue(const struct model_queue *q)
{
	struct proc *p = proc_of(current);

	if (!p || p->nr_qs == MAX_QS || !gpu_node(q->gpu_id))
		return -EINVAL;
	p->qs[p->nr_qs++] = *q;
	use_gpu(p, q->gpu_id);
	return 0;
}

int model_add_event(const struct model_event *e)
{
	struct proc *p = proc_of(current);

	if (!p || p->nr_evs == MAX_EVS)
		return -EINVAL;
	p->evs[p->nr_evs++] = *e;
	return 0;
}

static void free_fd(struct mfd *f)
{
	if (f->kind == FD_RENDER && f->gem)
		gem_file_put(f->gem);
	if (f->kind == FD_GEMBUF)
		gem_model_obj_put((uint32_t)f->addr);
	f->kind = FD_FREE;
}

void model_kill(pid_t pid)
{
	struct proc *p = proc_of(pid);
	unsigned int i;

	for (i = 0; i < MAX_FDS; i++)
		if (fds[i].kind != FD_FREE && fds[i].pid == pid)
			free_fd(&fds[i]);
	if (!p)
		return;
	for (i = 0; i < p->nr_bos; i++)
		free(p->bos[i].data);
	memset(p, 0, sizeof(*p));
}

bool model_paused(pid_t pid)
{
	struct proc *p = proc_of(pid);

	return p && p->paused;
}

bool model_resumed(pid_t pid)
{
	struct proc *p = proc_of(pid);

	return p && p->resumed;
}

unsigned int model_nr_bos(pid_t pid)
{
	struct proc *p = proc_of(pid);

	return p ? p->nr_bos : 0;
}

void model_fail_next(uint32_t op, int err)
{
	fail_op = op;
	fail_err = err;
}

unsigned int model_open_fds(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < MAX_FDS; i++)
		n += fds[i].kind != FD_FREE;
	return n;
}

/* ---- fds ---- */

static int new_fd(enum fd_kind kind, pid_t pid, uint32_t minor, uint64_t addr)
{
	unsigned int i;

	for (i = 0; i < MAX_FDS; i++)
		if (fds[i].kind == FD_FREE) {
			fds[i] = (struct mfd){ kind, pid, minor, addr, 0 };
			return KFD_MODEL_FD0 + (int)i;
		}
	return -EMFILE;
}

static struct mfd *fd_of(int fd)
{
	if (fd < KFD_MODEL_FD0 || fd >= KFD_MODEL_FD0 + MAX_FDS)
		return NULL;
	return fds[fd - KFD_MODEL_FD0].kind == FD_FREE ? NULL : &fds[fd - KFD_MODEL_FD0];
}

int model_render_file(int fd)
{
	const struct mfd *f = fd_of(fd);

	return f && f->kind == FD_RENDER ? f->gem : -EBADF;
}

static struct bo *bo_at(struct proc *p, uint64_t addr)
{
	unsigned int i;

	for (i = 0; p && i < p->nr_bos; i++)
		if (p->bos[i].addr == addr)
			return &p->bos[i];
	return NULL;
}

int model_export_dmabuf(uint64_t addr)
{
	return bo_at(proc_of(current), addr) ? new_fd(FD_DMABUF, current, 0, addr) : -EINVAL;
}

/* A new file of render node minor, with its own GEM handles and VM. */
static int open_render(uint32_t minor)
{
	int fd = new_fd(FD_RENDER, current, minor, 0), file;

	if (fd < 0)
		return fd;
	file = gem_file_open();
	if (file < 0) {
		fds[fd - KFD_MODEL_FD0].kind = FD_FREE;
		return file;
	}
	fds[fd - KFD_MODEL_FD0].gem = file;
	return fd;
}

static int m_open(const char *path, int flags)
{
	unsigned int minor, i;

	if (!strcmp(path, KFD_DEV_PATH)) {
		if (!nr_nodes)
			return -ENOENT; /* no amdkfd: no /dev/kfd */
		if (!proc_get(current))
			return -ENOMEM;
		return new_fd(FD_KFD, current, 0, 0);
	}
	if (sscanf(path, DRM_RENDER_FMT, &minor) == 1)
		for (i = 0; i < nr_nodes; i++)
			if (nodes[i].gpu && nodes[i].p.minor == minor)
				return open_render(minor);
	return -ENOENT;
}

static int m_close(int fd)
{
	struct mfd *f = fd_of(fd);

	if (!f)
		return -EBADF;
	free_fd(f);
	return 0;
}

/* Another fd of the same open file: a render node's GEM state is shared. */
static int m_dup(int fd)
{
	struct mfd *f = fd_of(fd);
	int nfd = f ? new_fd(f->kind, f->pid, f->minor, f->addr) : -EBADF;

	if (nfd >= 0 && f->kind == FD_RENDER) {
		gem_file_get(f->gem);
		fds[nfd - KFD_MODEL_FD0].gem = f->gem;
	}
	if (nfd >= 0 && f->kind == FD_GEMBUF)
		gem_model_obj_get((uint32_t)f->addr);
	return nfd;
}

static uint64_t kfd_bo_ino(const struct mfd *f)
{
	return ((uint64_t)f->pid << 48) ^ f->addr;
}

static int m_fd_info(int fd, struct kfd_fd_info *info)
{
	struct mfd *f = fd_of(fd);

	memset(info, 0, sizeof(*info));
	if (!f)
		return 0; /* a real fd of the test: something else */
	info->kind = f->kind == FD_KFD	    ? KFD_FD_KFD
		     : f->kind == FD_RENDER ? KFD_FD_RENDER
					    : KFD_FD_DMABUF;
	info->render_minor = f->minor;
	/* one dmabuf per BO, as the kernel keeps it: an inode of its own, whoever holds it */
	info->ino = f->kind == FD_DMABUF   ? kfd_bo_ino(f)
		    : f->kind == FD_GEMBUF ? gem_model_ino((uint32_t)f->addr)
					   : 0;
	return 0;
}

int model_dmabuf_bo(int fd, pid_t *owner, uint64_t *addr)
{
	struct mfd *f = fd_of(fd);

	if (!f || f->kind != FD_DMABUF || !bo_at(proc_of(f->pid), f->addr))
		return -EBADF;
	*owner = f->pid;
	*addr = f->addr;
	return 0;
}

static int m_task_has_kfd(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < MAX_FDS; i++)
		if (fds[i].kind == FD_KFD && fds[i].pid == pid)
			return 1;
	return 0;
}

/* ---- sysfs ---- */

static ssize_t put(char *buf, size_t len, const char *text)
{
	size_t n = strlen(text);

	if (n >= len)
		return -EOVERFLOW;
	memcpy(buf, text, n + 1);
	return (ssize_t)n;
}

static ssize_t node_props(const struct node *nd, char *buf, size_t len)
{
	char t[2048];

	if (!nd->gpu)
		return put(buf, len, "cpu_cores_count 8\nsimd_count 0\nmem_banks_count 1\n");
	snprintf(t, sizeof(t),
		 "cpu_cores_count 0\nsimd_count %u\nmem_banks_count 1\ncaches_count 4\n"
		 "io_links_count 1\nmax_waves_per_simd 10\nlds_size_in_kb 64\ngds_size_in_kb 0\n"
		 "num_gws 64\nwave_front_size 64\narray_count 4\nsimd_arrays_per_engine 1\n"
		 "cu_per_simd_array 15\nsimd_per_cu 4\nmax_slots_scratch_cu 32\n"
		 "gfx_target_version 90008\nvendor_id 4098\ndevice_id %u\nlocation_id 512\n"
		 "domain 0\ndrm_render_minor %u\nhive_id 0\nnum_sdma_engines 2\n"
		 "num_sdma_xgmi_engines 0\nnum_sdma_queues_per_engine 8\nnum_cp_queues 24\n"
		 "fw_version %u\ncapability 671588992\nsdma_fw_version 430\n",
		 nd->p.simd_count, nd->p.device_id, nd->p.minor, nd->p.fw_version);
	return put(buf, len, t);
}

static ssize_t m_read_text(const char *path, char *buf, size_t len)
{
	unsigned int n, b;
	char tail[64], t[256];

	if (sscanf(path, KFD_TOPOLOGY_DIR "/%u/%63s", &n, tail) != 2 || n >= nr_nodes)
		return -ENOENT;
	if (!strcmp(tail, "gpu_id")) {
		snprintf(t, sizeof(t), "%u\n", nodes[n].gpu ? nodes[n].p.gpu_id : 0);
		return put(buf, len, t);
	}
	if (!strcmp(tail, "properties"))
		return node_props(&nodes[n], buf, len);
	if (sscanf(tail, "mem_banks/%u/propertie%c", &b, t) == 2 && b == 0 && nodes[n].gpu) {
		snprintf(t, sizeof(t), "heap_type 1\nsize_in_bytes %llu\nflags 0\n",
			 (unsigned long long)nodes[n].p.vram_size);
		return put(buf, len, t);
	}
	return -ENOENT;
}

/* ---- the CRIU ioctl ---- */

struct priv_head {
	uint32_t magic, nr_devs, nr_bos, nr_qs, nr_evs;
};

struct priv_bo {
	uint64_t addr;
	uint32_t index, pad;
};

static uint64_t priv_size(uint32_t devs, uint32_t bos, uint32_t qs, uint32_t evs)
{
	return sizeof(struct priv_head) + devs * sizeof(uint32_t) + bos * sizeof(struct priv_bo) +
	       qs * sizeof(struct model_queue) + evs * sizeof(struct model_event);
}

static void write_priv(const struct proc *p, uint8_t *out)
{
	struct priv_head h = { PRIV_MAGIC, p->nr_gpus, p->nr_bos, p->nr_qs, p->nr_evs };
	unsigned int i;

	memcpy(out, &h, sizeof(h));
	out += sizeof(h);
	memcpy(out, p->gpus, p->nr_gpus * sizeof(uint32_t));
	out += p->nr_gpus * sizeof(uint32_t);
	for (i = 0; i < p->nr_bos; i++) {
		struct priv_bo b = { p->bos[i].addr, i, 0 };

		memcpy(out, &b, sizeof(b));
		out += sizeof(b);
	}
	memcpy(out, p->qs, p->nr_qs * sizeof(p->qs[0]));
	out += p->nr_qs * sizeof(p->qs[0]);
	memcpy(out, p->evs, p->nr_evs * sizeof(p->evs[0]));
}

static struct proc *kfd_proc(int fd)
{
	struct mfd *f = fd_of(fd);

	return f && f->kind == FD_KFD ? proc_of(f->pid) : NULL;
}

static int op_process_info(struct proc *p, struct kfd_ioctl_criu_args *a)
{
	a->num_devices = p->nr_gpus;
	a->num_bos = p->nr_bos;
	a->num_objects = p->nr_qs + p->nr_evs;
	a->priv_data_size = priv_size(p->nr_gpus, p->nr_bos, p->nr_qs, p->nr_evs);
	a->pid = (uint32_t)p->pid;
	p->paused = true;
	return 0;
}

static int op_checkpoint(struct proc *p, struct kfd_ioctl_criu_args *a)
{
	struct kfd_criu_device_bucket *devs = (void *)(uintptr_t)a->devices;
	struct kfd_criu_bo_bucket *bos = (void *)(uintptr_t)a->bos;
	unsigned int i;

	if (!p->paused || !devs || !bos || !a->priv_data || a->num_devices != p->nr_gpus ||
	    a->num_bos != p->nr_bos || a->num_objects != p->nr_qs + p->nr_evs ||
	    a->priv_data_size < priv_size(p->nr_gpus, p->nr_bos, p->nr_qs, p->nr_evs))
		return -EINVAL;
	for (i = 0; i < p->nr_gpus; i++)
		devs[i] = (struct kfd_criu_device_bucket){ p->gpus[i], p->gpus[i], NO_FD, 0 };
	for (i = 0; i < p->nr_bos; i++) {
		const struct bo *b = &p->bos[i];
		int fd = NO_FD;

		if (b->flags & (KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_GTT)) {
			fd = new_fd(FD_DMABUF, p->pid, 0, b->addr);
			if (fd < 0)
				return fd;
		}
		bos[i] = (struct kfd_criu_bo_bucket){ .addr = b->addr,
						      .size = b->size,
						      .offset = b->offset,
						      .gpu_id = b->gpu_id,
						      .alloc_flags = b->flags,
						      .dmabuf_fd = (uint32_t)fd };
	}
	write_priv(p, (uint8_t *)(uintptr_t)a->priv_data);
	return 0;
}

/* The device buckets of a RESTORE: local GPUs, each once, each with its own render node. */
static int check_devices(const struct kfd_ioctl_criu_args *a, const uint32_t *saved_ids)
{
	const struct kfd_criu_device_bucket *d = (void *)(uintptr_t)a->devices;
	unsigned int i, j;

	for (i = 0; i < a->num_devices; i++) {
		const struct node *g = gpu_node(d[i].actual_gpu_id);
		const struct mfd *f = fd_of((int)d[i].drm_fd);

		for (j = 0; j < a->num_devices && saved_ids[j] != d[i].user_gpu_id; j++)
			;
		if (j == a->num_devices || !g)
			return -ENODEV;
		if (!f || f->kind != FD_RENDER || f->minor != g->p.minor)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (d[j].actual_gpu_id == d[i].actual_gpu_id)
				return -EINVAL;
	}
	return 0;
}

static uint32_t actual_gpu(const struct kfd_ioctl_criu_args *a, uint32_t user_id)
{
	const struct kfd_criu_device_bucket *d = (void *)(uintptr_t)a->devices;
	unsigned int i;

	for (i = 0; i < a->num_devices; i++)
		if (d[i].user_gpu_id == user_id)
			return d[i].actual_gpu_id;
	return 0;
}

/* The private data is packed (a GPU's id is 4 bytes): its records are copied out, unaligned. */
static int restore_bos(struct proc *p, struct kfd_ioctl_criu_args *a, const uint8_t *priv)
{
	struct kfd_criu_bo_bucket *bos = (void *)(uintptr_t)a->bos;
	unsigned int i;

	for (i = 0; i < a->num_bos; i++) {
		uint32_t gpu = actual_gpu(a, bos[i].gpu_id);
		struct priv_bo pb;
		struct bo *b;
		int fd = NO_FD;

		memcpy(&pb, priv + i * sizeof(pb), sizeof(pb));
		if (pb.addr != bos[i].addr || pb.index != i || !gpu || bo_at(p, bos[i].addr))
			return -EINVAL;
		b = add_bo(p, gpu, bos[i].addr, bos[i].size, bos[i].alloc_flags);
		if (!b)
			return -EINVAL;
		if (b->flags & (KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_GTT)) {
			fd = new_fd(FD_DMABUF, p->pid, 0, b->addr);
			if (fd < 0)
				return fd;
		}
		bos[i].restored_offset = b->offset;
		bos[i].dmabuf_fd = (uint32_t)fd;
	}
	return 0;
}

static int op_restore(struct proc *p, struct kfd_ioctl_criu_args *a)
{
	const uint8_t *priv = (const void *)(uintptr_t)a->priv_data;
	struct priv_head h;
	unsigned int i;
	int ret;

	/* KFD restores into the calling process, which must have no GPU state yet */
	if (p->pid != current || p->nr_bos || p->nr_qs || p->nr_evs || p->restored)
		return -EINVAL;
	if (!priv || !a->devices || (a->num_bos && !a->bos) || a->priv_data_size < sizeof(h))
		return -EINVAL;
	memcpy(&h, priv, sizeof(h));
	if (h.magic != PRIV_MAGIC || h.nr_devs != a->num_devices || h.nr_bos != a->num_bos ||
	    h.nr_qs + h.nr_evs != a->num_objects || h.nr_devs > MAX_NODES || h.nr_bos > MAX_BOS ||
	    h.nr_qs > MAX_QS || h.nr_evs > MAX_EVS ||
	    a->priv_data_size != priv_size(h.nr_devs, h.nr_bos, h.nr_qs, h.nr_evs))
		return -EINVAL;
	priv += sizeof(h);
	ret = check_devices(a, (const uint32_t *)priv);
	priv += h.nr_devs * sizeof(uint32_t);
	ret = ret ?: restore_bos(p, a, priv);
	priv += h.nr_bos * sizeof(struct priv_bo);
	for (i = 0; !ret && i < h.nr_qs; i++) {
		memcpy(&p->qs[i], priv + i * sizeof(p->qs[i]), sizeof(p->qs[i]));
		p->qs[i].gpu_id = actual_gpu(a, p->qs[i].gpu_id);
		if (!p->qs[i].gpu_id)
			ret = -EINVAL;
		else
			use_gpu(p, p->qs[i].gpu_id);
	}
	if (ret)
		return ret;
	p->nr_qs = h.nr_qs;
	memcpy(p->evs, priv + h.nr_qs * sizeof(p->qs[0]), h.nr_evs * sizeof(p->evs[0]));
	p->nr_evs = h.nr_evs;
	p->restored = true;
	return 0;
}

/* PRIME between a render file's handles and dmabuf fds, else the GEM ioctls. */
static int render_ioctl(const struct mfd *r, unsigned long request, void *arg)
{
	struct gem_prime_args *p = arg;
	const struct mfd *d;
	int ret;

	if (request == GEM_IOC_PRIME_TO_FD) {
		if (p->flags & ~(uint32_t)(GEM_PRIME_CLOEXEC | GEM_PRIME_RDWR))
			return -EINVAL;
		ret = gem_model_export(r->gem, p->handle);
		if (ret < 0)
			return ret;
		p->fd = new_fd(FD_GEMBUF, r->pid, 0, (uint64_t)ret);
		if (p->fd < 0)
			gem_model_obj_put((uint32_t)ret);
		return p->fd < 0 ? p->fd : 0;
	}
	if (request != GEM_IOC_PRIME_TO_HANDLE)
		return gem_model_ioctl(r->gem, request, arg);
	d = fd_of(p->fd);
	if (d && d->kind == FD_GEMBUF)
		ret = gem_model_import_obj(r->gem, (uint32_t)d->addr);
	else if (d && d->kind == FD_DMABUF && bo_at(proc_of(d->pid), d->addr))
		ret = gem_model_import_kfd(r->gem, kfd_bo_ino(d),
					   bo_at(proc_of(d->pid), d->addr)->size);
	else
		ret = -EBADF;
	if (ret > 0)
		p->handle = (uint32_t)ret;
	return ret < 0 ? ret : 0;
}

static int m_ioctl(int fd, unsigned long request, void *arg)
{
	struct kfd_ioctl_criu_args *a = arg;
	struct proc *p = kfd_proc(fd);

	if (!fd_of(fd))
		return -EBADF;
	if (fd_of(fd)->kind == FD_RENDER)
		return render_ioctl(fd_of(fd), request, arg);
	if (request != AMDKFD_IOC_CRIU_OP || !p)
		return -ENOTTY;
	if (a->op == fail_op) {
		fail_op = ~0u;
		return fail_err;
	}
	switch (a->op) {
	case KFD_CRIU_OP_PROCESS_INFO:
		return op_process_info(p, a);
	case KFD_CRIU_OP_CHECKPOINT:
		return op_checkpoint(p, a);
	case KFD_CRIU_OP_UNPAUSE:
		if (!p->paused)
			return -EINVAL;
		p->paused = false;
		return 0;
	case KFD_CRIU_OP_RESTORE:
		return op_restore(p, a);
	case KFD_CRIU_OP_RESUME:
		p = proc_of((pid_t)a->pid);
		if (!p)
			return -ESRCH;
		if (!p->restored || p->resumed)
			return -EINVAL;
		p->resumed = true;
		return 0;
	}
	return -EINVAL;
}

/* libdrm's import of the dmabuf on drm_fd's device, CPU map, copy. */
static int m_bo_copy(int drm_fd, int dmabuf_fd, void *buf, uint64_t size, bool to_bo)
{
	const struct mfd *d = fd_of(drm_fd), *f = fd_of(dmabuf_fd);
	const struct node *g;
	struct bo *b;

	if (!d || d->kind != FD_RENDER || !f || f->kind != FD_DMABUF)
		return -EBADF;
	b = bo_at(proc_of(f->pid), f->addr);
	if (!b)
		return -ENOENT;
	g = gpu_node(b->gpu_id);
	if (!g || g->p.minor != d->minor || size > b->size)
		return -EINVAL;
	if (to_bo)
		memcpy(b->data, buf, size);
	else
		memcpy(buf, b->data, size);
	return 0;
}

/* An mmap of render node file drm_fd at a GEM BO's offset, then a copy. */
static int m_map_copy(int drm_fd, uint64_t offset, void *buf, uint64_t size, bool to_bo)
{
	const struct mfd *d = fd_of(drm_fd);

	if (!d || d->kind != FD_RENDER)
		return -ENODEV;
	return gem_model_map_copy(d->gem, offset, buf, size, to_bo);
}

const struct kfd_seam kfd_model_seam = {
	.open = m_open,
	.close = m_close,
	.dup = m_dup,
	.ioctl = m_ioctl,
	.read_text = m_read_text,
	.fd_info = m_fd_info,
	.task_has_kfd = m_task_has_kfd,
	.bo_copy = m_bo_copy,
	.map_copy = m_map_copy,
};

/* ---- snapshots ---- */

struct model_snapshot {
	struct proc p;
};

struct model_snapshot *model_snapshot(pid_t pid)
{
	struct proc *p = proc_of(pid);
	struct model_snapshot *s;
	unsigned int i;

	if (!p)
		return NULL;
	s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	s->p = *p;
	for (i = 0; i < p->nr_bos; i++) {
		s->p.bos[i].data = malloc(p->bos[i].size);
		if (s->p.bos[i].data)
			memcpy(s->p.bos[i].data, p->bos[i].data, p->bos[i].size);
	}
	return s;
}

void model_snapshot_free(struct model_snapshot *s)
{
	unsigned int i;

	for (i = 0; s && i < s->p.nr_bos; i++)
		free(s->p.bos[i].data);
	free(s);
}

static uint32_t mapped(uint32_t id, const uint32_t *from, const uint32_t *to, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (from[i] == id)
			return to[i];
	return id;
}

const char *model_compare(const struct model_snapshot *s, pid_t pid, const uint32_t *map_from,
			  const uint32_t *map_to, unsigned int nr_map)
{
	const struct proc *a = &s->p, *b = proc_of(pid);
	unsigned int i;

	if (!b)
		return "no such process";
	if (a->nr_bos != b->nr_bos || a->nr_qs != b->nr_qs || a->nr_evs != b->nr_evs ||
	    a->nr_gpus != b->nr_gpus)
		return "other counts of GPUs, BOs, queues or events";
	for (i = 0; i < a->nr_bos; i++) {
		const struct bo *x = &a->bos[i], *y = &b->bos[i];

		if (x->addr != y->addr || x->size != y->size || x->flags != y->flags)
			return "a BO's address, size or flags differ";
		if (mapped(x->gpu_id, map_from, map_to, nr_map) != y->gpu_id)
			return "a BO is on another GPU than the mapping says";
		if ((x->flags & (KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_GTT)) &&
		    memcmp(x->data, y->data, x->size))
			return "a BO's contents differ";
	}
	for (i = 0; i < a->nr_qs; i++) {
		struct model_queue q = a->qs[i];

		q.gpu_id = mapped(q.gpu_id, map_from, map_to, nr_map);
		if (memcmp(&q, &b->qs[i], sizeof(q)))
			return "a queue (ring, MQD or control stack) differs";
	}
	if (memcmp(a->evs, b->evs, a->nr_evs * sizeof(a->evs[0])))
		return "an event differs";
	return NULL;
}
