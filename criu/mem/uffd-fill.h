/* SPDX-License-Identifier: GPL-2.0 */
/* mem/uffd-fill.c: fill premapped anonymous memory with UFFDIO_COPY (see there why). */
#ifndef CR_RESTORE_UFFD_H
#define CR_RESTORE_UFFD_H

#include <stddef.h>
#include <sys/types.h>

/* A userfaultfd, or -1 where the kernel refuses one: the caller then keeps to preadv(). */
int rst_uffd_open(void);
/* Register [start, start + len) for missing pages; 0 or -errno. Touch it only by copying. */
int rst_uffd_register(int uffd, void *start, size_t len);

/* A thread's buffer for the pages on their way in. */
struct rst_uffd_stage {
	void *buf;
	size_t size;
};
int rst_uffd_stage_init(struct rst_uffd_stage *st);
void rst_uffd_stage_fini(struct rst_uffd_stage *st);

/* Read exactly len bytes at off of the pages file fd (named path) into buf. 0 or -errno. */
int rst_read_pages(int fd, const char *path, void *buf, size_t len, off_t off);
/* Install len bytes from src at dst, which has no page yet (registered on uffd). */
int rst_uffd_copy(int uffd, void *dst, const void *src, size_t len);

/* Copy len bytes at off of the pages file fd into dst, which has no page yet. 0 or -errno. */
int rst_uffd_fill(int uffd, struct rst_uffd_stage *st, int fd, const char *path, void *dst,
		  off_t off, size_t len);

#endif
