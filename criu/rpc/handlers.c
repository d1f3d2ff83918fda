/* SPDX-License-Identifier: GPL-2.0 */
/*
 * handlers.c - one function per request type. The response always has the request's
 * type; a failure says why in cr_errmsg (the first error logged while serving it).
 * CPUINFO_DUMP writes cpuinfo.img into the images dir, CPUINFO_CHECK checks it, each in a
 * worker like DUMP. PRE_DUMP and SINGLE_PRE_DUMP make one pre-dump each (the client sends the
 * next, then a DUMP with parent_img). PAGE_SERVER(_CHLD): page-server-req.c.
 */
#define LOG_PREFIX "rpc: "

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "internal.h"
#include "log.h"
#include "memtrack.h"
#include "rpc.h"
#include "run.h"

/* A worker's exit status: it answered the request itself, or could not reach the client. */
#define WORKER_ANSWERED	 0
#define WORKER_NO_CLIENT 2

static const char *type_name(CriuReqType t)
{
	const ProtobufCEnumValue *v =
		protobuf_c_enum_descriptor_get_value(&criu_req_type__descriptor, t);

	return v ? v->name : "unknown";
}

static int send_result(struct rpc_req_state *st, CriuReqType type, bool ok)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuDumpResp dr = CRIU_DUMP_RESP__INIT;
	CriuRestoreResp rr = CRIU_RESTORE_RESP__INIT;

	if (!ok)
		return rpc_send_error(st->conn->sk, type, 0, "the request failed; see the log");
	resp.type = type;
	resp.success = true;
	if (type == CRIU_REQ_TYPE__DUMP)
		resp.dump = &dr;
	if (type == CRIU_REQ_TYPE__RESTORE) {
		rr.pid = st->root_pid;
		resp.restore = &rr;
	}
	return rpc_send_resp(st->conn->sk, &resp, -1);
}

/* In a worker: the request's options, its log, the command, the answer. */
static int __attribute__((noreturn))
run_worker(struct rpc_conn *c, const CriuReq *req, enum cr_command cmd)
{
	struct rpc_req_state st;
	int ret, null;

	log_forget_first_error();
	ret = rpc_opts_from_req(c, req->opts, cmd, &st);
	if (ret)
		rpc_log_refusal(c, req->opts);
	if (ret)
		_exit(rpc_send_error(c->sk, req->type, -ret, "bad criu_opts") ? WORKER_NO_CLIENT
									      : WORKER_ANSWERED);
	if (rpc_open_log(&st)) {
		rpc_send_error(c->sk, req->type, EINVAL, "can't open the log");
		_exit(WORKER_ANSWERED);
	}
	if (cmd == CMD_CHECK) {
		/* "Looks good." is for a terminal: the client reads the answer */
		null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		ret = cr_check(&st.opts);
	} else {
		pr_info("criu %s: %s over RPC\n", CRIU_VERSION, st.opts.action);
		ret = cr_run_command(&st.opts, st.images_dfd, st.work_dfd);
	}
	ret = send_result(&st, req->type, ret == 0);
	rpc_req_state_fini(&st);
	log_fini();
	_exit(ret ? WORKER_NO_CLIENT : WORKER_ANSWERED);
}

/* DUMP, PRE_DUMP and CHECK: in a child, so that the connection's process stays as it was. */
static int handle_in_worker(struct rpc_conn *c, const CriuReq *req, enum cr_command cmd)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		pr_perror("Can't fork a worker for the %s request", type_name(req->type));
		return rpc_send_error(c->sk, req->type, errno, "can't fork");
	}
	if (pid == 0)
		run_worker(c, req, cmd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			pr_perror("Can't wait for the %s worker %d", type_name(req->type), pid);
			return -ECHILD;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_ANSWERED)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == WORKER_NO_CLIENT)
		return -ECONNABORTED;
	pr_err("The %s worker %d died (status %#x) before it answered\n", type_name(req->type), pid,
	       status);
	return rpc_send_error(c->sk, req->type, EIO, "the worker died");
}

/* In the connection's process: with rst_sibling the root becomes the swrk client's child. */
static int handle_restore(struct rpc_conn *c, const CriuReq *req, bool *more)
{
	struct rpc_req_state st;
	int ret;

	*more = false;
	if (req->has_keep_open && req->keep_open) {
		pr_err("keep_open: a RESTORE ends the connection; open a new one for more "
		       "requests\n");
		return rpc_send_error(c->sk, req->type, EINVAL, "keep_open with RESTORE");
	}
	ret = rpc_opts_from_req(c, req->opts, CMD_RESTORE, &st);
	if (ret)
		rpc_log_refusal(c, req->opts);
	if (ret)
		return rpc_send_error(c->sk, req->type, -ret, "bad criu_opts");
	if (rpc_open_log(&st)) {
		rpc_req_state_fini(&st);
		return rpc_send_error(c->sk, req->type, EINVAL, "can't open the log");
	}
	pr_info("criu %s: restore over RPC\n", CRIU_VERSION);
	ret = cr_run_command(&st.opts, st.images_dfd, st.work_dfd);
	if (!ret && st.root_pid <= 0) {
		pr_err("The restore finished without naming its root task\n");
		ret = 1;
	}
	ret = send_result(&st, req->type, ret == 0);
	rpc_req_state_fini(&st);
	log_fini();
	return ret;
}

