/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfd-model.h - a model of KFD (the amdkfd driver as linux/kfd_ioctl.h describes its CRIU
 * interface) and of the machine around it, written for the AMDGPU plugin's tests: a fake
 * topology in "sysfs", KFD processes with buffer objects in memory, queues and events as
 * records, render nodes and dmabufs as fds of the model. It is the plugin's seam
 * (kfd_model_seam) and rejects what the kernel would reject (ops out of order, counts that
 * don't match, unknown GPUs, render nodes of another GPU, private data that doesn't parse).
 *
 * Model fds start at KFD_MODEL_FD0 and never clash with the test's real fds.
 */
#ifndef KFD_MODEL_H
#define KFD_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kfd-seam.h"

#define KFD_MODEL_FD0 100000

struct model_gpu_props {
	uint32_t gpu_id, minor;
	uint32_t device_id, fw_version, simd_count;
	uint64_t vram_size;
};

struct model_queue {
	uint32_t gpu_id, type;
	uint64_t ring_addr, ring_size;
	uint8_t mqd[64], ctl_stack[128];
};

struct model_event {
	uint32_t id, type, signaled;
};

extern const struct kfd_seam kfd_model_seam;

/* The machine: no node at all, then CPU and GPU nodes in order. */
void model_reset(void);
void model_add_cpu(void);
void model_add_gpu(const struct model_gpu_props *p);

/* Processes: the one that opens /dev/kfd or calls the ioctls is the current one. */
void model_set_current(pid_t pid);
/* What a ROCm runtime would have done in the current process (after opening /dev/kfd). */
uint8_t *model_alloc_bo(uint32_t gpu_id, uint64_t addr, uint64_t size, uint32_t flags);
int model_add_queue(const struct model_queue *q);
int model_add_event(const struct model_event *e);
/* The process exits: its state is gone, its fds closed. */
void model_kill(pid_t pid);
/* A copy of a process's state to compare with later, and the comparison (dumped GPU ids
 * mapped as map_from[i] -> map_to[i]); why they differ, or NULL. */
struct model_snapshot;
struct model_snapshot *model_snapshot(pid_t pid);
const char *model_compare(const struct model_snapshot *s, pid_t pid, const uint32_t *map_from,
			  const uint32_t *map_to, unsigned int nr_map);
void model_snapshot_free(struct model_snapshot *s);

/* Process state the tests look at. */
bool model_paused(pid_t pid);
bool model_resumed(pid_t pid);
unsigned int model_nr_bos(pid_t pid);
/* A dmabuf fd of the current process for its BO at addr (as an export would give). */
int model_export_dmabuf(uint64_t addr);
/* The process and address of the live BO a dmabuf fd exports; -EBADF if none. */
int model_dmabuf_bo(int fd, pid_t *owner, uint64_t *addr);
/* The GEM file (gem-model.h) of a render node fd, or -EBADF. */
int model_render_file(int fd);
/* The next CRIU op `op` fails with err (once). */
void model_fail_next(uint32_t op, int err);
/* Model fds still open (a leak check). */
unsigned int model_open_fds(void);

#endif /* KFD_MODEL_H */
