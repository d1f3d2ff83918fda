/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/uffd-fill.c - fill premapped private anonymous memory with UFFDIO_COPY.
 *
 * preadv() into fresh memory writes each 4 KiB page through its user address, and on a VM
 * with shadow page tables the first touch of every page there costs a trip to the host
 * (several microseconds). UFFDIO_COPY allocates the page, copies into it through the
 * kernel's own mapping and installs it in one pass: no zeroing pass, no touch of the user
 * address. The pages go through a small per-thread buffer that stays hot in the cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "uffd-fill.h"

#define STAGE_SIZE (256ul << 10)

int rst_uffd_open(void)
{
	/* A stray fault in a registered range gets SIGBUS instead of waiting forever. */
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_SIGBUS };
	int fd;

	fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (fd < 0) {
		pr_info("no userfaultfd (%d); filling memory with preadv\n", errno);
		return -1;
	}
	if (ioctl(fd, UFFDIO_API, &api)) {
		pr_info("userfaultfd API refused (%d); filling memory with preadv\n", errno);
		close(fd);
		return -1;
	}
	return fd;
}

int rst_uffd_register(int uffd, void *start, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)start, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		pr_warn("Can't register %p+%#zx with userfaultfd (%d); filling with preadv\n",
			start, len, errno);
		return -errno;
	}
	return 0;
}

int rst_uffd_stage_init(struct rst_uffd_stage *st)
{
	st->size = STAGE_SIZE;
	st->buf = mmap(NULL, st->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st->buf == MAP_FAILED) {
		pr_perror("Can't map a %zu-byte buffer for the pages", st->size);
		st->buf = NULL;
		return -errno;
	}
	return 0;
}

void rst_uffd_stage_fini(struct rst_uffd_stage *st)
{
	if (st->buf)
		munmap(st->buf, st->size);
	st->buf = NULL;
}

int rst_read_pages(int fd, const char *path, void *buf, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			pr_perror("%s: can't read pages at offset %ld", path, (long)off);
			return n < 0 ? -errno : -EIO;
		}
		buf = (char *)buf + n;
		off += n;
		len -= n;
	}
	return 0;
}

/* EAGAIN (the mm changed under it) means go on. */
int rst_uffd_copy(int uffd, void *dst, const void *src, size_t len)
{
	while (len) {
		struct uffdio_copy c = {
			.dst = (unsigned long)dst,
			.src = (unsigned long)src,
			.len = len,
		};

		if (ioctl(uffd, UFFDIO_COPY, &c) && errno != EAGAIN) {
			pr_perror("Can't copy pages into %p+%#zx", dst, len);
			return -errno;
		}
		if (c.copy <= 0)
			continue;
		dst = (char *)dst + c.copy;
		src = (const char *)src + c.copy;
		len -= c.copy;
	}
	return 0;
}

int rst_uffd_fill(int uffd, struct rst_uffd_stage *st, int fd, const char *path, void *dst,
		  off_t off, size_t len)
{
	while (len) {
		size_t n = len < st->size ? len : st->size;
		int ret;

		ret = rst_read_pages(fd, path, st->buf, n, off);
		ret = ret ?: rst_uffd_copy(uffd, dst, st->buf, n);
		if (ret)
			return ret;
		dst = (char *)dst + n;
		off += n;
		len -= n;
	}
	return 0;
}
