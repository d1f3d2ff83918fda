/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem.h - a task's memory: its VMAs (mm.img), the pages behind them (pagemap-PID.img,
 * pages-N.img), shared anonymous memory, SysV shm and AIO rings, at dump and at restore.
 *
 * Dump (mem/vma-dump.c, pages-dump.c, mem/shmem.c, mem/sysv-shm.c, aio.c) works on a seized,
 * infected task through the dump context. Restore (mem/premap.c, uffd-fill.c and the same
 * object files) runs in the forked task: its private memory is premapped and filled before
 * it forks its children, so pages a parent and child share stay shared copy-on-write
 * (mem/cow.c); its shared mappings are prepared after the fork.
 * May call: image.h, log.h, proc-parse.h, the dump and restore contexts.
 */
#ifndef CRIU_MEM_H
#define CRIU_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm.pb-c.h"
#include "proc-parse.h"

struct dump_ctx;
struct dump_tree;
struct files_dump_state;
struct rst_ctx;
struct rst_task;
struct rst_vma;

/* mem/vma-dump.c */
int collect_task_mm(struct dump_ctx *dc);
int write_mm_image(struct dump_ctx *dc);
void free_task_mm(struct dump_ctx *dc);

/* mem/shmem.c: shared anonymous memory ("/dev/zero (deleted)" in maps) */
bool vma_is_anon_shared(const struct proc_vma *pv);
int dump_anon_shared_vma(struct dump_ctx *dc, const struct proc_vma *pv, VmaEntry *v);

/* mem/sysv-shm.c: SysV shm segments the task attached or created (ipcns-shm-1.img) */
bool vma_is_sysv_shm(const struct proc_vma *pv);
int dump_sysv_vma(struct dump_ctx *dc, const struct proc_vma *pv, VmaEntry *v);
int write_sysv_shm(struct dump_tree *dt);

/* mem/pages-dump.c */
int dump_task_pages(struct dump_ctx *dc);

/* mem/pages-read.c: pre-dump --pre-dump-mode read, pages copied once the tree runs again */
struct cr_img;
bool pages_read_mode(const struct dump_ctx *dc);
int pages_later_add(struct dump_ctx *dc, uint64_t addr, uint64_t len);
/* The pages file stays open (owned by dc) until pages_read_all() filled it. */
void pages_later_keep(struct dump_ctx *dc, struct cr_img *pages_img, uint64_t seed);
int pages_read_all(struct dump_tree *dt);
void pages_later_free(struct dump_ctx *dc);

/*
 * mem/cow.c: private anonymous pages a parent and its child still share copy-on-write.
 * Two VMAs (the parent's, the child's) whose pages may be shared, at dump and at restore:
 */
bool vma_cow_match(const VmaEntry *parent, const VmaEntry *child);
/* Dump: the parent's mm and pagemap, next to the child's. */
struct dump_cow {
	const MmEntry *mm; /* NULL: no parent in the tree, nothing shared */
	int pagemap_fd;	   /* /proc/PPID/pagemap */
};
int dump_cow_open(struct dump_ctx *dc, struct dump_cow *cow);
/* The parent's VMA whose pages v may share, or NULL. */
const VmaEntry *dump_cow_vma(const struct dump_cow *cow, const VmaEntry *v);
/* Are two /proc/PID/pagemap entries the same page (frame or swap slot)? */
bool pme_same_page(uint64_t a, uint64_t b);
/* A present page whose frame reads as 0 (no CAP_SYS_ADMIN): sharing can't be seen. */
bool pme_frame_hidden(uint64_t pme);
void dump_cow_close(struct dump_cow *cow);

/* mem/premap.c */
/* The VMA of mm (sorted, as in mm.img) that holds addr, or NULL. */
const VmaEntry *mm_vma_at(const MmEntry *mm, uint64_t addr);
struct rst_self_map {
	uint64_t start;
	uint64_t end;
	unsigned int special; /* VMA_AREA_VDSO / _VVAR / _VSYSCALL, or 0 */
};
int rst_read_self_maps(struct rst_self_map **out, size_t *nr);
/* rst_mem.cow[i]: VMA i is the parent's copy, kept (mem/cow.c) */
enum rst_cow_kept {
	RST_COW_NONE = 0,
	RST_COW_LISTED,	 /* the pagemap lists its shared pages (PE_PARENT); the rest are ours */
	RST_COW_COMPARE, /* its pages all have data: each is compared with the parent's copy */
};
struct rst_mem {
	struct rst_vma *vmas; /* one per target VMA, in image order */
	uint8_t *cow;	      /* per VMA: enum rst_cow_kept */
	size_t nr_vmas;
	const struct rst_task *cow_parent; /* whose copies are kept, or NULL */
	uint64_t pages_restored;
	uint64_t pages_shared;	 /* kept as the parent's, copy-on-write */
	uint64_t pages_compared; /* compared with the parent's copy (RST_COW_COMPARE) */
};
/*
 * Before the task forks: its private memory, premapped (or kept from the parent) and filled.
 * After: its shared mappings (files, shared anonymous memory, SysV attaches).
 */
