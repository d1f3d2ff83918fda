/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/page-server-lazy.c - criu page-server --lazy-pages: the pages of the images in -D
 * (and their parents), served on request to a criu lazy-pages --page-server on another
 * host, as CRIU's page server serves a remote lazy restore. Each request is a PS_IOV_GET
 * (dst_id: the task's pid, vaddr and nr_pages: the pages wanted); the answer is a
 * PS_IOV_ADD_F|PE_PRESENT header with the pages that lie back to back there (nr_pages may
 * be fewer than asked; 0: the images have none at vaddr), then their bytes. The session
 * ends with PS_IOV_CLOSE, answered by an int32 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "log.h"
#include "page-chain.h"
#include "page-server.h"
#include "pagemap-flags.h"

#define PSL_PAGE      4096ull
#define PSL_MAX_PAGES 256u /* the most one request may ask for (1 MiB, the daemon's batch) */

struct psl_task {
	pid_t pid;
	struct page_chain pc;
};

struct psl_session {
	int dfd;
	struct ps_conn *conn;
	struct psl_task *tasks;
	size_t nr_tasks;
	char *buf;
	uint64_t pages_out, requests;
};

static struct page_chain *task_chain(struct psl_session *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->nr_tasks; i++)
		if (s->tasks[i].pid == pid)
			return &s->tasks[i].pc;
	if (ARRAY_ADD_ROOM(s->tasks, s->nr_tasks)) {
		pr_err("No memory for the pages of task %d\n", pid);
		return NULL;
	}
	s->tasks[s->nr_tasks].pid = pid;
	page_chain_init(&s->tasks[s->nr_tasks].pc, s->dfd, pid);
	s->tasks[s->nr_tasks].pc.self = true;
	return &s->tasks[s->nr_tasks++].pc;
}

/* The answer's pages: from the level that holds them, nr_pages of them at most. */
static int find_pages(struct psl_session *s, const struct ps_iov *pi, int *fd, off_t *off,
		      uint64_t *len)
{
	struct page_chain *pc;
	const char *path;
	pid_t pid = pi->dst_id >> PS_TYPE_BITS;

	if ((pi->dst_id & PS_TYPE_MASK) != PS_TYPE_PID || !pi->nr_pages ||
	    pi->nr_pages > PSL_MAX_PAGES || pi->vaddr % PSL_PAGE) {
		pr_err("criu lazy-pages asked for %u pages at %#llx of %#llx: not a request this "
		       "server serves (a task's pages, 1 to %u of them)\n",
		       pi->nr_pages, (unsigned long long)pi->vaddr, (unsigned long long)pi->dst_id,
		       PSL_MAX_PAGES);
		return -EINVAL;
	}
	pc = task_chain(s, pid);
	if (!pc)
		return -ENOMEM;
	if (page_chain_find(pc, 0, pi->vaddr, pi->nr_pages * PSL_PAGE, fd, &path, off, len))
		*len = 0; /* said; the daemon learns it from nr_pages 0 */
	return 0;
}

static int send_pages(struct psl_session *s, const struct ps_iov *req)
{
	struct ps_iov ans = *req;
	uint64_t len = 0;
	off_t off = 0;
	ssize_t n;
	int fd = -1, ret;

	ret = find_pages(s, req, &fd, &off, &len);
	if (ret)
		return ret;
	ans.cmd = ps_cmd(PS_IOV_ADD_F, PE_PRESENT);
	ans.nr_pages = len / PSL_PAGE;
	if (len) {
		n = pread(fd, s->buf, len, off);
		if (n != (ssize_t)len) {
			pr_perror("Can't read task %llu's pages at %#llx from the images",
				  (unsigned long long)(req->dst_id >> PS_TYPE_BITS),
				  (unsigned long long)req->vaddr);
			return -EIO;
		}
	}
	ret = ps_conn_send(s->conn, &ans, sizeof(ans), len != 0);
	if (!ret && len)
		ret = ps_conn_send(s->conn, s->buf, len, false);
	s->requests++;
	s->pages_out += ans.nr_pages;
	return ret;
}

static int serve_requests(struct psl_session *s)
{
	struct ps_iov pi;
	int32_t ok = 0;
	ssize_t n;
	int ret;

	for (;;) {
		n = ps_conn_recv(s->conn, &pi, sizeof(pi));
		if (n == 0) {
			pr_err("criu lazy-pages went away before it closed the session: the "
			       "restored tasks may lack pages\n");
			return -EIO;
		}
		if (n < 0)
			return n;
		switch (pi.cmd & PS_CMD_MASK) {
		case PS_IOV_GET:
			ret = send_pages(s, &pi);
			break;
		case PS_IOV_CLOSE:
		case PS_IOV_FORCE_CLOSE:
			return ps_conn_send(s->conn, &ok, sizeof(ok), false);
		default:
			pr_err("page-server --lazy-pages serves page requests only (PS_IOV_GET); "
			       "the peer sent command %#x\n",
			       pi.cmd);
			ret = -EINVAL;
		}
		if (ret)
			return ret;
	}
}

int ps_lazy_serve(struct ps_conn *conn, int images_dfd)
{
	struct psl_session s = { .dfd = images_dfd, .conn = conn };
	size_t i;
	int ret;

	s.buf = malloc(PSL_MAX_PAGES * PSL_PAGE);
	if (!s.buf) {
		pr_err("No memory for the page server's buffer\n");
		return -ENOMEM;
	}
	ret = serve_requests(&s);
	for (i = 0; i < s.nr_tasks; i++)
		page_chain_fini(&s.tasks[i].pc);
	free(s.tasks);
	free(s.buf);
	pr_info("page-server --lazy-pages: %llu pages sent in %llu answers\n",
		(unsigned long long)s.pages_out, (unsigned long long)s.requests);
	return ret;
}
