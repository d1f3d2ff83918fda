/* SPDX-License-Identifier: GPL-2.0 */
/*
 * topology.h - the GPUs of /sys/class/kfd/kfd/topology (read through the seam), and the
 * choice, at restore, of the local GPU each dumped GPU becomes: the same gpu_id when it is
 * there and alike, else the first alike one left, or the list KFD_DESTINATION_GPUS gives.
 * "Alike" is CRIU's test, each part of it switched off by its environment variable
 * (KFD_TOPOLOGY_CHECK, KFD_FW_VER_CHECK, KFD_SDMA_FW_VER_CHECK, KFD_CACHES_COUNT_CHECK,
 * KFD_NUM_GWS_CHECK, KFD_VRAM_SIZE_CHECK, KFD_CAPABILITY_CHECK set to 0 or NO).
 */
#ifndef AMDGPU_TOPOLOGY_H
#define AMDGPU_TOPOLOGY_H

#include <stdint.h>

#include "criu-amdgpu.pb-c.h"

#define KFD_MAX_GPUS 64

struct kfd_topology {
	unsigned int nr_gpus;
	unsigned int nr_cpus;
	KfdDeviceEntry gpus[KFD_MAX_GPUS];
};

/* Read the nodes; 0 (no GPU is no error here) or -errno, logged. */
int topology_read(struct kfd_topology *t);
const KfdDeviceEntry *topology_gpu(const struct kfd_topology *t, uint32_t gpu_id);
const KfdDeviceEntry *topology_gpu_by_minor(const struct kfd_topology *t, uint32_t minor);
/*
 * For each of the n dumped GPUs, the local GPU it becomes (dest[i], a local entry), or
 * -ENODEV (logged, naming the GPU and why none fits).
 */
int topology_map(KfdDeviceEntry *const *saved, unsigned int n, const struct kfd_topology *local,
		 const KfdDeviceEntry **dest);

#endif /* AMDGPU_TOPOLOGY_H */
