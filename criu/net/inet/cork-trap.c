// SPDX-License-Identifier: GPL-2.0
/*
 * net/inet/cork-trap.c - catch the datagram a corked UDP socket sends when criu uncorks it
 * at dump, before it leaves the socket's network namespace: the kernel has no call that
 * hands corked bytes back, but it hands every packet to netfilter first.
 *
 * In the socket's own network namespace (entered for the while), a table of criu's,
 * "inet CRIU-<pid>-c0cc<inode>" (named as the network lock names its tables, so that the
 * lock's sweep removes it if criu is killed meanwhile), has one output chain at priority
 * -300 (before connection tracking) whose rule logs the packets from the socket's protocol
 * and port to an NFLOG group of ours, whole, and drops them. The group is read through
 * libnl-nf-3. The table and the group go away before returning, also on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/sockios.h>

#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/netfilter/log.h>
#include <netlink/netfilter/log_msg.h>
#include <netlink/socket.h>
#include <nftables/libnftables.h>

#include "fault.h"
#include "internal.h"
#include "log.h"

/* NFLOG groups tried, from a base of the pid's: another program may hold one */
#define TRAP_GROUPS 16
/* the packet is logged while the uncorking setsockopt() runs: this is only a bound */
#define TRAP_WAIT_MS	  500
#define TRAP_MSG_BUF	  (1 << 17)
#define TRAP_TABLE_LEN	  64
#define TRAP_NLMSG_PACKET ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)

struct cork_trap {
	int back_ns; /* criu's network namespace, to go back to (-1: not left) */
	struct nl_sock *nl;
	struct nfnl_log *log;
	struct nft_ctx *nft;
	char table[TRAP_TABLE_LEN];
	bool bound, table_made;
};

/* Enter sk's network namespace if it is not ours (t->back_ns: how to come back). */
static int enter_sk_netns(struct cork_trap *t, int sk)
{
	struct stat ours, theirs;
	int ns;

	ns = ioctl(sk, SIOCGSKNS);
	if (ns < 0) {
		pr_perror("Can't get the network namespace of a corked socket");
		return -errno;
	}
	t->back_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (t->back_ns < 0 || fstat(t->back_ns, &ours) || fstat(ns, &theirs)) {
		pr_perror("Can't open criu's network namespace");
		goto close_ns;
	}
	if (ours.st_ino == theirs.st_ino && ours.st_dev == theirs.st_dev) {
		close(t->back_ns);
		t->back_ns = -1;
	} else if (setns(ns, CLONE_NEWNET)) {
		pr_perror("Can't enter the network namespace of a corked socket");
		goto close_ns;
	}
	close(ns);
	return 0;
close_ns:
	if (t->back_ns >= 0)
		close(t->back_ns);
	t->back_ns = -1;
	close(ns);
	return -EPERM;
}

static int leave_sk_netns(struct cork_trap *t)
{
	int ret = 0;

	if (t->back_ns < 0)
		return 0;
	if (setns(t->back_ns, CLONE_NEWNET)) {
		pr_perror("Can't go back to criu's network namespace");
		ret = -errno;
	}
	close(t->back_ns);
	t->back_ns = -1;
	return ret;
}

static int nflog_bind(struct cork_trap *t)
{
	int ret = -NLE_NOMEM, i;

	t->nl = nl_socket_alloc();
	t->log = nfnl_log_alloc();
	if (!t->nl || !t->log)
		goto fail;
	ret = nl_connect(t->nl, NETLINK_NETFILTER);
	if (ret)
		goto fail;
	nl_socket_set_msg_buf_size(t->nl, TRAP_MSG_BUF);
	nl_socket_enable_msg_peek(t->nl);
	nl_socket_set_buffer_size(t->nl, 4 * TRAP_MSG_BUF, 0);
	nfnl_log_set_copy_mode(t->log, NFNL_LOG_COPY_PACKET);
	nfnl_log_set_copy_range(t->log, 0xffff); /* the kernel's most */
	nfnl_log_set_queue_threshold(t->log, 1);
	for (i = 0; i < TRAP_GROUPS; i++) {
		nfnl_log_set_group(t->log, 0x8000 + (getpid() * TRAP_GROUPS + i) % 0x7fff);
		ret = nfnl_log_create(t->nl, t->log);
		if (ret != -NLE_BUSY)
			break;
	}
	t->bound = !ret;
	if (!ret)
		return 0;
fail:
	pr_err("Can't bind an NFLOG group to catch a corked datagram: %s (nfnetlink_log)\n",
	       nl_geterror(ret));
	return -EIO;
}

