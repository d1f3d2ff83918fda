/* SPDX-License-Identifier: GPL-2.0 */
/*
 * memtrack-sd-test.c - soft-dirty tracking (criu/mem/track-sd.c) without a kernel that has
 * it: pagemap words as the kernel writes them (bit 63 present, 62 swapped, 61 file page,
 * 55 soft-dirty, the frame below) are put in a file at the offsets /proc/PID/pagemap has
 * them, and read through the dump's own cursor (memtrack_vma_begin, memtrack_walk) for a
 * task whose previous dump cleared its bits. Each page must come out as the dump would
 * save it: PE_PARENT only where bit 55 is clear and the parent images hold the page. Also
 * which previous entry a task continues from, the choice of kind, and the kernel probe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dump.h"
#include "memtrack.h"
#include "opts.h"
#include "vma-status.h"
#include "unit-check.h"

#define PG	   4096ull
#define PRESENT	   (1ull << 63)
#define SWAPPED	   (1ull << 62)
#define FILEPG	   (1ull << 61)
#define EXCLUSIVE  (1ull << 56)
#define SOFT_DIRTY (1ull << 55)
#define ZERO_PFN   0x2a4ull
#define ANON_AT	   0x10000000ull		    /* the anonymous VMA of the tests */
#define FILE_AT	   0x10100000ull		    /* the private file VMA */
#define SWAP_WORD  (SWAPPED | (0x1234ull << 5) | 2) /* offset 0x1234 in swap file 2 */

/* What a page becomes: its enum memtrack_span, as memtrack_walk() tells the dump. */
#define NONE (-1) /* it saves nothing there */

struct recorded {
	int fate[64];
	uint64_t base;
	int bad; /* spans out of order or outside the VMA */
};

static int note_span(void *arg, uint64_t start, uint64_t end, enum memtrack_span span)
{
	struct recorded *r = arg;
	uint64_t a;

	for (a = start; a < end; a += PG) {
		if (a < r->base || (a - r->base) / PG >= 64 || r->fate[(a - r->base) / PG] != NONE)
			r->bad++;
		else
			r->fate[(a - r->base) / PG] = (int)span;
	}
	return 0;
}

static struct cr_options opts = { .command = CMD_DUMP };
static struct dump_tree tree = { .opts = &opts, .mt = { .zero_pfn = ZERO_PFN } };
static PagemapEntry pe[4];
static PagemapEntry *pes[4];
static int pagemap_fd = -1;

static void parent_holds(size_t i, uint64_t vaddr, uint64_t nr)
{
	pagemap_entry__init(&pe[i]);
	pe[i].vaddr = vaddr;
	pe[i].nr_pages = nr;
	pes[i] = &pe[i];
}

/* The task as the dump sees it: one VMA, continued by soft-dirty bits, the parent's pages. */
static void make_task(struct dump_ctx *dc, VmaEntry *v, VmaEntry **vp, size_t nr_pe)
{
	memset(dc, 0, sizeof(*dc));
	dc->tree = &tree;
	dc->pid = 4242;
	dc->mm.vmas = vp;
	dc->mm.n_vmas = 1;
	vp[0] = v;
	dc->mt.uffd = dc->mt.task_fd = -1;
	dc->mt.sd_continued = true;
	dc->mt.prev_pm = pes;
	dc->mt.nr_prev_pm = nr_pe;
}

static void put_words(uint64_t at, const uint64_t *w, size_t nr)
{
	if (pwrite(pagemap_fd, w, nr * 8, at / PG * 8) != (ssize_t)(nr * 8))
		CHECK(0, "can't write the recorded pagemap words: %m");
}

/* Walks the VMA as a dump would; 1: the cursor was active (the pages are tracked). */
static int walk(struct dump_ctx *dc, struct recorded *r)
{
	const VmaEntry *v = dc->mm.vmas[0];
	struct memtrack_cursor c;
	size_t i;
	int active;

	for (i = 0; i < 64; i++)
		r->fate[i] = NONE;
	r->base = v->start;
	r->bad = 0;
	CHECK(memtrack_vma_begin(dc, 0, pagemap_fd, &c) == 0, "memtrack_vma_begin failed");
	active = c.active;
	if (active)
		CHECK(memtrack_walk(&c, v->status & VMA_FILE_PRIVATE, note_span, r) == 0,
		      "memtrack_walk failed");
	memtrack_vma_end(&c);
	CHECK(!r->bad, "%d pages came twice or outside the VMA", r->bad);
	return active;
}

