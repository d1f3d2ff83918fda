/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/table.c - the table of fd handlers, one per kind of open file, in the order their
 * match() is asked at dump: memfd before plain files (a memfd looks like a deleted file).
 * The plugins' handler (plugin/ext-file.c) is asked last.
 */
#include <stddef.h>

#include "files.h"

static const struct fd_handler *const handlers[] = {
	&memfd_handler,	   &reg_handler,     &pipe_handler,	&fifo_handler,	   &eventfd_handler,
	&signalfd_handler, &timerfd_handler, &epoll_handler,	&unix_handler,	   &inet_handler,
	&inotify_handler,  &tty_handler,     &pidfd_handler,	&fanotify_handler, &nsfs_handler,
	&netlink_handler,  &packet_handler,  &ext_file_handler, /* last: what nothing else takes
								   goes to the plugins */
};

#define NR_HANDLERS (sizeof(handlers) / sizeof(handlers[0]))

const struct fd_handler *fd_handler_of(FdTypes type)
{
	size_t i;

	for (i = 0; i < NR_HANDLERS; i++)
		if (handlers[i]->type == type)
			return handlers[i];
	return NULL;
}

const struct fd_handler *fd_handler_pick(const struct fd_parms *p)
{
	size_t i;

	for (i = 0; i < NR_HANDLERS; i++)
		if (handlers[i]->match(p))
			return handlers[i];
	return NULL;
}
