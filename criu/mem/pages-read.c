/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/pages-read.c - pre-dump --pre-dump-mode read: while the tree is frozen, the pages are
 * only listed (pagemap-PID.img is written, and the write tracker armed); criu copies them
 * with process_vm_readv once the tree runs again, and only then commits the image set. A
 * page the task writes meanwhile may be saved with its new content: the tracker saw the
 * write, so the next dump saves it again. A page that can no longer be read (unmapped or
 * made unreadable since) fails the pre-dump: its images can't be trusted. Areas without
 * PROT_READ are not pre-dumped in this mode; the next dump saves them in full.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "image.h"
#include "log.h"
#include "mem.h"
#include "sum.h"
#include "sumset.h"

#define READ_CHUNK (1ul << 20)

struct pages_later {
	struct cr_img *img; /* pages-N.img, open until the pages are in */
	uint64_t seed;
	struct later_range {
		uint64_t addr, len;
	} * v;
	size_t nr;
};

bool pages_read_mode(const struct dump_ctx *dc)
{
	return dc->opts->command == CMD_PRE_DUMP && dc->opts->pre_dump_mode == PRE_DUMP_READ;
}

int pages_later_add(struct dump_ctx *dc, uint64_t addr, uint64_t len)
{
	struct pages_later *pl = dc->later;

	if (!pl) {
		pl = dc->later = calloc(1, sizeof(*pl));
		if (!pl)
			return -ENOMEM;
	}
	if (pl->nr && pl->v[pl->nr - 1].addr + pl->v[pl->nr - 1].len == addr) {
		pl->v[pl->nr - 1].len += len;
	} else {
		if (ARRAY_ADD_ROOM(pl->v, pl->nr))
			return -ENOMEM;
		pl->v[pl->nr++] = (struct later_range){ addr, len };
	}
	dc->stats.pages_written += len / 4096;
	return 0;
}

void pages_later_keep(struct dump_ctx *dc, struct cr_img *pages_img, uint64_t seed)
{
	if (!dc->later) /* nothing to read: the image stays empty */
		dc->later = calloc(1, sizeof(*dc->later));
	if (!dc->later) {
		close_image(pages_img);
		return;
	}
	dc->later->img = pages_img;
	dc->later->seed = seed;
}

/* One range into the file at *off, through buf, summed as one unit. */
static int read_range(struct dump_ctx *dc, const struct later_range *r, char *buf, off_t *off)
{
	struct sum_file *sums = img_raw_sums(dc->later->img);
	int fd = img_raw_fd(dc->later->img);
	uint64_t done = 0;
	struct sum_stream st;

	sum_stream_reset(&st, dc->later->seed);
	while (done < r->len) {
		size_t n = r->len - done < READ_CHUNK ? r->len - done : READ_CHUNK;
		struct iovec local = { buf, n },
			     remote = { (void *)(uintptr_t)(r->addr + done), n };

		if (process_vm_readv(dc->pid, &local, 1, &remote, 1, 0) != (ssize_t)n) {
			pr_perror("Task %d: can't read its pages at %#llx once it ran again "
				  "(unmapped "
				  "or made unreadable since?); pre-dump it again",
				  dc->pid, (unsigned long long)(r->addr + done));
			return -EIO;
		}
		if (pwrite(fd, buf, n, *off) != (ssize_t)n) {
			pr_perror("Can't write pages of task %d into %s", dc->pid,
				  img_path(dc->later->img));
			return -EIO;
		}
		if (sums)
			sum_stream_update(&st, buf, n);
		*off += n;
		done += n;
	}
	return sums ? sumset_add_unit(sums, r->len, sum_stream_digest(&st)) : 0;
}

static int read_task(struct dump_ctx *dc, char *buf)
{
	struct pages_later *pl = dc->later;
	off_t off = 0;
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < pl->nr; i++)
		ret = read_range(dc, &pl->v[i], buf, &off);
	ret = close_image(pl->img) ?: ret;
	pl->img = NULL;
	return ret;
}

int pages_read_all(struct dump_tree *dt)
{
	char *buf = malloc(READ_CHUNK);
	size_t i;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	for (i = 0; !ret && i < dt->nr_tasks; i++)
		if (dt->tasks[i]->later && dt->tasks[i]->later->img)
			ret = read_task(dt->tasks[i], buf);
	free(buf);
	if (!ret)
		pr_info("The pages of the tree were read while it ran (--pre-dump-mode read)\n");
	return ret;
}

void pages_later_free(struct dump_ctx *dc)
{
	if (!dc->later)
		return;
	if (dc->later->img)
		close_image(dc->later->img);
	free(dc->later->v);
	free(dc->later);
	dc->later = NULL;
}
