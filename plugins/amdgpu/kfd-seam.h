/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfd-seam.h - every way the AMDGPU plugin reaches the kernel, in one table: opening and
 * closing device files, the KFD and DRM ioctls, the topology files of sysfs, what an fd is,
 * and the contents of a buffer object (through its dmabuf and libdrm_amdgpu).
 *
 * kfd-sys.c is the kernel (the plugin's default); the tests swap in a model of KFD written
 * for them (test/amdgpu/kfd-model.c) with kfd_seam_set(). Nothing else in the plugin calls
 * open(), ioctl() or libdrm.
 */
#ifndef AMDGPU_KFD_SEAM_H
#define AMDGPU_KFD_SEAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KFD_DEV_PATH	 "/dev/kfd"
#define KFD_TOPOLOGY_DIR "/sys/class/kfd/kfd/topology/nodes"
#define DRM_RENDER_FMT	 "/dev/dri/renderD%u"
#define DRM_MAJOR_NR	 226
#define DRM_RENDER_BASE	 128

enum kfd_fd_kind { KFD_FD_OTHER, KFD_FD_KFD, KFD_FD_RENDER, KFD_FD_DMABUF };

struct kfd_fd_info {
	enum kfd_fd_kind kind;
	unsigned int render_minor; /* KFD_FD_RENDER: N of renderDN */
	uint64_t ino;		   /* KFD_FD_DMABUF: the buffer's inode */
};

struct kfd_seam {
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	/* another fd of the same open file (a render node's BOs are mapped through it) */
	int (*dup)(int fd);
	/* 0 or -errno, as drmIoctl answers (restarted on EINTR/EAGAIN) */
	int (*ioctl)(int fd, unsigned long request, void *arg);
	/* the text of a sysfs file, NUL-terminated; its length or -errno */
	ssize_t (*read_text)(const char *path, char *buf, size_t len);
	/* what fd is: /dev/kfd, a render node, a dmabuf, or something else */
	int (*fd_info)(int fd, struct kfd_fd_info *info);
	/* Does task pid hold /dev/kfd open? 1, 0, or -errno */
	int (*task_has_kfd)(pid_t pid);
	/*
	 * Copy size bytes between buf and the buffer behind dmabuf_fd (to_bo: buf into it),
	 * through the render node drm_fd of its GPU; 0 or -errno.
	 */
	int (*bo_copy)(int drm_fd, int dmabuf_fd, void *buf, uint64_t size, bool to_bo);
	/*
	 * Copy size bytes between buf and the GEM BO that render node file drm_fd maps at
	 * offset (its GEM_MMAP offset; the file must hold a handle of it); 0 or -errno.
	 */
	int (*map_copy)(int drm_fd, uint64_t offset, void *buf, uint64_t size, bool to_bo);
};

extern const struct kfd_seam *kfd_seam;
extern const struct kfd_seam kfd_sys_seam;
/* Tests: the plugin talks to seam from now on (NULL: the kernel again). */
void kfd_seam_set(const struct kfd_seam *seam);

#endif /* AMDGPU_KFD_SEAM_H */
