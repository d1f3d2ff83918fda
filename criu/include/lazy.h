/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lazy.h - lazy pages (criu restore --lazy-pages, criu lazy-pages).
 *
 * The restore leaves part of the private anonymous memory empty: the restorer registers it
 * with userfaultfd once it is in place and hands the userfaultfd to criu lazy-pages
 * (abi/lazy-proto.h), which fills each page from the images when the task first touches it
 * and copies the rest in the background. What is left empty: the private anonymous VMAs
 * with pages, not locked, not hugetlb, of the tasks without children (a parent's memory is
 * filled at restore, since its children start with copies of it).
 * lazy-restore.c: the restore's side. lazy-pages.c, lazy-task.c: the daemon.
 */
#ifndef CRIU_LAZY_H
#define CRIU_LAZY_H

#include <stdbool.h>
#include <stddef.h>

#include "opts.h"

struct rst_ctx;
struct rst_task;
struct rst_mem;

/* The restore's link to the daemon (ctx->lazy_sk), made before the first fork. */
int rst_lazy_begin(struct rst_ctx *ctx);
/* The restore's end: the daemon learns that the tree runs (ret 0) or that it failed. */
void rst_lazy_end(struct rst_ctx *ctx, int ret);
/* Marks the VMAs criu leaves empty (RST_MADV_LAZY) before the fill. */
void rst_lazy_mark(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem);
/* In the task, before the jump: the restorer's connection to the daemon, or -1 if none. */
int rst_lazy_task_connect(const struct rst_ctx *ctx, const struct rst_mem *mem);

struct sockaddr_un;
/* A unix socket and the address of lazy-pages.socket in work_dir, or -errno (logged). */
int lazy_socket(const char *work_dir, struct sockaddr_un *addr);

/* criu lazy-pages: serve one restore's tasks from -D, then return 0 or -errno. */
int cr_lazy_pages(const struct cr_options *o, int images_dfd, int work_dfd);

#endif /* CRIU_LAZY_H */
