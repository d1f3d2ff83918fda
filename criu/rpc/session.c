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
		ret = rpc_handle(c, req, &more);
		criu_req__free_unpacked(req, NULL);
		if (ret)
			return -1;
		if (!more)
			return 0;
	}
}

static int peer_pid(int sk, pid_t *pid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(sk, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
		pr_perror("Can't learn the RPC client's pid (SO_PEERCRED)");
		return -1;
	}
	*pid = cr.pid;
	return 0;
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
	if (fcntl(c.sk, F_SETFD, FD_CLOEXEC) || peer_pid(c.sk, &c.peer))
		return -1;
	return rpc_serve(&c);
}

int rpc_serve_accepted(int sk, const struct cr_options *o)
{
	struct rpc_conn c = { .sk = sk, .swrk = false, .base = o };

	if (peer_pid(sk, &c.peer))
		return -1;
	return rpc_serve(&c);
}
