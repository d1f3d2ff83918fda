/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/page-server.c - criu page-server: listens on --address:--port, accepts one dump and
 * writes the pagemaps and pages it sends into -D, as CRIU's page server does
 * (page-server.h has the protocol). The bytes go from the socket into a pipe and from the
 * pipe into pages-N.img by splice, never through our memory (but with --tls: ps-conn.c).
 *
 * The session ends well only with PS_IOV_CLOSE: it is answered once every image is flushed
 * and fsync'ed. A dump that goes away before it (killed, or failed) leaves the server with
 * an error and its images incomplete; a later dump writes them anew.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action-scripts.h"
#include "image.h"
#include "log.h"
#include "page-server.h"
#include "pagemap-flags.h"

#include "pagemap.pb-c.h"

#define PS_PAGE_SIZE 4096ul
/*
 * The server's pages-N.img ids: far above what a dump writing into the same directory uses
 * for itself (memfd pages: 0x10000 + id), as CRIU's page server keeps clear of its dump's.
 */
#define PS_PAGES_ID_BASE 0x1000000u
#define PS_NO_XFER	 (~0ull)

struct ps_session {
	int dfd;
	struct ps_conn *conn;
	int pipe[2];
	size_t pipe_cap;
	uint64_t dst_id; /* the open pagemap, PS_NO_XFER when none */
	struct cr_img *pagemap, *pages;
	int pages_fd;
	uint32_t next_pages_id;
	uint64_t pages_in;
};

static int listen_tcp(const struct cr_options *o, int *port)
{
	struct addrinfo *res, *ai;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int sk = -1, one = 1, err = 0;

	if (ps_lookup(o->address, o->port, true, &res))
		return -1;
	for (ai = res; ai && sk < 0; ai = ai->ai_next) {
		sk = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (sk < 0) {
			err = errno;
			continue;
		}
		setsockopt(sk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(sk, ai->ai_addr, ai->ai_addrlen) || listen(sk, 1)) {
			err = errno;
			close(sk);
			sk = -1;
		}
	}
	freeaddrinfo(res);
	if (sk < 0) {
		errno = err;
		pr_perror("Can't listen on %s port %d", o->address ?: "any address", o->port);
		return -1;
	}
	/* port 0: the kernel chose one, and the user must learn which */
	if (!getsockname(sk, (struct sockaddr *)&ss, &len))
		*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						       : ((struct sockaddr_in *)&ss)->sin_port);
	pr_info("The page server listens on %s port %d\n", o->address ?: "any address", *port);
	return sk;
}

static int write_pidfile(const struct cr_options *o, int work_dfd, pid_t pid)
{
	char buf[16];
	int fd, len;

	fd = openat(work_dfd, o->pidfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_perror("Can't create --pidfile %s (it must not exist)", o->pidfile);
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%d", pid);
	if (write(fd, buf, len) != len) {
		pr_perror("Can't write --pidfile %s", o->pidfile);
		close(fd);
		return -1;
	}
	return close(fd);
}

/*
 * --daemon: the socket already listens, so the parent may return as soon as the child is
 * forked (and named in --pidfile); the child leaves the caller's session and terminal.
 * Returns 1 in the parent, 0 in the child, -1 on failure.
 */
static int become_daemon(const struct cr_options *o, int work_dfd)
{
	pid_t pid = fork();
	int null;

	if (pid < 0) {
		pr_perror("Can't fork the page server into the background (--daemon)");
		return -1;
	}
	if (pid) {
		if (o->pidfile && write_pidfile(o, work_dfd, pid)) {
			kill(pid, SIGKILL);
			return -1;
		}
		return 1;
	}
	setsid();
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (log_get_fd() != 2)
			dup2(null, 2);
		if (null > 2)
			close(null);
	}
	return 0;
}

static int close_xfer(struct ps_session *s)
{
	int ret = 0;

	if (s->dst_id == PS_NO_XFER)
		return 0;
	/* the dump counts on these bytes once it has our answer: on disk first */
	if (s->pages_fd >= 0 && fsync(s->pages_fd)) {
		ret = -errno;
		pr_perror("Can't fsync %s", img_path(s->pages));
	}
	ret = close_image(s->pages) ?: ret;
	ret = close_image(s->pagemap) ?: ret;
	s->pages = s->pagemap = NULL;
	s->pages_fd = -1;
	s->dst_id = PS_NO_XFER;
	return ret;
}

static int decode_dst(uint64_t dst_id, enum img_type *type, unsigned long *id)
{
	switch (dst_id & PS_TYPE_MASK) {
	case PS_TYPE_PID:
		*type = CR_FD_PAGEMAP;
		break;
	case PS_TYPE_SHMEM:
		*type = CR_FD_SHMEM_PAGEMAP;
		break;
	default:
		pr_err("The dump asked for pagemap type %u, which this page server does not know\n",
		       (unsigned int)(dst_id & PS_TYPE_MASK));
		return -EINVAL;
	}
	*id = dst_id >> PS_TYPE_BITS;
	return 0;
}

