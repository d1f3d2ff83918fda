/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfd-plugin.h - the AMDGPU plugin's parts: checkpoint.c (dump of /dev/kfd), restore.c (its
 * restore in the restored task, the mappings, the resume), gem-dump.c and gem-restore.c
 * (render node files with the GEM BOs a program made on them).
 *
 * The KFD CRIU flow (linux/kfd_ioctl.h, AMDKFD_IOC_CRIU_OP): PROCESS_INFO (pauses the
 * queues, gives the counts), CHECKPOINT (devices, BOs and KFD's private data, with a
 * dmabuf fd for each VRAM or GTT BO), UNPAUSE; at restore RESTORE in the restored process
 * (BOs at their addresses, queues and events from the private data) and, once every task's
 * memory is in place, RESUME from criu.
 */
#ifndef AMDGPU_PLUGIN_H
#define AMDGPU_PLUGIN_H

#include <stdbool.h>
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
/* A render node file: *retry_needed while a BO it shares is not restored by its owner. */
int amdgpu_restore_render(int id, bool *retry_needed);
/* gem-restore.c: the file's GEM BOs on the new render node file fd; 0 or -errno (logged). */
struct CriuRenderNode;
int amdgpu_gem_restore(int fd, const struct CriuRenderNode *e);
/* 1 when every BO the file imports from another file can be taken, 0 if not yet, -errno. */
int amdgpu_gem_imports_ready(const struct CriuRenderNode *e);
/* A mapping of a restored GEM BO: its new offset and a file to map; -ENOENT if none. */
int amdgpu_gem_update_vma(uint64_t old_pgoff, uint64_t *new_pgoff, int *plugin_fd);
void amdgpu_gem_reset(void);
/* UPDATE_VMA_MAP for a mapping of /dev/kfd or a render node; -ENOTSUP if not ours. */
int amdgpu_update_vma(const char *path, uint64_t addr, uint64_t old_pgoff, uint64_t *new_pgoff,
		      int *plugin_fd);
/* RESUME_DEVICES_LATE from criu; -ENOTSUP for a task without /dev/kfd. */
int amdgpu_resume(pid_t pid);
/* Forget what a restore remembered (plugin exit, tests). */
void amdgpu_restore_reset(void);

/*
 * dmabuf.c: dmabuf fds of KFD buffers. Dump: each BO's dmabuf as a /dev/kfd dump meets it,
 * a task's dmabuf fd (DUMP_EXT_FILE), the ones whose BO came later (DUMP_DEVICES_LATE).
 */
struct kfd_criu_bo_bucket;
int amdgpu_dmabuf_note_bo(int kfd_id, uint32_t index, int dmabuf_fd);
int amdgpu_dump_dmabuf(int fd, int id);
int amdgpu_dmabuf_dump_late(void);
/* Is the buffer of dmabuf inode ino a BO of a dumped /dev/kfd (its file id in *kfd_id)? */
bool amdgpu_dmabuf_is_kfd_bo(uint64_t ino, uint32_t *kfd_id);
/*
 * gem-shared.c: a GEM BO that is a KFD BO refuses the dump (also at DUMP_DEVICES_LATE, for KFD
 * BOs dumped after it); one a render file dumped before holds is marked as its import.
 */
struct DrmBoEntry;
int amdgpu_gem_note_bo(int fd, int id, unsigned int minor, struct DrmBoEntry *e);
/* gem-links.c: GEM BOs render node files share, handed from the owner to the others. */
int amdgpu_gem_links_init(void);
/* A new fd of the owner's BO, -EAGAIN while it is not restored, -errno. */
int amdgpu_gem_link_get(uint32_t owner_id, uint32_t handle);
/* 1 if the owner's BO is there to take, 0 if not yet, -ENOENT. */
int amdgpu_gem_link_ready(uint32_t owner_id, uint32_t handle);
int amdgpu_gem_links_publish(int fd, uint32_t id);
void amdgpu_gem_links_reset(void);
int amdgpu_gem_dump_late(void);
void amdgpu_gem_dump_reset(void);
/* Restore: the table of dmabuf images (RESTORE_INIT), shared by the tasks forked after. */
int amdgpu_dmabuf_restore_init(void);
/* The owner of kfd_id's BOs hands their dmabufs that tasks hold to criu's fd store. */
int amdgpu_dmabuf_publish(int kfd_id, const struct kfd_criu_bo_bucket *bos, uint32_t nr_bos);
/* RESTORE_EXT_FILE of a dmabuf: its fd, or *retry_needed while its owner is not restored. */
int amdgpu_restore_dmabuf(int id, bool *retry_needed);
void amdgpu_dmabuf_reset(void);

#endif /* AMDGPU_PLUGIN_H */
