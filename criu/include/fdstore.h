/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fdstore.h - a store of open files that every restored task reaches (plugin/fdstore.c), with
 * CRIU's two calls, exported to plugins: a task adds an fd and gets a number, any task of the
 * tree gets a copy of that file by the number. CRIU's AMDGPU plugin hands dmabufs from the
 * process that made them to the ones that share them so.
 */
#ifndef CRIU_FDSTORE_H
#define CRIU_FDSTORE_H

/* The file's number in the store (fd stays the caller's), or -1 (logged). */
int fdstore_add(int fd);
/* A new fd of the file stored as id, or -1 (logged). */
int fdstore_get(int id);

/* criu, before RESTORE_INIT, with plugins loaded: the store; 0 or -errno (logged). */
int fdstore_init(void);
struct rst_ctx;
/* criu, before the root is forked: the store's fds go above every fd of the tasks. */
int rst_fdstore_prepare(const struct rst_ctx *ctx);
/* A task keeps the store's fds while its own are made: writes them to keep, returns how many. */
#define FDSTORE_NR_KEEP 4
int fdstore_keep_fds(int *keep);
/* The store's fds go (a task once its children are forked, criu at the end). */
void fdstore_close(void);

#endif /* CRIU_FDSTORE_H */