static const char *fate_name(int f)
{
	static const char *names[] = { "pagemap", "pagemap-parent", "file", "parent", "save" };

	return f == NONE ? "none" : f >= 0 && f < 5 ? names[f] : "?";
}

static void expect(const struct recorded *r, const int *want, size_t nr, const char *what)
{
	size_t i;

	for (i = 0; i < nr; i++)
		CHECK(r->fate[i] == want[i], "%s: page %zu is %s, not %s", what, i,
		      fate_name(r->fate[i]), fate_name(want[i]));
}

static void test_anon(void)
{
	/* the parent holds pages 0-7 and 10-11 */
	const uint64_t w[16] = {
		PRESENT | 0x1000,			     /* 0: untouched */
		PRESENT | SOFT_DIRTY | 0x1001,		     /* 1: written */
		PRESENT | EXCLUSIVE | (1ull << 54) | 0x1002, /* 2: bits beside 55 */
		SOFT_DIRTY,				     /* 3: a hole of a VM_SOFTDIRTY VMA */
		SWAP_WORD,				     /* 4: swapped, untouched */
		SWAP_WORD | SOFT_DIRTY,			     /* 5: swapped after a write */
		PRESENT | ZERO_PFN,			     /* 6: read after MADV_DONTNEED */
		PRESENT | FILEPG | 0x200000,		     /* 7: the huge zero page */
		PRESENT | 0x1008,			     /* 8: the parent lacks it */
		0,					     /* 9: nothing */
		PRESENT | SOFT_DIRTY | 0x100a,		     /* 10 */
		PRESENT | 0x100b,			     /* 11 */
		PRESENT | 0x100c,			     /* 12-15: new since the parent */
		PRESENT | SOFT_DIRTY | 0x100d,
		SWAP_WORD,
		PRESENT | ZERO_PFN | SOFT_DIRTY,
	};
	const int want[16] = {
		MEMTRACK_SPAN_PARENT,	      MEMTRACK_SPAN_SAVE,
		MEMTRACK_SPAN_PARENT,	      NONE,
		MEMTRACK_SPAN_PAGEMAP_PARENT, MEMTRACK_SPAN_PAGEMAP,
		MEMTRACK_SPAN_SAVE,	      MEMTRACK_SPAN_SAVE,
		MEMTRACK_SPAN_SAVE,	      NONE,
		MEMTRACK_SPAN_SAVE,	      MEMTRACK_SPAN_PARENT,
		MEMTRACK_SPAN_SAVE,	      MEMTRACK_SPAN_SAVE,
		MEMTRACK_SPAN_PAGEMAP,	      MEMTRACK_SPAN_SAVE,
	};
	VmaEntry v = VMA_ENTRY__INIT, *vp[1];
	struct dump_ctx dc;
	struct recorded r;

	v.start = ANON_AT;
	v.end = ANON_AT + 16 * PG;
	v.status = VMA_AREA_REGULAR | VMA_ANON_PRIVATE;
	v.flags = MAP_PRIVATE | MAP_ANONYMOUS;
	put_words(ANON_AT, w, 16);
	parent_holds(0, ANON_AT, 8);
	parent_holds(1, ANON_AT + 10 * PG, 2);
	make_task(&dc, &v, vp, 2);
	CHECK(walk(&dc, &r), "anonymous VMA: the cursor is not active");
	expect(&r, want, 16, "anonymous VMA");

	/* no parent entry at all: every page with data is saved, none is PE_PARENT */
	make_task(&dc, &v, vp, 0);
	CHECK(walk(&dc, &r), "anonymous VMA, no parent: the cursor is not active");
	CHECK(r.fate[0] == MEMTRACK_SPAN_SAVE && r.fate[11] == MEMTRACK_SPAN_SAVE &&
		      r.fate[4] == MEMTRACK_SPAN_PAGEMAP && r.fate[3] == NONE,
	      "no parent: pages 0, 11 %s %s, 4 %s, 3 %s", fate_name(r.fate[0]),
	      fate_name(r.fate[11]), fate_name(r.fate[4]), fate_name(r.fate[3]));

	/* the previous dump did not clear the bits (or a UFFD tracker is gone): all in full */
	make_task(&dc, &v, vp, 2);
	dc.mt.sd_continued = false;
	CHECK(!walk(&dc, &r), "untracked task: the cursor is active");

	/* not a VMA criu tracks (hugetlb): saved in full */
	make_task(&dc, &v, vp, 2);
	v.flags |= MAP_HUGETLB;
	CHECK(!walk(&dc, &r), "hugetlb VMA: the cursor is active");
}

