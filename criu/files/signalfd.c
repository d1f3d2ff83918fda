/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/signalfd.c - signalfds: the signal mask they read, from /proc/PID/fdinfo. Signals
 * still pending belong to the task, not to the fd, and are saved with it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "proc-fdinfo.h"

#define KERNEL_SIGSET_SIZE 8

static bool signalfd_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:[signalfd]");
}

static int signalfd_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	SignalfdEntry *e = malloc(sizeof(*e));
	uint64_t mask;
	int ret;

	if (!e)
		return -ENOMEM;
	signalfd_entry__init(e);
	fe->sgfd = e;
	e->fown = p->fown;
	e->id = fe->id;
	e->flags = p->flags;
	ret = parse_fdinfo_signalfd(p->fdinfo, p->fdinfo_path, &mask);
	if (ret)
		return ret;
	e->sigmask = mask;
	return 0;
}

static int signalfd_check(const FileEntry *fe)
{
	if (!fe->sgfd || fe->sgfd->id != fe->id) {
		pr_err("files.img: file id %u has a bad signalfd entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int signalfd_open(struct rst_fds *rf, const FileEntry *fe)
{
	uint64_t mask = fe->sgfd->sigmask;
	int fd;

	/* The raw syscall: libc's sigset_t is not the kernel's 64-bit one. */
	fd = syscall(SYS_signalfd4, -1, &mask, KERNEL_SIGSET_SIZE, O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't create signalfd file id %u (mask %#llx)", fe->id,
			  (unsigned long long)mask);
		return -errno;
	}
	if (rst_set_fl(fd, fe->sgfd->flags, "signalfd")) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static FownEntry *signalfd_fown(const FileEntry *fe)
{
	return fe->sgfd ? fe->sgfd->fown : NULL;
}

const struct fd_handler signalfd_handler = {
	.type = FD_TYPES__SIGNALFD,
	.name = "signalfd",
	.match = signalfd_match,
	.dump = signalfd_dump,
	.check = signalfd_check,
	.open = signalfd_open,
	.fown = signalfd_fown,
};
