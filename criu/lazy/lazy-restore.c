/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lazy/lazy-restore.c - criu restore --lazy-pages: which private memory criu leaves empty
 * for criu lazy-pages (lazy.h), and the two links to the daemon: the restore's own, made
 * before the first fork and ended with the restore's result, and each task's, handed to
 * its restorer (pie/restorer-lazy.c) with an fd number above every fd of the task.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "abi/lazy-proto.h"
#include "abi/restorer.h"
#include "lazy.h"
#include "log.h"
#include "mem.h"
#include "restore-ctx.h"
#include "restore.h"
#include "vma-status.h"

int lazy_socket(const char *work_dir, struct sockaddr_un *addr)
{
	int sk;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/%s", work_dir, LAZY_SOCKET) >=
	    (int)sizeof(addr->sun_path)) {
		pr_err("lazy pages: the work directory's path is too long for a unix socket\n");
		return -ENAMETOOLONG;
	}
	sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sk < 0) {
		pr_perror("lazy pages: can't create a socket");
		return -errno;
	}
	return sk;
}

static int connect_daemon(const struct restore_opts *ro)
{
	struct sockaddr_un addr;
	int sk = lazy_socket(ro->work_dir, &addr);

	if (sk < 0)
		return sk;
	if (connect(sk, (struct sockaddr *)&addr, sizeof(addr))) {
		pr_perror("--lazy-pages: can't connect to criu lazy-pages at %s (start it first, "
			  "with the same -W)",
			  addr.sun_path);
		close(sk);
		return -ECONNREFUSED;
	}
	return sk;
}

int rst_lazy_begin(struct rst_ctx *ctx)
{
	struct lazy_hello h = { .kind = LAZY_HELLO_RESTORE };
	int sk;

	ctx->lazy_sk = -1;
	if (!ctx->ro->lazy_pages)
		return 0;
	sk = connect_daemon(ctx->ro);
	if (sk < 0)
		return sk;
	if (write(sk, &h, sizeof(h)) != sizeof(h)) {
		pr_perror("--lazy-pages: can't talk to criu lazy-pages");
		close(sk);
		return -EIO;
	}
	ctx->lazy_sk = sk;
	return 0;
}

void rst_lazy_end(struct rst_ctx *ctx, int ret)
{
	int32_t status = ret ? -1 : 0;

	if (ctx->lazy_sk < 0)
		return;
	if (write(ctx->lazy_sk, &status, sizeof(status)) != sizeof(status))
		pr_warn("--lazy-pages: criu lazy-pages did not take the restore's result\n");
	close(ctx->lazy_sk);
	ctx->lazy_sk = -1;
}

static bool has_children(const struct rst_ctx *ctx, const struct rst_task *t)
{
	size_t i;

	for (i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i].pstree->ppid == (uint32_t)t->pid)
			return true;
	return false;
}

static bool lazy_kind(const VmaEntry *v)
{
	return (v->status & VMA_ANON_PRIVATE) &&
	       !(v->status & (VMA_FILE_PRIVATE | VMA_AREA_SYSVIPC | VMA_AREA_AIORING |
			      VMA_AREA_VDSO | VMA_AREA_VVAR)) &&
	       (v->flags & MAP_TYPE) == MAP_PRIVATE && !(v->flags & (MAP_HUGETLB | MAP_LOCKED));
}

void rst_lazy_mark(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem)
{
	size_t i, vi;

	if (!ctx->ro->lazy_pages || has_children(ctx, t))
		return;
	for (i = 0; i < t->nr_pagemap; i++) {
		const VmaEntry *v = mm_vma_at(t->mm, t->pagemap[i]->vaddr);

		if (!v || !rst_pe_has_data(t->pagemap[i]))
			continue;
		for (vi = 0; vi < t->mm->n_vmas && t->mm->vmas[vi] != v; vi++)
			;
		if (vi < mem->nr_vmas && lazy_kind(v) && !mem->cow[vi] &&
		    mem->vmas[vi].kind == RST_VMA_PREMAPPED)
			mem->vmas[vi].madv |= RST_MADV_LAZY;
	}
}

int rst_lazy_task_connect(const struct rst_ctx *ctx, const struct rst_mem *mem)
{
	int sk, fd;

	if (!ctx->ro->lazy_pages)
		return -1;
	sk = connect_daemon(ctx->ro);
	if (sk < 0)
		return sk;
	/* above the task's fds and criu's log: the restorer closes it once it is done */
	fd = fcntl(sk, F_DUPFD, ctx->fd_top + 16);
	close(sk);
	if (fd < 0) {
		pr_perror("--lazy-pages: can't move the socket above the task's fds");
		return -errno;
	}
	return fd;
}
