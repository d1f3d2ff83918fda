/* SPDX-License-Identifier: GPL-2.0 */
/*
 * request.c - reaching criu and asking it: "criu swrk FD" started on a socketpair (the
 * default), a "criu service" socket, or a socket the caller gives; one criu_req per
 * datagram, then criu_resp datagrams until the one of the request's type, answering each
 * NOTIFY on the way with the callback's verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

int libcriu_orphan_pts_fd = -1;

struct criu_conn {
	int sk;
	pid_t swrk; /* the criu swrk child, 0 if none */
	bool own_sk;
};

static void __attribute__((noreturn)) exec_swrk(const char *binary, int sk)
{
	char num[16];

	/* the one fd criu must inherit */
	if (fcntl(sk, F_SETFD, 0) == 0) {
		snprintf(num, sizeof(num), "%d", sk);
		execlp(binary, binary, "swrk", num, (char *)NULL);
	}
	_exit(127);
}

static int start_swrk(criu_opts *o, struct criu_conn *c)
{
	int sks[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sks))
		return -ECONNREFUSED;
	pid = fork();
	if (pid < 0) {
		close(sks[0]);
		close(sks[1]);
		return -ECONNREFUSED;
	}
	if (pid == 0) {
		close(sks[0]);
		exec_swrk(o->service_binary, sks[1]);
	}
	close(sks[1]);
	c->sk = sks[0];
	c->swrk = pid;
	c->own_sk = true;
	return 0;
}

static int connect_service(criu_opts *o, struct criu_conn *c)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *path = o->service_address ? o->service_address : CRIU_DEFAULT_ADDRESS;
	int sk;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -EINVAL;
	strcpy(addr.sun_path, path);
	sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return -ECONNREFUSED;
	if (connect(sk, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = errno;

		close(sk);
		errno = err;
		return -ECONNREFUSED;
	}
	c->sk = sk;
	c->own_sk = true;
	return 0;
}

static int criu_connect(criu_opts *o, struct criu_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->sk = -1;
	switch (o->comm) {
	case CRIU_COMM_BIN:
		return start_swrk(o, c);
	case CRIU_COMM_SK:
		return connect_service(o, c);
	case CRIU_COMM_FD:
		c->sk = o->service_fd;
		return c->sk >= 0 ? 0 : -ECONNREFUSED;
	}
	return -EINVAL;
}

static void criu_disconnect(struct criu_conn *c)
{
	int status;

	if (c->own_sk && c->sk >= 0)
		close(c->sk);
	if (c->swrk > 0)
		while (waitpid(c->swrk, &status, 0) < 0 && errno == EINTR)
			;
	c->sk = -1;
	c->swrk = 0;
}

static int send_req(int sk, const CriuReq *req)
{
	size_t len = criu_req__get_packed_size(req);
	uint8_t *buf = malloc(len ? len : 1);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	criu_req__pack(req, buf);
	n = send(sk, buf, len, MSG_NOSIGNAL);
	free(buf);
	return n == (ssize_t)len ? 0 : -ECOMM;
}

/* The fd a response carries (SCM_RIGHTS), or -1. */
static int take_fd(struct msghdr *mh)
{
	struct cmsghdr *cm;
	int fd = -1;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

static int recv_resp(int sk, CriuResp **resp, int *fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] __attribute__((aligned(sizeof(struct cmsghdr))));
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t len = recv(sk, NULL, 0, MSG_PEEK | MSG_TRUNC), n;
	uint8_t *buf;

	if (len <= 0)
		return -ECOMM;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	iov.iov_base = buf;
	iov.iov_len = len;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	n = recvmsg(sk, &mh, MSG_CMSG_CLOEXEC);
	*fd = n == len ? take_fd(&mh) : -1;
	*resp = n == len ? criu_resp__unpack(NULL, len, buf) : NULL;
	free(buf);
	if (n != len)
		return -ECOMM;
	return *resp ? 0 : -EBADMSG;
}

