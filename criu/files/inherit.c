/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/inherit.c - --inherit-fd fd[N]:KEY (RPC: inherit_fd) for files: a file of the images
 * whose key is KEY is not made again, the task gets criu's fd N instead (the same open file).
 * Keys are CRIU's: pipe:[INODE] for a pipe end, socket:[INODE] for a unix socket, and a
 * regular file's path (with or without its leading slash). Runtimes pass a container's new
 * stdio pipes this way. criu moves each fd it will hand out above every fd of the tasks
 * before the first fork (the numbers the user gave are often 0, 1 and 2, which the tasks
 * take for themselves); each task keeps them until its own fds and children are made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "log.h"
#include "restore-ctx.h"
#include "restore.h"

/* The file's inherit key in buf, or false for a kind that has none. */
static bool file_key(const FileEntry *fe, char *buf, size_t len)
{
	if (fe->type == FD_TYPES__PIPE && fe->pipe)
		snprintf(buf, len, "pipe:[%u]", fe->pipe->pipe_id);
	else if (fe->type == FD_TYPES__UNIXSK && fe->usk)
		snprintf(buf, len, "socket:[%u]", fe->usk->ino);
	else if (fe->type == FD_TYPES__REG && fe->reg && fe->reg->name)
		snprintf(buf, len, "%s", fe->reg->name);
	else
		return false;
	return true;
}

static bool key_matches(const char *key, const char *file_key)
{
	/* CRIU names regular files by their path without the leading slash */
	return !strcmp(key, file_key) || (file_key[0] == '/' && !strcmp(key, file_key + 1));
}

/* fd[N]:KEY split; false if arg is not of that form (opts.c checked it already). */
static bool parse_inherit(const char *arg, int *fd, const char **key)
{
	int end = 0;

	if (sscanf(arg, "fd[%d]:%n", fd, &end) != 1 || !end || !arg[end])
		return false;
	*key = arg + end;
	return true;
}

static bool key_used(const struct rst_ctx *ctx, const char *key)
{
	char buf[PATH_MAX + 16];
	size_t i;

	for (i = 0; i < ctx->nr_files; i++)
		if (file_key(ctx->files[i], buf, sizeof(buf)) && key_matches(key, buf))
			return true;
	return false;
}

/* criu's fd n, moved above every fd of the tasks. */
static int hold_inherited(const struct rst_ctx *ctx, const char *arg, int n)
{
	int fd = fcntl(n, F_DUPFD_CLOEXEC, ctx->fd_top + 1);

	if (fd < 0) {
		int ret = -errno;

		pr_perror("--inherit-fd %s: criu's fd %d is not open", arg, n);
		return ret;
	}
	return fd;
}

bool rst_inherit_given(const struct restore_opts *ro, const char *key)
{
	const char *k;
	int i, n;

	for (i = 0; i < ro->nr_inherit_fds; i++)
		if (parse_inherit(ro->inherit_fds[i], &n, &k) && key_matches(k, key))
			return true;
	return false;
}

int rst_inherit_prepare(struct rst_ctx *ctx)
{
	const struct restore_opts *ro = ctx->ro;
	const char *key;
	int i, n, fd;

	for (i = 0; i < ro->nr_inherit_fds; i++) {
		/* other keys are not files' (an external network namespace's: ns/) */
		if (!parse_inherit(ro->inherit_fds[i], &n, &key) || !key_used(ctx, key))
			continue;
		if (ctx->nr_inherit == RST_MAX_INHERIT) {
			pr_err("--inherit-fd: more than %d files given\n", RST_MAX_INHERIT);
			return -E2BIG;
		}
		fd = hold_inherited(ctx, ro->inherit_fds[i], n);
		if (fd < 0)
			return fd;
		ctx->inherit[ctx->nr_inherit].key = key;
		ctx->inherit[ctx->nr_inherit++].fd = fd;
		pr_info("%s is criu's fd %d (held as %d)\n", key, n, fd);
	}
	return 0;
}

void rst_inherit_close(const struct rst_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->nr_inherit; i++)
		close(ctx->inherit[i].fd);
}

static uint32_t file_flags(const FileEntry *fe)
{
	if (fe->type == FD_TYPES__PIPE)
		return fe->pipe->flags;
	if (fe->type == FD_TYPES__UNIXSK)
		return fe->usk->flags;
	return fe->reg->flags;
}

int rst_inherit_open(const struct rst_ctx *ctx, const FileEntry *fe)
{
	char buf[PATH_MAX + 16];
	size_t i;
	int fd;

	if (!ctx->nr_inherit || !file_key(fe, buf, sizeof(buf)))
		return -ENOENT;
	for (i = 0; i < ctx->nr_inherit; i++) {
		if (!key_matches(ctx->inherit[i].key, buf))
			continue;
		fd = fcntl(ctx->inherit[i].fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			pr_perror("%s: can't dup the inherited fd %d", buf, ctx->inherit[i].fd);
			return -errno;
		}
		/* the status flags the task had (O_NONBLOCK, O_APPEND), on the given file */
		if (rst_set_fl(fd, file_flags(fe), buf)) {
			close(fd);
			return -EINVAL;
		}
		pr_info("file id %u (%s) is the inherited fd\n", fe->id, buf);
		return fd;
	}
	return -ENOENT;
}
