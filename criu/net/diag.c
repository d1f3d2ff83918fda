// SPDX-License-Identifier: GPL-2.0
/*
 * net/diag.c - sock_diag queries through libnl-3: a netlink socket of its own per query,
 * the reply messages handed to the caller's callback, the kernel's error kept as -errno
 * (libnl's own codes lose it).
 */
#include <errno.h>
#include <linux/sock_diag.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "log.h"
#include "sock-diag.h"

struct diag_call {
	sock_diag_cb cb;
	void *arg;
	int err; /* the kernel's or the callback's, -errno */
};

static int diag_valid(struct nl_msg *msg, void *arg)
{
	struct diag_call *c = arg;

	c->err = c->cb(nlmsg_hdr(msg), c->arg);
	return c->err ? NL_STOP : NL_OK;
}

static int diag_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct diag_call *c = arg;

	(void)who;
	c->err = e->error ? e->error : -EIO;
	return NL_STOP;
}

static struct nl_sock *diag_open(struct diag_call *c)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	if (!sk) {
		pr_err("Can't allocate a netlink socket for sock_diag: out of memory\n");
		return NULL;
	}
	/* sock_diag answers the request itself: an ack would come after and be left over */
	nl_socket_disable_auto_ack(sk);
	ret = nl_connect(sk, NETLINK_SOCK_DIAG);
	if (ret < 0) {
		pr_err("Can't open a NETLINK_SOCK_DIAG socket: %s (is sock_diag built in?)\n",
		       nl_geterror(ret));
		nl_socket_free(sk);
		return NULL;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, diag_valid, c);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, diag_error, c);
	return sk;
}

int sock_diag_query(const void *req, size_t len, int flags, sock_diag_cb cb, void *arg)
{
	struct diag_call c = { .cb = cb, .arg = arg };
	struct nl_sock *sk = diag_open(&c);
	int ret;

	if (!sk)
		return -ENOTSUP;
	ret = nl_send_simple(sk, SOCK_DIAG_BY_FAMILY, flags, (void *)req, len);
	if (ret < 0) {
		pr_err("Can't send a sock_diag request: %s\n", nl_geterror(ret));
		ret = -EIO;
		goto out_free;
	}
	ret = nl_recvmsgs_default(sk);
	if (c.err)
		ret = c.err;
	else if (ret < 0) {
		pr_err("Can't read the sock_diag reply: %s\n", nl_geterror(ret));
		ret = -EIO;
	} else
		ret = 0;
out_free:
	nl_socket_free(sk);
	return ret;
}
