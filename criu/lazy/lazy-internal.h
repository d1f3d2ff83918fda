/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lazy/lazy-internal.h - the daemon's tasks (criu lazy-pages): each is one userfaultfd and
 * the pages it still owes the task, as runs sorted by address, each with the address its
 * bytes have in the images (found through the chain of parent images, or asked of a page
 * server). A page leaves the runs once it is in the task, or once the task has
 * dropped it (madvise, munmap): a later fault there gets a zero page, as the kernel would
 * give. Runs follow the task's mremap()s; a fork's child gets a copy of them.
 * May call: log.h, image.h.
 */
#ifndef CRIU_LAZY_INTERNAL_H
#define CRIU_LAZY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct lazy_run {
	uint64_t start, end; /* addresses in the task now */
	uint64_t img;	     /* start's address in the images (where its bytes are) */
};

struct ps_conn;
struct page_chain;

struct lazy_task {
	int id;	    /* pid in the images (a fork's child: its parent's) */
	pid_t peer; /* its pid here (SO_PEERCRED), killed if it can't be served; 0: unknown */
	int child;  /* 0: restored; a fork's child: 1 until the daemon watches it, then 2 */
	int uffd;   /* -1 once closed */
	struct page_chain *pages; /* the images' pages, and their parents' (PE_PARENT) */
	struct ps_conn *remote;	  /* lazy-pages --page-server: the pages come from there */
	struct lazy_run *runs;
	size_t nr_runs, cap_runs;
	uint64_t *pending; /* faults to serve again once the task's memory settles */
	size_t nr_pending, cap_pending;
	uint64_t pages_copied, pages_zeroed;
	struct lazy_task *next;
};

/* The pages of the images' task id inside ranges: the runs of a new task (t->remote set). */
int lazy_task_load(struct lazy_task *t, int dfd, const void *ranges, size_t nr_ranges);
/* A fork's child: the parent's runs, its own userfaultfd. NULL on failure (logged). */
struct lazy_task *lazy_task_fork(const struct lazy_task *parent, int uffd);
void lazy_task_free(struct lazy_task *t);

/*
 * Reads and handles every event waiting on t's userfaultfd; a fork's child is linked after
 * t. Returns 0, 1 once the task is gone (or owes nothing more: its uffd is closed), or
 * -errno.
 */
int lazy_task_events(struct lazy_task *t);
/*
 * Faults that could not be served while the task's memory was changing, served again: 0,
 * 1 once the task is gone or owes nothing more, or -errno.
 */
int lazy_task_retry(struct lazy_task *t);
/* Copies the next batch (max bytes at most) in the background: 0, 1 when done or gone, or
 * -errno. */
int lazy_task_background(struct lazy_task *t, uint64_t max);

/* lazy-remote.c: len bytes of task t's pages at vaddr of the images, from the page server. */
int lazy_remote_read(struct lazy_task *t, void *buf, uint64_t len, uint64_t vaddr);

#endif /* CRIU_LAZY_INTERNAL_H */