/* Whether -D/parent holds the same pagemap, for a dump whose pages may be there (PE_PARENT). */
static bool has_parent_image(struct ps_session *s, enum img_type type, unsigned long id)
{
	char name[64], path[80];
	struct stat st;

	if (img_name(type, id, name, sizeof(name)))
		return false;
	snprintf(path, sizeof(path), "parent/%s", name);
	return !fstatat(s->dfd, path, &st, 0);
}

static int open_xfer(struct ps_session *s, uint64_t dst_id, bool answer)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	unsigned long id;
	enum img_type type;
	char has_parent;
	int ret;

	ret = close_xfer(s) ?: decode_dst(dst_id, &type, &id);
	if (ret)
		return ret;
	s->pagemap = open_image_at(s->dfd, type, O_DUMP, id);
	head.pages_id = s->next_pages_id++;
	s->pages = s->pagemap ? open_image_at(s->dfd, CR_FD_PAGES, O_DUMP, head.pages_id) : NULL;
	if (!s->pages) {
		close_image(s->pagemap);
		s->pagemap = NULL;
		return -EIO;
	}
	s->dst_id = dst_id;
	ret = pb_write_one(s->pagemap, &head.base);
	s->pages_fd = ret ? -1 : img_raw_fd(s->pages);
	if (s->pages_fd < 0)
		return s->pages_fd;
	pr_debug("Receiving %s into pages-%u.img\n", img_path(s->pagemap), head.pages_id);
	if (!answer)
		return 0;
	has_parent = has_parent_image(s, type, id);
	return ps_conn_send(s->conn, &has_parent, 1, false);
}

static int answer_parent(struct ps_session *s, const struct ps_iov *pi)
{
	unsigned long id;
	enum img_type type;
	int32_t yes;

	if (decode_dst(pi->dst_id, &type, &id))
		return -EINVAL;
	yes = has_parent_image(s, type, id);
	return ps_conn_send(s->conn, &yes, sizeof(yes), false);
}

static int add_entry(struct ps_session *s, const struct ps_iov *pi, uint32_t flags)
{
	PagemapEntry pe = PAGEMAP_ENTRY__INIT;
	int ret;

	if (s->dst_id != pi->dst_id) {
		/* CRIU's older dumps send entries without an open */
		ret = open_xfer(s, pi->dst_id, false);
		if (ret)
			return ret;
	}
	if (!pi->nr_pages || pi->vaddr % PS_PAGE_SIZE ||
	    pi->vaddr + (uint64_t)pi->nr_pages * PS_PAGE_SIZE < pi->vaddr ||
	    (flags & ~(PE_PRESENT | PE_PARENT | PE_LAZY))) {
		pr_err("The dump sent a bad entry: %u pages at %#llx, flags %#x\n", pi->nr_pages,
		       (unsigned long long)pi->vaddr, flags);
		return -EINVAL;
	}
	pe.vaddr = pi->vaddr;
	pagemap_set_nr_pages(&pe, pi->nr_pages);
	pe.has_flags = true;
	pe.flags = flags;
	ret = pb_write_one(s->pagemap, &pe.base);
	if (ret || !(flags & PE_PRESENT))
		return ret;
	s->pages_in += pi->nr_pages;
	return ps_conn_recv_file(s->conn, s->pages_fd, (size_t)pi->nr_pages * PS_PAGE_SIZE, s->pipe,
				 s->pipe_cap);
}

/* PS_IOV_CLOSE: everything on disk, then the answer the dump waits for. */
static int end_session(struct ps_session *s)
{
	int32_t status;
	int ret;

	ret = close_xfer(s);
	if (!ret && fsync(s->dfd)) {
		ret = -errno;
		pr_perror("Can't fsync the images directory");
	}
	status = ret ? -1 : 0;
	return ps_conn_send(s->conn, &status, sizeof(status), false) ?: ret;
}

static int serve_one(struct ps_session *s, const struct ps_iov *pi, bool *closed)
{
	uint32_t cmd = pi->cmd & PS_CMD_MASK, flags = pi->cmd >> PS_CMD_BITS;

	*closed = false;
	switch (cmd) {
	case PS_IOV_OPEN:
	case PS_IOV_OPEN2:
		return open_xfer(s, pi->dst_id, cmd == PS_IOV_OPEN2);
	case PS_IOV_PARENT:
		return answer_parent(s, pi);
	case PS_IOV_ADD:
		return add_entry(s, pi, PE_PRESENT);
	case PS_IOV_HOLE:
		return add_entry(s, pi, PE_PARENT);
	case PS_IOV_ADD_F:
		return add_entry(s, pi, flags);
	case PS_IOV_CLOSE:
	case PS_IOV_FORCE_CLOSE:
		*closed = true;
		return end_session(s);
	case PS_IOV_GET:
		pr_err("The peer asked for pages (PS_IOV_GET): serving lazy pages is not "
		       "supported yet\n");
		return -EOPNOTSUPP;
	}
	pr_err("Unknown page server command %#x from the dump\n", pi->cmd);
	return -EINVAL;
}

