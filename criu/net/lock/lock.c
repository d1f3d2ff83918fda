// SPDX-License-Identifier: GPL-2.0
/*
 * net/lock/lock.c - the network lock's front: the method, this run's id and table name, the
 * connections locked so far (iptables removes its rules one by one), and the timing of
 * set-up and removal (logged; make bench reads them). nft.c and ipt.c do the locking.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "internal.h"
#include "log.h"

enum netlock_phase { NL_IDLE, NL_DUMP_READY, NL_DUMP_LOCKED, NL_RESTORE };

static struct {
	enum netlock_phase phase;
	enum netlock_method method;
	char run_id[48];
	char table[NETLOCK_TABLE_LEN];
	char table_alt[NETLOCK_TABLE_LEN]; /* restore: CRIU's name cut to 32 bytes, if other */
	bool run_id_known;		   /* restore: inventory.img has one */
	struct netlock_tuple *conns;	   /* iptables: what to unlock */
	size_t nr_conns;
	unsigned long nft_ns[NETLOCK_MAX_NS]; /* nftables: the namespaces holding the table */
	size_t nr_nft_ns;
} nl = { .method = NETLOCK_IPTABLES };

static const char *const method_names[] = {
	[NETLOCK_IPTABLES] = "iptables",
	[NETLOCK_NFTABLES] = "nftables",
	[NETLOCK_SKIP] = "skip",
};

int netlock_method_parse(const char *name, enum netlock_method *m)
{
	unsigned int i;

	for (i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
		if (!strcmp(name, method_names[i])) {
			*m = i;
			return 0;
		}
	}
	if (!strcmp(name, "none")) {
		*m = NETLOCK_SKIP;
		return 0;
	}
	return -EINVAL;
}

const char *netlock_method_name(enum netlock_method m)
{
	return (unsigned int)m < sizeof(method_names) / sizeof(method_names[0]) ? method_names[m]
										: "unknown";
}

enum netlock_method netlock_method(void)
{
	return nl.method;
}

const char *netlock_run_id(void)
{
	return nl.run_id;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

static int unmapped_v4(const uint8_t *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a, prefix, sizeof(prefix));
}

int netlock_tuple_of(const struct netlock_conn *c, struct netlock_tuple *t)
{
	int family = c->family;
	const uint8_t *src = c->src, *dst = c->dst;

	/* a v6 socket talking to a v4 peer sends v4 packets: lock those, as CRIU does */
	if (family == AF_INET6 && unmapped_v4(src) && unmapped_v4(dst)) {
		family = AF_INET;
		src += 12;
		dst += 12;
	}
	if (family != AF_INET && family != AF_INET6) {
		pr_err("Can't lock a connection of address family %d: only IPv4 and IPv6\n",
		       c->family);
		return -EINVAL;
	}
	t->v6 = family == AF_INET6;
	if (!inet_ntop(family, src, t->local, sizeof(t->local)) ||
	    !inet_ntop(family, dst, t->peer, sizeof(t->peer))) {
		pr_perror("Can't print the addresses of a connection to lock");
		return -EINVAL;
	}
	t->lport = c->sport;
	t->pport = c->dport;
	t->ns = 0; /* any namespace: the dump sets the one it locked it in */
	return 0;
}

/* <criu pid>-<12 hex digits>: unique, short enough for CRIU's name buffer, and it says
 * which criu made the table, so that a table of a criu that died can be found (nft.c). */
static int make_run_id(void)
{
	uint8_t rnd[6];
	size_t i;
	int n;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		pr_perror("Can't get random bytes for the network lock's run id");
		return -EIO;
	}
	n = snprintf(nl.run_id, sizeof(nl.run_id), "%d-", getpid());
	for (i = 0; i < sizeof(rnd); i++)
		n += snprintf(nl.run_id + n, sizeof(nl.run_id) - n, "%02x", rnd[i]);
	return 0;
}

int netlock_dump_prepare(enum netlock_method m)
{
	if (make_run_id())
		return -EIO;
	nl.method = m;
	snprintf(nl.table, sizeof(nl.table), "CRIU-%s", nl.run_id);
	nl.phase = NL_DUMP_READY;
	pr_info("Network lock: %s, run id %s\n", netlock_method_name(m), nl.run_id);
	/* a table of a dump whose criu was killed would block its tree's connections */
	if (m == NETLOCK_NFTABLES)
		nft_sweep_stale();
	return 0;
}

