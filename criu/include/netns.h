/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netns.h - the tree's own network namespace (criu/net/ns/). The tree's root may have a
 * network namespace of its own, which every task shares; it is saved in CRIU's images:
 * netdev-ID.img (links), netns-ID.img (sysctls), ifaddr-ID.img, route-ID.img,
 * route6-ID.img, rule-ID.img (iproute2's "ip ... save" format, as CRIU runs "ip" for them),
 * iptables-ID.img, ip6tables-ID.img (iptables-save text) and nftables-ID.img ("list
 * ruleset" text).
 *
 * Dump: netns_dump_enter() after the seize puts criu into the tree's network namespace, so
 * that sock_diag, /proc/self/net and the network lock see the tree's sockets;
 * netns_dump_write() saves it; netns_dump_leave() returns criu to its own (also on errors;
 * netns_dump_reenter() goes back for the lock's end). Restore: netns_rst_prepare() in criu
 * before the root is cloned with CLONE_NEWNET, netns_rst_fill() in criu (it
 * enters the new namespace) before the root is told to go on.
 * May call: log, image, opts, net-lock, libnl-3, libnftables, iproute2's "ip" and
 * iptables-save/-restore.
 */
#ifndef CRIU_NETNS_H
#define CRIU_NETNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Dump: enter root's network namespace (id: its id for the image names). 0 or -errno. */
int netns_dump_enter(pid_t root, uint32_t id);
/*
 * externals: --external values; net[INODE]:KEY naming the tree's namespace makes it
 * external: only KEY is saved, the restore is given it by --inherit-fd fd[N]:KEY. empty
 * (--empty-ns net, which runc sends): only netns-ID.img, no links, addresses or rules.
 */
int netns_dump_write(int dfd, const char *const *externals, int nr_externals, bool empty);
/* Back to criu's own namespace; reenter: into the tree's again (no-op when none). */
void netns_dump_leave(void);
int netns_dump_reenter(void);
/* Close what netns_dump_enter() kept. */
void netns_dump_done(void);
/*
 * A tree in several network namespaces (net/ns/others.c): criu into the namespace of task
 * pid (id: its id) for its dump; netns_dump_reenter() back into the root's. The others are
 * saved by netns_dump_write() too. netns_dump_lock_end(): the lock's end in the others, then
 * criu back in the root's for netlock_dump_end().
 */
#define NETNS_MAX_OTHERS 16
int netns_dump_task(pid_t pid, uint32_t id);
/* Is pid in a network namespace neither criu's own nor the root's, the root having its own? */
bool netns_dump_is_other(pid_t pid);
int netns_dump_lock_end(bool keep);

struct netns_rst_opts {
	const char *const *externals; /* --external values: "veth[IN]:OUT" are ours */
	int nr_externals;
	bool empty; /* --empty-ns net: the namespace is made, its content left to the caller */
	const char *join;		/* --join-ns net:PID|PATH: the root is cloned in that one */
	const char *const *inherit_fds; /* --inherit-fd fd[N]:KEY: an external namespace's */
	int nr_inherit_fds;
};

/* Restore, in criu: keep an fd on criu's own network namespace for the root. */
int netns_rst_prepare(const struct netns_rst_opts *o, int dfd, uint32_t id);
/* The root joins a namespace (--join-ns, or an external one by --inherit-fd)? */
bool netns_rst_joins(void);
/* Restore, in criu around the root's clone: into the --join-ns namespace and back. */
int netns_rst_before_root(void);
void netns_rst_after_root(void);
/* Restore, in criu once the root is cloned and waits: links, sysctls, addresses, ... */
int netns_rst_fill(int dfd, pid_t root);
/* Restore, in criu: into the restored tree's network namespace (for the lock) and back. */
int netns_rst_enter_tree(pid_t root);
void netns_rst_leave_tree(void);
void netns_rst_free(void);
/*
 * Restore of the others: netns_rst_others() in criu after netns_rst_prepare() (makes them,
 * empty: ids of the tasks' namespaces besides the root's); netns_rst_fill() fills them after
 * the root's; netns_rst_hold_fds() once the tasks' fd numbers are known puts criu's fds on
 * them at min or above (netns_rst_fds(): them, for the tasks to keep; NETNS_MAX_OTHERS
 * room, and one for the root's); a task enters its own with netns_rst_task_enter();
 * netns_rst_unlock_others() removes the lock in them (criu in its own namespace).
 * netns_rst_hold_root(): the root, first thing, keeps an fd on its own namespace at min or
 * above (id: its id), for a task below another namespace's task to go back into.
 */
int netns_rst_others(const uint32_t *ids, size_t n);
int netns_rst_hold_fds(int min);
int netns_rst_hold_root(uint32_t id, int min);
int netns_rst_fds(int *fds);
void netns_rst_drop_fds(void);
int netns_rst_task_enter(pid_t pid, uint32_t id);
int netns_rst_unlock_others(int root_pid);

#endif /* CRIU_NETNS_H */
