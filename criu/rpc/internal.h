/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - what the files of criu/rpc/ share: one connection, one request's options.
 *
 * A connection is served by one process (swrk itself, or service's child for it). DUMP and
 * CHECK run in a worker forked per request, so that nothing a dump leaves behind outlives
 * it and keep_open connections start each request clean; RESTORE runs in the connection's
 * process itself, so that with rst_sibling the restored root becomes the swrk client's
 * child (CLONE_PARENT), and the connection ends after it.
 */
#ifndef CRIU_RPC_INTERNAL_H
#define CRIU_RPC_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "opts.h"
#include "rpc.pb-c.h"

/* The largest request read; a longer datagram is answered with an error. */
#define RPC_MAX_MSG (128 << 10)

struct rpc_conn {
	int sk;
	pid_t peer; /* the client (SO_PEERCRED): its fd numbers are read in /proc/PEER/fd */
	uid_t peer_uid;
	bool swrk;		       /* the client is criu's parent */
	const struct cr_options *base; /* criu swrk's or service's own command line */
};

/* One request's options, with what the client's criu_opts opened for it. */
struct rpc_req_state {
	struct cr_options opts;
	struct rpc_conn *conn;
	char images_path[PATH_MAX];
	char work_path[PATH_MAX];
	int images_dfd; /* -1: the request names no images directory */
	int work_dfd;
	bool notify;		    /* notify_scripts: each stage waits for the client's answer */
	bool log_stderr;	    /* log_to_stderr, or no log_file */
	bool status_sent;	    /* the restore wrote and closed opts.status_fd (post-resume) */
	pid_t root_pid;		    /* the restored root, as the stages report it */
	char *cg_roots[CG_OPT_MAX]; /* cg_root's "CTL:PATH" strings (req-cgroup.c) */
	char **pairs;		    /* ext_mnt's "KEY:VAL" strings the options point to */
	size_t nr_pairs;
};

/* msg.c: one message per datagram */
int rpc_recv_req(int sk, CriuReq **req); /* 0, 1 at the end of the connection, or -errno */
int rpc_send_resp(int sk, const CriuResp *resp, int fd); /* fd -1: none passed */
/* success=false with cr_errmsg (the first error logged, else what) and cr_errno if err > 0 */
int rpc_send_error(int sk, CriuReqType type, int err, const char *what);

/* req-opts.c: criu_opts -> cr_options; every field present is applied or refused */
int rpc_opts_from_req(struct rpc_conn *c, const CriuOpts *ro, enum cr_command cmd,
		      struct rpc_req_state *st);
int rpc_open_log(struct rpc_req_state *st);
void rpc_req_state_fini(struct rpc_req_state *st);
/* refusal-log.c: a request refused before its log was open writes why into that log */
void rpc_log_refusal(const struct rpc_conn *c, const CriuOpts *ro);
/* req-cgroup.c: manage_cgroups_mode, cg_root, cgroup_dump_controller; 0 or -errno (said) */
int rpc_apply_cgroups(struct rpc_req_state *st, const CriuOpts *ro);

/* notify.c: the stage hook (opts.stage_notify) */
int rpc_stage_notify(const char *stage, pid_t pid, void *arg);
int rpc_fd_notify(const char *stage, int fd, void *arg);

/* handlers.c: answer one request; *more is cleared when the connection must end */
int rpc_handle(struct rpc_conn *c, const CriuReq *req, bool *more);

/* page-server-req.c: PAGE_SERVER and PAGE_SERVER_CHLD */
int rpc_handle_page_server(struct rpc_conn *c, const CriuReq *req);

/* session.c: requests until the client is done; 0, or -1 if the connection broke */
int rpc_serve(struct rpc_conn *c);
int rpc_serve_accepted(int sk, const struct cr_options *o); /* service's child */

#endif /* CRIU_RPC_INTERNAL_H */
