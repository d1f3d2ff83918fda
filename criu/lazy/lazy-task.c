/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lazy/lazy-task.c - one task of criu lazy-pages (lazy-internal.h): the pages it is owed,
 * its faults, its memory events, and the copy of the rest in the background.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "abi/lazy-proto.h"
#include "image.h"
#include "lazy-internal.h"
#include "log.h"
#include "page-chain.h"
#include "pagemap-flags.h"

#include "pagemap.pb-c.h"

#define LZ_PAGE	       4096ull
#define LZ_FAULT_AHEAD (16 * LZ_PAGE) /* a fault brings this much of its run at most */
#define LZ_BATCH       (1ull << 20)   /* the background copies this much at a time */
#define LZ_MSGS	       16

static char copy_buf[LZ_BATCH];

static int add_run(struct lazy_task *t, uint64_t start, uint64_t end, uint64_t img)
{
	if (t->nr_runs == t->cap_runs) {
		size_t cap = t->cap_runs ? t->cap_runs * 2 : 64;
		struct lazy_run *r = realloc(t->runs, cap * sizeof(*r));

		if (!r) {
			pr_err("No memory for the pages of task %d\n", t->id);
			return -ENOMEM;
		}
		t->runs = r;
		t->cap_runs = cap;
	}
	t->runs[t->nr_runs++] = (struct lazy_run){ start, end, img };
	return 0;
}

static int cmp_run(const void *a, const void *b)
{
	const struct lazy_run *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* An entry's pages [s, e), where they fall in the registered ranges. */
static int add_entry(struct lazy_task *t, uint64_t s, uint64_t e, const struct lazy_range *r,
		     size_t nr)
{
	uint64_t a, b;
	size_t i;
	int ret;

	for (i = 0; i < nr; i++) {
		a = s > r[i].start ? s : r[i].start;
		b = e < r[i].end ? e : r[i].end;
		if (a >= b)
			continue;
		ret = add_run(t, a, b, a);
		if (ret)
			return ret;
	}
	return 0;
}

static int read_entries(struct lazy_task *t, struct cr_img *img, const struct lazy_range *r,
			size_t nr)
{
	PagemapEntry *pe;
	int ret;

	/* PE_PARENT too: the chain of parent images (or the page server) has those */
	while ((ret = pb_read_one_eof(img, &pagemap_entry__descriptor, (ProtobufCMessage **)&pe)) >
	       0) {
		ret = add_entry(t, pe->vaddr, pe->vaddr + pagemap_nr_pages(pe) * LZ_PAGE, r, nr);
		pagemap_entry__free_unpacked(pe, NULL);
		if (ret)
			return ret;
	}
	return ret;
}

/* Local pages: through the images directory and its "parent" links (mem/chain.c). */
static int open_pages(struct lazy_task *t, int dfd)
{
	if (t->remote)
		return 0;
	t->pages = malloc(sizeof(*t->pages));
	if (!t->pages) {
		pr_err("No memory for the pages of task %d\n", t->id);
		return -ENOMEM;
	}
	page_chain_init(t->pages, dfd, t->id);
	t->pages->self = true;
	return 0;
}

int lazy_task_load(struct lazy_task *t, int dfd, const void *ranges, size_t nr_ranges)
{
	PagemapHead *head;
	struct cr_img *img;
	int ret;

	img = open_image_at(dfd, CR_FD_PAGEMAP, O_RSTR, t->id);
	if (!img)
		return -EIO;
	ret = pb_read_one(img, &pagemap_head__descriptor, (ProtobufCMessage **)&head);
	if (ret < 0)
		goto out_close;
	pagemap_head__free_unpacked(head, NULL);
	ret = open_pages(t, dfd) ?: read_entries(t, img, ranges, nr_ranges);
	if (!ret)
		qsort(t->runs, t->nr_runs, sizeof(*t->runs), cmp_run);
out_close:
	close_image(img);
	return ret;
}

struct lazy_task *lazy_task_fork(const struct lazy_task *parent, int uffd)
{
	struct lazy_task *t = calloc(1, sizeof(*t));

	if (!t)
		goto out_err;
	*t = *parent;
	t->child = 1;
	t->peer = 0; /* a fork's child: its pid is not in the event */
	t->uffd = uffd;
	t->pages_copied = t->pages_zeroed = 0;
	t->pending = NULL;
	t->nr_pending = t->cap_pending = 0;
	t->next = NULL;
	t->runs = malloc((parent->nr_runs ?: 1) * sizeof(*t->runs));
	t->pages = NULL;
	if (!t->runs || (parent->pages && open_pages(t, parent->pages->dfd)))
		goto out_free;
	memcpy(t->runs, parent->runs, parent->nr_runs * sizeof(*t->runs));
	t->cap_runs = parent->nr_runs ?: 1;
	return t;
out_free:
	free(t->runs);
	free(t);
out_err:
	pr_err("No memory or fd for the child task %d forked\n", parent->id);
	close(uffd);
	return NULL;
}

void lazy_task_free(struct lazy_task *t)
{
	if (t->uffd >= 0)
		close(t->uffd); /* unregisters: what the task touches now is its own */
	if (t->pages) {
		page_chain_fini(t->pages);
		free(t->pages);
	}
	free(t->runs);
	free(t->pending);
	free(t);
}

/* Removes [s, e) from the runs; the pieces go to out (if not NULL, room for nr_runs + 1). */
static int cut(struct lazy_task *t, uint64_t s, uint64_t e, struct lazy_run *out, size_t *nr_out)
{
	size_t i, n = t->nr_runs;
	int ret;

	for (i = 0; i < n; i++) {
		struct lazy_run r = t->runs[i];
		uint64_t a = s > r.start ? s : r.start, b = e < r.end ? e : r.end;

		if (a >= b)
			continue;
		if (out)
			out[(*nr_out)++] = (struct lazy_run){ a, b, r.img + (a - r.start) };
		t->runs[i].end = a; /* the part before [a, b); empty if a == start */
		if (b < r.end) {
			ret = add_run(t, b, r.end, r.img + (b - r.start));
			if (ret)
				return ret;
		}
	}
	for (i = n = 0; i < t->nr_runs; i++)
		if (t->runs[i].end > t->runs[i].start)
			t->runs[n++] = t->runs[i];
	t->nr_runs = n;
	qsort(t->runs, t->nr_runs, sizeof(*t->runs), cmp_run);
	return 0;
}

static struct lazy_run *find_run(struct lazy_task *t, uint64_t addr)
{
	size_t lo = 0, hi = t->nr_runs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (addr < t->runs[mid].start)
			hi = mid;
		else if (addr >= t->runs[mid].end)
			lo = mid + 1;
		else
			return &t->runs[mid];
	}
	return NULL;
}