static void test_file(void)
{
	const uint64_t w[5] = {
		PRESENT | FILEPG | 0x2000,		/* the file's page, read */
		PRESENT | FILEPG | SOFT_DIRTY | 0x2001, /* the file's page, VMA new */
		PRESENT | 0x2002,			/* a copy the task wrote, untouched since */
		PRESENT | SOFT_DIRTY | 0x2003,		/* a copy written since */
		PRESENT | ZERO_PFN,			/* a frame number like the zero page's */
	};
	const int want[5] = { MEMTRACK_SPAN_FILE, MEMTRACK_SPAN_FILE, MEMTRACK_SPAN_PARENT,
			      MEMTRACK_SPAN_SAVE, MEMTRACK_SPAN_SAVE };
	VmaEntry v = VMA_ENTRY__INIT, *vp[1];
	struct dump_ctx dc;
	struct recorded r;

	v.start = FILE_AT;
	v.end = FILE_AT + 5 * PG;
	v.status = VMA_AREA_REGULAR | VMA_FILE_PRIVATE;
	v.flags = MAP_PRIVATE;
	put_words(FILE_AT, w, 5);
	parent_holds(0, FILE_AT, 5);
	make_task(&dc, &v, vp, 1);
	CHECK(walk(&dc, &r), "file VMA: the cursor is not active");
	expect(&r, want, 5, "private file VMA");
}

/* Long runs are read in pieces: one written page in the middle of 3000 is found. */
static void test_long(void)
{
	enum { N = 3000, HOT = 1500 };
	uint64_t *w = calloc(N, 8);
	VmaEntry v = VMA_ENTRY__INIT, *vp[1];
	struct dump_ctx dc;
	struct memtrack_cursor c;
	size_t i;

	for (i = 0; w && i < N; i++)
		w[i] = PRESENT | (0x5000 + i) | (i == HOT ? SOFT_DIRTY : 0);
	v.start = 0x20000000ull;
	v.end = v.start + N * PG;
	v.status = VMA_AREA_REGULAR | VMA_ANON_PRIVATE;
	put_words(v.start, w, N);
	parent_holds(0, v.start, N);
	make_task(&dc, &v, vp, 1);
	CHECK(memtrack_vma_begin(&dc, 0, pagemap_fd, &c) == 0 && c.active, "long VMA");
	CHECK(c.nr_reg == 3 && c.reg[1].start == v.start + HOT * PG &&
		      c.reg[1].end == v.start + (HOT + 1) * PG &&
		      (c.reg[1].cats & MEMTRACK_WRITTEN) && !(c.reg[0].cats & MEMTRACK_WRITTEN) &&
		      c.reg[2].end == v.end,
	      "long VMA: %zu regions, the written one not alone at page %d", c.nr_reg, HOT);
	memtrack_vma_end(&c);
	free(w);
}

static MemtrackEntry *entry(MemtrackEntry *e, uint32_t pid, MemtrackKind kind, uint64_t start)
{
	memtrack_entry__init(e);
	e->pid = pid;
	e->fd = -1;
	e->has_kind = true;
	e->kind = kind;
	e->has_start_time = true;
	e->start_time = start;
	return e;
}

