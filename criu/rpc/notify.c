/* SPDX-License-Identifier: GPL-2.0 */
/*
 * notify.c - notify_scripts: at each stage where criu runs action scripts (pre-dump,
 * post-dump, pre-restore, post-restore, pre-resume, post-resume, with CRIU's names and in
 * its order) the client gets a NOTIFY response naming it and must answer a NOTIFY request
 * before criu goes on; notify_success=false, or a client gone, fails the stage as a
 * failing action script does (a dump then leaves the tree running). Without notify_scripts
 * a client that closed the connection fails the stage the same way.
 */
#define LOG_PREFIX "rpc: "

#include <poll.h>
#include <string.h>

#include "internal.h"
#include "log.h"

static int wait_answer(int sk, const char *stage)
{
	CriuReq *req = NULL;
	bool ok;
	int ret;

	ret = rpc_recv_req(sk, &req);
	if (ret) {
		pr_err("The client did not answer the %s notification%s\n", stage,
		       ret > 0 ? ": it closed the connection" : "");
		return -ECONNABORTED;
	}
	ok = req->type == CRIU_REQ_TYPE__NOTIFY && req->has_notify_success && req->notify_success;
	if (req->type != CRIU_REQ_TYPE__NOTIFY)
		pr_err("The client answered the %s notification with a request of type %d, not "
		       "NOTIFY\n",
		       stage, req->type);
	else if (!ok)
		pr_err("The client refused stage %s (notify_success false)\n", stage);
	criu_req__free_unpacked(req, NULL);
	return ok ? 0 : -ECANCELED;
}

/* A client that closed its end before the point of no return gets the tree left running. */
static int client_gone(int sk, const char *stage)
{
	struct pollfd p = { .fd = sk, .events = POLLRDHUP };

	if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLRDHUP | POLLHUP)))
		return 0;
	pr_err("The RPC client closed the connection; stage %s fails\n", stage);
	return -ECONNABORTED;
}

/*
 * orphan-pts-master: the notification carries the new master (SCM_RIGHTS), as CRIU's does;
 * without notify_scripts the client would not read it, and the restore fails instead.
 */
int rpc_fd_notify(const char *stage, int fd, void *arg)
{
	struct rpc_req_state *st = arg;
	CriuNotify cn = CRIU_NOTIFY__INIT;
	CriuResp resp = CRIU_RESP__INIT;
	int ret;

	if (!st->notify) {
		pr_err("%s: the fd goes to the client in a notification; set notify_scripts\n",
		       stage);
		return -EINVAL;
	}
	cn.script = (char *)stage;
	resp.type = CRIU_REQ_TYPE__NOTIFY;
	resp.success = true;
	resp.notify = &cn;
	ret = rpc_send_resp(st->conn->sk, &resp, fd);
	return ret ?: wait_answer(st->conn->sk, stage);
}

int rpc_stage_notify(const char *stage, pid_t pid, void *arg)
{
	struct rpc_req_state *st = arg;
	CriuNotify cn = CRIU_NOTIFY__INIT;
	CriuResp resp = CRIU_RESP__INIT;
	int ret;

	if (pid > 0 && st->opts.command == CMD_RESTORE)
		st->root_pid = pid;
	if (!st->notify) {
		ret = client_gone(st->conn->sk, stage);
		if (ret)
			return ret;
		goto out;
	}
	cn.script = (char *)stage;
	cn.has_pid = pid > 0;
	cn.pid = pid;
	resp.type = CRIU_REQ_TYPE__NOTIFY;
	resp.success = true;
	resp.notify = &cn;
	ret = rpc_send_resp(st->conn->sk, &resp, -1);
	if (ret)
		return ret;
	ret = wait_answer(st->conn->sk, stage);
	if (ret)
		return ret;
out:
	/* the restore writes the status fd and closes it right after this stage */
	if (!strcmp(stage, "post-resume"))
		st->status_sent = true;
	return 0;
}
