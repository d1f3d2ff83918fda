/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pie/restorer-lazy.c - restore --lazy-pages, in the restorer: the areas criu left empty
 * (RST_MADV_LAZY) are registered with a new userfaultfd once they are at their final
 * addresses, and the userfaultfd goes to criu lazy-pages with their list
 * (abi/lazy-proto.h), which fills them as the task touches them. Then the socket and our
 * copy of the userfaultfd are closed: the task keeps no trace of either.
 *
 * The userfaultfd asks for the fork, remap, remove (madvise) and unmap events, so that the
 * daemon follows what the task does with its memory; a fork's event needs CAP_SYS_PTRACE,
 * which we still have here (the task's credentials come last).
 */
#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>
#include <linux/userfaultfd.h>

#include "compel/rt/log.h"
#include "compel/rt/string.h"
#include "compel/rt/syscall.h"
#include "lazy-proto.h"
#include "restorer.h"

#define RST_O_CLOEXEC  02000000
#define RST_O_NONBLOCK 04000
#define RST_SOL_SOCKET 1
#define RST_SCM_RIGHTS 1
#define RST_BATCH      32

struct rst_iovec {
	uint64_t base, len;
};

struct rst_msghdr {
	uint64_t name;
	uint32_t namelen, pad0;
	uint64_t iov, iovlen;
	uint64_t control, controllen;
	int32_t flags, pad1;
};

struct rst_cmsg_fd {
	uint64_t len;
	int32_t level, type;
	int32_t fd, pad;
};

static int lazy_fail(const char *what, long err)
{
	rt_pr_err("lazy pages: %s failed: %ld\n", what, err);
	return (int)err;
}

static long send_all(int sk, const void *buf, unsigned long len)
{
	const char *p = buf;
	long n;

	while (len) {
		n = sys_write(sk, p, len);
		if (n <= 0)
			return n ?: -5;
		p += n;
		len -= n;
	}
	return 0;
}

static int send_hello(const struct rst_args *a, int uffd, uint32_t nr)
{
	struct lazy_hello h = { .kind = LAZY_HELLO_TASK, .id = a->lazy_id, .nr_ranges = nr };
	struct rst_cmsg_fd cm = { .len = 20, .level = RST_SOL_SOCKET, .type = RST_SCM_RIGHTS };
	struct rst_iovec iov = { (uint64_t)(unsigned long)&h, sizeof(h) };
	struct rst_msghdr mh = {
		.iov = (uint64_t)(unsigned long)&iov,
		.iovlen = 1,
		.control = (uint64_t)(unsigned long)&cm,
		.controllen = sizeof(cm),
	};
	long ret;

	cm.fd = uffd;
	ret = sys_sendmsg(a->lazy_sk, &mh, 0);
	return ret == sizeof(h) ? 0 : lazy_fail("sendmsg to criu lazy-pages", ret);
}

/* Registers every lazy area; *nr: how many. */
static int register_areas(const struct rst_args *a, int uffd, uint32_t *nr)
{
	const struct rst_vma *v = (const struct rst_vma *)a->vmas;
	struct uffdio_register reg;
	uint32_t i;
	long ret;

	*nr = 0;
	for (i = 0; i < a->nr_vmas; i++) {
		if (!(v[i].madv & RST_MADV_LAZY))
			continue;
		std_memset(&reg, 0, sizeof(reg));
		reg.range.start = v[i].start;
		reg.range.len = v[i].end - v[i].start;
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		ret = sys_ioctl(uffd, UFFDIO_REGISTER, (unsigned long)&reg);
		if (ret)
			return lazy_fail("UFFDIO_REGISTER", ret);
		(*nr)++;
	}
	return 0;
}

static int send_areas(const struct rst_args *a)
{
	const struct rst_vma *v = (const struct rst_vma *)a->vmas;
	struct lazy_range batch[RST_BATCH];
	uint32_t i, n = 0;
	long ret;

	for (i = 0; i < a->nr_vmas; i++) {
		if (!(v[i].madv & RST_MADV_LAZY))
			continue;
		batch[n].start = v[i].start;
		batch[n++].end = v[i].end;
		if (n < RST_BATCH && i + 1 < a->nr_vmas)
			continue;
		ret = send_all(a->lazy_sk, batch, n * sizeof(batch[0]));
		if (ret)
			return lazy_fail("sending the lazy areas", ret);
		n = 0;
	}
	ret = n ? send_all(a->lazy_sk, batch, n * sizeof(batch[0])) : 0;
	return ret ? lazy_fail("sending the lazy areas", ret) : 0;
}

int rst_lazy_register(const struct rst_args *a)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_EVENT_FORK | UFFD_FEATURE_EVENT_REMAP |
			    UFFD_FEATURE_EVENT_REMOVE | UFFD_FEATURE_EVENT_UNMAP,
	};
	uint32_t nr = 0;
	long uffd, ret;

	if (a->lazy_sk < 0)
		return 0;
	uffd = sys_userfaultfd(RST_O_CLOEXEC | RST_O_NONBLOCK);
	if (uffd < 0)
		return lazy_fail("userfaultfd", uffd);
	ret = sys_ioctl(uffd, UFFDIO_API, (unsigned long)&api);
	if (ret)
		ret = lazy_fail("UFFDIO_API", ret);
	else
		ret = register_areas(a, uffd, &nr) ?: send_hello(a, uffd, nr) ?: send_areas(a);
	sys_close(uffd);
	sys_close(a->lazy_sk);
	if (!ret)
		rt_pr_info("lazy pages: %u areas handed to criu lazy-pages\n", nr);
	return ret;
}