/* len bytes of the images at img into copy_buf: here, or from the page server */
static int read_pages(struct lazy_task *t, uint64_t len, uint64_t img)
{
	char *buf = copy_buf;
	const char *path;
	uint64_t n;
	off_t off;
	int fd, ret;

	if (t->remote)
		return lazy_remote_read(t, buf, len, img);
	while (len) {
		ret = page_chain_find(t->pages, 0, img, len, &fd, &path, &off, &n);
		if (ret)
			return ret;
		if (pread(fd, buf, n, off) != (ssize_t)n) {
			pr_perror("Can't read task %d's pages at %#llx from %s", t->id,
				  (unsigned long long)img, path);
			return -EIO;
		}
		buf += n;
		img += n;
		len -= n;
	}
	return 0;
}

/*
 * [addr, addr + len) of a run, from the images into the task. 0 (the pages are in, or were
 * there already), 1 if the task is gone, -EAGAIN if its memory is changing (events first),
 * or -errno.
 */
static int copy_in(struct lazy_task *t, uint64_t addr, uint64_t len, uint64_t img)
{
	struct uffdio_copy c = { .dst = addr, .src = (uint64_t)(uintptr_t)copy_buf, .len = len };
	int ret = read_pages(t, len, img);

	if (ret)
		return ret;
	if (!ioctl(t->uffd, UFFDIO_COPY, &c)) {
		t->pages_copied += len / LZ_PAGE;
		return cut(t, addr, addr + len, NULL, NULL);
	}
	if (errno == ESRCH)
		return 1;
	if (errno == EAGAIN && c.copy > 0) {
		t->pages_copied += c.copy / LZ_PAGE;
		return cut(t, addr, addr + c.copy, NULL, NULL) ?: -EAGAIN;
	}
	if (errno == EEXIST) { /* there already (the task wrote it: it is its own) */
		struct uffdio_range wake = { .start = addr, .len = LZ_PAGE };

		if (ioctl(t->uffd, UFFDIO_WAKE, &wake) && errno == ESRCH)
			return 1;
		return cut(t, addr, addr + LZ_PAGE, NULL, NULL);
	}
	if (errno == EAGAIN || errno == ENOENT)
		return -EAGAIN;
	pr_perror("UFFDIO_COPY of task %d's pages at %#llx failed", t->id,
		  (unsigned long long)addr);
	return -errno;
}

static int zero_page(struct lazy_task *t, uint64_t addr)
{
	struct uffdio_zeropage z = { .range = { .start = addr, .len = LZ_PAGE } };
	struct uffdio_range wake = { .start = addr, .len = LZ_PAGE };

	if (!ioctl(t->uffd, UFFDIO_ZEROPAGE, &z)) {
		t->pages_zeroed++;
		return 0;
	}
	if (errno == ESRCH)
		return 1;
	if (errno == EEXIST) /* filled meanwhile: the faulting thread only needs waking */
		return ioctl(t->uffd, UFFDIO_WAKE, &wake) && errno != ESRCH ? -errno : 0;
	if (errno == EAGAIN || errno == ENOENT)
		return -EAGAIN;
	pr_perror("UFFDIO_ZEROPAGE of task %d at %#llx failed", t->id, (unsigned long long)addr);
	return -errno;
}

