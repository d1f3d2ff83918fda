/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refusal-log.c - a request refused before its log was opened (a criu_opts field criu does
 * not take, a directory it can't open) still says why in the log file it named. runc and
 * podman answer a failure with "log file: WORKDIR/restore.log" and nothing more, and criu's
 * stderr is often nobody's (conmon's pipes): an empty log would leave the user with errno
 * 95 alone.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "log.h"

/* The client's work directory (or images directory, as CRIU falls back), through /proc. */
static int open_log_dir(const struct rpc_conn *c, const CriuOpts *ro)
{
	char link[64];
	int fd;

	if (ro->has_work_dir_fd)
		fd = ro->work_dir_fd;
	else if (ro->images_dir_fd >= 0)
		fd = ro->images_dir_fd;
	else
		return ro->images_dir ? open(ro->images_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
				      : -1;
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->peer, fd);
	return open(link, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

void rpc_log_refusal(const struct rpc_conn *c, const CriuOpts *ro)
{
	char why[512];
	int dfd;

	if (!ro || !ro->log_file || strchr(ro->log_file, '/') ||
	    (ro->has_log_to_stderr && ro->log_to_stderr))
		return;
	snprintf(why, sizeof(why), "%s", log_first_error() ?: "bad criu_opts");
	dfd = open_log_dir(c, ro);
	if (dfd < 0)
		return;
	if (!log_init(dfd, ro->log_file, LOG_INFO)) {
		pr_err("The request was refused before it began: %s\n", why);
		log_fini();
	}
	close(dfd);
}