/* The inode of criu's current network namespace, or 0 */
static unsigned long current_ns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (unsigned long)st.st_ino;
}

/* Has this namespace the table yet? A tree may span several (each gets one). */
static bool nft_ns_locked(unsigned long ns)
{
	size_t i;

	for (i = 0; i < nl.nr_nft_ns; i++)
		if (nl.nft_ns[i] == ns)
			return true;
	return false;
}

int netlock_dump_begin(int root_pid)
{
	uint64_t start = now_us();
	unsigned long ns = current_ns();
	int ret;

	if (nl.phase == NL_DUMP_LOCKED && (nl.method != NETLOCK_NFTABLES || nft_ns_locked(ns)))
		return 0;
	if (nl.phase != NL_DUMP_LOCKED && nl.phase != NL_DUMP_READY &&
	    netlock_dump_prepare(nl.method))
		return -EIO;
	if (nl.method != NETLOCK_NFTABLES) {
		nl.phase = NL_DUMP_LOCKED;
		return 0;
	}
	if (nl.nr_nft_ns == NETLOCK_MAX_NS) {
		pr_err("Network lock: the tree has more than %d network namespaces\n",
		       NETLOCK_MAX_NS);
		return -E2BIG;
	}
	ret = nft_lock_begin(nl.table);
	if (ret) {
		if (!nl.nr_nft_ns)
			nl.phase = NL_DUMP_READY; /* nothing is left to remove */
		return ret;
	}
	nl.phase = NL_DUMP_LOCKED;
	nl.nft_ns[nl.nr_nft_ns++] = ns;
	pr_info("Network lock: table inet %s of tree %d set up in %llu us\n", nl.table, root_pid,
		(unsigned long long)(now_us() - start));
	return 0;
}

static int remember_conns(const struct netlock_tuple *t, size_t nr)
{
	if (ARRAY_RESERVE(nl.conns, nl.nr_conns, nr)) {
		pr_err("No memory to remember %zu locked connections\n", nr);
		return -ENOMEM;
	}
	memcpy(nl.conns + nl.nr_conns, t, nr * sizeof(*t));
	nl.nr_conns += nr;
	return 0;
}

static int lock_tuples(const struct netlock_tuple *t, size_t nr)
{
	int ret;

	if (nl.method == NETLOCK_NFTABLES)
		return nft_lock_conns(nl.table, t, nr);
	ret = ipt_lock_conns(t, nr);
	if (!ret)
		ret = remember_conns(t, nr);
	if (ret == -ENOMEM)
		ipt_unlock_conns(t, nr, false);
	return ret;
}

int netlock_lock_conns(const struct netlock_conn *conns, size_t nr)
{
	struct netlock_tuple *t;
	size_t i;
	int ret = 0;

	if (nl.phase != NL_DUMP_LOCKED) {
		pr_err("A connection is locked before netlock_dump_begin()\n");
		return -EINVAL;
	}
	if (!nr)
		return 0;
	t = malloc(nr * sizeof(*t));
	if (!t) {
		pr_err("No memory to lock %zu connections\n", nr);
		return -ENOMEM;
	}
	for (i = 0; !ret && i < nr; i++) {
		ret = netlock_tuple_of(&conns[i], &t[i]);
		t[i].ns = current_ns();
	}
	if (!ret && nl.method != NETLOCK_SKIP)
		ret = lock_tuples(t, nr);
	free(t);
	return ret;
}

int netlock_lock_conn(const struct netlock_conn *conn)
{
	return netlock_lock_conns(conn, 1);
}

static int remove_nft_table(bool missing_ok)
{
	int ret = nft_lock_remove(nl.table);

	if (ret == -ENOENT && nl.table_alt[0])
		ret = nft_lock_remove(nl.table_alt);
	if (ret != -ENOENT)
		return ret;
	if (missing_ok) {
		pr_info("Network lock: table inet %s is gone already\n", nl.table);
		return 0;
	}
	pr_err("Network lock: table inet %s vanished while criu held it: connections were not "
	       "locked; check what else manages nftables here\n",
	       nl.table);
	return ret;
}

