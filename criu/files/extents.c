/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/extents.c - where a file holds data: the extents a deleted file's content is saved
 * in, and how many bytes they add up to (what --ghost-limit counts, so that a sparse file
 * is measured by its data, not its size). FIEMAP asks the filesystem for its extents in
 * one call each (--ghost-fiemap, the default); SEEK_DATA/SEEK_HOLE is the fallback where
 * the filesystem has no FIEMAP (tmpfs) and what --no-ghost-fiemap uses.
 */
#include <errno.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "files.h"
#include "log.h"

static int next_by_fiemap(struct file_extents *fx, uint64_t from, uint64_t *off, uint64_t *len)
{
	struct {
		struct fiemap map;
		struct fiemap_extent ext;
	} fm = {};
	uint64_t start, end;

	fm.map.fm_start = from;
	fm.map.fm_length = fx->size - from;
	fm.map.fm_flags = fx->synced ? 0 : FIEMAP_FLAG_SYNC;
	fm.map.fm_extent_count = 1;
	if (ioctl(fx->fd, FS_IOC_FIEMAP, &fm.map))
		return -errno;
	fx->synced = true;
	if (!fm.map.fm_mapped_extents)
		return 0;
	start = fm.ext.fe_logical > from ? fm.ext.fe_logical : from;
	end = fm.ext.fe_logical + fm.ext.fe_length;
	if (end > fx->size)
		end = fx->size;
	if (start >= end)
		return 0;
	*off = start;
	*len = end - start;
	return 1;
}

static int next_by_seek(struct file_extents *fx, uint64_t from, uint64_t *off, uint64_t *len)
{
	off_t data, hole;

	data = lseek(fx->fd, from, SEEK_DATA);
	if (data < 0)
		return errno == ENXIO ? 0 : -errno; /* ENXIO: only a hole is left */
	hole = lseek(fx->fd, data, SEEK_HOLE);
	if (hole < 0)
		return -errno;
	if ((uint64_t)hole > fx->size)
		hole = fx->size;
	if ((uint64_t)data >= (uint64_t)hole)
		return 0;
	*off = data;
	*len = hole - data;
	return 1;
}

int file_next_extent(struct file_extents *fx, uint64_t from, uint64_t *off, uint64_t *len)
{
	int ret;

	if (from >= fx->size)
		return 0;
	if (fx->fiemap) {
		ret = next_by_fiemap(fx, from, off, len);
		if (ret != -EOPNOTSUPP && ret != -ENOTTY && ret != -EBADR)
			goto out;
		fx->fiemap = false; /* this filesystem has no FIEMAP: seek from now on */
	}
	ret = next_by_seek(fx, from, off, len);
out:
	if (ret < 0) {
		errno = -ret;
		pr_perror("Can't find the data extents of a deleted file at %llu",
			  (unsigned long long)from);
	}
	return ret;
}

int file_data_size(struct file_extents *fx, uint64_t limit, uint64_t *data)
{
	uint64_t from = 0, off, len;
	int ret;

	*data = 0;
	while ((ret = file_next_extent(fx, from, &off, &len)) > 0) {
		*data += len;
		from = off + len;
		if (*data > limit)
			return 0; /* enough to refuse it */
	}
	return ret;
}