static int add_pending(struct lazy_task *t, uint64_t addr)
{
	if (t->nr_pending == t->cap_pending) {
		size_t cap = t->cap_pending ? t->cap_pending * 2 : 16;
		uint64_t *p = realloc(t->pending, cap * sizeof(*p));

		if (!p) {
			pr_err("No memory for task %d's waiting faults\n", t->id);
			return -ENOMEM;
		}
		t->pending = p;
		t->cap_pending = cap;
	}
	t->pending[t->nr_pending++] = addr;
	return 0;
}

/* A fault at addr: its page (and a few after it in its run), or a zero page. */
static int fault(struct lazy_task *t, uint64_t addr)
{
	struct lazy_run *r;
	uint64_t len;
	int ret;

	addr &= ~(LZ_PAGE - 1);
	r = find_run(t, addr);
	if (!r) {
		ret = zero_page(t, addr);
	} else {
		len = r->end - addr < LZ_FAULT_AHEAD ? r->end - addr : LZ_FAULT_AHEAD;
		ret = copy_in(t, addr, len, r->img + (addr - r->start));
	}
	/* the memory is changing under us: once the events are read, this fault again */
	if (ret == -EAGAIN && (!r || find_run(t, addr)))
		return add_pending(t, addr);
	return ret == -EAGAIN ? 0 : ret;
}

static int retry_pending(struct lazy_task *t)
{
	size_t i, n = t->nr_pending;
	uint64_t *addrs = t->pending;
	int ret = 0;

	if (!n)
		return 0;
	t->pending = NULL;
	t->nr_pending = t->cap_pending = 0;
	for (i = 0; !ret && i < n; i++)
		ret = fault(t, addrs[i]);
	free(addrs);
	return ret;
}

/* The task mremap()ed [from, from + len) to to: the pages it is owed move with it. */
static int remap(struct lazy_task *t, uint64_t from, uint64_t to, uint64_t len)
{
	struct lazy_run *moved = malloc((t->nr_runs + 1) * sizeof(*moved));
	size_t i, n = 0;
	int ret;

	if (!moved) {
		pr_err("No memory to follow task %d's mremap\n", t->id);
		return -ENOMEM;
	}
	ret = cut(t, from, from + len, moved, &n) ?: cut(t, to, to + len, NULL, NULL);
	for (i = 0; !ret && i < n; i++)
		ret = add_run(t, moved[i].start - from + to, moved[i].end - from + to,
			      moved[i].img);
	free(moved);
	if (!ret)
		qsort(t->runs, t->nr_runs, sizeof(*t->runs), cmp_run);
	return ret;
}

static int one_event(struct lazy_task *t, const struct uffd_msg *m)
{
	struct lazy_task *child;

	switch (m->event) {
	case UFFD_EVENT_PAGEFAULT:
		return fault(t, m->arg.pagefault.address);
	case UFFD_EVENT_FORK:
		child = lazy_task_fork(t, m->arg.fork.ufd);
		if (!child)
			return -ENOMEM;
		child->next = t->next;
		t->next = child;
		pr_info("Task %d forked: its child gets the pages it is owed from the images\n",
			t->id);
		return 0;
	case UFFD_EVENT_REMAP:
		return remap(t, m->arg.remap.from, m->arg.remap.to, m->arg.remap.len);
	case UFFD_EVENT_REMOVE:
	case UFFD_EVENT_UNMAP:
		return cut(t, m->arg.remove.start, m->arg.remove.end, NULL, NULL);
	}
	pr_warn("Task %d: unknown userfaultfd event %u ignored\n", t->id, m->event);
	return 0;
}

int lazy_task_events(struct lazy_task *t)
{
	struct uffd_msg msgs[LZ_MSGS];
	ssize_t n;
	int i, ret;

	for (;;) {
		n = read(t->uffd, msgs, sizeof(msgs));
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			if (n == 0)
				return 1;
			pr_perror("Can't read task %d's userfaultfd", t->id);
			return -errno;
		}
		for (i = 0; i < n / (ssize_t)sizeof(msgs[0]); i++) {
			ret = one_event(t, &msgs[i]);
			if (ret)
				return ret;
		}
	}
	ret = retry_pending(t);
	if (ret)
		return ret;
	return t->nr_runs || t->nr_pending ? 0 : 1;
}

int lazy_task_retry(struct lazy_task *t)
{
	int ret = retry_pending(t);

	return ret ?: !(t->nr_runs || t->nr_pending);
}

int lazy_task_background(struct lazy_task *t, uint64_t max)
{
	struct lazy_run *r;
	uint64_t len;
	int ret;

	ret = retry_pending(t);
	if (ret || t->nr_pending)
		return ret;
	if (!t->nr_runs)
		return 1;
	r = &t->runs[0];
	if (max > LZ_BATCH)
		max = LZ_BATCH;
	len = r->end - r->start < max ? r->end - r->start : max;
	ret = copy_in(t, r->start, len, r->img);
	if (ret == -EAGAIN)
		return 0; /* an event is waiting: it goes first */
	return ret ?: !t->nr_runs;
}
