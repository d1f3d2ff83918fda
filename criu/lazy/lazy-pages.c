/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lazy/lazy-pages.c - criu lazy-pages: listens on lazy-pages.socket in its work directory
 * for one criu restore --lazy-pages (abi/lazy-proto.h), takes each restored task's
 * userfaultfd, and fills its memory from -D: a page the task touches first, the rest in the
 * background whenever no event waits (lazy-task.c). It exits once the restore has ended
 * and every task has all its pages or is gone: 0 if the restore succeeded, 1 if not.
 * With --page-server the pages come from a criu page-server --lazy-pages at --address
 * --port (lazy-remote.c); -D then needs the pagemaps only.
 * CRIU_LAZY_TRICKLE in the environment slows the background copy down to a page per
 * 100 ms, so that tests can see a task use its memory before it has all arrived.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "abi/lazy-proto.h"
#include "action-scripts.h"
#include "fd-pass.h"
#include "lazy-internal.h"
#include "lazy.h"
#include "log.h"
#include "page-server.h"

#define LZ_MAX_RANGES (1u << 20)

struct lazy_daemon {
	int dfd, lsk, ep, restore_sk;
	int trickle_ms; /* CRIU_LAZY_TRICKLE: a page per 100 ms in the background, for tests */
	bool restore_done;
	int restore_status;
	struct lazy_task *tasks;
	struct ps_client *remote; /* --page-server */
	int ret;
};

static int listen_unix(const struct cr_options *o)
{
	struct sockaddr_un addr;
	int sk = lazy_socket(o->work_dir, &addr);

	if (sk < 0)
		return -1;
	unlink(addr.sun_path);
	if (bind(sk, (struct sockaddr *)&addr, sizeof(addr)) || listen(sk, 64)) {
		pr_perror("lazy-pages: can't listen on %s", addr.sun_path);
		close(sk);
		return -1;
	}
	pr_info("lazy-pages: listening on %s\n", addr.sun_path);
	return sk;
}

static int watch(struct lazy_daemon *d, int fd, void *ptr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ptr };

	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev)) {
		pr_perror("lazy-pages: can't watch fd %d", fd);
		return -errno;
	}
	return 0;
}

/* The hello and, for a task, its userfaultfd. */
static int recv_hello(int sk, struct lazy_hello *h, int *fd)
{
	ssize_t n = fd_pass_recv(sk, h, sizeof(*h), fd, MSG_WAITALL | MSG_CMSG_CLOEXEC);

	if (n != sizeof(*h)) {
		pr_perror("lazy-pages: a bad hello from the restore");
		return -EIO;
	}
	return 0;
}

static pid_t peer_pid(int sk)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(sk, SOL_SOCKET, SO_PEERCRED, &cred, &len) ? 0 : cred.pid;
}

static int new_task(struct lazy_daemon *d, int sk, const struct lazy_hello *h, int uffd)
{
	struct lazy_task *t = calloc(1, sizeof(*t));
	struct lazy_range *r = NULL;
	size_t len = h->nr_ranges * sizeof(*r);
	int ret = -ENOMEM;

	if (!t || h->nr_ranges > LZ_MAX_RANGES || (len && !(r = malloc(len))))
		goto out_free;
	t->id = h->id;
	t->uffd = uffd;
	t->remote = d->remote ? ps_client_conn(d->remote) : NULL;
	if (len && recv(sk, r, len, MSG_WAITALL) != (ssize_t)len) {
		pr_perror("lazy-pages: task %d did not send its areas", h->id);
		ret = -EIO;
		goto out_free;
	}
	ret = lazy_task_load(t, d->dfd, r, h->nr_ranges) ?: watch(d, uffd, t);
	t->peer = peer_pid(sk);
	if (ret)
		goto out_free;
	free(r);
	pr_info("lazy-pages: task %d: %zu runs of pages to serve\n", t->id, t->nr_runs);
	t->next = d->tasks;
	d->tasks = t;
	return 0;
out_free:
	free(r);
	if (t) {
		t->uffd = uffd;
		lazy_task_free(t);
	} else if (uffd >= 0) {
		close(uffd);
	}
	return ret;
}

static int accept_one(struct lazy_daemon *d)
{
	struct lazy_hello h = {};
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int sk, uffd, ret;

	sk = accept4(d->lsk, NULL, NULL, SOCK_CLOEXEC);
	if (sk < 0) {
		pr_perror("lazy-pages: can't accept a connection");
		return -errno;
	}
	ret = recv_hello(sk, &h, &uffd);
	if (!ret && h.kind == LAZY_HELLO_RESTORE && d->restore_sk < 0 && uffd < 0) {
		d->restore_sk = sk;
		return watch(d, sk, &d->restore_sk);
	}
	if (!ret && h.kind == LAZY_HELLO_TASK && uffd >= 0) {
		ret = new_task(d, sk, &h, uffd);
		if (ret && !getsockopt(sk, SOL_SOCKET, SO_PEERCRED, &cred, &len) && cred.pid > 0) {
			/* a task left without its memory must not run on with zeros there */
			pr_err("lazy-pages: killing task %d (pid %d here): its memory can't be "
			       "served\n",
			       h.id, cred.pid);
			kill(cred.pid, SIGKILL);
		}
		uffd = -1;
	} else if (!ret)
		ret = -EPROTO;
	if (ret == -EPROTO)
		pr_err("lazy-pages: a connection that is not a --lazy-pages restore's\n");
	if (ret && uffd >= 0)
		close(uffd);
	close(sk);
	return ret;
}

