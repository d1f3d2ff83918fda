/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/pages-dump.c - memory contents: /proc/PID/pagemap says which pages hold data; the
 * parasite vmsplices those pages into PARASITE_NR_PIPES pipes per round, and criu splices
 * the pipes into pages-N.img, so page data is never copied through criu's user space.
 * pagemap-PID.img lists the dumped ranges in the order their data lies in the pages file.
 * The parasite sums each piece of a run where it lies in the task before it vmsplices it
 * (parasite-sum.h): criu never reads the pages back (integrity/, checksums.img).
 * Private hugetlb memory goes the same way, but only its 4 KiB pieces that hold data:
 * those that hold only zeros are found through /proc/PID/mem first (hugetlb.h).
 * With --page-server, the pagemap and the pipes' bytes go to the page server instead
 * (page-xfer-remote.c), which writes both images; no sums then.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "compel/infect.h"
#include "dump.h"
#include "hugetlb.h"
#include "image.h"
#include "imgset.h"
#include "log.h"
#include "pagemap-flags.h"
#include "threads.h"
#include "vma-status.h"
#include "mem.h"
#include "page-server.h"

#undef PAGE_SIZE
#define PAGE_SIZE  4096ul
#define PM_PRESENT (1ull << 63)
#define PM_SWAP	   (1ull << 62)
#define PM_FILE	   (1ull << 61)
/*
 * A swap entry of the last swap type is a pte marker, not a page: the write tracker's
 * (mem/track.c: a protected page nobody touched yet), a guard page's. No data there.
 */
#define PM_SWP_TYPE	   0x1full
#define PM_SWP_TYPE_MARKER 0x1full
#define PM_CHUNK	   (64ul << 10) /* pagemap entries read per pread */

