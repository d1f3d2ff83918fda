/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/ns/internal.h - the parts of net/ns/: sysctls (conf.c), links (links-dump.c,
 * links-restore.c, tun.c), rtnetlink helpers (rtnl.c), the tools' images (tools.c: ip,
 * iptables), the nftables ruleset (firewall.c). Private to net/ns/. Every function works in the
 * calling thread's current network namespace: criu's dump enters the tree's, the restore runs in
 * the root.
 */
#ifndef CRIU_NET_NS_INTERNAL_H
#define CRIU_NET_NS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "image.h"
#include "netdev.pb-c.h"

struct nl_sock;
struct nl_msg;
struct cr_img;

/* conf.c: the sysctl lists of CRIU's images, in CRIU's order (the fields are positional) */
enum conf_family { CONF_IPV4, CONF_IPV6 };
/* Read every sysctl of family for dev ("all", "default" or a link's name) into *out. */
int conf_read(enum conf_family f, const char *dev, SysctlEntry ***out, size_t *n);
/* Write those that differ from the current values; accept_redirects last. */
int conf_write(enum conf_family f, const char *dev, SysctlEntry **conf, size_t n);
void conf_free(SysctlEntry **conf, size_t n);
/*
 * netns-ID.img: the namespace's all/default confs and net.unix sysctls; netns-extra-ID.img:
 * net.ipv4's, and with links each link's addr_assign_type (bridge-addr.c)
 */
int netns_conf_dump(int dfd, uint32_t id, bool links);
int netns_conf_restore(int dfd, uint32_t id);
/* an external namespace (--external net[INODE]:KEY): netns-ID.img holds only its key */
int netns_conf_dump_external(int dfd, uint32_t id, const char *key);
int netns_conf_ext_key(int dfd, uint32_t id, char **key);

struct NetnsExtraEntry;
/* netns-extra-ID.img (*x NULL: a set without it, CRIU's); free it with netns_extra_free() */
int netns_extra_read(int dfd, uint32_t id, struct NetnsExtraEntry **x);
void netns_extra_free(struct NetnsExtraEntry *x);

/* bridge-addr.c: whether a bridge's address was set by a user or follows its ports */
int link_addr_types_read(struct NetnsExtraEntry *x);
void link_addr_types_free(struct NetnsExtraEntry *x);
/* Is br (one of links) to be made without its address, to take it from its ports? */
bool bridge_follows_ports(const struct NetnsExtraEntry *x, const NetDeviceEntry *const *links,
			  size_t nr, const NetDeviceEntry *br);
/* Once its ports are up: has such a bridge the dumped address? 0, or -EINVAL (said) */
int bridge_addr_check(const NetDeviceEntry *const *links, size_t nr, const NetDeviceEntry *br);

/* rtnl.c: a NETLINK_ROUTE socket of libnl-3 in the current namespace */
struct nl_sock *rtnl_open(void);
/* Send msg (freed) and wait for the kernel's ack: 0 or the kernel's -errno. */
int rtnl_talk(struct nl_sock *sk, struct nl_msg *msg);

/* tun.c: a persistent tun/tap with no queue attached (linkinfo: IFLA_LINKINFO) */
struct nlattr;
int tun_fill(NetDeviceEntry *e, struct nlattr *linkinfo);
int tun_set_owner(const NetDeviceEntry *e, struct nlattr *linkinfo);
int tun_create(const NetDeviceEntry *e);

/* links-dump.c: netdev-ID.img; refuses a kind it can't restore, naming the link */
int links_dump(int dfd, uint32_t id);
/*
 * links-restore.c: in the new namespace; outside_fd is criu's own network namespace;
 * before_up runs once the links exist, before they go up.
 */
int links_restore(int dfd, uint32_t id, int outside_fd, const char *const *ext, int nr_ext,
		  int (*before_up)(int dfd, uint32_t id));

/* loopback.c: --empty-ns net: the new namespace's loopback up, as runc had made it */
int netns_loopback_up(void);

