/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/reg.c - regular files, directories, stateless character devices (by path, or by
 * number for a node elsewhere) and O_PATH fds:
 * saved as a path, open flags and position, reopened by path at restore. Deleted files and
 * directories, and files unlinked from their path (--link-remap), are remapped: see
 * files/remap.c.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "ns.h"
#include "mem.h"

#include "ghost-file.pb-c.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
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

/* The same devices by number: a node of one of them elsewhere (maybe deleted since). */
static bool is_stateless_rdev(dev_t rdev)
{
	/* mem devices: 3 null, 5 zero, 7 full, 8 random, 9 urandom */
	return major(rdev) == 1 && (minor(rdev) == 3 || minor(rdev) == 5 || minor(rdev) == 7 ||
				    minor(rdev) == 8 || minor(rdev) == 9);
}

#define MQUEUE_FS_MAGIC 0x19800202

/* A POSIX message queue (mq_open) is a regular file of the mqueue filesystem. */
bool fd_is_mqueue(const struct fd_parms *p)
{
	char path[64];
	struct statfs sfs;

	if (!S_ISREG(p->st.st_mode))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", p->pid, p->fd);
	return !statfs(path, &sfs) && sfs.f_type == MQUEUE_FS_MAGIC;
}

static bool reg_match(const struct fd_parms *p)
{
	if (p->link[0] != '/' || fd_is_mqueue(p))
		return false;
	if (p->flags & O_PATH)
		return true;
	return S_ISREG(p->st.st_mode) || S_ISDIR(p->st.st_mode) ||
	       (S_ISCHR(p->st.st_mode) &&
		(is_stateless_chrdev(p->link) || is_stateless_rdev(p->st.st_rdev)));
}

/* What a deleted symlink held open (O_PATH | O_NOFOLLOW) points to, read on a copy of it. */
static char *read_deleted_symlink(const struct fd_parms *p)
{
	char *target = calloc(1, PATH_MAX);
	int pidfd, fd;
	ssize_t n = -1;

	pidfd = syscall(SYS_pidfd_open, p->pid, 0);
	fd = pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, p->fd, 0);
	if (target && fd >= 0)
		n = readlinkat(fd, "", target, PATH_MAX - 1);
	if (n < 0) {
		pr_perror("Can't read the deleted symlink %s (fd %d of task %d)", p->link, p->fd,
			  p->pid);
		free(target);
		target = NULL;
	}
	if (fd >= 0)
		close(fd);
	if (pidfd >= 0)
		close(pidfd);
	return target;
}

/*
 * The kernel names the file of a shared anonymous mapping "/dev/zero" and of a SysV
 * segment "/SYSV<key>", both deleted: the memory itself, not a file that was removed.
 */
static bool is_shared_anon(const char *link)
{
	unsigned int key;
	char tail[16];

	return !strcmp(link, "/dev/zero (deleted)") ||
	       (sscanf(link, "/SYSV%8x%15[^\n]", &key, tail) == 2 && !strcmp(tail, " (deleted)"));
}

/* A deleted file, dir, symlink or device node: a ghost, made again at restore. */
static int dump_deleted(struct dump_ctx *dc, const struct fd_parms *p, const char *path,
			uint32_t id)
{
	mode_t m = p->st.st_mode;
	char src[64], *target;
	struct statfs sfs;
	int ret;

	snprintf(src, sizeof(src), "/proc/%d/fd/%d", p->pid, p->fd);
	if (!statfs(src, &sfs) && sfs.f_type == PROC_SUPER_MAGIC) {
		pr_err("fd %d of task %d is %s, the /proc directory of a process that has exited: "
		       "an unhashed /proc directory can't be made again: not supported yet\n",
		       p->fd, p->pid, p->link);
		return -EOPNOTSUPP;
	}
	if (S_ISREG(m) && is_shared_anon(p->link)) {
		pr_err("fd %d of task %d is %s, shared anonymous memory opened as a file (through "
		       "/proc/PID/map_files): not supported yet\n",
		       p->fd, p->pid, p->link);
		return -EOPNOTSUPP;
	}
	if (S_ISLNK(m)) {
		target = read_deleted_symlink(p);
		if (!target)
			return -EIO;
		ret = dump_ghost_file(dc, target, &p->st, path, id);
		free(target);
		return ret;
	}
	if (S_ISREG(m) || S_ISDIR(m) || S_ISCHR(m) || S_ISBLK(m))
		return dump_ghost_file(dc, src, &p->st, path, id);
	pr_err("fd %d of task %d is %s: deleted files other than regular files, directories, "
	       "symlinks and device nodes are not supported yet\n",
	       p->fd, p->pid, p->link);
	return -EOPNOTSUPP;
}

static bool is_deleted_link(const char *link, const char *path)
{
	return strcmp(link, path) != 0;
}

static const struct dump_ctx *tree_task(const struct dump_tree *dt, pid_t pid)
{
	size_t i;

	for (i = 0; i < dt->nr_tasks; i++)
		if (dt->tasks[i]->pid == pid)
			return dt->tasks[i];
	return NULL;
}

/*
 * A task reopens its files before its children and younger relatives exist again: a file
 * under /proc/PID of a task of the tree can be reopened only by that task or a descendant.
 */
static int check_proc_of_tree(const struct dump_ctx *dc, const struct fd_parms *p, const char *path)
{
	const struct dump_ctx *t;
	int pid, end = 0;

	if (sscanf(path, "/proc/%d%n", &pid, &end) != 1 || (path[end] && path[end] != '/'))
		return 0;
	if (!tree_task(dc->tree, pid))
		return 0; /* a process outside the tree: there at restore as it is now */
	for (t = dc; t; t = t->ppid ? tree_task(dc->tree, t->ppid) : NULL)
		if (t->pid == pid)
			return 0;
	pr_err("fd %d of task %d is %s, a file of task %d of the tree, which is not its "
	       "ancestor: restore makes it later than the fd is opened: not supported yet\n",
	       p->fd, p->pid, p->link, pid);
	return -EOPNOTSUPP;
}

/* A file that is not deleted is reopened by its path: it must name it in the tree. */
static int check_reach(struct dump_ctx *dc, const struct fd_parms *p, const char *path)
{
	char what[32];

	snprintf(what, sizeof(what), "fd %d", p->fd);
	return mntns_dump_check_path(dc, what, path, &p->st);
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
	ret = ret ?: check_proc_of_tree(dc, p, path);
	if (ret || !is_deleted_link(p->link, path)) {
		ret = ret ?: check_reach(dc, p, path);
		goto out_free;
	}
	if (S_ISREG(p->st.st_mode) && p->st.st_nlink > 0)
		ret = dump_link_remap(dc, p, path, fe->id);
	else
		ret = dump_deleted(dc, p, path, fe->id);
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
	fd = rst_open_remap_tmpfile(rf, reg, reg->flags);
	if (fd == -ENOENT)
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
