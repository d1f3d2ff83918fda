/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memtrack.h - which pages a task wrote since the previous (pre-)dump of a chain
 * (Documentation/pre-dump.md).
 *
 * Without soft-dirty bits, a pre-dump leaves a "tracker" in each task: a userfaultfd in
 * write-protect async mode (UFFD_FEATURE_WP_ASYNC) with the task's VMAs registered, kept at
 * a high fd number and listed in memtrack.img. The kernel resolves a write to a protected
 * page by itself and marks the page written; the next dump asks which with the PAGEMAP_SCAN
 * ioctl of /proc/PID/pagemap (PAGE_IS_WRITTEN) and protects them again. A page the tracker
 * says nobody wrote, and that the parent images hold at that address, is saved as
 * PE_PARENT. Anything unclear (no tracker, a VMA the tracker does not cover, a page the
 * parent lacks) is saved in full: a missing tracker costs a full dump, never a wrong one.
 * Where the kernel has soft-dirty bits (mem/track-sd.c), a dump picks them instead: it
 * clears them (/proc/PID/clear_refs) once it has a task's pages, and the next dump reads
 * them from /proc/PID/pagemap; memtrack.img says which kind each task's pages are tracked by.
 * May call: image.h, log.h, compel (remote syscalls), the dump context.
 */
#ifndef CRIU_MEMTRACK_H
#define CRIU_MEMTRACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "memtrack.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"

struct cr_img;
struct dump_ctx;
struct dump_tree;

#define CRIU_PARENT_LINK "parent" /* CRIU's link to the previous dump's images */

/* The tree's part: the previous dump of the chain, if any (dump_tree.mt). */
struct memtrack_prev {
	int dfd; /* the parent images directory ("parent" link), -1 without one */
	MemtrackEntry **trackers;
	size_t nr_trackers;
	MemtrackKind kind; /* how this dump tracks what it leaves (memtrack_keeps()) */
	bool soft_dirty;   /* the kernel keeps soft-dirty bits (probed for dumps in a chain) */
	uint64_t zero_pfn; /* the zero page's frame: a read fault leaves it, not soft-dirty */
};

/* A task's part (dump_ctx.mt). */
struct memtrack_task {
	int uffd;     /* criu's copy of the task's tracker, -1: none */
	int task_fd;  /* its number in the task, -1: none there (or closed there) */
	uint64_t ino; /* its anon inode: tells it from other userfaultfds */
	uint64_t features;
	bool continued;	     /* armed since the previous dump: its written pages are the changes */
	bool made;	     /* made by this dump: closed in the task again if the dump fails */
	bool *vma_continued; /* per VMA of dc->mm: covered by it since the previous dump */
	bool sd_continued;   /* its soft-dirty bits were cleared by the previous dump */
	bool sd_armed;	     /* this dump cleared them */
	PagemapEntry **prev_pm; /* the parent images' pagemap of this pid, sorted */
	size_t nr_prev_pm;
#define MEMTRACK_MAX_STRAYS 8
	int strays[MEMTRACK_MAX_STRAYS]; /* trackers of ours not taken up: closed in the task */
	size_t nr_strays;
};

/* PAGEMAP_SCAN's categories (abi/uffd-wp.h) a dump asks for */
#define MEMTRACK_WRITTEN (1 << 1)
#define MEMTRACK_FILE	 (1 << 2)
#define MEMTRACK_PRESENT (1 << 3)
#define MEMTRACK_SWAPPED (1 << 4) /* or a pte marker: /proc/PID/pagemap tells which */
#define MEMTRACK_CATS	 (MEMTRACK_WRITTEN | MEMTRACK_FILE | MEMTRACK_PRESENT | MEMTRACK_SWAPPED)

struct memtrack_region {
	uint64_t start, end, cats;
};

/*
 * One VMA's pages as the tracker sees them, walked in address order: active, the VMA was
 * covered since the previous dump and reg lists every page with something in it (present,
 * swapped or a marker) with its MEMTRACK_* categories; a page it does not list has nothing.
 */
struct memtrack_cursor {
	bool active; /* false: every page is saved in full */
	struct memtrack_region *reg;
	size_t nr_reg;
	const struct memtrack_task *mt;
	size_t pi; /* cursor in mt->prev_pm */
};

/* Does this dump write images a later dump may link to (pre-dump, --track-mem)? */
bool memtrack_keeps(const struct dump_tree *dt);
/* Is this dump a link of a chain (a parent, or a child to come)? CoW sharing is off then. */
bool memtrack_in_chain(const struct dump_tree *dt);

/* Before seize: the parent link and its trackers. */
int memtrack_tree_open(struct dump_tree *dt);
void memtrack_tree_close(struct dump_tree *dt);
/* An fd that is a tracker of ours (not the task's own): the fd walk skips it. */
bool memtrack_fd_is_tracker(const struct dump_ctx *dc, int fd, const char *link,
			    const struct stat *st);

