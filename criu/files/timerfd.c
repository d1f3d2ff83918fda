/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/timerfd.c - timerfds: clock, interval, time left and expirations not yet read,
 * from /proc/PID/fdinfo. Restore arms the timer again with the time that was left
 * (relative: the time the task spent checkpointed does not count) and puts the unread
 * expirations back with TFD_IOC_SET_TICKS.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "proc-fdinfo.h"

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)
#endif

static bool timerfd_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:[timerfd]");
}

static int timerfd_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	TimerfdEntry *e = malloc(sizeof(*e));
	struct fdinfo_timerfd t;
	int ret;

	if (!e)
		return -ENOMEM;
	timerfd_entry__init(e);
	fe->tfd = e;
	e->fown = p->fown;
	e->id = fe->id;
	e->flags = p->flags;
	ret = parse_fdinfo_timerfd(p->fdinfo, p->fdinfo_path, &t);
	if (ret)
		return ret;
	e->clockid = t.clockid;
	e->ticks = t.ticks;
	e->settime_flags = t.settime_flags;
	e->vsec = t.value_sec;
	e->vnsec = t.value_nsec;
	e->isec = t.interval_sec;
	e->insec = t.interval_nsec;
	return 0;
}

static int timerfd_check(const FileEntry *fe)
{
	const TimerfdEntry *e = fe->tfd;

	if (!e || e->id != fe->id || e->vnsec >= 1000000000 || e->insec >= 1000000000) {
		pr_err("files.img: file id %u has a bad timerfd entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

static int arm(int fd, const TimerfdEntry *e)
{
	struct itimerspec its = {
		.it_value = { e->vsec, e->vnsec },
		.it_interval = { e->isec, e->insec },
	};

	if ((e->vsec || e->vnsec) && timerfd_settime(fd, 0, &its, NULL)) {
		pr_perror("Can't arm timerfd file id %u", e->id);
		return -errno;
	}
	/* After settime, which clears them. */
	if (e->ticks && ioctl(fd, TFD_IOC_SET_TICKS, &e->ticks)) {
		pr_perror("Can't put %" PRIu64 " expirations back into timerfd file id %u",
			  e->ticks, e->id);
		return -errno;
	}
	return rst_set_fl(fd, e->flags, "timerfd");
}

static int timerfd_open(struct rst_fds *rf, const FileEntry *fe)
{
	int fd, ret;

	fd = timerfd_create(fe->tfd->clockid, TFD_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't create timerfd file id %u (clock %u)", fe->id, fe->tfd->clockid);
		return -errno;
	}
	ret = arm(fd, fe->tfd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static FownEntry *timerfd_fown(const FileEntry *fe)
{
	return fe->tfd ? fe->tfd->fown : NULL;
}

const struct fd_handler timerfd_handler = {
	.type = FD_TYPES__TIMERFD,
	.name = "timerfd",
	.match = timerfd_match,
	.dump = timerfd_dump,
	.check = timerfd_check,
	.open = timerfd_open,
	.fown = timerfd_fown,
};
