/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/lock/internal.h - what the lock's front (lock.c) shares with its two methods
 * (nft.c: libnftables; ipt.c: iptables-restore). Private to net/lock/.
 */
#ifndef CRIU_NET_LOCK_INTERNAL_H
#define CRIU_NET_LOCK_INTERNAL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "net-lock.h"

/* The mark of packets sent by sockets in repair mode (CRIU's SOCCR_MARK): they pass. */
#define NETLOCK_PASS_MARK "0xC114"

/* "CRIU-" and a run id of ours (pid-12 hex digits) fit the 32 bytes CRIU gives a name. */
#define NETLOCK_TABLE_LEN 64

/* A connection as the rules see it: v4 (mapped addresses unmapped) or v6, text addresses. */
struct netlock_tuple {
	bool v6;
	char local[INET6_ADDRSTRLEN];
	char peer[INET6_ADDRSTRLEN];
	unsigned int lport, pport;
	unsigned long ns; /* the inode of its network namespace (0 at restore: any) */
};

/* 0, or -EINVAL (bad family or address) */
int netlock_tuple_of(const struct netlock_conn *c, struct netlock_tuple *t);

/* nft.c: the table "inet <table>" of this run */
int nft_lock_begin(const char *table);
/* one transaction for all of them */
int nft_lock_conns(const char *table, const struct netlock_tuple *t, size_t nr);
int nft_lock_keep(const char *table);
/* delete the table: 0, -ENOENT (not there, nothing logged) or -EIO (logged) */
int nft_lock_remove(const char *table);
/* tables of dumps whose criu died before the end (killed): removed, each named */
void nft_sweep_stale(void);
void nft_lock_fini(void);
/*
 * The words logged when a command fails: libnftables' error text, which names the command
 * ("create table inet CRIU-..."), and what to do where a cause is known (unit-tested).
 */
void nft_failure_text(const char *nft_err, char *buf, size_t len);

/* ipt.c: CRIU's two DROP rules per connection (INPUT and OUTPUT) */
int ipt_lock_conns(const struct netlock_tuple *t, size_t nr);
/* remove the rules of these connections; missing_ok: rules already gone are no error */
int ipt_unlock_conns(const struct netlock_tuple *t, size_t nr, bool missing_ok);

#endif