struct page_xfer {
	struct dump_ctx *dc;
	struct parasite_dump_pages *args; /* the shared args area */
	int pipe_r[PARASITE_NR_PIPES];
	size_t pipe_cap;
	size_t pipe_fill[PARASITE_NR_PIPES];
	int cur_pipe;
	int pagemap_fd; /* /proc/PID/pagemap */
	struct cr_img *pages_img, *pagemap_img;
	int pages_fd;	  /* raw fd of pages_img */
	loff_t pages_off; /* where the next batch's data goes */
	uint64_t *pm_buf;
	struct sum_file *sums; /* NULL: not in an image set */
	uint32_t sum_mode;     /* how the parasite sums the batch (parasite-proto.h) */
	uint64_t seed;
	/*
	 * Memory the kernel may write while the parasite runs (the leader's rseq area, AIO
	 * rings): the parasite's sum of it may not be what the pipe holds a moment later, so
	 * criu sums those iovs from the file instead. volatile_iov[i]: iov i is such.
	 */
	uint64_t rseq_start, rseq_end;
	bool volatile_iov[PARASITE_MAX_IOVS];
	/*
	 * hugetlb iovs, copied to a page server: TCP frees a spliced page when it frees the
	 * skb, which can be minutes later (skb_attempt_defer_free() waits for the sending
	 * CPU's next network receive), and a huge page held so is not back in the pool for a
	 * restore on this host after the dump kills the task.
	 */
	bool copy_iov[PARASITE_MAX_IOVS];
	int pages_rfd;	     /* the pages file, read-only, opened for the first such iov */
	struct dump_cow cow; /* the parent's memory, for pages shared with it */
	uint64_t *ppm_buf;   /* the parent's pagemap entries next to pm_buf's */
	bool frames_hidden;  /* a page of a VMA shared with the parent had no frame to compare */
	struct ps_task_xfer *remote; /* --page-server: the task's pagemap there, else NULL */
	bool remote_holes;	     /* PE_PARENT runs queued for the server since the last batch */
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

/*
 * As CRIU does: every page of the vdso is saved (a restore on another kernel may need the
 * old code), the vvar pages never (they are the kernel's data, mapped anew at restore).
 */
static bool vma_has_pages(const VmaEntry *v)
{
	if (v->status & VMA_AREA_VDSO)
		return true;
	if (v->status & (VMA_AREA_VVAR | VMA_FILE_SHARED | VMA_EXT_PLUGIN))
		return false;
	return v->status & (VMA_ANON_PRIVATE | VMA_FILE_PRIVATE);
}

/* Anonymous memory: every page with data. File-private: only the COW'ed (anonymous) copies. */
static bool page_wanted(const VmaEntry *v, uint64_t pme)
{
	if (v->status & VMA_AREA_VDSO)
		return true;
	if (pme & PM_SWAP)
		return (pme & PM_SWP_TYPE) != PM_SWP_TYPE_MARKER;
	if (!(pme & PM_PRESENT))
		return false;
	if (v->status & VMA_FILE_PRIVATE)
		return !(pme & PM_FILE);
	return true;
}

static int open_pipes(struct page_xfer *px)
{
	int fds[2], wr[PARASITE_NR_PIPES], i, ret, cap;

	for (i = 0; i < PARASITE_NR_PIPES; i++)
		px->pipe_r[i] = wr[i] = -1;
	for (i = 0; i < PARASITE_NR_PIPES; i++) {
		if (pipe2(fds, O_CLOEXEC)) {
			pr_perror("Can't create a pipe for page transfer");
			ret = -errno;
			goto out_close_wr;
		}
		px->pipe_r[i] = fds[0];
		wr[i] = fds[1];
		cap = fcntl(fds[1], F_SETPIPE_SZ, PARASITE_PIPE_SIZE);
		if (cap < 0)
			cap = fcntl(fds[1], F_GETPIPE_SZ);
		if (cap < (int)PAGE_SIZE) {
			pr_perror("Can't size the page transfer pipe");
			ret = -EIO;
			goto out_close_wr;
		}
		if (!i || (size_t)cap < px->pipe_cap)
			px->pipe_cap = cap;
	}
	/* CRIU's page_pipes and page_pipe_bufs: one transfer per task, and its pipes */
	px->dc->stats.page_pipes++;
	px->dc->stats.page_pipe_bufs += PARASITE_NR_PIPES;
	ret = compel_rpc_call(px->dc->ctl, PARASITE_CMD_PIPES_INIT);
	ret = ret ?: compel_send_fds(px->dc->ctl, wr, PARASITE_NR_PIPES);
	ret = ret ?: compel_rpc_sync(px->dc->ctl);
	if (ret)
		pr_err("Can't hand the page pipes to the parasite: %d\n", ret);
out_close_wr:
	/* The parasite holds its own copies now; ours only keep the pipes from ever ending. */
	for (i = 0; i < PARASITE_NR_PIPES; i++)
		if (wr[i] >= 0)
			close(wr[i]);
	return ret;
}

static int splice_all(int from, int to, loff_t off, size_t len)
{
	ssize_t n;

	while (len) {
		n = splice(from, NULL, to, &off, len, SPLICE_F_MOVE);
		if (n <= 0) {
			pr_perror("Can't splice %zu bytes of pages into the image", len);
			return n < 0 ? -errno : -EIO;
		}
		len -= n;
	}
	return 0;
}

/* Splice pipes [first, last) into the pages file, each at its place in the data stream. */
static int drain_pipes(struct page_xfer *px, int first, int last)
{
	loff_t off = px->pages_off;
	int i, ret;

	for (i = 0; i < first; i++)
		off += px->pipe_fill[i];
	for (i = first; i < last; i++) {
		ret = splice_all(px->pipe_r[i], px->pages_fd, off, px->pipe_fill[i]);
		if (ret)
			return ret;
		off += px->pipe_fill[i];
	}
	return 0;
}

/* An iov whose bytes the kernel may change under the parasite: summed from the file. */
static int sum_from_file(struct page_xfer *px, loff_t off, size_t len, uint64_t *sum)
{
	struct sum_stream st;
	char buf[16384];

	if (px->pages_rfd < 0) {
		px->pages_rfd = openat(px->dc->dfd, img_path(px->pages_img), O_RDONLY | O_CLOEXEC);
		if (px->pages_rfd < 0) {
			pr_perror("%s: can't open it to sum pages the kernel may change",
				  img_path(px->pages_img));
			return -errno;
		}
	}
	sum_stream_reset(&st, px->seed);
	while (len) {
		ssize_t n = pread(px->pages_rfd, buf, len < sizeof(buf) ? len : sizeof(buf), off);

		if (n <= 0) {
			pr_perror("Can't read back pages at %lld to sum them", (long long)off);
			return n < 0 ? -errno : -EIO;
		}
		sum_stream_update(&st, buf, n);
		off += n;
		len -= n;
	}
	*sum = sum_stream_digest(&st);
	return 0;
}

/*
 * The batch's sums, in the order its data lies in the file (the iovs' order): the parasite
 * took them where the pages are mapped (parasite-sum.h), but for the volatile ones.
 * Called once the batch is in the file, at batch_off.
 */
static int add_batch_sums(struct page_xfer *px, loff_t batch_off)
{
	loff_t off = batch_off;
	uint64_t sum;
	size_t j;
	int ret;

	for (j = 0; px->sums && j < px->args->nr_iovs; j++) {
		sum = px->args->iov_sums[j];
		if (px->volatile_iov[j]) {
			pr_debug(
				"pages at %llx: summed from the file (the kernel may write them)\n",
				(unsigned long long)px->args->iovs[j].base);
			ret = sum_from_file(px, off, px->args->iovs[j].len, &sum);
			if (ret)
				return ret;
		}
		off += px->args->iovs[j].len;
		ret = sumset_add_unit(px->sums, px->args->iovs[j].len, sum);
		if (ret) {
			pr_err("No memory for the sums of the pages\n");
			return ret;
		}
	}
	return 0;
}

struct drain_job {
	struct page_xfer *px;
	int first, last, ret;
};

static void *drain_thread(void *arg)
{
	struct drain_job *job = arg;

	job->ret = drain_pipes(job->px, job->first, job->last);
	return NULL;
}

/*
 * The copy into the pages file is the cost of a dump, so two threads share it: each drains
 * half of the pipes at known offsets. (Two cores copy about twice as fast as one here.)
 */
static int drain_halves(struct page_xfer *px, size_t total)
{
	struct drain_job job = { px, PARASITE_NR_PIPES / 2, PARASITE_NR_PIPES, 0 };
	pthread_t helper;
	int ret;

	if (px->pipe_fill[job.first] == 0 || pthread_create(&helper, NULL, drain_thread, &job))
		return drain_pipes(px, 0, PARASITE_NR_PIPES) ?: (px->pages_off += total, 0);
	ret = drain_pipes(px, 0, job.first);
	pthread_join(helper, NULL);
	ret = ret ?: job.ret;
	px->pages_off += total;
	return ret;
}

/* The time spent here is stats-dump's memwrite_time (CRIU's: pipes into the image). */
static int drain_batch(struct page_xfer *px)
{
	uint64_t start = now_us();
	size_t i, total = 0;
	int ret;

	for (i = 0; i < PARASITE_NR_PIPES; i++)
		total += px->pipe_fill[i];
	if (px->remote)
		ret = ps_xfer_send_batch(px->remote, px->args, px->pipe_r, px->copy_iov);
	else
		ret = drain_halves(px, total);
	px->dc->stats.memwrite_us += now_us() - start;
	return ret;
}

/* Ask the parasite to fill the pipes with the batched iovs, then drain them into the image. */
static int flush_batch(struct page_xfer *px)
{
	loff_t batch_off;
	int i, ret;

	if (!px->args->nr_iovs && px->remote_holes)
		return drain_batch(px) ?: (px->remote_holes = false, 0);
	if (!px->args->nr_iovs)
		return 0;
	if (fault_injected("page-transfer"))
		return -EIO;
	px->args->sum_mode = px->sum_mode;
	px->args->sum_seed = px->seed;
	ret = compel_rpc_call(px->dc->ctl, PARASITE_CMD_DUMP_PAGES);
	if (!ret)
		fault_point("pages"); /* the parasite splices meanwhile */
	ret = ret ?: compel_rpc_sync(px->dc->ctl);
	if (ret) {
		pr_err("The parasite failed to splice pages: %d\n", ret);
		return ret;
	}
	batch_off = px->pages_off;
	ret = drain_batch(px) ?: add_batch_sums(px, batch_off);
	if (ret)
		return ret;
	for (i = 0; i < PARASITE_NR_PIPES; i++) {
		px->dc->stats.pages_written += px->pipe_fill[i] / PAGE_SIZE;
		px->pipe_fill[i] = 0;
	}
	px->args->nr_iovs = 0;
	px->args->nr_unprot = 0;
	px->cur_pipe = 0;
	px->remote_holes = false;
	return 0;
}

/* Unreadable areas are opened up by the parasite around its vmsplice. */
static int note_unprot(struct page_xfer *px, const VmaEntry *v)
{
	struct parasite_dump_pages *a = px->args;
	struct parasite_unprot *u;
	int ret;

	if (v->prot & PROT_READ)
		return 0;
	if (a->nr_unprot && a->unprot[a->nr_unprot - 1].start == v->start)
		return 0;
	if (a->nr_unprot == PARASITE_MAX_UNPROT) {
		ret = flush_batch(px);
		if (ret)
			return ret;
	}
	u = &a->unprot[a->nr_unprot++];
	u->start = v->start;
	u->len = v->end - v->start;
	u->prot = v->prot;
	return 0;
}

static int queue_pages(struct page_xfer *px, const VmaEntry *v, uint64_t addr, uint64_t nr)
{
	struct parasite_dump_pages *a = px->args;
	int ret;

	while (nr) {
		size_t room = (px->pipe_cap - px->pipe_fill[px->cur_pipe]) / PAGE_SIZE;
		uint64_t n;

		if (!room) {
			if (px->cur_pipe + 1 < PARASITE_NR_PIPES) {
				px->cur_pipe++;
				continue;
			}
			ret = flush_batch(px);
			if (ret)
				return ret;
			continue;
		}
		if (a->nr_iovs == PARASITE_MAX_IOVS) {
			ret = flush_batch(px);
			if (ret)
				return ret;
		}
		ret = note_unprot(px, v);
		if (ret)
			return ret;
		n = nr < room ? nr : room;
		px->volatile_iov[a->nr_iovs] =
			(v->status & VMA_AREA_AIORING) ||
			(addr < px->rseq_end && addr + n * PAGE_SIZE > px->rseq_start);
		px->copy_iov[a->nr_iovs] = v->flags & MAP_HUGETLB;
		a->iovs[a->nr_iovs].base = addr;
		a->iovs[a->nr_iovs].len = n * PAGE_SIZE;
		a->pipe_of[a->nr_iovs] = px->cur_pipe;
		a->nr_iovs++;
		px->pipe_fill[px->cur_pipe] += n * PAGE_SIZE;
		addr += n * PAGE_SIZE;
		nr -= n;
	}
	return 0;
}

/* A run of pages with data here (PE_PRESENT) or in the parent's images (PE_PARENT). */
static int emit_run(struct page_xfer *px, const VmaEntry *v, uint64_t addr, uint64_t nr,
		    uint32_t flags)
{
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	int ret;

	if (px->remote && flags == PE_PARENT) {
		px->remote_holes = true;
		px->dc->stats.pages_skipped_parent += nr;
		return ps_xfer_hole(px->remote, addr, nr, px->args->nr_iovs);
	}
	if (px->remote) /* the server writes an entry per iov, as it comes */
		return queue_pages(px, v, addr, nr);
	pe.vaddr = addr;
	pagemap_set_nr_pages(&pe, nr);
	pe.has_flags = 1;
	pe.flags = flags;
	ret = pb_write_one(px->pagemap_img, &pe.base);
	if (ret || flags == PE_PARENT) {
		px->dc->stats.pages_skipped_parent += ret ? 0 : nr;
		return ret;
	}
	if (pages_read_mode(px->dc))
		return pages_later_add(px->dc, addr, nr * PAGE_SIZE);
	return queue_pages(px, v, addr, nr);
}

/*
 * PE_PRESENT, PE_PARENT (the parent task maps the very same page there; or, in a chain of
 * dumps, unchanged: the parent images hold it and nobody wrote it since), or 0: no data.
 */
static uint32_t page_kind(const VmaEntry *v, uint64_t pme, const uint64_t *parent_pme,
			  bool unchanged)
{
	if (!page_wanted(v, pme))
		return 0;
	if (unchanged)
		return PE_PARENT;
	return parent_pme && pme_same_page(pme, *parent_pme) ? PE_PARENT : PE_PRESENT;
}

static int read_pagemap(int fd, pid_t pid, uint64_t *buf, uint64_t addr, size_t nr)
{
	if (pread(fd, buf, nr * 8, (addr / PAGE_SIZE) * 8) != (ssize_t)(nr * 8)) {
		pr_perror("Can't read pagemap of task %d at %llx", pid, (unsigned long long)addr);
		return -EIO;
	}
	return 0;
}

/* Pages of one kind back to back, written as one pagemap entry once the kind changes. */
struct page_run {
	uint64_t start, len;
	uint32_t kind;
};

static int run_add(struct page_xfer *px, const VmaEntry *v, struct page_run *run, uint64_t addr,
		   uint64_t nr, uint32_t kind)
{
	int ret = 0;

	if (run->len && run->kind == kind && run->start + run->len * PAGE_SIZE == addr) {
		run->len += nr;
		return 0;
	}
	if (run->len)
		ret = emit_run(px, v, run->start, run->len, run->kind);
	*run = (struct page_run){ addr, kind ? nr : 0, kind };
	return ret;
}

/* [start, end) page by page, as /proc/PID/pagemap tells. */
static int walk_range(struct page_xfer *px, const VmaEntry *v, bool cow, uint64_t start,
		      uint64_t end, bool unchanged, struct page_run *run)
{
	uint64_t addr = start;
	int ret;

	while (addr < end) {
		size_t nr = (end - addr) / PAGE_SIZE, i;

		if (nr > PM_CHUNK)
			nr = PM_CHUNK;
		ret = read_pagemap(px->pagemap_fd, px->dc->pid, px->pm_buf, addr, nr);
		if (!ret && cow)
			ret = read_pagemap(px->cow.pagemap_fd, px->dc->ppid, px->ppm_buf, addr, nr);
		if (ret)
			return ret;
		px->dc->stats.pages_scanned += nr;
		for (i = 0; i < nr; i++, addr += PAGE_SIZE) {
			px->frames_hidden |= cow && pme_frame_hidden(px->pm_buf[i]);
			ret = run_add(px, v, run, addr, 1,
				      page_kind(v, px->pm_buf[i], cow ? &px->ppm_buf[i] : NULL,
						unchanged));
			if (ret)
				return ret;
		}
	}
	return 0;
}

struct tracked_walk {
	struct page_xfer *px;
	const VmaEntry *v;
	struct page_run *run;
};

/* [addr, to) of one region of the cursor (memtrack_walk()), all of one kind. */
static int tracked_span(void *arg, uint64_t addr, uint64_t to, enum memtrack_span span)
{
	struct tracked_walk *w = arg;
	uint64_t nr = (to - addr) / PAGE_SIZE;

	if (span == MEMTRACK_SPAN_PAGEMAP || span == MEMTRACK_SPAN_PAGEMAP_PARENT)
		return walk_range(w->px, w->v, false, addr, to,
				  span == MEMTRACK_SPAN_PAGEMAP_PARENT, w->run);
	w->px->dc->stats.pages_scanned += nr;
	if (span == MEMTRACK_SPAN_FILE)
		return run_add(w->px, w->v, w->run, addr, 0, 0);
	return run_add(w->px, w->v, w->run, addr, nr,
		       span == MEMTRACK_SPAN_PARENT ? PE_PARENT : PE_PRESENT);
}

static int dump_vma_pages(struct page_xfer *px, size_t vi)
{
	const VmaEntry *v = px->dc->mm.vmas[vi];
	bool cow = px->cow.mm && dump_cow_vma(&px->cow, v);
	struct page_run run = {};
	struct memtrack_cursor mc;
	int ret;

	ret = memtrack_vma_begin(px->dc, vi, px->pagemap_fd, &mc);
	if (ret)
		return ret;
	if (mc.active)
		ret = memtrack_walk(&mc, v->status & VMA_FILE_PRIVATE, tracked_span,
				    &(struct tracked_walk){ px, v, &run });
	else
		ret = walk_range(px, v, cow, v->start, v->end, false, &run);
	memtrack_vma_end(&mc);
	return ret ?: run_add(px, v, &run, v->end, 0, 0);
}

static int open_sums(struct page_xfer *px)
{
	px->sums = img_raw_sums(px->pages_img);
	if (!px->sums)
		return 0;
	px->seed = imgset_seed();
	px->sum_mode = sum_have_avx2() ? PARASITE_SUM_AVX2 : PARASITE_SUM_SSE2;
	if (!threads_leader_rseq(px->dc, &px->rseq_start, &px->rseq_end))
		px->rseq_end += px->rseq_start;
	return 0;
}

static int open_xfer(struct page_xfer *px, struct dump_ctx *dc)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	char path[64];
	int ret;