/* The rules of the connections of criu's current namespace (all of them at restore) */
static int ipt_unlock_here(bool missing_ok)
{
	unsigned long ns = current_ns();
	struct netlock_tuple *t;
	size_t i, n = 0;
	int ret;

	if (!nl.nr_conns)
		return 0;
	t = malloc(nl.nr_conns * sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < nl.nr_conns; i++)
		if (!nl.conns[i].ns || nl.conns[i].ns == ns)
			t[n++] = nl.conns[i];
	ret = n ? ipt_unlock_conns(t, n, missing_ok) : 0;
	free(t);
	return ret;
}

static int remove_lock(bool missing_ok)
{
	uint64_t start = now_us();
	int ret = 0;

	switch (nl.method) {
	case NETLOCK_NFTABLES:
		ret = remove_nft_table(missing_ok);
		break;
	case NETLOCK_IPTABLES:
		ret = ipt_unlock_here(missing_ok);
		break;
	case NETLOCK_SKIP:
		return 0;
	}
	if (!ret)
		pr_info("Network lock (%s) removed in %llu us\n", netlock_method_name(nl.method),
			(unsigned long long)(now_us() - start));
	return ret;
}

static void forget_lock(void)
{
	free(nl.conns);
	nl.conns = NULL;
	nl.nr_conns = 0;
	nft_lock_fini();
	nl.nr_nft_ns = 0;
	nl.phase = NL_IDLE;
}

int netlock_dump_end_here(bool keep)
{
	bool nft = nl.method == NETLOCK_NFTABLES;

	if (nl.phase != NL_DUMP_LOCKED || (nft && !nft_ns_locked(current_ns())))
		return 0;
	if (!keep)
		return remove_lock(false);
	/* without its mark a later dump would take the table for a dead criu's and sweep it */
	if (nft && nft_lock_keep(nl.table))
		pr_warn("Network lock: table inet %s could not be marked kept; remove it with "
			"nft delete table if no restore does\n",
			nl.table);
	pr_info("Network lock (%s) kept for the restore\n", netlock_method_name(nl.method));
	return 0;
}

int netlock_dump_end(bool keep)
{
	int ret = netlock_dump_end_here(keep);

	forget_lock();
	return ret;
}

int netlock_restore_prepare(bool has_method, uint32_t method, const char *run_id)
{
	if (!has_method)
		method = NETLOCK_IPTABLES; /* CRIU's images from before the choice */
	if (method > NETLOCK_SKIP) {
		pr_err("inventory.img: unknown network lock method %u\n", method);
		return -EINVAL;
	}
	nl.method = method;
	nl.run_id_known = run_id && run_id[0];
	if (nl.run_id_known) {
		snprintf(nl.run_id, sizeof(nl.run_id), "%s", run_id);
		snprintf(nl.table, sizeof(nl.table), "CRIU-%s", run_id);
		/* CRIU prints "inet CRIU-<id>" into 32 bytes: a longer id is cut there */
		if (strlen(nl.table) > 26) {
			memcpy(nl.table_alt, nl.table, 26);
			nl.table_alt[26] = 0;
		}
	}
	nl.phase = NL_RESTORE;
	return 0;
}

int netlock_restore_conn(const struct netlock_conn *conn)
{
	struct netlock_tuple t;
	int ret;

	if (nl.phase != NL_RESTORE || nl.method != NETLOCK_IPTABLES)
		return 0;
	ret = netlock_tuple_of(conn, &t);
	return ret ?: remember_conns(&t, 1);
}

int netlock_restore_unlock_here(int root_pid)
{
	if (nl.phase != NL_RESTORE)
		return 0;
	if (!nl.run_id_known)
		snprintf(nl.table, sizeof(nl.table), "CRIU-%d", root_pid);
	return remove_lock(true);
}

int netlock_restore_unlock(int root_pid)
{
	int ret = netlock_restore_unlock_here(root_pid);

	if (nl.phase == NL_RESTORE)
		forget_lock();
	return ret;
}

void netlock_netns_changed(void)
{
	nft_lock_fini();
}
