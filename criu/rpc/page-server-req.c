/* SPDX-License-Identifier: GPL-2.0 */
/*
 * page-server-req.c - PAGE_SERVER and PAGE_SERVER_CHLD: a criu page-server for the client
 * (criu_opts.ps gives its address and port, images_dir_fd where the pages go), answered
 * with its pid and port once it listens. PAGE_SERVER_CHLD's server is a child of this criu,
 * so that the client can WAIT_PID for it on the same connection; PAGE_SERVER's is a
 * daemon of its own, as in CRIU.
 */
#define LOG_PREFIX "rpc: "

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "log.h"
#include "page-server.h"

struct ps_started {
	int32_t pid, port;
};

static void __attribute__((noreturn))
run_server(struct rpc_conn *c, struct rpc_req_state *st, int ready, bool chld)
{
	struct ps_started info;
	int lsk, port, ret;
	pid_t pid;

	close(c->sk); /* the client's connection stays with the connection's process */
	signal(SIGPIPE, SIG_DFL);
	if (rpc_open_log(st))
		_exit(1);
	lsk = ps_server_listen(&st->opts, &port);
	if (lsk < 0)
		_exit(1);
	info.port = port;
	info.pid = getpid();
	if (!chld) {
		pid = fork();
		if (pid < 0) {
			pr_perror("Can't fork the page server's daemon");
			_exit(1);
		}
		if (pid > 0) {
			info.pid = pid;
			_exit(write(ready, &info, sizeof(info)) == sizeof(info) ? 0 : 1);
		}
		setsid();
	} else if (write(ready, &info, sizeof(info)) != sizeof(info)) {
		_exit(1);
	}
	close(ready);
	ret = ps_server_serve(&st->opts, lsk, st->images_dfd);
	log_fini();
	_exit(ret ? 1 : 0);
}

static int answer(struct rpc_conn *c, const CriuReq *req, const struct ps_started *info)
{
	CriuResp resp = CRIU_RESP__INIT;
	CriuPageServerInfo ps = CRIU_PAGE_SERVER_INFO__INIT;

	ps.has_pid = ps.has_port = true;
	ps.pid = info->pid;
	ps.port = info->port;
	resp.type = req->type;
	resp.success = true;
	resp.ps = &ps;
	return rpc_send_resp(c->sk, &resp, -1);
}

int rpc_handle_page_server(struct rpc_conn *c, const CriuReq *req)
{
	bool chld = req->type == CRIU_REQ_TYPE__PAGE_SERVER_CHLD;
	struct rpc_req_state st;
	struct ps_started info;
	int ready[2], ret;
	ssize_t n;
	pid_t pid;

	ret = rpc_opts_from_req(c, req->opts, CMD_PAGE_SERVER, &st);
	if (ret)
		return rpc_send_error(c->sk, req->type, -ret, "bad criu_opts");
	if (pipe2(ready, O_CLOEXEC)) {
		ret = errno;
		pr_perror("Can't create a pipe for the page server's start");
		rpc_req_state_fini(&st);
		return rpc_send_error(c->sk, req->type, ret, "no pipe");
	}
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		run_server(c, &st, ready[1], chld);
	}
	close(ready[1]);
	n = pid < 0 ? -1 : read(ready[0], &info, sizeof(info));
	close(ready[0]);
	rpc_req_state_fini(&st);
	if (pid > 0 && !chld)
		waitpid(pid, NULL, 0);
	if (n != sizeof(info)) {
		pr_err("The page server did not start: see its log (criu_opts.log_file)\n");
		if (pid > 0 && chld)
			waitpid(pid, NULL, 0);
		return rpc_send_error(c->sk, req->type, EIO, "the page server did not start");
	}
	return answer(c, req, &info);
}
