/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rpc.h - criu swrk and criu service: the server side of CRIU's rpc.proto (criu/rpc/).
 *
 * swrk serves the one client that started criu with a socket (libcriu, go-criu, runc);
 * service listens on a unix SOCK_SEQPACKET socket and serves each connection in a process
 * of its own. Each request fills a struct cr_options as the command line would, through
 * the option table, and runs the same dump and restore (run.h).
 */
#ifndef CRIU_RPC_H
#define CRIU_RPC_H

#include "opts.h"

/* The name the VERSION request gives, next to CRIU's version numbers (opts.h). */
#define CRIU_RPC_NAME  "criu-drop-in"
#define CRIU_RPC_MAJOR 4
#define CRIU_RPC_MINOR 2

/* Serve o->swrk_fd until the client closes it: 0, or -1 if the connection broke. */
int rpc_swrk(const struct cr_options *o);
/* Listen on o->address (--daemon, --pidfile) and serve clients until killed. */
int rpc_service(const struct cr_options *o);

#endif /* CRIU_RPC_H */