/* tools.c: addresses, routes and rules by iproute2, iptables rules by iptables-save */
int tools_dump(int dfd, uint32_t id);
int tools_restore_addrs(int dfd, uint32_t id);
int tools_restore(int dfd, uint32_t id); /* the rest, once the links are up */
/* Run argv with stdin in_fd and stdout out_fd (-1: /dev/null): its exit status, or -errno */
int run_tool(const char *const *argv, int in_fd, int out_fd);
/* A raw image in a memfd (-1: no such image) and, if text is set, as a string. */
int image_to_memfd(int dfd, enum img_type type, uint32_t id, int *mfd, char **text);
/* An image read whole into *buf (malloc'ed, NULL when there is none), an iproute2 stream
 * made fit for a new namespace (ip_stream_fit: what it has already is left out). */
int ip_stream_read(int dfd, enum img_type type, uint32_t id, char **buf, size_t *len);
size_t ip_stream_fit(char *buf, size_t len);
/* ip-stream.c: addresses, routes and rules as iproute2 saves them, in the current network
 * namespace; restore: one image's, after the links (addresses) or once they are up. */
int ip_stream_dump(int dfd, uint32_t id);
int ip_stream_restore(int dfd, enum img_type type, uint32_t id);

/* netns.c: into the namespace of fd (whose: for the error) */
int netns_switch(int fd, const char *whose);
/* the links, sysctls, addresses, routes and rules of the current namespace, as id */
int netns_content_dump(int dfd, uint32_t id);
/* the tree root's namespace at dump (its id into *id), or -1 */
int netns_dump_root_fd(uint32_t *id);
bool netns_rst_is_root(uint32_t id);

/* others.c: the tree's namespaces besides its root's (netns.h) */
int others_dump_fd(pid_t pid, uint32_t id);
int others_dump_write(int dfd, bool empty, int root_fd);
int others_dump_lock_end(bool keep, int root_fd);
void others_dump_free(void);
/* The tree id of the namespace that the current one calls nsid: 1 (*id set), 0 or -errno */
int others_peer_id(int32_t nsid, uint32_t *id);
int others_rst_prepare(int dfd, const uint32_t *ids, size_t n, int criu_fd, bool empty);
int others_rst_fill(int dfd, int criu_fd, int (*fill)(int dfd, uint32_t id));
/* A veth's peer namespace: 1 if filled already (the veth exists), 0 (*fd: it), -ENOENT */
int netns_rst_peer_ns(uint32_t id, int *fd);
int others_rst_unlock(int root_pid, int criu_fd);
void others_rst_free(void);

/* conntrack.c: conntrack-ID.img, the namespace's TCP and UDP conntrack entries */
int conntrack_dump(int dfd, uint32_t id);
int conntrack_restore(int dfd, uint32_t id);

/* neigh.c: neigh-ID.img, the namespace's static neighbours (made once the links are up) */
int neigh_dump(int dfd, uint32_t id);
int neigh_restore(int dfd, uint32_t id);
/* fdb.c: a bridge's forwarding entries that a user added, in neigh-ID.img too */
struct rtnl_neigh;
struct nl_cache;
struct NeighEntry;
/* fdbs: the AF_BRIDGE list n is of */
bool fdb_is_saved(struct rtnl_neigh *n, struct nl_cache *links, struct nl_cache *fdbs);
void fdb_entry_fill(struct NeighEntry *e, struct rtnl_neigh *n);
struct rtnl_neigh *fdb_entry_to_neigh(const struct NeighEntry *e);
void fdb_describe(const struct NeighEntry *e, char *buf, size_t len);

/* tc-dump.c, tc-restore.c: tc-ID.img, the links' qdiscs, classes and filters (at most) */
#define TC_MAX_ENTRIES 4096
int tc_dump(int dfd, uint32_t id);
int tc_restore(int dfd, uint32_t id);

/* firewall.c: the nftables ruleset (iptables-nft's tables left to iptables-restore) */
/* which families have tables: iptables-nft keeps its rules in tables of ip and ip6 */
struct nft_families {
	bool ip, ip6;
};
int nft_dump(int dfd, uint32_t id, struct nft_families *fam);
int nft_restore(int dfd, uint32_t id);

#endif /* CRIU_NET_NS_INTERNAL_H */