static int serve(struct ps_session *s)
{
	bool closed = false;
	struct ps_iov pi;
	ssize_t n;
	int ret = 0;

	for (;;) {
		n = ps_conn_recv(s->conn, &pi, sizeof(pi));
		if (n == 0)
			break;
		if (n < 0)
			return n;
		ret = serve_one(s, &pi, &closed);
		if (ret || (pi.cmd & PS_CMD_MASK) == PS_IOV_FORCE_CLOSE)
			break;
	}
	if (!ret && !closed) {
		pr_err("The dump went away before it closed the transfer: the pages in this "
		       "directory are incomplete; dump again\n");
		ret = -EIO;
	}
	close_xfer(s);
	if (!ret)
		pr_info("The page server received %llu pages\n", (unsigned long long)s->pages_in);
	return ret;
}

static int serve_connection(struct ps_conn *conn, int dfd)
{
	struct ps_session s = { .dfd = dfd, .conn = conn, .dst_id = PS_NO_XFER, .pages_fd = -1 };
	int ret;

	s.next_pages_id = PS_PAGES_ID_BASE + 1;
	if (pipe2(s.pipe, O_CLOEXEC)) {
		pr_perror("Can't create the page server's pipe");
		return -errno;
	}
	/* the pipe's largest size a user may set (pipe-max-size): fewer splices */
	fcntl(s.pipe[1], F_SETPIPE_SZ, 1 << 20);
	s.pipe_cap = fcntl(s.pipe[1], F_GETPIPE_SZ);
	ret = serve(&s);
	close(s.pipe[0]);
	close(s.pipe[1]);
	return ret;
}

int ps_server_listen(const struct cr_options *o, int *port)
{
	*port = o->port;
	return listen_tcp(o, port);
}

/* The peer's connection (accepted, or --ps-socket's) served, then closed. */
static int serve_socket(const struct cr_options *o, int sk, int images_dfd)
{
	struct ps_conn conn = { .sk = sk };
	int one = 1, ret;

	/* our answers (OPEN2, CLOSE) must not wait behind Nagle's algorithm */
	setsockopt(conn.sk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ret = ps_conn_start(&conn, o, true);
	if (!ret)
		ret = o->lazy_pages ? ps_lazy_serve(&conn, images_dfd)
				    : serve_connection(&conn, images_dfd);
	ps_conn_end(&conn, !ret);
	return ret;
}

int ps_server_serve(const struct cr_options *o, int lsk, int images_dfd)
{
	int sk = accept4(lsk, NULL, NULL, SOCK_CLOEXEC);

	close(lsk);
	if (sk < 0) {
		pr_perror("Can't accept the dump's connection");
		return -errno;
	}
	pr_info("%s connected\n", o->lazy_pages ? "criu lazy-pages" : "A dump");
	return serve_socket(o, sk, images_dfd);
}

/* --ps-socket: the caller made the connection; it must be a stream socket with a peer. */
static int serve_given(const struct cr_options *o, int images_dfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0;
	socklen_t tlen = sizeof(type);

	if (getsockopt(o->ps_socket, SOL_SOCKET, SO_TYPE, &type, &tlen) || type != SOCK_STREAM ||
	    getpeername(o->ps_socket, (struct sockaddr *)&ss, &len)) {
		pr_perror("--ps-socket %d is not a connected stream socket", o->ps_socket);
		return -EBADF;
	}
	fcntl(o->ps_socket, F_SETFD, FD_CLOEXEC);
	pr_info("Serving the peer of --ps-socket %d\n", o->ps_socket);
	return action_status_ready(o) ?: serve_socket(o, o->ps_socket, images_dfd);
}

/*
 * --prev-images-dir: the dump links its pages to the parent's (PE_PARENT) only where our -D
 * has them in "parent/" (PS_IOV_OPEN2's answer): the link, as the dump makes its own.
 */
static int link_parent(const struct cr_options *o, int images_dfd)
{
	if (!o->prev_images_dir)
		return 0;
	if (unlinkat(images_dfd, "parent", 0) && errno != ENOENT) {
		pr_perror("Can't remove the old \"parent\" link of the images directory");
		return -errno;
	}
	if (symlinkat(o->prev_images_dir, images_dfd, "parent")) {
		pr_perror("Can't link the images to their parent %s", o->prev_images_dir);
		return -errno;
	}
	return 0;
}

int cr_page_server(const struct cr_options *o, int images_dfd, int work_dfd)
{
	int lsk, port, ret;

	if (!o->lazy_pages && link_parent(o, images_dfd))
		return -EIO;
	if (o->ps_socket >= 0)
		return serve_given(o, images_dfd);
	lsk = ps_server_listen(o, &port);
	if (lsk < 0)
		return -EADDRNOTAVAIL;
	if (o->restore_detached) {
		ret = become_daemon(o, work_dfd);
		if (ret) {
			close(lsk);
			return ret < 0 ? -ECHILD : 0;
		}
	} else if (o->pidfile && write_pidfile(o, work_dfd, getpid())) {
		close(lsk);
		return -EEXIST;
	}
	ret = action_status_ready(o);
	if (ret) {
		close(lsk);
		return ret;
	}
	return ps_server_serve(o, lsk, images_dfd);
}