/* Before the task's VMAs are read: the tracker the previous dump left, if it is still there. */
int memtrack_task_find(struct dump_ctx *dc);
/* Between compel_prepare() and the parasite: end it, or make one and register the VMAs. */
int memtrack_task_prepare(struct dump_ctx *dc);
void memtrack_task_fini(struct dump_ctx *dc);
/* A failed dump: the trackers it made are closed in their (cured) tasks, as before it. */
void memtrack_tree_undo(struct dump_tree *dt);

/* Per VMA (index vi of dc->mm), while its pages are saved (the tree frozen). */
int memtrack_vma_begin(struct dump_ctx *dc, size_t vi, int pagemap_fd, struct memtrack_cursor *c);
/*
 * From addr, how far (up to end) the parent images hold pages (*in) or hold none (!*in).
 * Calls go forward in address order.
 */
uint64_t memtrack_parent_span(struct memtrack_cursor *c, uint64_t addr, uint64_t end, bool *in);
void memtrack_vma_end(struct memtrack_cursor *c);

/* What a span of one region of the cursor becomes in the dump. */
enum memtrack_span {
	MEMTRACK_SPAN_PAGEMAP,	      /* swapped (or a marker): read pagemap, save what's there */
	MEMTRACK_SPAN_PAGEMAP_PARENT, /* the same, unchanged: what pagemap shows is PE_PARENT */
	MEMTRACK_SPAN_FILE,	      /* the file's own pages: nothing saved */
	MEMTRACK_SPAN_PARENT,	      /* present, unchanged, the parent holds them: PE_PARENT */
	MEMTRACK_SPAN_SAVE,	      /* present: saved in full */
};
typedef int (*memtrack_span_fn)(void *arg, uint64_t start, uint64_t end, enum memtrack_span span);
/* Every region of an active cursor, cut where the parent images' holdings change. */
int memtrack_walk(struct memtrack_cursor *c, bool file_private, memtrack_span_fn fn, void *arg);

/* memtrack.img, for the next dump of the chain */
int memtrack_write(struct dump_tree *dt);

/* mem/track-scan.c: the PAGEMAP_SCAN side */
bool memtrack_vma_candidate(const VmaEntry *v);
/*
 * The pages of [start, end) that hold something, with the categories cats of MEMTRACK_CATS
 * (MEMTRACK_FILE costs the kernel a look at each page's struct page: only file mappings need
 * it), or, cats 0, the written ones (the kernel's fast path); protect: write-protect them
 * again. -EPERM: no tracker covers the range.
 */
int memtrack_scan(int pagemap_fd, uint64_t start, uint64_t end, bool protect, uint64_t cats,
		  struct memtrack_region **out, size_t *nr);
/* Is [start, end) still covered by a tracker (registered, WP async)? */
bool memtrack_covered(int pagemap_fd, uint64_t start, uint64_t end);
/* check: do userfaultfd WP_ASYNC and PAGEMAP_SCAN work here? 0 or -errno */
int memtrack_probe(void);

/* mem/track-sd.c: the soft-dirty side */
#define MEMTRACK_ENV "CRIU_MEM_TRACK" /* "pagemap-scan" or "soft-dirty": forces the kind */
/* Does the kernel keep soft-dirty bits (and show PFNs: *zero_pfn)? 0 or -errno */
int memtrack_sd_probe(uint64_t *zero_pfn);
/* Is there any kind of tracking here (soft-dirty bits, or PAGEMAP_SCAN)? 0 or -errno */
int memtrack_any_probe(void);
/* The kind a dump in a chain tracks with: soft-dirty where the kernel has it. */
int memtrack_choose_kind(struct memtrack_prev *mp);
/* The previous dump's soft-dirty entry for the task, if it is still the same task. */
void memtrack_sd_find(struct dump_ctx *dc);
/* A VMA's regions from the soft-dirty bits of /proc/PID/pagemap. */
int memtrack_sd_vma_begin(struct dump_ctx *dc, size_t vi, int pagemap_fd,
			  struct memtrack_cursor *c);
/* Recorded pagemap words of nr pages from addr on, added to *out as regions. */
int memtrack_sd_regions(const uint64_t *pme, size_t nr, uint64_t addr, bool file_private,
			uint64_t zero_pfn, struct memtrack_region **out, size_t *nr_out);
/* After the task's pages are taken, the tree still frozen: clear its soft-dirty bits. */
int memtrack_task_arm(struct dump_ctx *dc);
int memtrack_sd_write(const struct dump_ctx *dc, struct cr_img *img);

#endif /* CRIU_MEMTRACK_H */
