/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - libcriu's option set: the criu_opts message it sends, where criu is, and the
 * notify callback. Every string and array in rpc is malloc'ed, so that protobuf-c's own
 * free of an unpacked message releases the whole set.
 */
#ifndef CRIU_LIB_INTERNAL_H
#define CRIU_LIB_INTERNAL_H

#include "criu.h"
#include "rpc.pb-c.h"

#define CRIU_DEFAULT_BINARY  "criu"
#define CRIU_DEFAULT_ADDRESS "./criu_service.socket" /* criu service's default too */

struct criu_opts {
	CriuOpts *rpc;
	int (*notify)(char *action, criu_notify_arg_t na);
	enum criu_service_comm comm;
	char *service_address; /* CRIU_COMM_SK */
	int service_fd;	       /* CRIU_COMM_FD */
	char *service_binary;  /* CRIU_COMM_BIN */
};

/* request.c: the orphan-pts-master fd of the last request, -1 if none */
extern int libcriu_orphan_pts_fd;
/* One request on a connection of its own: 0 with *resp (the caller frees it), or -errno. */
int libcriu_request(criu_opts *o, CriuReq *req, CriuResp **resp);

#endif /* CRIU_LIB_INTERNAL_H */
