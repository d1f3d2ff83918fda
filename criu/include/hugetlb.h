/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hugetlb.h - hugetlb memory: pages of a fixed huge size (2 MiB, 1 GiB on x86) from the
 * kernel's pool, behind a file on hugetlbfs. Anonymous hugetlb mappings (private or shared,
 * "/anon_hugepage (deleted)" in maps), hugetlb memfds and SysV segments made with
 * SHM_HUGETLB are saved as the same kinds of normal memory are, with the page size in CRIU's
 * image fields: VmaEntry.flags has MAP_HUGETLB and the size bits of mmap (log2 of the page
 * size at bit 26, MAP_HUGE_SHIFT), memfd_inode_entry.hugetlb_flag is MFD_HUGETLB with the
 * same bits, ipc_shm_entry.hugetlb_flag SHM_HUGETLB with them.
 *
 * Content: a hugetlbfs file (shared memory, memfd, SysV) has no holes for lseek(SEEK_DATA)
 * and read() gives zeros for a page it does not hold, without allocating one: there 4 KiB
 * pieces that hold only zeros are left out of the images, since a new huge page is
 * zero-filled by the kernel. Private pages leave through the parasite like any memory
 * (every present page, as pagemap says), never through /proc/PID/mem. Content goes back
 * through a mapping of the file (hugetlbfs has no write()).
 * May call: dump.h (the stats), image.h, log.h, proc-parse.h.
 */
#ifndef CRIU_HUGETLB_H
#define CRIU_HUGETLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vma.pb-c.h"

struct cr_img;
struct dump_stats;
struct proc_vma;

/* With MAP_HUGETLB, MFD_HUGETLB or SHM_HUGETLB: log2 of the page size (MAP_HUGE_SHIFT...) */
#define HUGETLB_SHIFT	  26
#define HUGETLB_SIZE_BITS (0x3fu << HUGETLB_SHIFT)

/* The size bits for a page size (a power of two); the page size of size bits (0: default). */
uint32_t hugetlb_size_flag(uint64_t page_size);
uint64_t hugetlb_flag_page_size(uint32_t flags);
/* Does this kernel have huge pages of this size? */
bool hugetlb_size_supported(uint64_t page_size);
/* The huge page size of a file on hugetlbfs, 0 for any other file, or -errno. */
int64_t hugetlb_fd_page_size(int fd);

/* Dump: an anonymous hugetlb mapping; can this hugetlb mapping be saved (0 or -errno)? */
bool vma_is_anon_hugetlb(const struct proc_vma *pv);
int hugetlb_vma_check(const struct proc_vma *pv);

/*
 * The content of a hugetlbfs file of size bytes: entries in pm (offsets in the file), bytes
 * in pages, as shmem_dump_content() writes them; and back into the file.
 */
int hugetlb_write_content(struct cr_img *pm, struct cr_img *pages, int fd, uint64_t size,
			  struct dump_stats *st);
int hugetlb_fill(struct cr_img *pm, struct cr_img *pages, int fd, uint64_t size);

/* Restore: a hugetlb VMA of mm-PID.img this criu can rebuild here (0 or -errno)? */
int rst_check_hugetlb_vma(const VmaEntry *v, pid_t pid);

#endif /* CRIU_HUGETLB_H */
