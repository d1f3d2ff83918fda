/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/reg.c - regular files, directories, stateless character devices and O_PATH fds:
 * saved as a path, open flags and position, reopened by path at restore. Deleted files and
 * directories, and files unlinked from their path (--link-remap), are remapped: see
 * files/remap.c.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "mem.h"

#include "ghost-file.pb-c.h"
#include "remap-file-path.pb-c.h"

/* Character devices that hold no state: reopening the path gives the same thing. */
static const char *const stateless_chrdevs[] = { "/dev/null", "/dev/zero", "/dev/full",
						 "/dev/random", "/dev/urandom" };

static bool is_stateless_chrdev(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(stateless_chrdevs) / sizeof(stateless_chrdevs[0]); i++)
		if (!strcmp(path, stateless_chrdevs[i]))
			return true;
	return false;
}

static bool reg_match(const struct fd_parms *p)
{
	if (p->link[0] != '/')
		return false;
	if (p->flags & O_PATH)
		return true;
	return S_ISREG(p->st.st_mode) || S_ISDIR(p->st.st_mode) ||
	       (S_ISCHR(p->st.st_mode) && is_stateless_chrdev(p->link));
}

static bool is_deleted_link(const char *link, const char *path)
{
	return strcmp(link, path) != 0;
}

static int reg_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	char *path = link_path(p->link);
	int ret;

	fe->reg = malloc(sizeof(*fe->reg));
	if (!path || !fe->reg) {
		free(path);
		return -ENOMEM;
	}
	ret = fill_reg_entry(fe->reg, fe->id, path, p->flags, p->pos, &p->st, p->fown);
	if (ret || !is_deleted_link(p->link, path))
		goto out_free;
	if (S_ISREG(p->st.st_mode) && p->st.st_nlink > 0) {
		ret = dump_link_remap(dc, p, path, fe->id);
	} else if ((S_ISREG(p->st.st_mode) || S_ISDIR(p->st.st_mode)) && !(p->flags & O_PATH)) {
		char src[64];

		snprintf(src, sizeof(src), "/proc/%d/fd/%d", p->pid, p->fd);
		ret = dump_ghost_file(dc, src, &p->st, path, fe->id);
	} else {
		pr_err("fd %d of task %d is %s: deleted files other than regular files and "
		       "directories are not supported yet\n",
		       p->fd, p->pid, p->link);
		ret = -EOPNOTSUPP;
	}
out_free:
	free(path);
	return ret;
}

static FownEntry *reg_fown(const FileEntry *fe)
{
	return fe->reg ? fe->reg->fown : NULL;
}

/* ---- restore ---- */

static int reg_check(const FileEntry *fe)
{
	if (!fe->reg || fe->reg->id != fe->id || !fe->reg->name || fe->reg->name[0] != '/') {
		pr_err("files.img: file id %u has a bad reg entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int reg_open(struct rst_fds *rf, const FileEntry *fe)
{
	const RegFileEntry *reg = fe->reg;
	char what[32];
	int fd, ret;

	snprintf(what, sizeof(what), "file id %u", fe->id);
	ret = rst_prepare_remap(rf, reg);
	if (ret)
		return ret;
	fd = rst_open_reg_entry(rf->ctx, reg, reg->flags, what);
	if (fd < 0 || (reg->flags & O_PATH) || !reg->pos)
		return fd;
	if (lseek(fd, reg->pos, SEEK_SET) != (off_t)reg->pos) {
		pr_perror("%s: can't seek %s to %" PRIu64, what, reg->name, reg->pos);
		close(fd);
		return -EIO;
	}
	return fd;
}

/* Every fd of a remapped file is open: its path goes away again. */
static int reg_post_open(struct rst_fds *rf, const FileEntry *fe, int fd)
{
	return rst_remap_done(rf, fe->id);
}

const struct fd_handler reg_handler = {
	.type = FD_TYPES__REG,
	.name = "regular file",
	.match = reg_match,
	.dump = reg_dump,
	.check = reg_check,
	.open = reg_open,
	.post_open = reg_post_open,
	.fown = reg_fown,
};
