/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/pidfd.c - pidfds (pidfd_open). A pidfd names a struct pid, not a number: only one
 * of a process in the dumped tree can name the same process after restore, where it is
 * opened again by that pid. A pidfd of a process outside the tree, or of one that has
 * exited, is refused. PIDFD_NONBLOCK is a file flag; PIDFD_THREAD (O_EXCL) is kept too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "proc-fdinfo.h"
#include "restore-ctx.h"

#define PIDFD_OPEN_FLAGS (O_NONBLOCK | O_EXCL) /* PIDFD_NONBLOCK, PIDFD_THREAD */

static bool pidfd_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:[pidfd]");
}

static int pidfd_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	PidfdEntry *e = malloc(sizeof(*e));
	struct fdinfo_pidfd info;
	int pid, ret;

	(void)dc;
	if (!e)
		return -ENOMEM;
	pidfd_entry__init(e);
	fe->pidfd = e;
	e->id = fe->id;
	e->fown = p->fown;
	e->flags = p->flags;
	e->ino = p->st.st_ino;
	ret = parse_fdinfo_pidfd(p->fdinfo, p->fdinfo_path, &info);
	if (ret)
		return ret;
	pid = info.pid;
	if (pid <= 0) {
		pr_err("fd %d of task %d is a pidfd of a process that has exited: checkpointing "
		       "it is not supported yet\n",
		       p->fd, p->pid);
		return -EOPNOTSUPP;
	}
	/* One task is dumped: the tree is the task itself. */
	if (pid != p->pid) {
		pr_err("fd %d of task %d is a pidfd of process %d, which is not in the dumped "
		       "tree: it could not name the same process after restore\n",
		       p->fd, p->pid, pid);
		return -EOPNOTSUPP;
	}
	e->nspid = info.nspid;
	return 0;
}

static int pidfd_check(const FileEntry *fe)
{
	if (!fe->pidfd || fe->pidfd->id != fe->id || fe->pidfd->nspid <= 0 || !fe->pidfd->fown) {
		pr_err("files.img: file id %u has a bad pidfd entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

/* Runs in the restored task, whose pid is already the dumped one. */
static int pidfd_open_file(struct rst_fds *rf, const FileEntry *fe)
{
	const PidfdEntry *e = fe->pidfd;
	int fd;

	if (e->nspid != rf->t->pid) {
		pr_err("file id %u: pidfd of process %d, which is not task %d being restored\n",
		       fe->id, e->nspid, rf->t->pid);
		return -EINVAL;
	}
	fd = syscall(SYS_pidfd_open, e->nspid, e->flags & PIDFD_OPEN_FLAGS);
	if (fd < 0) {
		pr_perror("Can't open a pidfd of process %d again", e->nspid);
		return -errno;
	}
	if (rst_set_fl(fd, e->flags, "pidfd")) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static FownEntry *pidfd_fown(const FileEntry *fe)
{
	return fe->pidfd ? fe->pidfd->fown : NULL;
}

const struct fd_handler pidfd_handler = {
	.type = FD_TYPES__PIDFD,
	.name = "pidfd",
	.match = pidfd_match,
	.dump = pidfd_dump,
	.check = pidfd_check,
	.open = pidfd_open_file,
	.fown = pidfd_fown,
};
