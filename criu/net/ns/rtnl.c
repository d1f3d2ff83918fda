/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/rtnl.c - NETLINK_ROUTE requests through libnl-3, in the calling thread's network
 * namespace (the socket's is fixed when it is made). The kernel's answer to a request is
 * kept as its errno, which the callers turn into messages that name the link.
 */
#include <errno.h>
#include <string.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "log.h"
#include "internal.h"

struct nl_sock *rtnl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int ret;

	if (!sk) {
		pr_err("Can't allocate a rtnetlink socket: out of memory\n");
		return NULL;
	}
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (ret < 0) {
		pr_err("Can't open a NETLINK_ROUTE socket: %s\n", nl_geterror(ret));
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static int keep_errno(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	(void)who;
	*(int *)arg = e->error;
	return NL_STOP;
}

int rtnl_talk(struct nl_sock *sk, struct nl_msg *msg)
{
	int kerr = 0, ret;

	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, keep_errno, &kerr);
	ret = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		pr_err("Can't send a rtnetlink request: %s\n", nl_geterror(ret));
		return -EIO;
	}
	ret = nl_wait_for_ack(sk);
	if (kerr)
		return kerr;
	if (ret < 0) {
		pr_err("No answer to a rtnetlink request: %s\n", nl_geterror(ret));
		return -EIO;
	}
	return 0;
}
