/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aio00: an AIO context (io_setup) with three completed reads, two of them reaped. After
 * restore the context keeps its id and ring, the third completion is still there to reap
 * with its data, and new reads complete on it as before.
 */
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

struct ring_head {
	uint32_t id, nr, head, tail, magic;
};

static char bufs[4][8];

static int submit(aio_context_t ctx, int fd, int i)
{
	struct iocb cb = { .aio_lio_opcode = IOCB_CMD_PREAD,
			   .aio_fildes = fd,
			   .aio_buf = (uintptr_t)bufs[i],
			   .aio_nbytes = 4,
			   .aio_offset = 4 * i,
			   .aio_data = 100 + i };
	struct iocb *cbp = &cb;

	return syscall(__NR_io_submit, ctx, 1, &cbp) == 1 ? 0 : -1;
}

/* Reap one completion; it must be read number i with its four bytes. */
static int reap(aio_context_t ctx, int i)
{
	struct timespec ts = { 5, 0 };
	struct io_event ev;
	char want[5];

	snprintf(want, sizeof(want), "%c%c%c%c", 'a' + i, 'a' + i, 'a' + i, 'a' + i);
	if (syscall(__NR_io_getevents, ctx, 1, 1, &ev, &ts) != 1)
		return -1;
	if (ev.data != (uint64_t)(100 + i) || ev.res != 4 || memcmp(bufs[i], want, 4)) {
		fail("completion %d: data %llu res %lld bytes %.4s", i, (unsigned long long)ev.data,
		     (long long)ev.res, bufs[i]);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *path;
	aio_context_t ctx = 0;
	struct ring_head before, *ring;
	int fd, i;

	test_init(argc, argv);
	path = test_path("data");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "aaaabbbbccccdddd", 16) != 16 || syscall(__NR_io_setup, 16, &ctx)) {
		fail_perror("can't set up the file and the AIO context");
		return 1;
	}
	for (i = 0; i < 3; i++)
		if (submit(ctx, fd, i)) {
			fail_perror("io_submit %d", i);
			return 1;
		}
	if (reap(ctx, 0) || reap(ctx, 1)) {
		fail_perror("can't reap the first two reads");
		return 1;
	}
	/* Buffered reads complete at once; give the third one time anyway. */
	ring = (struct ring_head *)ctx;
	for (i = 0; i < 5000 && ((volatile struct ring_head *)ring)->tail != 3; i++)
		usleep(1000);
	before = *ring;
	if (before.tail != 3 || before.head != 2) {
		fail("the ring is at head %u, tail %u before the dump", before.head, before.tail);
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (ring->nr != before.nr || ring->head != before.head || ring->tail != before.tail) {
		fail("the ring is %u/%u/%u (nr/head/tail), was %u/%u/%u", ring->nr, ring->head,
		     ring->tail, before.nr, before.head, before.tail);
		return 1;
	}
	if (reap(ctx, 2)) {
		fail_perror("the completion left in the ring is lost");
		return 1;
	}
	if (submit(ctx, fd, 3) || reap(ctx, 3)) {
		fail_perror("a new read does not complete on the restored context");
		return 1;
	}
	if (syscall(__NR_io_destroy, ctx)) {
		fail_perror("io_destroy");
		return 1;
	}
	pass();
	return 0;
}