	memset(px, 0, sizeof(*px));
	px->dc = dc;
	px->pagemap_fd = px->pages_rfd = -1;
	for (ret = 0; ret < PARASITE_NR_PIPES; ret++)
		px->pipe_r[ret] = -1;
	px->args = compel_parasite_args(dc->ctl);
	px->args->nr_iovs = px->args->nr_unprot = 0;
	px->cow.pagemap_fd = -1;
	px->pm_buf = malloc(PM_CHUNK * 8);
	px->ppm_buf = malloc(PM_CHUNK * 8);
	if (!px->pm_buf || !px->ppm_buf)
		return -ENOMEM;
	/* in a chain of dumps, PE_PARENT means the parent images: no sharing with the parent task
	 */
	ret = memtrack_in_chain(dc->tree) ? 0 : dump_cow_open(dc, &px->cow);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", dc->pid);
	px->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (px->pagemap_fd < 0) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	if (dc->tree->ps)
		return ps_xfer_open(dc->tree->ps, dc->img_pid, &px->remote) ?: open_pipes(px);
	px->pagemap_img = open_image_at(dc->dfd, CR_FD_PAGEMAP, O_DUMP, dc->img_pid);
	px->pages_img = open_image_at(dc->dfd, CR_FD_PAGES, O_DUMP, dc->idx + 1);
	if (!px->pagemap_img || !px->pages_img)
		return -EIO;
	px->pages_fd = img_raw_fd(px->pages_img);
	if (px->pages_fd < 0)
		return px->pages_fd;
	ret = open_sums(px);
	if (ret)
		return ret;
	head.pages_id = dc->idx + 1;
	ret = pb_write_one(px->pagemap_img, &head.base);
	return ret ?: pages_read_mode(dc) ? 0 : open_pipes(px);
}

