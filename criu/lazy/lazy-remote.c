/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lazy/lazy-remote.c - criu lazy-pages --page-server: a task's pages asked of a criu
 * page-server --lazy-pages on the host the images come from (mem/page-server-lazy.c), one
 * PS_IOV_GET at a time, instead of read from the pages files here. Only the pagemaps need
 * be here.
 */
#include <errno.h>
#include <stdint.h>

#include "lazy-internal.h"
#include "log.h"
#include "page-server.h"
#include "pagemap-flags.h"

#define LZR_PAGE 4096ull

/* One request: up to len bytes at vaddr into buf; the bytes it brought, or -errno. */
static int64_t get_some(struct lazy_task *t, void *buf, uint64_t len, uint64_t vaddr)
{
	struct ps_iov pi = { .cmd = ps_cmd(PS_IOV_GET, 0),
			     .nr_pages = len / LZR_PAGE,
			     .vaddr = vaddr,
			     .dst_id = ps_dst_id(PS_TYPE_PID, t->id) };
	struct ps_iov ans;
	ssize_t n;
	int ret;

	ret = ps_conn_send(t->remote, &pi, sizeof(pi), false);
	if (ret)
		return ret;
	n = ps_conn_recv(t->remote, &ans, sizeof(ans));
	if (n <= 0)
		goto out_gone;
	if ((ans.cmd & PS_CMD_MASK) != PS_IOV_ADD_F || ans.vaddr != vaddr || !ans.nr_pages ||
	    ans.nr_pages > pi.nr_pages) {
		pr_err("The page server has no pages of task %d at %#llx (it answered %u pages "
		       "at %#llx): are its images the ones here?\n",
		       t->id, (unsigned long long)vaddr, ans.nr_pages,
		       (unsigned long long)ans.vaddr);
		return -ENOENT;
	}
	n = ps_conn_recv(t->remote, buf, ans.nr_pages * LZR_PAGE);
	if (n <= 0)
		goto out_gone;
	return ans.nr_pages * LZR_PAGE;
out_gone:
	if (n == 0)
		pr_err("The page server closed the connection while task %d waited for pages\n",
		       t->id);
	return n ?: -EIO;
}

int lazy_remote_read(struct lazy_task *t, void *buf, uint64_t len, uint64_t vaddr)
{
	int64_t got;

	while (len) {
		got = get_some(t, buf, len, vaddr);
		if (got < 0)
			return got;
		buf = (char *)buf + got;
		len -= got;
		vaddr += got;
	}
	return 0;
}