/* A stage criu reports: the callback's verdict goes back as notify_success. */
static int answer_notify(criu_opts *o, int sk, CriuResp *resp, int fd)
{
	CriuReq ans = CRIU_REQ__INIT;
	int verdict = 0;

	if (!resp->notify || !resp->notify->script) {
		if (fd >= 0)
			close(fd);
		return -EBADMSG;
	}
	if (fd >= 0 && !strcmp(resp->notify->script, "orphan-pts-master"))
		libcriu_orphan_pts_fd = fd;
	else if (fd >= 0)
		close(fd);
	if (o->notify)
		verdict = o->notify(resp->notify->script, (criu_notify_arg_t)resp->notify);
	ans.type = CRIU_REQ_TYPE__NOTIFY;
	ans.has_notify_success = true;
	ans.notify_success = verdict == 0;
	return send_req(sk, &ans);
}

/* Send req on c and wait for its answer; *resp is the caller's to free. */
static int exchange(criu_opts *o, struct criu_conn *c, const CriuReq *req, CriuResp **resp)
{
	int ret, fd;

	ret = send_req(c->sk, req);
	while (!ret) {
		ret = recv_resp(c->sk, resp, &fd);
		if (ret)
			break;
		if ((*resp)->type != CRIU_REQ_TYPE__NOTIFY) {
			if (fd >= 0)
				close(fd);
			if ((*resp)->type == req->type)
				return 0;
			ret = -EBADMSG;
		} else
			ret = answer_notify(o, c->sk, *resp, fd);
		criu_resp__free_unpacked(*resp, NULL);
		*resp = NULL;
	}
	return ret;
}

/* One request on a connection of its own. */
int libcriu_request(criu_opts *o, CriuReq *req, CriuResp **resp)
{
	struct criu_conn c;
	int ret;

	libcriu_orphan_pts_fd = -1;
	ret = criu_connect(o, &c);
	if (ret)
		return ret;
	ret = exchange(o, &c, req, resp);
	criu_disconnect(&c);
	return ret;
}

/* success=false: -EBADE, with criu's cr_errno in errno */
static int failed(CriuResp *resp)
{
	int err = resp->has_cr_errno ? resp->cr_errno : 0;

	criu_resp__free_unpacked(resp, NULL);
	errno = err;
	return -EBADE;
}

static int simple_request(criu_opts *o, CriuReqType type, CriuResp **resp)
{
	CriuReq req = CRIU_REQ__INIT;
	int ret;

	req.type = type;
	req.opts = o->rpc;
	ret = libcriu_request(o, &req, resp);
	if (ret)
		return ret;
	if (!(*resp)->success)
		return failed(*resp);
	return 0;
}

int criu_local_check(criu_opts *o)
{
	CriuResp *resp;
	int ret = simple_request(o, CRIU_REQ_TYPE__CHECK, &resp);

	if (!ret)
		criu_resp__free_unpacked(resp, NULL);
	return ret;
}

int criu_local_dump(criu_opts *o)
{
	CriuResp *resp;
	int ret = simple_request(o, CRIU_REQ_TYPE__DUMP, &resp);

	if (ret)
		return ret;
	ret = resp->dump && resp->dump->has_restored && resp->dump->restored;
	criu_resp__free_unpacked(resp, NULL);
	return ret;
}

int criu_local_pre_dump(criu_opts *o)
{
	CriuResp *resp;
	int ret = simple_request(o, CRIU_REQ_TYPE__PRE_DUMP, &resp);

	if (!ret)
		criu_resp__free_unpacked(resp, NULL);
	return ret;
}

int criu_local_restore(criu_opts *o)
{
	CriuResp *resp;
	int ret = simple_request(o, CRIU_REQ_TYPE__RESTORE, &resp);

	if (ret)
		return ret;
	ret = resp->restore ? resp->restore->pid : -EBADMSG;
	criu_resp__free_unpacked(resp, NULL);
	return ret;
}

/* The restored root becomes the caller's child: criu swrk is, and the root its sibling. */
int criu_local_restore_child(criu_opts *o)
{
	bool had = o->rpc->has_rst_sibling, was = o->rpc->rst_sibling;
	int ret;

	if (o->comm != CRIU_COMM_BIN)
		return -EINVAL;
	o->rpc->has_rst_sibling = true;
	o->rpc->rst_sibling = true;
	ret = criu_local_restore(o);
	o->rpc->has_rst_sibling = had;
	o->rpc->rst_sibling = was;
	return ret;
}
