/* SPDX-License-Identifier: GPL-2.0 */
/*
 * amdgpu-gem.h - the render node's GEM interface the plugin uses, written here from the
 * kernel's uapi (include/uapi/drm/drm.h, amdgpu_drm.h), since Debian's headers (libdrm
 * 2.4.114, linux 6.1) lack the ioctls added for checkpointing (LIST_HANDLES,
 * GEM_OP GET_MAPPING_INFO, GEM_CHANGE_HANDLE). Names are ours, so that no header version
 * clashes; numbers and layouts are the kernel's.
 */
#ifndef AMDGPU_GEM_H
#define AMDGPU_GEM_H

#include <stdint.h>
#include <linux/ioctl.h>

#define GEM_IOC_TYPE	      'd'
#define GEM_DRV_BASE	      0x40    /* DRM_COMMAND_BASE: driver ioctls start here */
#define GEM_PAGE_SIZE	      4096ull /* AMDGPU_GPU_PAGE_SIZE */
#define GEM_DOMAIN_CPU	      0x1u
#define GEM_DOMAIN_GTT	      0x2u
#define GEM_DOMAIN_VRAM	      0x4u
#define GEM_DOMAIN_GDS	      0x8u
#define GEM_DOMAIN_GWS	      0x10u
#define GEM_DOMAIN_OA	      0x20u
#define GEM_DOMAIN_DOORBELL   0x40u
#define GEM_DOMAIN_MMIO_REMAP 0x80u
#define GEM_DOMAIN_MASK	      0xffu

/* Domains whose BOs hold bytes the CPU can read (through a CPU map of the render node). */
#define GEM_DOMAINS_WITH_CONTENTS (GEM_DOMAIN_CPU | GEM_DOMAIN_GTT | GEM_DOMAIN_VRAM)
/* On-chip resources: a BO of them has no contents to save. */
#define GEM_DOMAINS_RESOURCES (GEM_DOMAIN_GDS | GEM_DOMAIN_GWS | GEM_DOMAIN_OA)

/* AMDGPU_GEM_CREATE_ENCRYPTED: a TMZ BO, whose bytes the CPU can't read */
#define GEM_CREATE_ENCRYPTED (1ull << 10)

/* union drm_amdgpu_gem_create: in, then out over it */
struct gem_create_in {
	uint64_t bo_size, alignment, domains, domain_flags;
};
union gem_create_args {
	struct gem_create_in in;
	struct {
		uint32_t handle, pad;
	} out;
};

/* union drm_amdgpu_gem_mmap: the handle in, the fake offset to mmap the render node at out */
union gem_mmap_args {
	struct {
		uint32_t handle, pad;
	} in;
	struct {
		uint64_t offset;
	} out;
};

/* struct drm_amdgpu_gem_op, with num_entries (added with GET_MAPPING_INFO: 24 bytes) */
#define GEM_OP_GET_CREATE_INFO	0 /* value: pointer to a gem_create_in, filled */
#define GEM_OP_SET_PLACEMENT	1
#define GEM_OP_GET_MAPPING_INFO 2 /* value: pointer to num_entries gem_vm_entry */
struct gem_op_args {
	uint32_t handle, op;
	uint64_t value;
	uint32_t num_entries, pad;
};

/* struct drm_amdgpu_gem_vm_entry: one GPU VA mapping of a BO, in bytes; flags are PTE bits */
struct gem_vm_entry {
	uint64_t addr, size, offset, flags;
};

/* union drm_amdgpu_gem_wait_idle: timeout is absolute (CLOCK_MONOTONIC ns); status 1: busy */
union gem_wait_idle_args {
	struct {
		uint32_t handle, flags;
		uint64_t timeout;
	} in;
	struct {
		uint32_t status, domain;
	} out;
};

/* struct drm_amdgpu_gem_list_handles and its entries, in handle order */
#define GEM_LIST_IS_IMPORT (1u << 0)
struct gem_list_args {
	uint64_t entries;
	uint32_t num_entries, pad;
};
struct gem_list_entry {
	uint32_t handle, flags;
	uint64_t size, preferred_domains, alloc_flags, alignment;
};

/* struct drm_amdgpu_gem_va */
#define GEM_VA_OP_MAP	    1
#define GEM_VA_OP_UNMAP	    2
#define GEM_VM_DELAY_UPDATE (1u << 0)
#define GEM_VM_READABLE	    (1u << 1)
#define GEM_VM_WRITEABLE    (1u << 2)
#define GEM_VM_EXECUTABLE   (1u << 3)
#define GEM_VM_PRT	    (1u << 4)
#define GEM_VM_MTYPE_MASK   (0xfu << 5)
#define GEM_VM_NOALLOC	    (1u << 9)
struct gem_va_args {
	uint32_t handle, pad;
	uint32_t operation, flags;
	uint64_t va_address, offset_in_bo, map_size;
	uint64_t vm_timeline_point;
	uint32_t vm_timeline_syncobj_out, num_syncobj_handles;
	uint64_t input_fence_syncobj_handles;
};

/*
 * The PTE bits GET_MAPPING_INFO reports (the kernel's amdgpu_vm.h) for the GEM_VA flags
 * they came from; MTYPE bits are per chip and are not carried back.
 */
#define GEM_PTE_EXECUTABLE (1ull << 4)
#define GEM_PTE_READABLE   (1ull << 5)
#define GEM_PTE_WRITEABLE  (1ull << 6)
#define GEM_PTE_NOALLOC	   (1ull << 58)

/* struct drm_gem_close, drm_prime_handle, drm_gem_change_handle */
struct gem_close_args {
	uint32_t handle, pad;
};
#define GEM_PRIME_CLOEXEC 02000000 /* O_CLOEXEC */
#define GEM_PRIME_RDWR	  02	   /* O_RDWR */
struct gem_prime_args {
	uint32_t handle, flags;
	int32_t fd;
};
struct gem_change_handle_args {
	uint32_t handle, new_handle;
};

#define GEM_IOC_CLOSE		_IOW(GEM_IOC_TYPE, 0x09, struct gem_close_args)
#define GEM_IOC_PRIME_TO_FD	_IOWR(GEM_IOC_TYPE, 0x2d, struct gem_prime_args)
#define GEM_IOC_PRIME_TO_HANDLE _IOWR(GEM_IOC_TYPE, 0x2e, struct gem_prime_args)
#define GEM_IOC_CHANGE_HANDLE	_IOWR(GEM_IOC_TYPE, 0xd2, struct gem_change_handle_args)
#define GEM_IOC_CREATE		_IOWR(GEM_IOC_TYPE, GEM_DRV_BASE + 0x00, union gem_create_args)
#define GEM_IOC_MMAP		_IOWR(GEM_IOC_TYPE, GEM_DRV_BASE + 0x01, union gem_mmap_args)
#define GEM_IOC_WAIT_IDLE	_IOWR(GEM_IOC_TYPE, GEM_DRV_BASE + 0x07, union gem_wait_idle_args)
#define GEM_IOC_VA		_IOW(GEM_IOC_TYPE, GEM_DRV_BASE + 0x08, struct gem_va_args)
#define GEM_IOC_OP		_IOWR(GEM_IOC_TYPE, GEM_DRV_BASE + 0x10, struct gem_op_args)
#define GEM_IOC_LIST_HANDLES	_IOWR(GEM_IOC_TYPE, GEM_DRV_BASE + 0x19, struct gem_list_args)

#endif /* AMDGPU_GEM_H */
