/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/page-xfer-remote.c - the dump's side of the page server protocol (page-server.h):
 * pages-dump.c hands each batch here instead of splicing it into pages-N.img. Each iov of
 * the batch becomes one PS_IOV_ADD_F entry, its bytes spliced from the parasite's pipe
 * straight into the socket; runs kept in the parent's images (PE_PARENT) are sent between
 * them where they lie, so the server's pagemap lists the ranges in address order as a local
 * dump's does. The stream itself, plain or TLS: ps-conn.c.
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
#include <unistd.h>

#include "abi/parasite-proto.h"
#include "log.h"
#include "page-server.h"
#include "pagemap-flags.h"

#define PS_PAGE_SIZE 4096ul

struct ps_client {
	struct ps_conn conn;
	bool closed;		      /* the server answered PS_IOV_CLOSE */
	struct sigaction old_sigpipe; /* a dead server gives EPIPE, not the signal */
};

struct ps_hole {
	uint64_t vaddr, nr_pages;
	uint32_t before_iov;
};

struct ps_task_xfer {
	struct ps_client *c;
	uint64_t dst_id;
	struct ps_hole *holes; /* the current batch's, in address order */
	size_t nr_holes, cap_holes;
};

int ps_lookup(const char *address, int port, bool passive, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_protocol = IPPROTO_TCP };
	char service[16];
	int ret;

	if (port < 0 || port > 65535) {
		pr_err("--port %d: a TCP port is 0-65535\n", port);
		return -EINVAL;
	}
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	snprintf(service, sizeof(service), "%d", port);
	ret = getaddrinfo(address, service, &hints, res);
	if (ret) {
		pr_err("Can't resolve the page server's address %s: %s\n", address ?: "(any)",
		       gai_strerror(ret));
		return -EINVAL;
	}
	return 0;
}

static int connect_any(const char *address, int port)
{
	struct addrinfo *res, *ai;
	int sk = -1, err = 0;

	if (ps_lookup(address, port, false, &res))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		sk = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (sk < 0) {
			err = errno;
			continue;
		}
		if (!connect(sk, ai->ai_addr, ai->ai_addrlen))
			break;
		err = errno;
		close(sk);
		sk = -1;
	}
	freeaddrinfo(res);
	if (sk < 0) {
		errno = err;
		pr_perror("Can't connect to the page server at %s port %d (is criu page-server "
			  "running there?)",
			  address, port);
	}
	return sk;
}

/* --ps-socket: the caller's connection, which must be a connected stream socket. */
static int given_socket(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int type = 0;
	socklen_t tlen = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) || type != SOCK_STREAM ||
	    getpeername(fd, (struct sockaddr *)&ss, &len)) {
		pr_perror("--ps-socket %d is not a connected stream socket", fd);
		return -1;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

struct ps_client *ps_client_connect(const struct cr_options *o)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct ps_client *c;
	int one = 1;

	if (o->ps_socket < 0 && (!o->address || !o->port)) {
		pr_err("--page-server needs the server's --address and --port (or --ps-socket)\n");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		pr_err("No memory for the page server connection\n");
		return NULL;
	}
	sigaction(SIGPIPE, &ign, &c->old_sigpipe);
	c->conn.sk =
		o->ps_socket >= 0 ? given_socket(o->ps_socket) : connect_any(o->address, o->port);
	if (c->conn.sk < 0) {
		ps_client_free(c);
		return NULL;
	}
	/* the answers (OPEN2, CLOSE) must not wait behind Nagle's algorithm */
	setsockopt(c->conn.sk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ps_conn_start(&c->conn, o, false)) {
		ps_client_free(c);
		return NULL;
	}
	if (o->ps_socket >= 0)
		pr_info("Talking to the page server on --ps-socket %d%s\n", o->ps_socket,
			o->tls ? " (TLS)" : "");
	else
		pr_info("Connected to the page server at %s port %d%s\n", o->address, o->port,
			o->tls ? " (TLS)" : "");
	return c;
}

static int send_iov(struct ps_client *c, const struct ps_iov *pi, bool more)
{
	return ps_conn_send(&c->conn, pi, sizeof(*pi), more);
}

static int recv_answer(struct ps_client *c, void *buf, size_t len, const char *what)
{
	ssize_t n = ps_conn_recv(&c->conn, buf, len);

	if (n == 0)
		pr_err("The page server closed the connection instead of answering %s\n", what);
	return n < 0 ? n : n == 0 ? -EIO : 0;
}

