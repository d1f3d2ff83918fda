/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dump-files.c - the task's fds, cwd, root and exe as RegFileEntry objects (files.img) and
 * FdinfoEntry records (fdinfo-N.img). Only regular files, directories and a few stateless
 * character devices are supported for now; any other fd fails the dump, naming the fd.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compel/infect.h"
#include "dump.h"
#include "image.h"
#include "log.h"

#include "fown.pb-c.h"

/* Character devices that hold no state: reopening the path gives the same thing. */
static const char *const stateless_chrdevs[] = { "/dev/null", "/dev/zero", "/dev/full",
						 "/dev/random", "/dev/urandom" };

static FownEntry empty_fown = FOWN_ENTRY__INIT;

int files_add(struct file_table *ft, const char *path, uint32_t flags, uint64_t pos,
	      const struct stat *st, uint32_t *id)
{
	RegFileEntry *r;

	if (ft->nr == ft->cap) {
		size_t cap = ft->cap ? ft->cap * 2 : 16;
		RegFileEntry **n = realloc(ft->regs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ft->regs = n;
		ft->cap = cap;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	reg_file_entry__init(r);
	r->name = strdup(path);
	if (!r->name) {
		free(r);
		return -ENOMEM;
	}
	r->id = ++ft->next_id;
	r->flags = flags;
	r->pos = pos;
	r->fown = &empty_fown;
	if (st) {
		r->has_mode = 1;
		r->mode = st->st_mode;
		if (S_ISREG(st->st_mode)) {
			r->has_size = 1;
			r->size = st->st_size;
		}
	}
	ft->regs[ft->nr++] = r;
	*id = r->id;
	return 0;
}

static bool is_stateless_chrdev(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(stateless_chrdevs) / sizeof(stateless_chrdevs[0]); i++)
		if (!strcmp(path, stateless_chrdevs[i]))
			return true;
	return false;
}

/* "pos:\t123\nflags:\t0100002\n..." */
static int read_fdinfo(pid_t pid, int fd, uint64_t *pos, uint32_t *flags)
{
	char path[64], buf[4096], *p;
	ssize_t n;
	int fdi;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	fdi = open(path, O_RDONLY | O_CLOEXEC);
	if (fdi < 0) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	n = read(fdi, buf, sizeof(buf) - 1);
	close(fdi);
	if (n <= 0) {
		pr_err("Can't read %s\n", path);
		return -EIO;
	}
	buf[n] = 0;
	p = strstr(buf, "pos:");
	if (!p || sscanf(p, "pos: %" SCNu64, pos) != 1)
		goto bad;
	p = strstr(buf, "flags:");
	if (!p || sscanf(p, "flags: %o", flags) != 1)
		goto bad;
	return 0;
bad:
	pr_err("Malformed %s\n", path);
	return -EINVAL;
}

static int fdt_add(struct fd_table *t, int fd, uint32_t id, bool cloexec)
{
	FdinfoEntry *e;

	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		FdinfoEntry *n = realloc(t->fds, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->fds = n;
		t->cap = cap;
	}
	e = &t->fds[t->nr++];
	fdinfo_entry__init(e);
	e->id = id;
	e->fd = fd;
	e->type = FD_TYPES__REG;
	e->flags = cloexec ? FD_CLOEXEC : 0;
	return 0;
}

static int dump_one_fd(struct dump_ctx *dc, int fd)
{
	char link[64], target[PATH_MAX];
	uint32_t flags, id;
	struct stat st;
	uint64_t pos;
	ssize_t n;
	int ret;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", dc->pid, fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		pr_perror("Can't read link %s", link);
		return -errno;
	}
	target[n] = 0;
	if (stat(link, &st)) {
		pr_perror("Can't stat fd %d of task %d (%s)", fd, dc->pid, target);
		return -errno;
	}
	if (target[0] != '/' || (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) &&
				 !(S_ISCHR(st.st_mode) && is_stateless_chrdev(target)))) {
		pr_err("fd %d of task %d is %s: this kind of file is not supported yet\n", fd,
		       dc->pid, target);
		return -EOPNOTSUPP;
	}
	if (st.st_nlink == 0 || strstr(target, " (deleted)")) {
		pr_err("fd %d of task %d is the deleted file %s: not supported yet\n", fd,
		       dc->pid, target);
		return -EOPNOTSUPP;
	}
	ret = read_fdinfo(dc->pid, fd, &pos, &flags);
	if (ret)
		return ret;
	ret = files_add(&dc->files, target, flags & ~O_CLOEXEC, pos, &st, &id);
	if (ret)
		return ret;
	return fdt_add(&dc->fdt, fd, id, flags & O_CLOEXEC);
}

