/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfd-plugin.h - the AMDGPU plugin's parts: checkpoint.c (dump of /dev/kfd and render nodes),
 * restore.c (their restore in the restored task, the mappings, the resume).
 *
 * The KFD CRIU flow (linux/kfd_ioctl.h, AMDKFD_IOC_CRIU_OP): PROCESS_INFO (pauses the
 * queues, gives the counts), CHECKPOINT (devices, BOs and KFD's private data, with a
 * dmabuf fd for each VRAM or GTT BO), UNPAUSE; at restore RESTORE in the restored process
 * (BOs at their addresses, queues and events from the private data) and, once every task's
 * memory is in place, RESUME from criu.
 */
#ifndef AMDGPU_PLUGIN_H
#define AMDGPU_PLUGIN_H

#include <stdint.h>
#include <sys/types.h>

/* A BO's contents are saved and restored (VRAM and GTT; not userptr, doorbell, mmio). */
#define KFD_BO_HAS_CONTENTS(flags) \
	((flags) & (KFD_IOC_ALLOC_MEM_FLAGS_VRAM | KFD_IOC_ALLOC_MEM_FLAGS_GTT))
/* An fd field of a bucket that holds none (the kernel leaves it so). */
#define KFD_BUCKET_NO_FD(fd) ((int)(fd) < 0)

/* KFD's mmap offsets of /dev/kfd carry the gpu_id in bits 46-61 (doorbells, mmio). */
#define KFD_MMAP_GPU_ID_SHIFT 46
#define KFD_MMAP_GPU_ID_MASK  (((1ULL << 16) - 1) << KFD_MMAP_GPU_ID_SHIFT)

int amdgpu_dump_kfd(int fd, int id);
int amdgpu_dump_render(int fd, int id, unsigned int minor);

/* In the restored task: the new fd, or -errno (logged). */
int amdgpu_restore_kfd(int id);
int amdgpu_restore_render(int id);
/* UPDATE_VMA_MAP for a mapping of /dev/kfd or a render node; -ENOTSUP if not ours. */
int amdgpu_update_vma(const char *path, uint64_t addr, uint64_t old_pgoff, uint64_t *new_pgoff,
		      int *plugin_fd);
/* RESUME_DEVICES_LATE from criu; -ENOTSUP for a task without /dev/kfd. */
int amdgpu_resume(pid_t pid);
/* Forget what a restore remembered (plugin exit, tests). */
void amdgpu_restore_reset(void);

#endif /* AMDGPU_PLUGIN_H */