int ps_client_finish(struct ps_client *c)
{
	struct ps_iov pi = { .cmd = PS_IOV_CLOSE };
	int32_t status;
	int ret;

	ret = send_iov(c, &pi, false) ?: recv_answer(c, &status, sizeof(status), "the close");
	if (ret)
		return ret;
	c->closed = true;
	if (status) {
		pr_err("The page server failed to write the images (status %d): see its log\n",
		       status);
		return -EIO;
	}
	pr_info("The page server has every page on disk\n");
	return 0;
}

void ps_client_free(struct ps_client *c)
{
	if (!c)
		return;
	ps_conn_end(&c->conn, c->closed);
	sigaction(SIGPIPE, &c->old_sigpipe, NULL);
	free(c);
}

struct ps_conn *ps_client_conn(struct ps_client *c)
{
	return &c->conn;
}

int ps_xfer_open(struct ps_client *c, unsigned long id, struct ps_task_xfer **out)
{
	struct ps_task_xfer *x = calloc(1, sizeof(*x));
	struct ps_iov pi = { .cmd = PS_IOV_OPEN2 };
	char has_parent;
	int ret;

	if (!x) {
		pr_err("No memory for the page transfer of %lu\n", id);
		return -ENOMEM;
	}
	x->c = c;
	x->dst_id = pi.dst_id = ps_dst_id(PS_TYPE_PID, id);
	ret = send_iov(c, &pi, false) ?: recv_answer(c, &has_parent, 1, "the open");
	if (ret) {
		free(x);
		return ret;
	}
	pr_debug("page server: pagemap-%lu.img opened (parent images there: %d)\n", id, has_parent);
	*out = x;
	return 0;
}

int ps_xfer_hole(struct ps_task_xfer *x, uint64_t vaddr, uint64_t nr_pages, uint32_t before_iov)
{
	if (x->nr_holes == x->cap_holes) {
		size_t cap = x->cap_holes ? x->cap_holes * 2 : 64;
		struct ps_hole *h = realloc(x->holes, cap * sizeof(*h));

		if (!h) {
			pr_err("No memory for the runs kept in the parent's images\n");
			return -ENOMEM;
		}
		x->holes = h;
		x->cap_holes = cap;
	}
	x->holes[x->nr_holes++] = (struct ps_hole){ vaddr, nr_pages, before_iov };
	return 0;
}

/* An entry of at most 2^32-1 pages, as the wire's nr_pages allows. */
static int send_entry(struct ps_task_xfer *x, uint64_t vaddr, uint64_t nr, uint32_t flags,
		      bool more)
{
	struct ps_iov pi = { .cmd = ps_cmd(PS_IOV_ADD_F, flags), .dst_id = x->dst_id };
	int ret;

	while (nr) {
		pi.vaddr = vaddr;
		pi.nr_pages = nr > UINT32_MAX ? UINT32_MAX : nr;
		ret = send_iov(x->c, &pi, more);
		if (ret)
			return ret;
		vaddr += pi.nr_pages * PS_PAGE_SIZE;
		nr -= pi.nr_pages;
	}
	return 0;
}

static int send_holes_before(struct ps_task_xfer *x, size_t *h, uint32_t iov)
{
	int ret;

	for (; *h < x->nr_holes && x->holes[*h].before_iov <= iov; (*h)++) {
		ret = send_entry(x, x->holes[*h].vaddr, x->holes[*h].nr_pages, PE_PARENT, true);
		if (ret)
			return ret;
	}
	return 0;
}

int ps_xfer_send_batch(struct ps_task_xfer *x, const struct parasite_dump_pages *a,
		       const int *pipe_r, const bool *copy_iov)
{
	size_t h = 0;
	uint32_t j;
	int ret;

	for (j = 0; j < a->nr_iovs; j++) {
		ret = send_holes_before(x, &h, j);
		ret = ret
			      ?: send_entry(x, a->iovs[j].base, a->iovs[j].len / PS_PAGE_SIZE,
					    PE_PRESENT, true);
		ret = ret
			      ?: ps_conn_send_pipe(&x->c->conn, pipe_r[a->pipe_of[j]],
						   a->iovs[j].len, copy_iov[j]);
		if (ret)
			return ret;
	}
	ret = send_holes_before(x, &h, UINT32_MAX);
	x->nr_holes = 0;
	return ret;
}

void ps_xfer_close(struct ps_task_xfer *x)
{
	if (!x)
		return;
	free(x->holes);
	free(x);
}
