/* SPDX-License-Identifier: GPL-2.0 */
/*
 * session.c - one client's connection: requests answered one after the other while the
 * client sets keep_open; a datagram that is not a criu_req is answered (type EMPTY) and
 * ends the connection, since nothing after it can be trusted to line up.
 */
#define LOG_PREFIX "rpc: "

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"
#include "log.h"
#include "rpc.h"

static int peer_pid(struct rpc_conn *c)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(c->sk, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
		pr_perror("Can't learn the RPC client's pid (SO_PEERCRED)");
		return -1;
	}
	c->peer = cr.pid;
	c->peer_uid = cr.uid;
	return 0;
}

/*
 * CRIU limits a client of another user to that user's tasks; criu does not yet, so it
 * serves only clients of its own user (or root) rather than act for anyone on theirs.
 */
static int refuse_foreign(struct rpc_conn *c, const CriuReq *req)
{
	if (c->peer_uid == 0 || c->peer_uid == geteuid())
		return 0;
	pr_err("The RPC client %d runs as uid %u: serving other users' clients is not supported "
	       "yet\n",
	       c->peer, c->peer_uid);
	rpc_send_error(c->sk, req->type, EPERM, "client of another user");
	return -1;
}

int rpc_serve(struct rpc_conn *c)
{
	CriuReq *req;
	bool more;
	int ret;

	for (;;) {
		log_forget_first_error();
		req = NULL;
		ret = rpc_recv_req(c->sk, &req);
		if (ret > 0)
			return 0;
		if (ret < 0) {
			rpc_send_error(c->sk, CRIU_REQ_TYPE__EMPTY, -ret, "bad request");
			return -1;
		}
		more = req->has_keep_open && req->keep_open;
		ret = refuse_foreign(c, req) ?: rpc_handle(c, req, &more);
		criu_req__free_unpacked(req, NULL);
		if (ret)
			return -1;
		if (!more)
			return 0;
	}
}

int rpc_swrk(const struct cr_options *o)
{
	struct rpc_conn c = { .sk = o->swrk_fd, .swrk = true, .base = o };
	int type;
	socklen_t len = sizeof(type);

	if (getsockopt(c.sk, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_SEQPACKET) {
		pr_err("swrk %d: not a SOCK_SEQPACKET socket\n", c.sk);
		return -1;
	}
	/* restored tasks must not inherit the client's socket */
	if (fcntl(c.sk, F_SETFD, FD_CLOEXEC) || peer_pid(&c))
		return -1;
	return rpc_serve(&c);
}

int rpc_serve_accepted(int sk, const struct cr_options *o)
{
	struct rpc_conn c = { .sk = sk, .swrk = false, .base = o };

	if (peer_pid(&c))
		return -1;
	return rpc_serve(&c);
}
