/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/others.c - the tree's network namespaces besides its root's own: a task that made
 * one (unshare or clone with CLONE_NEWNET below the root). Each is saved as the root's is,
 * in the images of its own id (netdev-ID.img, ...; ids-PID.img's net_ns_id names it, as in
 * CRIU). At dump criu enters each task's namespace before its dump, so that its sockets are
 * found and locked there (netns_dump_task()). A veth whose ends are in two namespaces of the
 * tree names its peer's namespace by the peer's tree id (peer_nsid, CRIU's field), found by
 * the kernel's nsid of each (RTM_GETNSID). At restore criu makes each namespace before the
 * root is cloned (unshare, then back; in the tree's user namespace, a child of criu's that
 * entered it unshares it, so that it owns it), fills it once the root's is filled (a veth
 * across is made once, by the first of its two namespaces to be filled, its peer sent to the
 * other), and holds an fd on it above the tasks' fds: a task of it enters it (setns) first
 * thing after its fork, before it makes anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "log.h"
#include "net-lock.h"
#include "netns.h"
#include "ns.h"
#include "internal.h"

struct other_ns {
	uint32_t id;
	int fd;
	bool filled; /* restore: its links exist, veths across included */
};

static struct {
	struct other_ns ns[NETNS_MAX_OTHERS];
	size_t nr;
} dmp, rst;

/*
 * The root's own namespace, which exists only once the root is cloned: the root opens it
 * for a task that goes back into it below a task of another (its descendants inherit the
 * fd, as they do the others').
 */
static struct other_ns rst_root = { .fd = -1 };

int others_dump_fd(pid_t pid, uint32_t id)
{
	char path[64];
	size_t i;
	int fd;

	for (i = 0; i < dmp.nr; i++)
		if (dmp.ns[i].id == id)
			return dmp.ns[i].fd;
	if (dmp.nr == NETNS_MAX_OTHERS) {
		pr_err("Task %d: the tree has more than %d network namespaces besides its root's\n",
		       pid, NETNS_MAX_OTHERS);
		return -E2BIG;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open the network namespace of task %d", pid);
		return -errno;
	}
	pr_info("Task %d is in network namespace %u of the tree, not its root's\n", pid, id);
	dmp.ns[dmp.nr].id = id;
	dmp.ns[dmp.nr++].fd = fd;
	return fd;
}

int others_dump_write(int dfd, bool empty, int root_fd)
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < dmp.nr; i++) {
		ret = netns_switch(dmp.ns[i].fd, "a task's");
		if (ret)
			break;
		ret = empty ? netns_conf_dump(dfd, dmp.ns[i].id, false)
			    : netns_content_dump(dfd, dmp.ns[i].id);
		if (netns_switch(root_fd, "the tree's"))
			ret = ret ?: -EPERM;
	}
	return ret;
}

int others_dump_lock_end(bool keep, int root_fd)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < dmp.nr; i++) {
		if (netns_switch(dmp.ns[i].fd, "a task's")) {
			ret = -EPERM;
			continue;
		}
		ret = netlock_dump_end_here(keep) ?: ret;
		if (netns_switch(root_fd, "the tree's"))
			ret = -EPERM;
	}
	return ret;
}

void others_dump_free(void)
{
	size_t i;

	for (i = 0; i < dmp.nr; i++)
		close(dmp.ns[i].fd);
	dmp.nr = 0;
}

static int nsid_reply(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NETNSA_MAX + 1];

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtgenmsg), tb, NETNSA_MAX, NULL) < 0 ||
	    !tb[NETNSA_NSID])
		return NL_SKIP;
	*(int32_t *)arg = nla_get_s32(tb[NETNSA_NSID]);
	return NL_OK;
}

/* The nsid the current namespace gives the namespace of fd: >= 0, -1 (none) or -errno */
static int32_t nsid_of(struct nl_sock *sk, int fd)
{
	struct rtgenmsg g = { .rtgen_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNSID, NLM_F_REQUEST);
	int32_t nsid = -1;
	int ret = msg ? 0 : -ENOMEM;

	ret = ret ?: nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO);
	ret = ret ?: nla_put_u32(msg, NETNSA_FD, fd);
	if (!ret)
		ret = nl_send_auto(sk, msg) < 0 ? -EIO : 0;
	nlmsg_free(msg);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, nsid_reply, &nsid);
	if (!ret && nl_recvmsgs_default(sk) < 0)
		ret = -EIO;
	if (ret)
		pr_err("Can't read the nsid of a network namespace of the tree: %s\n",
		       strerror(-ret));
	return ret ?: nsid;
}

int others_peer_id(int32_t nsid, uint32_t *id)
{
	struct nl_sock *sk = rtnl_open();
	uint32_t root_id;
	int root_fd = netns_dump_root_fd(&root_id), ret = 0;
	size_t i;

	if (!sk)
		return -EIO;
	nl_socket_disable_auto_ack(sk);
	if (root_fd >= 0 && nsid_of(sk, root_fd) == nsid) {
		*id = root_id;
		ret = 1;
	}
	for (i = 0; !ret && i < dmp.nr; i++)
		if (nsid_of(sk, dmp.ns[i].fd) == nsid) {
			*id = dmp.ns[i].id;
			ret = 1;
		}
	nl_socket_free(sk);
	return ret;
}

/*
 * An empty namespace for id, made by criu and left at once (criu_fd: criu's own); in the
 * tree's user namespace, where it has one, owned by it.
 */