int rst_premap(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem);
int rst_fill_pages(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem);
int rst_map_shared(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem);

/* mem/cow.c, restore: PE_PARENT pages must be the parent's in the images */
int rst_check_cow(const struct rst_ctx *ctx);
/* Before t forks: its children keep what they share of mem. */
void rst_cow_hand_down(const struct rst_task *t, const struct rst_mem *mem);
/* In the child, first: keep the parent's copies it shares pages with, unmap the rest. */
int rst_cow_adopt(const struct rst_ctx *ctx, const struct rst_task *t, struct rst_mem *mem);
/* Once the targets are reserved: move kept copies off them; 1 if one moved, or -errno. */
int rst_cow_relocate(const struct rst_task *t, struct rst_mem *mem);
/* Before the fill: drop the pages of kept copies that are not listed as the parent's. */
int rst_cow_drop_unshared(const struct rst_task *t, struct rst_mem *mem);
/*
 * mem/cow-compare.c: fill len bytes of a kept RST_COW_COMPARE copy (dst, for the target
 * address addr) from the pages file fd at off, through buf: a page equal to the parent's
 * stays the parent's, the others are written (by UFFDIO_COPY on uffd, registered over the
 * copy, or by memcpy when uffd is -1). Safe from two threads on different pieces.
 */
struct rst_cow_piece {
	void *dst;
	uint64_t addr;
	off_t off;
	size_t len;
};
int rst_cow_compare_fill(struct rst_mem *mem, int uffd, int fd, const char *path, void *buf,
			 size_t buf_size, const struct rst_cow_piece *p);

/*
 * mem/shmem.c: memory objects several tasks map (shared anonymous regions, memfds), and
 * SysV segments, made once before the tasks that share them are forked.
 */
enum rst_shared_kind {
	RST_SHARED_ANON = 1, /* id: VmaEntry.shmid */
	RST_SHARED_MEMFD,    /* id: memfd inode id */
};
/* Before t forks (and opens its fds): make what t's subtree shares and t is the top of. */
int rst_make_shared(const struct rst_ctx *ctx, const struct rst_task *t);
/* A new open file of an object t or an ancestor made; -ENOENT if none did. */
int rst_shared_open(uint32_t kind, uint64_t id, int flags);
/* An fd of the shared anonymous region a VMA maps */
int rst_anon_shared_fd(const struct rst_ctx *ctx, const struct rst_task *t, const VmaEntry *v);
void rst_shmem_fini(void);
/* mem/sysv-shm.c: the segments back in place; then an attach for a SysV VMA, to be moved */
int rst_sysv_shm(const struct rst_ctx *ctx);
int rst_sysv_premap(const VmaEntry *v, struct rst_vma *rv);

/*
 * mem/aio.c: AIO contexts (io_setup). The ring of a context is a mapping "/[aio]" whose
 * address is the context id. Dump saves it as private anonymous memory marked
 * VMA_AREA_AIORING, with an AioRingEntry in mm.img; restore makes a context of the same
 * size, brings the kernel's ring tail where it was, copies the saved events and head in,
 * and hands the new ring to the restorer as the premapped copy to move into place.
 */
bool vma_is_aio_ring(const struct proc_vma *pv);
/* Mark the VMA of an AIO ring; its pages are dumped as private anonymous memory. */
int dump_aio_vma(const struct proc_vma *pv, VmaEntry *v);
/* One AioRingEntry per marked VMA, in one block that free(mm->aios) releases. */
int dump_aio_rings(MmEntry *mm);
/* After the pages are in: replace each ring's premapped copy with a live ring. */
int rst_aio_rings(const struct rst_task *t, struct rst_mem *mem);

#endif /* CRIU_MEM_H */
