/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network lock: while a tree is frozen, and from the dump until the restored tree runs,
 * no packet may reach its TCP connections, or the peer would get a reset. The socket code
 * names each connection; the lock code decides how it is blocked (--network-lock).
 *
 * As CRIU does for a tree that shares criu's network namespace (the only kind criu dumps),
 * each connection is locked on its own: nftables adds its 4-tuple, both ways, to the sets
 * of a table of this run ("inet CRIU-<run id>", the run id saved in inventory.img), whose
 * rules drop matching packets in and out; iptables inserts two DROP rules per connection
 * into INPUT and OUTPUT. Packets marked 0xC114 (sent by sockets in repair mode) pass.
 * One lock per criu process; the calls below are made in this order, each at most once
 * except netlock_lock_conn(s)() and netlock_restore_conn(). netlock_dump_begin() is idempotent.
 */
#ifndef CRIU_NET_LOCK_H
#define CRIU_NET_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netlock_conn {
	int family;	 /* AF_INET or AF_INET6 (an IPv4-mapped address stays AF_INET6) */
	uint8_t src[16]; /* local address, network order; 4 bytes used for AF_INET */
	uint8_t dst[16]; /* peer address */
	uint16_t sport;	 /* local port, host order */
	uint16_t dport;	 /* peer port, host order */
};

/* CRIU's numbers, as inventory.img's network_lock_method holds them */
enum netlock_method {
	NETLOCK_IPTABLES = 0,
	NETLOCK_NFTABLES = 1,
	NETLOCK_SKIP = 2,
};

/* "iptables", "nftables", "skip" (or CRIU's alias "none"): 0, or -EINVAL */
int netlock_method_parse(const char *name, enum netlock_method *m);
const char *netlock_method_name(enum netlock_method m);

/* Dump: before the tree is seized: the method, and this run's id (for inventory.img). */
int netlock_dump_prepare(enum netlock_method m);
enum netlock_method netlock_method(void);
const char *netlock_run_id(void);
/* Dump: called once before the first connection is locked; root_pid names the lock. */
int netlock_dump_begin(int root_pid);
/* Dump: block one connection before its socket goes to repair mode. */
int netlock_lock_conn(const struct netlock_conn *conn);
/* The same for many at once: one nftables transaction, one iptables-restore per family. */
int netlock_lock_conns(const struct netlock_conn *conns, size_t nr);
/*
 * Dump end, before the tasks run again or die: keep (the dump succeeded and the tasks do not
 * run on: killed, or left stopped as CRIU keeps it then) leaves the lock for the restore;
 * otherwise (tasks left running, or a failed dump) the lock is removed.
 */
int netlock_dump_end(bool keep);
/*
 * A tree in several network namespaces is locked in each (netlock_dump_begin() in each makes
 * its table): the part of netlock_dump_end() for criu's current namespace, called in each
 * of the others first; netlock_dump_end() then does the last one and forgets the lock.
 */
#define NETLOCK_MAX_NS 16
int netlock_dump_end_here(bool keep);

/*
 * Restore: what inventory.img says of the lock (method: CRIU's images without it were
 * locked with iptables; run_id NULL: CRIU's older images, whose table is named after the
 * root pid). Before any connection is named.
 */
int netlock_restore_prepare(bool has_method, uint32_t method, const char *run_id);
/* Restore: a connection of the images (iptables removes its rules one by one). */
int netlock_restore_conn(const struct netlock_conn *conn);
/*
 * Restore: the lock the dump left is removed once the tree is rebuilt, before it runs, and
 * on every failure after netlock_restore_prepare(). A lock already gone is no error.
 */
int netlock_restore_unlock(int root_pid);
/* The same in criu's current namespace only, the lock kept for the others */
int netlock_restore_unlock_here(int root_pid);

/* criu moved to another network namespace: what talks to the old one is made anew. */
void netlock_netns_changed(void);

/* criu check --feature network_lock_nftables: NULL, or why nftables can't lock here */
const char *netlock_probe_nftables(void);

/*
 * Until the socket code locks connections itself: CRIU_TEST_NETLOCK_CONNS="L,LPORT,P,PPORT
 * [;...]" (addresses as inet_pton reads them) makes dump lock them after the seize and
 * restore name them, so that tests can watch the lock work on connections they hold.
 */
int netlock_test_hook_dump(int root_pid);
int netlock_test_hook_restore(void);

#endif