static int make_one(struct other_ns *o, uint32_t id, int criu_fd)
{
	if (rst_ns_user_fd() >= 0) {
		o->fd = rst_ns_make_net_in_user();
		o->id = id;
		o->filled = false;
		return o->fd < 0 ? o->fd : 0;
	}
	if (unshare(CLONE_NEWNET)) {
		pr_perror("Can't make network namespace %u of the tree", id);
		return -errno;
	}
	o->fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (o->fd < 0)
		pr_perror("Can't open the new network namespace %u", id);
	if (netns_switch(criu_fd, "criu's own"))
		return -EPERM;
	o->id = id;
	o->filled = false;
	return o->fd < 0 ? -EIO : 0;
}

int others_rst_prepare(int dfd, const uint32_t *ids, size_t n, int criu_fd, bool empty)
{
	char name[32];
	size_t i;
	int ret = 0;

	if (n > NETNS_MAX_OTHERS) {
		pr_err("The images hold %zu network namespaces besides the root's: %d at most\n", n,
		       NETNS_MAX_OTHERS);
		return -E2BIG;
	}
	for (i = 0; !ret && i < n; i++) {
		snprintf(name, sizeof(name), "netdev-%u.img", ids[i]);
		if (!empty && faccessat(dfd, name, F_OK, 0)) {
			pr_err("The images have no %s for network namespace %u of a task\n", name,
			       ids[i]);
			return -ENOENT;
		}
		ret = make_one(&rst.ns[rst.nr], ids[i], criu_fd);
		if (rst.ns[rst.nr].fd >= 0)
			rst.nr++;
	}
	return ret;
}

int others_rst_fill(int dfd, int criu_fd, int (*fill)(int dfd, uint32_t id))
{
	size_t i;
	int ret = 0;

	for (i = 0; !ret && i < rst.nr; i++) {
		ret = netns_switch(rst.ns[i].fd, "a restored task's");
		if (ret)
			break;
		ret = fill(dfd, rst.ns[i].id);
		rst.ns[i].filled = !ret;
		if (netns_switch(criu_fd, "criu's own"))
			ret = ret ?: -EPERM;
		if (!ret)
			pr_info("Network namespace %u restored\n", rst.ns[i].id);
	}
	return ret;
}

static struct other_ns *rst_find(uint32_t id)
{
	size_t i;

	for (i = 0; i < rst.nr; i++)
		if (rst.ns[i].id == id)
			return &rst.ns[i];
	return NULL;
}

int netns_rst_peer_ns(uint32_t id, int *fd)
{
	struct other_ns *o = rst_find(id);

	/* the root's namespace is filled first: a veth to it exists once another is filled */
	if (!o)
		return netns_rst_is_root(id) ? 1 : -ENOENT;
	*fd = o->fd;
	return o->filled;
}

int netns_rst_hold_fds(int min)
{
	size_t i;
	int fd;

	for (i = 0; i < rst.nr; i++) {
		if (rst.ns[i].fd >= min)
			continue;
		fd = fcntl(rst.ns[i].fd, F_DUPFD_CLOEXEC, min);
		if (fd < 0) {
			pr_perror("Can't move the fd of network namespace %u above %d",
				  rst.ns[i].id, min - 1);
			return -errno;
		}
		close(rst.ns[i].fd);
		rst.ns[i].fd = fd;
	}
	return 0;
}

int netns_rst_hold_root(uint32_t id, int min)
{
	if (!rst.nr)
		return 0; /* no task is in another one: none can go back */
	rst_root.fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (rst_root.fd >= 0) {
		int fd = fcntl(rst_root.fd, F_DUPFD_CLOEXEC, min);

		close(rst_root.fd);
		rst_root.fd = fd;
	}
	if (rst_root.fd < 0) {
		pr_perror("Can't keep an fd on the tree's network namespace above fd %d", min - 1);
		return -errno;
	}
	rst_root.id = id;
	return 0;
}

int netns_rst_fds(int *fds)
{
	size_t i;

	for (i = 0; i < rst.nr; i++)
		fds[i] = rst.ns[i].fd;
	fds[i] = rst_root.fd;
	return rst.nr + 1;
}

void netns_rst_drop_fds(void)
{
	size_t i;

	for (i = 0; i < rst.nr; i++)
		close(rst.ns[i].fd);
	if (rst_root.fd >= 0)
		close(rst_root.fd);
	rst_root.fd = -1;
}

int netns_rst_task_enter(pid_t pid, uint32_t id)
{
	struct other_ns *o = rst_root.fd >= 0 && id == rst_root.id ? &rst_root : rst_find(id);

	if (!o) {
		pr_err("Task %d: its network namespace %u is not one the restore made\n", pid, id);
		return -ENOENT;
	}
	if (setns(o->fd, CLONE_NEWNET)) {
		pr_perror("Task %d can't enter its network namespace %u", pid, id);
		return -errno;
	}
	return 0;
}

int others_rst_unlock(int root_pid, int criu_fd)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < rst.nr; i++) {
		if (netns_switch(rst.ns[i].fd, "a restored task's")) {
			ret = -EPERM;
			continue;
		}
		ret = netlock_restore_unlock_here(root_pid) ?: ret;
		if (netns_switch(criu_fd, "criu's own"))
			ret = -EPERM;
	}
	return ret;
}

void others_rst_free(void)
{
	netns_rst_drop_fds();
	rst.nr = 0;
}
