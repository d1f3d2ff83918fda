/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The network lock: while a tree is frozen, and from the dump until the restored tree runs,
 * no packet may reach its TCP connections, or the peer would get a reset. The socket code
 * names each connection; the lock code decides how it is blocked (--network-lock).
 */
#ifndef CRIU_NET_LOCK_H
#define CRIU_NET_LOCK_H

#include <stdbool.h>
#include <stdint.h>

struct netlock_conn {
	int family;	 /* AF_INET or AF_INET6 (an IPv4-mapped address stays AF_INET6) */
	uint8_t src[16]; /* local address, network order; 4 bytes used for AF_INET */
	uint8_t dst[16]; /* peer address */
	uint16_t sport;	 /* local port, host order */
	uint16_t dport;	 /* peer port, host order */
};

/* Dump: called once before the first connection is locked; root_pid names the lock. */
int netlock_dump_begin(int root_pid);
/* Dump: block one connection before its socket goes to repair mode. */
int netlock_lock_conn(const struct netlock_conn *conn);
/*
 * Dump end: ok and the tasks were killed keeps the lock for the restore; otherwise (tasks
 * left running, or a failed dump) the lock is removed.
 */
int netlock_dump_end(bool keep);
/* Restore: the lock the dump left (or one set up again) is removed once the tree runs. */
int netlock_restore_unlock(int root_pid);

#endif