static int close_xfer(struct page_xfer *px)
{
	int ret = 0, i;

	if (px->dc->ctl && px->pipe_r[0] >= 0)
		ret = compel_rpc_call_sync(px->dc->ctl, PARASITE_CMD_PIPES_FINI);
	for (i = 0; i < PARASITE_NR_PIPES; i++)
		if (px->pipe_r[i] >= 0)
			close(px->pipe_r[i]);
	if (px->pagemap_img)
		ret = close_image(px->pagemap_img) ?: ret;
	if (px->pages_img && pages_read_mode(px->dc) && !ret) {
		pages_later_keep(px->dc, px->pages_img, px->seed);
		px->pages_img = NULL;
	}
	if (px->pages_img)
		ret = close_image(px->pages_img) ?: ret;
	if (px->pagemap_fd >= 0)
		close(px->pagemap_fd);
	if (px->pages_rfd >= 0)
		close(px->pages_rfd);
	ps_xfer_close(px->remote);
	free(px->pm_buf);
	free(px->ppm_buf);
	dump_cow_close(&px->cow);
	return ret;
}

int dump_task_pages(struct dump_ctx *dc)
{
	struct page_xfer px;
	uint64_t start = now_us();
	size_t i;
	int ret;

	ret = open_xfer(&px, dc);
	for (i = 0; !ret && i < dc->mm.n_vmas; i++) {
		/* process_vm_readv can't read them: the next dump saves them in full */
		if (pages_read_mode(dc) && !(dc->mm.vmas[i]->prot & PROT_READ))
			continue;
		if (vma_has_pages(dc->mm.vmas[i]))
			ret = dump_vma_pages(&px, i);
	}
	if (!ret)
		ret = flush_batch(&px);
	/* restore need not compare pages with the parent's: the frames told which are shared */
	dc->cow_pages_found = px.cow.mm && !px.frames_hidden;
	ret = close_xfer(&px) ?: ret;
	dc->stats.memdump_us = now_us() - start;
	if (!ret)
		pr_info("Dumped %llu of %llu scanned pages (%llu shared with the parent) in %llu "
			"us\n",
			(unsigned long long)dc->stats.pages_written,
			(unsigned long long)dc->stats.pages_scanned,
			(unsigned long long)dc->stats.pages_skipped_parent,
			(unsigned long long)dc->stats.memdump_us);
	return ret;
}
