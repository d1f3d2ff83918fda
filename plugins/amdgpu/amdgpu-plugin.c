/* SPDX-License-Identifier: GPL-2.0 */
/*
 * amdgpu-plugin.c - the AMDGPU plugin's descriptor and hooks (amdgpu_plugin.so): /dev/kfd
 * and render nodes among a task's files (DUMP_EXT_FILE, RESTORE_EXT_FILE), their mappings
 * (HANDLE_DEVICE_VMA, UPDATE_VMA_MAP), and the GPU's resume once the tree is in place
 * (RESUME_DEVICES_LATE), and dmabufs of KFD buffers (dmabuf.c: DUMP_DEVICES_LATE, RESTORE_INIT).
 * Anything else is "not mine" (-ENOTSUP).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kfd-plugin.h"
#include "kfd-image.h"
#include "kfd-seam.h"
#include "plugin-log.h"

static int amdgpu_init(int stage)
{
	pr_info("AMDGPU plugin (KFD) ready for stage %d\n", stage);
	return 0;
}

static void amdgpu_exit(int stage, int ret)
{
	amdgpu_restore_reset();
	amdgpu_gem_reset();
	amdgpu_gem_dump_reset();
	amdgpu_gem_links_reset();
	amdgpu_dmabuf_reset();
}

CR_PLUGIN_REGISTER("amdgpu_plugin", amdgpu_init, amdgpu_exit)

static int amdgpu_plugin_dump_file(int fd, int id)
{
	struct kfd_fd_info info;
	int ret = kfd_seam->fd_info(fd, &info);

	if (ret)
		return ret;
	switch (info.kind) {
	case KFD_FD_KFD:
		return amdgpu_dump_kfd(fd, id);
	case KFD_FD_RENDER:
		return amdgpu_dump_render(fd, id, info.render_minor);
	case KFD_FD_DMABUF:
		return amdgpu_dump_dmabuf(fd, id);
	case KFD_FD_OTHER:
		break;
	}
	return -ENOTSUP;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_EXT_FILE, amdgpu_plugin_dump_file)

/* Which of our images saved file id: the kfd state, a render node, or none. */
static int image_exists(const char *fmt, int id)
{
	char name[64];
	struct stat st;

	snprintf(name, sizeof(name), fmt, id);
	return !fstatat(criu_get_image_dir(), name, &st, 0);
}

static int amdgpu_plugin_restore_file(int id, bool *retry_needed)
{
	*retry_needed = false;
	if (image_exists(IMG_KFD_FILE, id))
		return amdgpu_restore_kfd(id);
	if (image_exists(IMG_RENDERD_FILE, id))
		return amdgpu_restore_render(id, retry_needed);
	if (image_exists(IMG_DMABUF_FILE, id))
		return amdgpu_restore_dmabuf(id, retry_needed);
	return -ENOTSUP;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_EXT_FILE, amdgpu_plugin_restore_file)

static int amdgpu_plugin_dump_devices_late(int pid)
{
	return amdgpu_gem_dump_late() ?: amdgpu_dmabuf_dump_late();
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_DEVICES_LATE, amdgpu_plugin_dump_devices_late)

static int amdgpu_plugin_restore_init(void)
{
	return amdgpu_dmabuf_restore_init() ?: amdgpu_gem_links_init();
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_INIT, amdgpu_plugin_restore_init)

static int amdgpu_plugin_handle_device_vma(int fd, const struct stat *st)
{
	struct kfd_fd_info info;
	int ret = kfd_seam->fd_info(fd, &info);

	if (ret)
		return ret;
	return info.kind == KFD_FD_KFD || info.kind == KFD_FD_RENDER ? 0 : -ENOTSUP;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__HANDLE_DEVICE_VMA, amdgpu_plugin_handle_device_vma)

static int amdgpu_plugin_update_vma(const char *path, const uint64_t addr, const uint64_t old_pgoff,
				    uint64_t *new_pgoff, int *plugin_fd)
{
	return amdgpu_update_vma(path, addr, old_pgoff, new_pgoff, plugin_fd);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__UPDATE_VMA_MAP, amdgpu_plugin_update_vma)

static int amdgpu_plugin_resume_devices_late(int pid)
{
	return amdgpu_resume(pid);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESUME_DEVICES_LATE, amdgpu_plugin_resume_devices_late)
