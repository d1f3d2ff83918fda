/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfd-image.h - the plugin's image files in criu's images directory, laid out as CRIU's
 * AMDGPU plugin lays them out: 8 bytes (host order) giving the size of what follows, then
 * that many bytes (a packed criu_kfd or criu_render_node, or raw buffer contents).
 *   amdgpu-kfd-ID.img		the process's KFD state (ID: the file's id in files.img)
 *   amdgpu-pages-ID-GPU.img	the contents of its VRAM and GTT buffers on GPU (%04x)
 *   amdgpu-renderD-ID.img	an open render node, with its GEM BOs
 *   amdgpu-drm-pages-ID-MINOR-INDEX.img	the contents of its INDEXth BO (%04x)
 *   amdgpu-dmabuf-ID.img	a dmabuf fd: the KFD BO it exports (criu_dmabuf_node)
 */
#ifndef AMDGPU_KFD_IMAGE_H
#define AMDGPU_KFD_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IMG_KFD_FILE	   "amdgpu-kfd-%d.img"
#define IMG_PAGES_FILE	   "amdgpu-pages-%d-%04x.img"
#define IMG_RENDERD_FILE   "amdgpu-renderD-%d.img"
#define IMG_DMABUF_FILE	   "amdgpu-dmabuf-%d.img"
#define IMG_DRM_PAGES_FILE "amdgpu-drm-pages-%d-%u-%04x.img"

/* Largest image read back whole (the KFD state; pages are streamed). */
#define KFD_IMAGE_MAX (256u << 20)

/* A new image (0600) with its size word written; NULL (logged) on failure. */
FILE *kfd_image_create(const char *name, uint64_t size);
/* An image opened for reading, *size its size word (checked against the file); NULL. */
FILE *kfd_image_open(const char *name, uint64_t *size);
/* Whole images: 0 or -errno, logged. *buf is malloc'ed. */
int kfd_image_write(const char *name, const void *buf, size_t len);
int kfd_image_read(const char *name, void **buf, size_t *len);
/* fclose that reports a failed write (ENOSPC at the flush); 0 or -EIO, logged. */
int kfd_image_close(FILE *f, const char *name);

#endif /* AMDGPU_KFD_IMAGE_H */
