/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore/outputs.c - what a restore leaves for its caller besides the tree: the pidfile
 * (--pidfile) and stats-restore (in the work directory).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "image.h"
#include "log.h"
#include "internal.h"

#include "stats.pb-c.h"

/* Created before anything is restored, so an existing pidfile stops us early. */
int rst_open_pidfile(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		pr_perror("Can't create pidfile %s (it must not exist)", path);
	return fd;
}

int rst_write_pidfile(int fd, const char *path, pid_t pid)
{
	char buf[16];
	int len;

	len = snprintf(buf, sizeof(buf), "%d", pid);
	if (write(fd, buf, len) != len) {
		pr_perror("Can't write pidfile %s", path);
		return -EIO;
	}
	return 0;
}

/* stats-restore goes to the work directory, as CRIU puts it (next to the logs). */
int rst_write_stats(const struct rst_ctx *ctx)
{
	RestoreStatsEntry rs = RESTORE_STATS_ENTRY__INIT;
	StatsEntry se = STATS_ENTRY__INIT;
	struct cr_img *img;
	int ret;

	rs.pages_compared = ctx->stats.pages_compared;
	rs.pages_skipped_cow = ctx->stats.pages_skipped_cow;
	rs.forking_time = ctx->stats.forking_time;
	rs.restore_time = ctx->stats.restore_time;
	rs.has_pages_restored = true;
	rs.pages_restored = ctx->stats.pages_restored;
	rs.has_resume_time = true;
	rs.resume_time = ctx->stats.resume_time;
	se.restore = &rs;

	img = open_image_at(ctx->ro->work_dfd, CR_FD_STATS_RESTORE, O_DUMP, 0);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &se.base);
	if (close_image(img) && !ret)
		ret = -EIO;
	return ret;
}
