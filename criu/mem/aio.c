/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/aio.c - AIO contexts made by io_setup: see include/mem.h. The kernel keeps the ring's
 * tail (where it writes the next completion) to itself, so restore completes that many
 * zero-byte reads of /dev/null on the new context and reaps them; then the saved events and
 * head are copied in, and completions the program had not reaped yet are still there to
 * read. Requests still in flight at dump time are not kept (they belong to the kernel).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mem.h"
#include "log.h"
#include "restore-ctx.h"
#include "abi/restorer.h"
#include "vma-status.h"

#define AIO_RING_MAGIC 0xa10a10a1
#define AIO_PAGE       4096u

/* The head of the ring page, as the kernel lays it out (fs/aio.c struct aio_ring). */
struct aio_ring_head {
	uint32_t id;
	uint32_t nr;   /* io_events that fit in the ring */
	uint32_t head; /* the program reaps from here */
	uint32_t tail; /* the kernel writes here */
	uint32_t magic;
	uint32_t compat_features;
	uint32_t incompat_features;
	uint32_t header_length;
	struct io_event events[];
};

bool vma_is_aio_ring(const struct proc_vma *pv)
{
	return pv->path && !strncmp(pv->path, "/[aio]", 6);
}

static uint32_t ring_events(uint64_t len)
{
	return (len - sizeof(struct aio_ring_head)) / sizeof(struct io_event);
}

int dump_aio_vma(const struct proc_vma *pv, VmaEntry *v)
{
	uint64_t len = pv->end - pv->start;

	if (len < AIO_PAGE || len > (64u << 20) || !pv->shared) {
		pr_err("Mapping %llx-%llx looks like an AIO ring but is not one this criu knows\n",
		       (unsigned long long)pv->start, (unsigned long long)pv->end);
		return -EOPNOTSUPP;
	}
	v->status |= VMA_ANON_PRIVATE | VMA_AREA_AIORING;
	v->flags = MAP_PRIVATE | MAP_ANONYMOUS;
	v->pgoff = 0;
	return 0;
}

/*
 * io_setup(n) makes room for 2 * max(n, 4 * cpus) events, rounded up to whole pages:
 * asking for a bit under half of what the ring holds gives a ring of the same pages.
 */
static uint32_t nr_req_for(uint64_t len)
{
	uint32_t n = ring_events(len) / 2;

	return n > 4 ? n - 2 : 1;
}

int dump_aio_rings(MmEntry *mm)
{
	AioRingEntry **ptrs, *ents;
	size_t i, n = 0;

	for (i = 0; i < mm->n_vmas; i++)
		n += !!(mm->vmas[i]->status & VMA_AREA_AIORING);
	if (!n)
		return 0;
	ptrs = malloc(n * (sizeof(*ptrs) + sizeof(*ents)));
	if (!ptrs)
		return -ENOMEM;
	ents = (AioRingEntry *)(ptrs + n);
	for (i = 0, n = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (!(v->status & VMA_AREA_AIORING))
			continue;
		aio_ring_entry__init(&ents[n]);
		ents[n].id = v->start;
		ents[n].ring_len = v->end - v->start;
		ents[n].nr_req = nr_req_for(v->end - v->start);
		ptrs[n] = &ents[n];
		pr_info("AIO ring at %#lx, %u bytes\n", (long)v->start, ents[n].ring_len);
		n++;
	}
	mm->aios = ptrs;
	mm->n_aios = n;
	return 0;
}

/* Complete and reap `count` empty reads, so that the kernel's tail moves by as many. */
static int advance_tail(aio_context_t ctx, uint32_t count)
{
	struct iocb cb = { .aio_lio_opcode = IOCB_CMD_PREAD };
	struct iocb *cbp = &cb;
	struct io_event ev;
	char byte;
	int fd, ret = 0;

	if (!count)
		return 0;
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open /dev/null to move an AIO ring's tail");
		return -errno;
	}
	cb.aio_fildes = fd;
	cb.aio_buf = (uintptr_t)&byte;
	while (count-- && !ret) {
		if (syscall(SYS_io_submit, ctx, 1, &cbp) != 1 ||
		    syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1) {
			pr_perror("Can't move the tail of AIO ring %#lx", (long)ctx);
			ret = -EIO;
		}
	}
	close(fd);
	return ret;
}

static int check_saved(const AioRingEntry *a, const struct aio_ring_head *old)
{
	uint32_t nr = ring_events(a->ring_len);

	if (old->magic != AIO_RING_MAGIC || old->nr != nr || old->head >= nr || old->tail >= nr) {
		pr_err("The saved AIO ring at %#lx is damaged (magic %#x, %u events, head %u, "
		       "tail %u)\n",
		       (long)a->id, old->magic, old->nr, old->head, old->tail);
		return -EINVAL;
	}
	return 0;
}

static int remake_ring(const AioRingEntry *a, struct rst_vma *rv)
{
	struct aio_ring_head *old = (void *)(uintptr_t)rv->premap, *cur;
	aio_context_t ctx = 0;
	int ret = check_saved(a, old);

	if (ret)
		return ret;
	if (syscall(SYS_io_setup, a->nr_req, &ctx)) {
		pr_perror("Can't make the AIO context at %#lx again (io_setup of %u events)",
			  (long)a->id, a->nr_req);
		return -errno;
	}
	cur = (void *)(uintptr_t)ctx;
	if (cur->nr != old->nr) {
		pr_err("AIO ring at %#lx came back with %u events, not %u\n", (long)a->id, cur->nr,
		       old->nr);
		syscall(SYS_io_destroy, ctx);
		return -EINVAL;
	}
	ret = advance_tail(ctx, old->tail);
	if (ret) {
		syscall(SYS_io_destroy, ctx);
		return ret;
	}
	memcpy(cur->events, old->events, old->nr * sizeof(struct io_event));
	cur->head = old->head;
	munmap(old, a->ring_len);
	rv->premap = ctx; /* the restorer moves it in place; the kernel follows (mremap) */
	return 0;
}

int rst_aio_rings(const struct rst_task *t, struct rst_mem *mem)
{
	const MmEntry *mm = t->mm;
	size_t i, j, found = 0;
	int ret;

	for (i = 0; i < mm->n_aios; i++) {
		const AioRingEntry *a = mm->aios[i];

		for (j = 0; j < mm->n_vmas; j++)
			if (mm->vmas[j]->start == a->id &&
			    (mm->vmas[j]->status & VMA_AREA_AIORING) &&
			    mm->vmas[j]->end - mm->vmas[j]->start == a->ring_len)
				break;
		if (j == mm->n_vmas || a->ring_len < AIO_PAGE) {
			pr_err("mm-%d.img: AIO ring %#lx has no mapping of its size\n", t->pid,
			       (long)a->id);
			return -EINVAL;
		}
		ret = remake_ring(a, &mem->vmas[j]);
		if (ret)
			return ret;
		found++;
	}
	for (j = 0; j < mm->n_vmas; j++)
		found -= !!(mm->vmas[j]->status & VMA_AREA_AIORING);
	if (found) {
		pr_err("mm-%d.img: AIO ring mappings and entries do not match\n", t->pid);
		return -EINVAL;
	}
	return 0;
}
