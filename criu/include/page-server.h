/* SPDX-License-Identifier: GPL-2.0 */
/*
 * page-server.h - pages over TCP, in CRIU's page server protocol, so that our dump talks to
 * CRIU's page server and CRIU's dump to ours.
 *
 * The wire: each message is a struct ps_iov (native byte order, as CRIU sends it). The
 * dump opens one pagemap per task (PS_IOV_OPEN2, answered by one byte: whether the server's
 * directory holds a parent image for it), then sends entries (PS_IOV_ADD_F, the pagemap
 * flags in the command's upper 16 bits), each with PE_PRESENT followed by its pages' bytes,
 * and ends with PS_IOV_CLOSE, answered by an int32 status once every image is on disk. The
 * server writes pagemap-ID.img and pages-N.img into its -D as a local dump would; the dump
 * writes every other image into its own -D.
 *
 * page-server.c: the server (criu page-server). page-xfer-remote.c: the dump's side.
 * May call: image.h, log.h, opts.h.
 */
#ifndef CRIU_PAGE_SERVER_H
#define CRIU_PAGE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "opts.h"

struct ps_iov {
	uint32_t cmd; /* PS_IOV_* in the low 16 bits, pagemap flags (PE_*) above */
	uint32_t nr_pages;
	uint64_t vaddr;
	uint64_t dst_id; /* PS_TYPE_* in the low 8 bits, the image's id above */
};

#define PS_IOV_ADD	   1	  /* pages follow (PE_PRESENT) */
#define PS_IOV_HOLE	   2	  /* in the parent's images (PE_PARENT) */
#define PS_IOV_OPEN	   3	  /* start a pagemap, no answer */
#define PS_IOV_OPEN2	   4	  /* start a pagemap, answered by one byte: has a parent */
#define PS_IOV_PARENT	   5	  /* answered by an int32: the server has a parent image */
#define PS_IOV_ADD_F	   6	  /* an entry with its flags; pages follow when PE_PRESENT */
#define PS_IOV_GET	   7	  /* lazy pages: a request for pages */
#define PS_IOV_CLOSE	   0x1023 /* the end: answered by an int32 status */
#define PS_IOV_FORCE_CLOSE 0x1024 /* the same, and the server leaves without waiting */

#define PS_CMD_BITS   16
#define PS_CMD_MASK   ((1u << PS_CMD_BITS) - 1)
#define PS_TYPE_BITS  8
#define PS_TYPE_MASK  ((1u << PS_TYPE_BITS) - 1)
#define PS_TYPE_PID   1 /* pagemap-ID.img */
#define PS_TYPE_SHMEM 2 /* pagemap-shmem-ID.img */

static inline uint32_t ps_cmd(uint32_t cmd, uint32_t flags)
{
	return flags << PS_CMD_BITS | cmd;
}

static inline uint64_t ps_dst_id(unsigned int type, unsigned long id)
{
	return (uint64_t)id << PS_TYPE_BITS | type;
}

/* criu page-server: serve one dump into images_dfd, then return 0 or -errno. */
int cr_page_server(const struct cr_options *o, int images_dfd, int work_dfd);
/* Its two halves (RPC's PAGE_SERVER): the listening socket and the port it got, or -1... */
int ps_server_listen(const struct cr_options *o, int *port);
/* ...then one dump served on it (lsk is closed). */
int ps_server_serve(const struct cr_options *o, int lsk, int images_dfd);

/* page-server-lazy.c: --lazy-pages, the images' pages served to criu lazy-pages (PS_IOV_GET). */
struct ps_conn;
int ps_lazy_serve(struct ps_conn *conn, int images_dfd);

/*
 * ps-conn.c: the byte stream of either side, plain or TLS (--tls). Each function logs its
 * own error and returns 0 or -errno.
 */
struct ps_conn {
	int sk;
	void *tls;   /* gnutls_session_t, with --tls */
	void *creds; /* gnutls_certificate_credentials_t */
	char *buf;   /* with --tls: pages pass through it */
	bool server; /* the page server's end: its messages name the dump as the peer */
};

/* With --tls: the handshake and the check of the peer's certificate; else nothing. */
int ps_conn_start(struct ps_conn *c, const struct cr_options *o, bool server);
/* Closes the socket too; ok: the session ends with a TLS close_notify. */
void ps_conn_end(struct ps_conn *c, bool ok);
int ps_conn_send(struct ps_conn *c, const void *buf, size_t len, bool more);
/* len bytes, or 0 when the peer closed before the first one, or -errno */
ssize_t ps_conn_recv(struct ps_conn *c, void *buf, size_t len);
/*
 * len bytes of the pipe into the stream: spliced, unless copy or TLS. Copy pages the task's
 * death must free at once (hugetlb): TCP may hold a spliced page long after the send.
 */
int ps_conn_send_pipe(struct ps_conn *c, int pipe_r, size_t len, bool copy);
/* len bytes of the stream into fd (plain: splice through pipe, empty, pipe_cap bytes) */
int ps_conn_recv_file(struct ps_conn *c, int fd, size_t len, const int *pipe, size_t pipe_cap);

struct addrinfo;
/* getaddrinfo() of --address (NULL with passive: any) and --port, logged on failure. */
int ps_lookup(const char *address, int port, bool passive, struct addrinfo **res);

/* The dump's connection (page-xfer-remote.c). */
struct ps_client;
struct ps_task_xfer;
struct parasite_dump_pages;

/* Connects to --address:--port; NULL (logged) if that fails. */
struct ps_client *ps_client_connect(const struct cr_options *o);
/* Ends the transfer: the server answers once its images are on disk. */
int ps_client_finish(struct ps_client *c);
/* Closes the connection: a server that got no PS_IOV_CLOSE keeps no image set. */
void ps_client_free(struct ps_client *c);
/* Its byte stream, for criu lazy-pages' requests (lazy/lazy-remote.c). */
struct ps_conn *ps_client_conn(struct ps_client *c);

/* One task's pagemap on the server. */
int ps_xfer_open(struct ps_client *c, unsigned long id, struct ps_task_xfer **out);
/* A run of pages in the parent's images, sent before iov before_iov of the next batch. */
int ps_xfer_hole(struct ps_task_xfer *x, uint64_t vaddr, uint64_t nr_pages, uint32_t before_iov);
/*
 * The batch's holes and iovs in address order, each iov's bytes spliced from its pipe
 * (copied where copy_iov[i], see ps_conn_send_pipe()).
 */
int ps_xfer_send_batch(struct ps_task_xfer *x, const struct parasite_dump_pages *a,
		       const int *pipe_r, const bool *copy_iov);
void ps_xfer_close(struct ps_task_xfer *x);

#endif /* CRIU_PAGE_SERVER_H */
