/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msg.c - one criu_req or criu_resp per SOCK_SEQPACKET datagram, as CRIU sends them. The
 * length of a request is peeked before it is read, so that an oversized one is dropped
 * whole and answered, and a truncated or malformed one fails to unpack, never to crash.
 */
#define LOG_PREFIX "rpc: "

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fd-pass.h"
#include "internal.h"
#include "log.h"

static ssize_t peek_length(int sk)
{
	ssize_t len;

	do
		len = recv(sk, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (len < 0 && errno == EINTR);
	return len;
}

static int drop_datagram(int sk, ssize_t len)
{
	if (recv(sk, NULL, 0, MSG_TRUNC) < 0)
		return -errno;
	pr_err("A request of %zd bytes is longer than the %d bytes criu reads; dropped\n", len,
	       RPC_MAX_MSG);
	return -EMSGSIZE;
}

int rpc_recv_req(int sk, CriuReq **req)
{
	ssize_t len = peek_length(sk), got;
	uint8_t *buf;

	if (len == 0 || (len < 0 && errno == ECONNRESET))
		return 1;
	if (len < 0) {
		int ret = -errno;

		pr_perror("Can't read a request");
		return ret;
	}
	if (len > RPC_MAX_MSG)
		return drop_datagram(sk, len);
	buf = malloc(len);
	if (!buf) {
		recv(sk, NULL, 0, MSG_TRUNC);
		pr_err("No memory for a request of %zd bytes\n", len);
		return -ENOMEM;
	}
	got = recv(sk, buf, len, 0);
	if (got != len) {
		free(buf);
		pr_err("A request of %zd bytes came short (%zd)\n", len, got);
		return -EBADMSG;
	}
	*req = criu_req__unpack(NULL, len, buf);
	free(buf);
	if (!*req) {
		pr_err("A request of %zd bytes is not a criu_req (truncated, or a field of the "
		       "wrong type)\n",
		       len);
		return -EBADMSG;
	}
	return 0;
}

int rpc_send_resp(int sk, const CriuResp *resp, int fd)
{
	size_t len = criu_resp__get_packed_size(resp);
	uint8_t *buf = malloc(len ?: 1);
	ssize_t n;
	int ret;

	if (!buf) {
		pr_err("No memory for a response of %zu bytes\n", len);
		return -ENOMEM;
	}
	criu_resp__pack(resp, buf);
	/* a client gone is an answer for the caller, not a SIGPIPE for criu */
	n = fd_pass_send(sk, buf, len, fd, MSG_NOSIGNAL);
	ret = n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
	free(buf);
	if (ret) {
		errno = -ret;
		pr_perror("Can't send the %s response",
			  resp->type == CRIU_REQ_TYPE__NOTIFY ? "notification" : "request's");
	}
	return ret;
}

int rpc_send_error(int sk, CriuReqType type, int err, const char *what)
{
	CriuResp resp = CRIU_RESP__INIT;
	const char *first = log_first_error();

	resp.type = type;
	resp.success = false;
	resp.cr_errmsg = (char *)(first ?: what);
	if (err > 0) {
		resp.has_cr_errno = true;
		resp.cr_errno = err;
	}
	return rpc_send_resp(sk, &resp, -1);
}