static void test_find(void)
{
	MemtrackEntry e[3], *ep[3];
	struct dump_ctx dc;

	ep[0] = entry(&e[0], 10, MEMTRACK_KIND__UFFD_WP, 0);
	ep[1] = entry(&e[1], 11, MEMTRACK_KIND__SOFT_DIRTY, 777);
	ep[2] = entry(&e[2], 12, MEMTRACK_KIND__SOFT_DIRTY, 778);
	tree.mt.trackers = ep;
	tree.mt.nr_trackers = 3;
	tree.mt.soft_dirty = true;
	memset(&dc, 0, sizeof(dc));
	dc.tree = &tree;

	dc.pid = 11, dc.stat.start_time = 777, dc.mt.sd_continued = false;
	memtrack_sd_find(&dc);
	CHECK(dc.mt.sd_continued, "the same task: not continued");
	dc.pid = 12, dc.stat.start_time = 999, dc.mt.sd_continued = false;
	memtrack_sd_find(&dc);
	CHECK(!dc.mt.sd_continued, "another task of that pid: continued");
	dc.pid = 10, dc.stat.start_time = 0, dc.mt.sd_continued = false;
	memtrack_sd_find(&dc);
	CHECK(!dc.mt.sd_continued, "a userfaultfd tracker's entry: taken for soft-dirty bits");
	dc.pid = 13, dc.mt.sd_continued = false;
	memtrack_sd_find(&dc);
	CHECK(!dc.mt.sd_continued, "a task without an entry: continued");
	tree.mt.soft_dirty = false;
	dc.pid = 11, dc.stat.start_time = 777, dc.mt.sd_continued = false;
	memtrack_sd_find(&dc);
	CHECK(!dc.mt.sd_continued, "no soft-dirty bits now: continued");
	tree.mt.trackers = NULL;
	tree.mt.nr_trackers = 0;
}

/*
 * A pre-dump's memtrack.img, as it writes it for a task whose bits it cleared, read back by
 * the next dump through its "parent" link: the task continues, another task does not.
 */
static void test_image(void)
{
	struct cr_options pre_opts = { .command = CMD_PRE_DUMP };
	struct cr_options dump_opts = { .command = CMD_DUMP, .prev_images_dir = "../pre" };
	struct dump_tree pre = { .opts = &pre_opts, .mt = { .dfd = -1 } };
	struct dump_tree next = { .opts = &dump_opts, .mt = { .dfd = -1 } };
	struct dump_ctx dc = {}, *tasks[1] = { &dc };
	char dir[] = "/tmp/memtrack-sd-img-XXXXXX", path[64];
	pid_t child;
	int status;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp: %m");
		return;
	}
	snprintf(path, sizeof(path), "%s/pre", dir);
	mkdir(path, 0700);
	pre.dfd = open(path, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof(path), "%s/final", dir);
	mkdir(path, 0700);
	next.dfd = open(path, O_RDONLY | O_DIRECTORY);
	close(openat(pre.dfd, "inventory.img", O_CREAT | O_WRONLY, 0600));

	/* a child whose bits the pre-dump clears (here the write succeeds, clearing nothing) */
	child = fork();
	if (!child) {
		pause();
		_exit(0);
	}
	pre.mt.kind = MEMTRACK_KIND__SOFT_DIRTY;
	pre.tasks = tasks;
	pre.nr_tasks = 1;
	dc.tree = &pre;
	dc.pid = child;
	dc.stat.start_time = 4321;
	dc.mt.uffd = dc.mt.task_fd = -1;
	CHECK(memtrack_task_arm(&dc) == 0 && dc.mt.sd_armed, "clear_refs of a task failed");
	CHECK(memtrack_write(&pre) == 0, "memtrack.img not written");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	dc.pid = 999999999;
	dc.mt.sd_armed = false;
	CHECK(memtrack_task_arm(&dc) < 0 && !dc.mt.sd_armed, "clear_refs of no task succeeded");

	CHECK(memtrack_tree_open(&next) == 0 && next.mt.nr_trackers == 1,
	      "the next dump reads %zu entries, not 1", next.mt.nr_trackers);
	if (next.mt.nr_trackers == 1)
		CHECK(next.mt.trackers[0]->pid == (uint32_t)child &&
			      next.mt.trackers[0]->kind == MEMTRACK_KIND__SOFT_DIRTY &&
			      next.mt.trackers[0]->start_time == 4321 &&
			      next.mt.trackers[0]->fd == -1,
		      "the entry read back is not the one written");
	next.mt.soft_dirty = true; /* as where the kernel has the bits */
	memset(&dc, 0, sizeof(dc));
	dc.tree = &next;
	dc.pid = child;
	dc.stat.start_time = 4321;
	memtrack_sd_find(&dc);
	CHECK(dc.mt.sd_continued, "the task the pre-dump cleared does not continue");
	memtrack_tree_close(&next);
	close(pre.dfd);
	close(next.dfd);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0, "can't remove %s", dir);
}