static void nflog_unbind(struct cork_trap *t)
{
	if (t->bound)
		nfnl_log_delete(t->nl, t->log);
	t->bound = false;
	if (t->log)
		nfnl_log_put(t->log);
	if (t->nl)
		nl_socket_free(t->nl);
	t->log = NULL;
	t->nl = NULL;
}

static int nft_cmd(struct cork_trap *t, const char *cmd)
{
	const char *err;

	nft_ctx_get_error_buffer(t->nft); /* empties it */
	if (!nft_run_cmd_from_buffer(t->nft, cmd))
		return 0;
	err = nft_ctx_get_error_buffer(t->nft);
	pr_err("nftables: %s", err && err[0] ? err : "no message from libnftables\n");
	return -EIO;
}

static int rule_add(struct cork_trap *t, int proto, uint16_t port, uint32_t ino)
{
	char cmd[512];

	t->nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!t->nft || nft_ctx_buffer_output(t->nft) || nft_ctx_buffer_error(t->nft)) {
		pr_err("Can't create a libnftables context to catch a corked datagram\n");
		return -ENOMEM;
	}
	snprintf(t->table, sizeof(t->table), "CRIU-%d-c0cc%08x", getpid(), ino);
	snprintf(cmd, sizeof(cmd),
		 "add table inet %1$s\n"
		 "add chain inet %1$s out { type filter hook output priority -300; }\n"
		 "add rule inet %1$s out meta l4proto %2$s th sport %3$u log group %4$u drop\n",
		 t->table, proto == IPPROTO_UDPLITE ? "udplite" : "udp", port,
		 nfnl_log_get_group(t->log));
	/* one transaction: a failed one leaves nothing */
	if (nft_cmd(t, cmd)) {
		pr_err("Can't add criu's table inet %s to catch a corked datagram\n", t->table);
		return -EIO;
	}
	t->table_made = true;
	return 0;
}

static int rule_remove(struct cork_trap *t)
{
	char cmd[128];
	int ret = 0;

	if (t->table_made) {
		snprintf(cmd, sizeof(cmd), "delete table inet %s\n", t->table);
		ret = nft_cmd(t, cmd);
		if (ret)
			pr_err("Can't remove criu's table inet %s: remove it by hand\n", t->table);
	}
	if (t->nft)
		nft_ctx_free(t->nft);
	t->nft = NULL;
	return ret;
}

/* The first packet logged to our group, in *pkt (malloc'ed), or none (*pkt NULL). */
static int read_packet(struct cork_trap *t, char **pkt, size_t *len)
{
	struct pollfd pfd = { .fd = nl_socket_get_fd(t->nl), .events = POLLIN };
	struct sockaddr_nl who;
	unsigned char *buf = NULL;
	struct nlmsghdr *h;
	int n, ret = 0;

	*pkt = NULL;
	if (poll(&pfd, 1, TRAP_WAIT_MS) <= 0)
		return 0;
	n = nl_recv(t->nl, &who, &buf, NULL);
	if (n < 0) {
		pr_err("Can't read the NFLOG group: %s\n", nl_geterror(n));
		return -EIO;
	}
	for (h = (struct nlmsghdr *)buf; !*pkt && !ret && nlmsg_ok(h, n); h = nlmsg_next(h, &n)) {
		struct nfnl_log_msg *m;
		const void *data;
		int dlen;

		if (h->nlmsg_type != TRAP_NLMSG_PACKET || nfnlmsg_log_msg_parse(h, &m) < 0)
			continue;
		data = nfnl_log_msg_get_payload(m, &dlen);
		if (data && dlen > 0) {
			*pkt = malloc(dlen);
			if (*pkt) {
				memcpy(*pkt, data, dlen);
				*len = dlen;
			} else
				ret = -ENOMEM;
		}
		nfnl_log_msg_put(m);
	}
	free(buf);
	return ret;
}

static int trap_close(struct cork_trap *t)
{
	int ret = rule_remove(t);

	nflog_unbind(t);
	return leave_sk_netns(t) ?: ret;
}

int inet_cork_trap(int sk, int proto, uint16_t port, uint32_t ino, int (*flush)(int sk, void *arg),
		   void *arg, char **pkt, size_t *len)
{
	struct cork_trap t = { .back_ns = -1 };
	int ret;

	*pkt = NULL;
	ret = enter_sk_netns(&t, sk);
	if (ret)
		return ret;
	ret = nflog_bind(&t);
	ret = ret ?: rule_add(&t, proto, port, ino);
	ret = ret ?: flush(sk, arg);
	ret = ret ?: read_packet(&t, pkt, len);
	/* a failure once the packet is caught: the table must go all the same */
	if (!ret && fault_injected("cork-trap"))
		ret = -EIO;
	/* a packet caught stays the caller's, to give back, even if the rest failed */
	return trap_close(&t) ?: ret;
}
