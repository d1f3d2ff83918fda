/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/epoll.c - epoll instances and what they watch: one eventpoll_tfd_entry per "tfd:"
 * line of /proc/PID/fdinfo (fd number, events, data). Restore creates the instance with
 * the other fds and adds the watches once every fd of the task exists again.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "files.h"
#include "log.h"
#include "proc-fdinfo.h"

static bool epoll_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:[eventpoll]");
}

/* The watched fd must still be the file the watch was made on. */
static int check_target(const struct fd_parms *p, const EventpollTfdEntry *t)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%u", p->pid, t->tfd);
	if (stat(path, &st) || st.st_ino != t->inode) {
		pr_err("epoll fd %d of task %d watches a file that is no longer fd %u: not "
		       "supported yet\n",
		       p->fd, p->pid, t->tfd);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int add_tfd(EventpollFileEntry *e, const struct fdinfo_epoll_tfd *w,
		   const struct fd_parms *p)
{
	EventpollTfdEntry *t;

	if (ARRAY_ADD_ROOM(e->tfd, e->n_tfd))
		return -ENOMEM;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	eventpoll_tfd_entry__init(t);
	e->tfd[e->n_tfd++] = t;
	t->id = e->id;
	t->tfd = w->tfd;
	t->events = w->events;
	t->data = w->data;
	t->has_dev = t->has_inode = t->has_pos = 1;
	t->dev = w->sdev;
	t->inode = w->ino;
	t->pos = w->pos;
	return check_target(p, t);
}

static int epoll_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	EventpollFileEntry *e = malloc(sizeof(*e));
	struct fdinfo_epoll_tfd *tfds;
	size_t nr, i;
	int ret;

	if (!e)
		return -ENOMEM;
	eventpoll_file_entry__init(e);
	fe->epfd = e;
	e->fown = p->fown;
	e->id = fe->id;
	e->flags = p->flags;
	ret = parse_fdinfo_epoll(p->fdinfo, p->fdinfo_path, &tfds, &nr);
	for (i = 0; !ret && i < nr; i++)
		ret = add_tfd(e, &tfds[i], p);
	free(tfds);
	return ret;
}

static int epoll_check(const FileEntry *fe)
{
	if (!fe->epfd || fe->epfd->id != fe->id) {
		pr_err("files.img: file id %u has a bad eventpoll entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int epoll_open(struct rst_fds *rf, const FileEntry *fe)
{
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0) {
		pr_perror("Can't create epoll file id %u", fe->id);
		return -errno;
	}
	if (rst_set_fl(fd, fe->epfd->flags, "epoll")) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static int epoll_post_open(struct rst_fds *rf, const FileEntry *fe, int fd)
{
	size_t i;

	for (i = 0; i < fe->epfd->n_tfd; i++) {
		const EventpollTfdEntry *t = fe->epfd->tfd[i];
		struct epoll_event ev = { .events = t->events, .data.u64 = t->data };

		if (epoll_ctl(fd, EPOLL_CTL_ADD, t->tfd, &ev)) {
			pr_perror("epoll fd %d: can't watch fd %u again (events %#x)", fd, t->tfd,
				  t->events);
			return -errno;
		}
	}
	return 0;
}

static FownEntry *epoll_fown(const FileEntry *fe)
{
	return fe->epfd ? fe->epfd->fown : NULL;
}

const struct fd_handler epoll_handler = {
	.type = FD_TYPES__EVENTPOLL,
	.name = "eventpoll",
	.match = epoll_match,
	.dump = epoll_dump,
	.check = epoll_check,
	.open = epoll_open,
	.post_open = epoll_post_open,
	.fown = epoll_fown,
};
