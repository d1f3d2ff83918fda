/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore-files.c - put back a task's open files, cwd, root and umask. Runs in the forked
 * task, before its memory is rebuilt. A file whose size or mode changed since the dump is
 * not the dumped file: it is refused, because the program would see other data.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "restore-internal.h"

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int close_fd_range(unsigned int from, unsigned int to)
{
	if (syscall(SYS_close_range, from, to, 0)) {
		pr_perror("Can't close inherited fds %u-%u", from, to);
		return -errno;
	}
	return 0;
}

/* Close every fd criu inherited except keep[]: the task must start with only its own. */
int rst_close_foreign_fds(const int *keep, int nr_keep)
{
	unsigned int from = 0;
	int sorted[8], i;

	if (nr_keep > 8)
		return -EINVAL;
	memcpy(sorted, keep, nr_keep * sizeof(int));
	qsort(sorted, nr_keep, sizeof(int), cmp_int);
	for (i = 0; i < nr_keep; i++) {
		unsigned int k = sorted[i];

		if (k > from && close_fd_range(from, k - 1))
			return -errno;
		if (k + 1 > from)
			from = k + 1;
	}
	return close_fd_range(from, ~0U);
}

/* The file at fd must look as it did at dump. */
static int check_reg(const RegFileEntry *reg, int fd, const char *what)
{
	struct stat st;

	if (fstat(fd, &st)) {
		pr_perror("Can't stat %s (%s)", reg->name, what);
		return -errno;
	}
	if (reg->has_mode && st.st_mode != reg->mode) {
		pr_err("%s: %s changed since the dump (mode %o, was %o); restore refuses it\n",
		       what, reg->name, st.st_mode, reg->mode);
		return -ESTALE;
	}
	if (reg->has_size && S_ISREG(st.st_mode) && (uint64_t)st.st_size != reg->size) {
		pr_err("%s: %s changed since the dump (size %ld, was %lu); restore refuses it\n",
		       what, reg->name, (long)st.st_size, (unsigned long)reg->size);
		return -ESTALE;
	}
	return 0;
}

int rst_open_reg(const struct rst_ctx *ctx, uint32_t id, int flags, const char *what)
{
	const RegFileEntry *reg = rst_find_reg(ctx, id);
	int fd, ret;

	if (!reg) {
		pr_err("%s: file id %u is missing in files.img\n", what, id);
		return -ENOENT;
	}
	flags &= ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
	fd = open(reg->name, flags | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		pr_perror("%s: can't open %s (flags %#o); was it removed since the dump?", what,
			  reg->name, flags);
		return ret;
	}
	ret = check_reg(reg, fd, what);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* An fd sharing its open file with an earlier one (dup) must share it again. */
static int find_shared(const struct rst_task *t, size_t upto, uint32_t id)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (t->fds[i]->id == id)
			return t->fds[i]->fd;
	return -1;
}

static int open_one_fd(const struct rst_ctx *ctx, const struct rst_task *t, size_t i)
{
	const FdinfoEntry *e = t->fds[i];
	const RegFileEntry *reg = rst_find_reg(ctx, e->id);
	int fd, shared = find_shared(t, i, e->id);
	char what[32];

	snprintf(what, sizeof(what), "fd %u", e->fd);
	if (shared >= 0) {
		fd = shared;
	} else {
		fd = rst_open_reg(ctx, e->id, reg->flags, what);
		if (fd < 0)
			return fd;
		if (reg->pos && lseek(fd, reg->pos, SEEK_SET) != (off_t)reg->pos) {
			pr_perror("%s: can't seek %s to %lu", what, reg->name,
				  (unsigned long)reg->pos);
			close(fd);
			return -EIO;
		}
	}
	if (fd != (int)e->fd) {
		if (dup2(fd, e->fd) < 0) {
			pr_perror("%s: can't move %s into place", what, reg->name);
			if (shared < 0)
				close(fd);
			return -errno;
		}
		if (shared < 0)
			close(fd);
	}
	if (fcntl(e->fd, F_SETFD, e->flags & FD_CLOEXEC)) {
		pr_perror("%s: can't set its fd flags", what);
		return -errno;
	}
	return 0;
}

int rst_restore_fds(const struct rst_ctx *ctx, const struct rst_task *t)
{
	size_t i;
	int ret;

	for (i = 0; i < t->nr_fds; i++) {
		ret = open_one_fd(ctx, t, i);
		if (ret)
			return ret;
	}
	pr_info("restored %zu fds\n", t->nr_fds);
	return 0;
}

/* Check a directory the way fds are checked, then chdir or chroot into it. */
static int enter_dir(const struct rst_ctx *ctx, uint32_t id, bool root)
{
	const char *what = root ? "root" : "cwd";
	const RegFileEntry *reg = rst_find_reg(ctx, id);
	int fd, ret = 0;

	if (root && !strcmp(reg->name, "/"))
		return 0;
	fd = rst_open_reg(ctx, id, O_RDONLY | O_DIRECTORY, what);
	if (fd < 0)
		return fd;
	if (root ? chroot(reg->name) : fchdir(fd)) {
		ret = -errno;
		pr_perror("Can't set the %s to %s", what, reg->name);
	}
	close(fd);
	return ret;
}

int rst_restore_fs(const struct rst_ctx *ctx, const struct rst_task *t)
{
	int ret;

	/* The cwd path is as criu sees it, so enter it before changing the root. */
	ret = enter_dir(ctx, t->fs->cwd_id, false);
	if (ret)
		return ret;
	ret = enter_dir(ctx, t->fs->root_id, true);
	if (ret)
		return ret;
	if (t->fs->has_umask)
		umask(t->fs->umask);
	return 0;
}