static int cmp_fd(const void *a, const void *b)
{
	return ((const FdinfoEntry *)a)->fd - ((const FdinfoEntry *)b)->fd;
}

static int collect_fds(struct dump_ctx *dc)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", dc->pid);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		ret = dump_one_fd(dc, atoi(de->d_name));
	}
	closedir(d);
	if (!ret)
		qsort(dc->fdt.fds, dc->fdt.nr, sizeof(dc->fdt.fds[0]), cmp_fd);
	return ret;
}

/* cwd, root and exe: links under /proc/PID that name a path. */
static int collect_link(struct dump_ctx *dc, const char *what, uint32_t flags, uint32_t *id)
{
	char link[64], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/%s", dc->pid, what);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		pr_perror("Can't read link %s", link);
		return -errno;
	}
	target[n] = 0;
	if (stat(link, &st)) {
		pr_perror("Can't stat %s (%s)", link, target);
		return -errno;
	}
	if (strstr(target, " (deleted)")) {
		pr_err("The %s of task %d, %s, is deleted: not supported yet\n", what, dc->pid,
		       target);
		return -EOPNOTSUPP;
	}
	return files_add(&dc->files, target, flags, 0, &st, id);
}

int collect_task_files(struct dump_ctx *dc)
{
	int ret;

	ret = collect_link(dc, "exe", O_RDONLY, &dc->exe_id);
	ret = ret ?: collect_link(dc, "cwd", O_RDONLY | O_DIRECTORY, &dc->cwd_id);
	ret = ret ?: collect_link(dc, "root", O_RDONLY | O_DIRECTORY, &dc->root_id);
	return ret ?: collect_fds(dc);
}

static int write_fdinfo_image(struct dump_ctx *dc)
{
	struct cr_img *img;
	size_t i;
	int ret = 0;

	img = open_image_at(dc->dfd, CR_FD_FDINFO, O_DUMP, task_files_id());
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < dc->fdt.nr; i++)
		ret = pb_write_one(img, &dc->fdt.fds[i].base);
	return close_image(img) ?: ret;
}

static int write_reg_files(struct dump_ctx *dc)
{
	struct cr_img *img;
	size_t i;
	int ret = 0;

	img = open_image_at(dc->dfd, CR_FD_FILES, O_DUMP, 0);
	if (!img)
		return -EIO;
	for (i = 0; !ret && i < dc->files.nr; i++) {
		FileEntry fe = FILE_ENTRY__INIT;

		fe.id = dc->files.regs[i]->id;
		fe.type = FD_TYPES__REG;
		fe.reg = dc->files.regs[i];
		ret = pb_write_one(img, &fe.base);
	}
	return close_image(img) ?: ret;
}

int write_files_images(struct dump_ctx *dc)
{
	return write_reg_files(dc) ?: write_fdinfo_image(dc);
}

void free_file_tables(struct dump_ctx *dc)
{
	size_t i;

	for (i = 0; i < dc->files.nr; i++) {
		free(dc->files.regs[i]->name);
		free(dc->files.regs[i]);
	}
	free(dc->files.regs);
	free(dc->fdt.fds);
	memset(&dc->files, 0, sizeof(dc->files));
	memset(&dc->fdt, 0, sizeof(dc->fdt));
}
