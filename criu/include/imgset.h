/* SPDX-License-Identifier: GPL-2.0 */
/*
 * imgset.h - the image set as a whole: its sums (checksums.img, see sumset.h), its
 * completeness and the point of no return of a dump.
 *
 * Dump: imgset_begin() removes what would make a failed dump look complete (a stale
 * inventory.img) and draws the set's identity. Every image opened for writing under that
 * directory is summed as it is written and fsync'ed when closed (image.c). imgset_commit()
 * then writes checksums.img and renames inventory.img into place from the temporary name it
 * was written under, with the directory fsync'ed around: before it returns 0 the directory
 * is not a complete set, after it is. imgset_uncommit() undoes it for a dump that fails
 * before its tasks are killed.
 * Restore: imgset_verify() checks every file against checksums.img before anything is
 * created; from then on image.c refuses to open an image the set does not list.
 * May call: sumset.h, log.h, fault.h. One set at a time (one dump or restore per process).
 */
#ifndef CRIU_IMGSET_H
#define CRIU_IMGSET_H

#include <stdbool.h>
#include <stdint.h>

#include "sumset.h"

#define INVENTORY_TMP "inventory.img.tmp"

/* sums false (--skip-checksums): the set is committed the same way, but with no sums */
int imgset_begin(int dfd, bool sums);
void imgset_end(void);
/* The seed of the set being written, for writers that sum units themselves. */
uint64_t imgset_seed(void);

/* image.c's hooks. imgset_opened() gives NULL when dfd is not the set being written. */
struct sum_file *imgset_opened(int dfd, const char *name);
int imgset_feed(struct sum_file *f, const void *p, size_t len);
int imgset_closed(struct sum_file *f, uint64_t size);
bool imgset_writing(int dfd);

int imgset_commit(int dfd);
void imgset_uncommit(int dfd);

/*
 * Restore: 0 when the set checks out, or has no sums (logged as unverified). lazy_pages:
 * the pages files are criu lazy-pages' to read, as the tasks need them: only their sizes
 * are checked here.
 */
int imgset_verify(int dfd, bool skip_checksums, bool lazy_pages);
void imgset_forget(void);
/* 0, or -EINVAL (logged) when a verified set does not list name. */
int imgset_check_member(int dfd, const char *name);

#endif /* CRIU_IMGSET_H */
