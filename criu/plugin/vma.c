/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plugin/vma.c - mappings of devices that a plugin saves (HANDLE_DEVICE_VMA at dump) and
 * maps again (UPDATE_VMA_MAP at restore). A claimed mapping is marked VMA_EXT_PLUGIN, as
 * CRIU marks it; criu saves none of its pages (they are the device's, the plugin's to save)
 * and keeps the device's path as the mapping's file.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "plugin.h"
#include "restore-ctx.h"
#include "vma-status.h"

int plugin_claim_device_vma(const char *map_link, const char *path, const struct stat *st)
{
	int fd, ret;

	if (!cr_plugin_has_hook(CR_PLUGIN_HOOK__HANDLE_DEVICE_VMA))
		return 0;
	/* the mapped file itself, through map_files; the path if that can't be opened */
	fd = open(map_link, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open the device %s of mapping %s for the plugins", path, map_link);
		return -errno;
	}
	ret = run_plugins(HANDLE_DEVICE_VMA, fd, st);
	close(fd);
	if (ret == -ENOTSUP)
		return 0;
	return ret < 0 ? ret : 1;
}

int plugin_device_vma_fd(const struct rst_ctx *ctx, const VmaEntry *v, int flags, uint64_t *pgoff,
			 const char *what)
{
	const RegFileEntry *reg = rst_find_reg(ctx, v->shmid);
	uint64_t new_pgoff = v->pgoff;
	int plugin_fd = -1, ret;

	if (!reg) {
		pr_err("%s: file id %u is missing in files.img\n", what, (unsigned int)v->shmid);
		return -ENOENT;
	}
	if (!cr_plugin_has_hook(CR_PLUGIN_HOOK__UPDATE_VMA_MAP)) {
		pr_err("Mapping %#" PRIx64 "-%#" PRIx64
		       " of %s was saved by a plugin, and no plugin "
		       "loaded maps it again: give the plugin's directory with --libdir\n",
		       v->start, v->end, reg->name);
		return -ENOENT;
	}
	ret = run_plugins(UPDATE_VMA_MAP, reg->name, v->start, v->pgoff, &new_pgoff, &plugin_fd);
	if (ret < 0 && ret != -ENOTSUP)
		return ret;
	*pgoff = new_pgoff;
	if (ret == 0 && plugin_fd >= 0)
		return plugin_fd;
	/* as CRIU: a mapping no plugin moved is the device's path at its offset */
	return rst_open_reg(ctx, (uint32_t)v->shmid, flags, what);
}