static int handle_version(struct rpc_conn *c, const CriuReq *req)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuVersion v = CRIU_VERSION__INIT;

	v.major_number = CRIU_RPC_MAJOR;
	v.minor_number = CRIU_RPC_MINOR;
	v.name = CRIU_RPC_NAME;
	resp.type = req->type;
	resp.success = true;
	resp.version = &v;
	return rpc_send_resp(c->sk, &resp, -1);
}

/* Each feature asked for is answered: mem_track as criu check says; no lazy_pages, pidfd_store. */
static int handle_features(struct rpc_conn *c, const CriuReq *req)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuFeatures f = CRIU_FEATURES__INIT;

	if (!req->features) {
		pr_err("FEATURE_CHECK names no features (criu_req.features)\n");
		return rpc_send_error(c->sk, req->type, EINVAL, "no features");
	}
	f.has_mem_track = req->features->has_mem_track;
	f.mem_track = f.has_mem_track && !memtrack_any_probe();
	f.has_lazy_pages = req->features->has_lazy_pages;
	f.has_pidfd_store = req->features->has_pidfd_store;
	resp.type = req->type;
	resp.success = true;
	resp.features = &f;
	return rpc_send_resp(c->sk, &resp, -1);
}

/* WAIT_PID: a child of this criu (CRIU's page server child); its wait status */
static int handle_wait_pid(struct rpc_conn *c, const CriuReq *req)
{
	CriuResp resp = CRIU_RESP__INIT;
	int status;

	if (!req->has_pid || !req->pid || req->pid > INT32_MAX) {
		pr_err("WAIT_PID needs criu_req.pid\n");
		return rpc_send_error(c->sk, req->type, EINVAL, "no pid");
	}
	while (waitpid(req->pid, &status, 0) < 0)
		if (errno != EINTR) {
			int err = errno;

			pr_perror("WAIT_PID: can't wait for %u, not a child of this criu",
				  req->pid);
			return rpc_send_error(c->sk, req->type, err, "waitpid failed");
		}
	resp.type = req->type;
	resp.success = true;
	resp.has_status = true;
	resp.status = status;
	return rpc_send_resp(c->sk, &resp, -1);
}

static int refuse_type(struct rpc_conn *c, const CriuReq *req)
{
	const char *name = type_name(req->type);

	if (req->type == CRIU_REQ_TYPE__NOTIFY)
		pr_err("A NOTIFY request answers a notification, and none is pending\n");
	else if (!strcmp(name, "unknown"))
		pr_err("Unknown request type %d\n", req->type);
	else if (req->type == CRIU_REQ_TYPE__EMPTY)
		pr_err("An EMPTY request asks for nothing\n");
	else
		pr_err("Request %s is not supported yet\n", name);
	return rpc_send_error(c->sk, req->type, EOPNOTSUPP, "request not supported");
}

int rpc_handle(struct rpc_conn *c, const CriuReq *req, bool *more)
{
	log_forget_first_error();
	switch (req->type) {
	case CRIU_REQ_TYPE__DUMP:
		return handle_in_worker(c, req, CMD_DUMP);
	case CRIU_REQ_TYPE__CHECK:
		return handle_in_worker(c, req, CMD_CHECK);
	case CRIU_REQ_TYPE__CPUINFO_DUMP:
		return handle_in_worker(c, req, CMD_CPUINFO_DUMP);
	case CRIU_REQ_TYPE__CPUINFO_CHECK:
		return handle_in_worker(c, req, CMD_CPUINFO_CHECK);
	case CRIU_REQ_TYPE__PRE_DUMP:
	case CRIU_REQ_TYPE__SINGLE_PRE_DUMP:
		return handle_in_worker(c, req, CMD_PRE_DUMP);
	case CRIU_REQ_TYPE__RESTORE:
		return handle_restore(c, req, more);
	case CRIU_REQ_TYPE__VERSION:
		return handle_version(c, req);
	case CRIU_REQ_TYPE__FEATURE_CHECK:
		return handle_features(c, req);
	case CRIU_REQ_TYPE__WAIT_PID:
		return handle_wait_pid(c, req);
	case CRIU_REQ_TYPE__PAGE_SERVER:
	case CRIU_REQ_TYPE__PAGE_SERVER_CHLD:
		return rpc_handle_page_server(c, req);
	default:
		return refuse_type(c, req);
	}
}