static void restore_said(struct lazy_daemon *d)
{
	int32_t status;

	if (read(d->restore_sk, &status, sizeof(status)) != sizeof(status))
		status = -1;
	d->restore_done = true;
	d->restore_status = status;
	epoll_ctl(d->ep, EPOLL_CTL_DEL, d->restore_sk, NULL);
	close(d->restore_sk);
	d->restore_sk = -1;
	pr_info("lazy-pages: the restore %s\n", status ? "failed" : "is done, the tree runs");
}

static void drop_task(struct lazy_daemon *d, struct lazy_task *t)
{
	struct lazy_task **p;

	for (p = &d->tasks; *p && *p != t; p = &(*p)->next)
		;
	if (*p)
		*p = t->next;
	pr_info("lazy-pages: task %d%s: %llu pages copied, %llu zero pages, %zu runs left\n", t->id,
		t->child ? " (a forked child)" : "", (unsigned long long)t->pages_copied,
		(unsigned long long)t->pages_zeroed, t->nr_runs);
	epoll_ctl(d->ep, EPOLL_CTL_DEL, t->uffd, NULL);
	lazy_task_free(t);
}

/* Forked children the events linked in: watched from now on. */
static int watch_children(struct lazy_daemon *d)
{
	struct lazy_task *t;
	int ret;

	for (t = d->tasks; t; t = t->next) {
		if (!t->child || t->child == 2)
			continue;
		ret = watch(d, t->uffd, t);
		if (ret)
			return ret;
		t->child = 2;
	}
	return 0;
}

enum lazy_step { LZ_EVENTS, LZ_RETRY, LZ_BACKGROUND };

static int task_step(struct lazy_daemon *d, struct lazy_task *t, enum lazy_step step)
{
	int ret = step == LZ_EVENTS  ? lazy_task_events(t)
		  : step == LZ_RETRY ? lazy_task_retry(t)
				     : lazy_task_background(t, d->trickle_ms ? 4096 : UINT64_MAX);

	if (ret < 0) {
		pr_err("lazy-pages: task %d can't be served any more%s\n", t->id,
		       t->peer > 0 ? ": killing it" : "");
		if (t->peer > 0)
			kill(t->peer, SIGKILL);
		d->ret = ret;
	}
	ret = ret ?: watch_children(d);
	if (ret)
		drop_task(d, t);
	return 0;
}

/*
 * No event waits: faults that waited for the memory to settle first, then a batch of the
 * first task's pages in the background; that task then goes last, so that every task
 * gets its turn.
 */
static void idle_step(struct lazy_daemon *d)
{
	struct lazy_task *t, *next, **tail;

	for (t = d->tasks; t; t = next) {
		next = t->next;
		if (t->nr_pending)
			task_step(d, t, LZ_RETRY);
	}
	t = d->tasks;
	if (!t)
		return;
	next = t->next;
	task_step(d, t, LZ_BACKGROUND);
	if (d->tasks != t || !next)
		return; /* dropped, or alone */
	d->tasks = next;
	for (tail = &d->tasks; *tail; tail = &(*tail)->next)
		;
	*tail = t;
	t->next = NULL;
}

static int serve(struct lazy_daemon *d)
{
	struct epoll_event evs[16];
	int i, n;

	while (!d->restore_done || d->tasks) {
		n = epoll_wait(d->ep, evs, 16, d->tasks ? d->trickle_ms : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pr_perror("lazy-pages: epoll_wait");
			return -errno;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == d)
				d->ret = accept_one(d) ?: d->ret;
			else if (evs[i].data.ptr == &d->restore_sk)
				restore_said(d);
			else
				task_step(d, evs[i].data.ptr, LZ_EVENTS);
		}
		if (!n)
			idle_step(d);
	}
	return d->ret ?: (d->restore_status ? -ECANCELED : 0);
}

int cr_lazy_pages(const struct cr_options *o, int images_dfd, int work_dfd)
{
	struct lazy_daemon d = { .dfd = images_dfd, .restore_sk = -1 };
	int ret;

	if (getenv("CRIU_LAZY_TRICKLE")) {
		d.trickle_ms = 100;
		pr_warn("lazy-pages: CRIU_LAZY_TRICKLE: one page per 100 ms in the background\n");
	}
	if (o->use_page_server) {
		d.remote = ps_client_connect(o);
		if (!d.remote)
			return -ECONNREFUSED;
	}
	d.lsk = listen_unix(o);
	if (d.lsk < 0) {
		ps_client_free(d.remote);
		return -EADDRNOTAVAIL;
	}
	d.ep = epoll_create1(EPOLL_CLOEXEC);
	if (d.ep < 0 || watch(&d, d.lsk, &d)) {
		pr_perror("lazy-pages: can't set up epoll");
		close(d.lsk);
		ps_client_free(d.remote);
		return -EIO;
	}
	ret = action_status_ready(o) ?: serve(&d);
	while (d.tasks)
		drop_task(&d, d.tasks);
	if (d.restore_sk >= 0)
		close(d.restore_sk);
	close(d.ep);
	close(d.lsk);
	if (d.remote) {
		/* the server's session ends well only with our close */
		if (ps_client_finish(d.remote))
			ret = ret ?: -EIO;
		ps_client_free(d.remote);
	}
	return ret;
}
