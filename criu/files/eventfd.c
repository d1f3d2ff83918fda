/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/eventfd.c - eventfds: the counter and flags, from /proc/PID/fdinfo. A semaphore
 * eventfd (EFD_SEMAPHORE) is marked by that bit in the entry's flags: an eventfd's file
 * flags never have it (its access mode is always O_RDWR).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "proc-fdinfo.h"

static bool eventfd_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:[eventfd]");
}

static int eventfd_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	EventfdFileEntry *e = malloc(sizeof(*e));
	struct fdinfo_eventfd info;
	int ret;

	if (!e)
		return -ENOMEM;
	eventfd_file_entry__init(e);
	fe->efd = e;
	e->fown = p->fown;
	e->id = fe->id;
	ret = parse_fdinfo_eventfd(p->fdinfo, p->fdinfo_path, &info);
	if (ret)
		return ret;
	e->counter = info.count;
	e->flags = p->flags | (info.semaphore ? EFD_SEMAPHORE : 0);
	return 0;
}

static int eventfd_check(const FileEntry *fe)
{
	if (!fe->efd || fe->efd->id != fe->id || fe->efd->counter == UINT64_MAX) {
		pr_err("files.img: file id %u has a bad eventfd entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int eventfd_open(struct rst_fds *rf, const FileEntry *fe)
{
	const EventfdFileEntry *e = fe->efd;
	uint64_t v = e->counter;
	int fd;

	fd = eventfd(0, EFD_CLOEXEC | (e->flags & EFD_SEMAPHORE));
	if (fd < 0) {
		pr_perror("Can't create eventfd file id %u", fe->id);
		return -errno;
	}
	/* The initial value is only 32 bits wide; a write adds the full 64-bit counter. */
	if (v && write(fd, &v, sizeof(v)) != sizeof(v)) {
		pr_perror("Can't set eventfd file id %u to %" PRIu64, fe->id, v);
		close(fd);
		return -EIO;
	}
	if (rst_set_fl(fd, e->flags & ~EFD_SEMAPHORE, "eventfd")) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static FownEntry *eventfd_fown(const FileEntry *fe)
{
	return fe->efd ? fe->efd->fown : NULL;
}

const struct fd_handler eventfd_handler = {
	.type = FD_TYPES__EVENTFD,
	.name = "eventfd",
	.match = eventfd_match,
	.dump = eventfd_dump,
	.check = eventfd_check,
	.open = eventfd_open,
	.fown = eventfd_fown,
};