/* The kernel's answer, found here: a page written after clear_refs 4 shows bit 55. */
static int kernel_soft_dirty(void)
{
	int status, fd;
	pid_t pid = fork();

	if (!pid) {
		volatile char *p =
			mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t pme = 0;

		fd = open("/proc/self/clear_refs", O_WRONLY);
		if (p == MAP_FAILED || fd < 0 || write(fd, "4", 1) != 1)
			_exit(1);
		p[0] = 1;
		fd = open("/proc/self/pagemap", O_RDONLY);
		if (pread(fd, &pme, 8, (uintptr_t)p / PG * 8) != 8)
			_exit(1);
		_exit(pme & SOFT_DIRTY ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

/* Does pagemap show frame numbers to us (CAP_SYS_ADMIN)? */
static int frames_shown(void)
{
	static char page[PG] __attribute__((aligned(PG)));
	uint64_t pme = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	page[0] = 1;
	if (fd < 0 || pread(fd, &pme, 8, (uintptr_t)page / PG * 8) != 8)
		pme = 0;
	if (fd >= 0)
		close(fd);
	return (pme & PRESENT) && (pme & ((1ull << 55) - 1));
}

static void test_choose(void)
{
	struct memtrack_prev mp = {};
	uint64_t zero_pfn = 0;
	int frames = frames_shown();
	/* without frames the zero page can't be told: no soft-dirty tracking then */
	int soft = kernel_soft_dirty() && frames;

	CHECK((memtrack_sd_probe(&zero_pfn) == 0) == soft, "the probe says %s soft-dirty bits",
	      soft ? "no" : "there are");
	CHECK(!frames || zero_pfn != 0, "the zero page's frame is not found, frames shown");
	unsetenv(MEMTRACK_ENV);
	CHECK(!memtrack_choose_kind(&mp) &&
		      mp.kind == (soft ? MEMTRACK_KIND__SOFT_DIRTY : MEMTRACK_KIND__UFFD_WP),
	      "the kind chosen is not %s", soft ? "soft-dirty" : "PAGEMAP_SCAN");
	setenv(MEMTRACK_ENV, "pagemap-scan", 1);
	CHECK(!memtrack_choose_kind(&mp) && mp.kind == MEMTRACK_KIND__UFFD_WP,
	      "pagemap-scan, asked for, is not chosen");
	setenv(MEMTRACK_ENV, "soft-dirty", 1);
	CHECK(soft ? !memtrack_choose_kind(&mp) && mp.kind == MEMTRACK_KIND__SOFT_DIRTY
		   : memtrack_choose_kind(&mp) == -ENOTSUP,
	      "soft-dirty, asked for: %s", soft ? "not chosen" : "not refused");
	setenv(MEMTRACK_ENV, "dirty", 1);
	CHECK(memtrack_choose_kind(&mp) == -EINVAL, "an unknown kind is not refused");
	unsetenv(MEMTRACK_ENV);
}

int main(void)
{
	char path[] = "/tmp/memtrack-sd-XXXXXX";

	pagemap_fd = mkstemp(path);
	if (pagemap_fd < 0) {
		perror("mkstemp");
		return 1;
	}
	unlink(path);
	test_anon();
	test_file();
	test_long();
	test_find();
	test_image();
	test_choose();
	close(pagemap_fd);
	UNIT_REPORT();
}
