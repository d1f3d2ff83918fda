/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gem-model.h - a model of amdgpu's GEM interface on render node files, for the AMDGPU
 * plugin's tests (with kfd-model.c, which gives each render node fd its file here): BOs in
 * memory, per-file handles and GPU VM, the ioctls of plugins/amdgpu/amdgpu-gem.h as the
 * kernel's uapi describes them, rejecting what the kernel would.
 */
#ifndef GEM_MODEL_H
#define GEM_MODEL_H

#include <stdbool.h>
#include <stdint.h>

/* Files (struct drm_file): a new one, its id (> 0), or -errno; shared by dups. */
int gem_file_open(void);
void gem_file_get(int file);
void gem_file_put(int file);
int gem_model_ioctl(int file, unsigned long request, void *arg);
int gem_model_map_copy(int file, uint64_t offset, void *buf, uint64_t size, bool to_bo);
void gem_model_reset(void);

/*
 * PRIME: the BO at handle exported (its object, a reference taken for the dmabuf; EPERM for
 * a per-VM BO), the dmabuf's inode, and imports into a file: of a GEM object (the same one
 * again, amdgpu's import of its own device's buffer) or of a KFD BO's dmabuf (the model keeps
 * that buffer's inode, not its bytes); a handle or -errno.
 */
int gem_model_export(int file, uint32_t handle);
void gem_model_obj_get(uint32_t obj);
void gem_model_obj_put(uint32_t obj);
uint64_t gem_model_ino(uint32_t obj);
int gem_model_import_obj(int file, uint32_t obj);
int gem_model_import_kfd(int file, uint64_t ino, uint64_t size);

/* Tests: the kernel has LIST_HANDLES (and GET_MAPPING_INFO), GEM_CHANGE_HANDLE. */
void gem_model_set_uapi(bool list_handles, bool change_handle);
/* A BO another device's dmabuf gave the file (PRIME import): its handle, or -errno. */
int gem_model_import_foreign(int file, uint64_t size);
/* A copy of a file's BOs (handles, sizes, placement, flags, VAs, bytes) and the comparison;
 * why they differ, or NULL. */
struct gem_snapshot;
struct gem_snapshot *gem_model_snapshot(int file);
const char *gem_model_compare(const struct gem_snapshot *s, int file);
void gem_model_snapshot_free(struct gem_snapshot *s);
/* The GPU never finishes with the BO at handle (GEM_WAIT_IDLE says busy). */
void gem_model_set_busy(int file, uint32_t handle);
/* BOs live in the model (a leak check). */
unsigned int gem_model_nr_objects(void);

#endif /* GEM_MODEL_H */
