// SPDX-License-Identifier: GPL-2.0
/*
 * net/lock/nft.c - the lock through libnftables, with CRIU's table: "inet CRIU-<run id>"
 * with chains input and output (filter hooks, priority 0) that accept packets marked
 * 0xC114 and drop those whose saddr . sport . daddr . dport is in the set conns4 or conns6.
 * A connection is locked by adding its 4-tuple both ways; the lock is removed by deleting
 * the table. A kept table (the dump succeeded) gets an empty chain "kept": a table of ours
 * without it, whose criu is dead, was left by a killed dump and is swept by the next one.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "internal.h"
#include "log.h"

static struct nft_ctx *nft;

static struct nft_ctx *nft_get(void)
{
	if (nft)
		return nft;
	nft = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft) {
		pr_err("Can't create a libnftables context for the network lock\n");
		return NULL;
	}
	/* its messages come back to us, for the log, instead of going to stderr */
	if (nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		pr_err("Can't make libnftables buffer its messages\n");
		nft_lock_fini();
	}
	return nft;
}

void nft_lock_fini(void)
{
	if (nft)
		nft_ctx_free(nft);
	nft = NULL;
}

/* libnftables names the command that failed, e.g. "create table inet CRIU-..." */
void nft_failure_text(const char *nft_err, char *buf, size_t len)
{
	const char *hint = "";
	size_t n;

	if (!nft_err || !nft_err[0])
		nft_err = "no message from libnftables\n";
	if (strstr(nft_err, "Operation not supported") || strstr(nft_err, "Protocol not supported"))
		hint = "the kernel lacks nf_tables (CONFIG_NF_TABLES, CONFIG_NF_TABLES_INET, "
		       "CONFIG_NFT_SET_* for concatenated sets): load it, or use "
		       "--network-lock iptables or skip\n";
	else if (strstr(nft_err, "Operation not permitted"))
		hint = "the network lock needs CAP_NET_ADMIN in criu's network namespace\n";
	n = snprintf(buf, len, "nftables: %s%s", nft_err, hint);
	if (n < len && (n == 0 || buf[n - 1] != '\n'))
		snprintf(buf + n, len - n, "\n");
}

/* quiet_enoent: a missing object is -ENOENT, not logged; NFT_QUIET: no failure is logged */
#define NFT_QUIET 2

static int nft_run(const char *cmd, int quiet_enoent)
{
	struct nft_ctx *ctx = nft_get();
	const char *err;
	char text[2048];

	if (!ctx)
		return -ENOMEM;
	/* reading a buffer empties it: each command's messages are its own */
	nft_ctx_get_output_buffer(ctx);
	nft_ctx_get_error_buffer(ctx);
	if (!nft_run_cmd_from_buffer(ctx, cmd))
		return 0;
	err = nft_ctx_get_error_buffer(ctx);
	if (quiet_enoent && err && strstr(err, "No such file or directory"))
		return -ENOENT;
	if (quiet_enoent == NFT_QUIET)
		return -EIO;
	nft_failure_text(err, text, sizeof(text));
	pr_err("%s", text);
	return -EIO;
}

int nft_lock_begin(const char *table)
{
	char cmd[2048];
	int ret;

	/*
	 * Alone first, as CRIU runs it: it needs no cache, so where nf_tables is missing or
	 * refused the kernel's answer comes with this command, the words users know from CRIU.
	 */
	snprintf(cmd, sizeof(cmd), "create table inet %s", table);
	ret = nft_run(cmd, false);
	if (ret)
		return ret;
	snprintf(cmd, sizeof(cmd),
		 "add chain inet %1$s output { type filter hook output priority 0; }\n"
		 "add rule inet %1$s output meta mark " NETLOCK_PASS_MARK " accept\n"
		 "add chain inet %1$s input { type filter hook input priority 0; }\n"
		 "add rule inet %1$s input meta mark " NETLOCK_PASS_MARK " accept\n"
		 "add set inet %1$s conns4 { type ipv4_addr . inet_service . ipv4_addr . "
		 "inet_service; }\n"
		 "add rule inet %1$s output ip saddr . tcp sport . ip daddr . tcp dport @conns4 "
		 "drop\n"
		 "add rule inet %1$s input ip saddr . tcp sport . ip daddr . tcp dport @conns4 "
		 "drop\n"
		 "add set inet %1$s conns6 { type ipv6_addr . inet_service . ipv6_addr . "
		 "inet_service; }\n"
		 "add rule inet %1$s output ip6 saddr . tcp sport . ip6 daddr . tcp dport "
		 "@conns6 drop\n"
		 "add rule inet %1$s input ip6 saddr . tcp sport . ip6 daddr . tcp dport @conns6 "
		 "drop\n",
		 table);
	ret = nft_run(cmd, false);
	if (ret) {
		pr_err("Locking the network with nftables failed: table inet %s removed\n", table);
		nft_lock_remove(table);
	}
	return ret;
}

/* "a . 1 . b . 2, b . 2 . a . 1": packets in come from the peer, packets out go to it */
static int element_text(char *buf, size_t len, const struct netlock_tuple *t)
{
	int n;

	n = snprintf(buf, len, "%s . %u . %s . %u", t->peer, t->pport, t->local, t->lport);
	if (strcmp(t->local, t->peer) || t->lport != t->pport)
		n += snprintf(buf + n, len - n, ", %s . %u . %s . %u", t->local, t->lport, t->peer,
			      t->pport);
	return n;
}

/* "add element inet T connsN { ... }" for the connections of one family, or "" */
static size_t add_elements(char *buf, size_t len, const char *table, const struct netlock_tuple *t,
			   size_t nr, bool v6)
{
	size_t i, n = 0;
	bool first = true;

	for (i = 0; i < nr; i++) {
		if (t[i].v6 != v6)
			continue;
		if (first)
			n += snprintf(buf + n, len - n, "add element inet %s conns%c { ", table,
				      v6 ? '6' : '4');
		else
			n += snprintf(buf + n, len - n, ", ");
		n += element_text(buf + n, len - n, &t[i]);
		first = false;
	}
	if (!first)
		n += snprintf(buf + n, len - n, " }\n");
	return n;
}

int nft_lock_conns(const char *table, const struct netlock_tuple *t, size_t nr)
{
	/* two elements of two addresses, two ports and separators each, and the commands */
	size_t i, len = nr * 2 * (2 * INET6_ADDRSTRLEN + 32) + 2 * 128, n;
	char *cmd = malloc(len);
	int ret;

	if (!cmd) {
		pr_err("No memory to lock %zu connections\n", nr);
		return -ENOMEM;
	}
	n = add_elements(cmd, len, table, t, nr, false);
	add_elements(cmd + n, len - n, table, t, nr, true);
	ret = nft_run(cmd, false);
	free(cmd);
	for (i = 0; i < nr; i++) {
		if (ret)
			pr_err("Can't lock the connection %s:%u - %s:%u with nftables\n",
			       t[i].local, t[i].lport, t[i].peer, t[i].pport);
		else
			pr_debug("Locked %s:%u - %s:%u\n", t[i].local, t[i].lport, t[i].peer,
				 t[i].pport);
	}
	return ret;
}

int nft_lock_keep(const char *table)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "add chain inet %s kept", table);
	return nft_run(cmd, false);
}

int nft_lock_remove(const char *table)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "delete table inet %s", table);
	return nft_run(cmd, true);
}

/* The pid of the criu that made a table "CRIU-<pid>-<12 hex digits>" of ours, or 0. */
static int table_owner(const char *name)
{
	const char *p = name + strlen("CRIU-");
	char *end;
	long pid;
	int i;

	if (strncmp(name, "CRIU-", 5) || !isdigit(*p))
		return 0;
	pid = strtol(p, &end, 10);
	if (*end != '-' || pid <= 0 || pid > 1 << 22)
		return 0;
	for (i = 1; i <= 12; i++)
		if (!isxdigit(end[i]) || isupper(end[i]))
			return 0;
	return end[13] ? 0 : pid;
}

static bool criu_alive(int pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	if (pid == getpid())
		return true;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	return !strncmp(comm, "criu", 4);
}

static void sweep_one(const char *table)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "list chain inet %s kept", table);
	if (nft_run(cmd, true) != -ENOENT)
		return; /* kept for a restore, or unreadable: not ours to judge */
	snprintf(cmd, sizeof(cmd), "delete table inet %s", table);
	if (!nft_run(cmd, NFT_QUIET))
		pr_warn("Network lock: removed table inet %s, left by criu %d that died while "
			"dumping\n",
			table, table_owner(table));
}

void nft_sweep_stale(void)
{
	char *list, *line, *save, name[NETLOCK_TABLE_LEN];
	const char *out;

	/* nothing here may fail a dump that needs no lock at all: quiet */
	if (nft_run("list tables inet", NFT_QUIET))
		return;
	out = nft_ctx_get_output_buffer(nft);
	list = out ? strdup(out) : NULL;
	if (!list)
		return;
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int pid;

		if (sscanf(line, "table inet %63s", name) != 1)
			continue;
		pid = table_owner(name);
		if (pid && !criu_alive(pid))
			sweep_one(name);
	}
	free(list);
}

const char *netlock_probe_nftables(void)
{
	char cmd[256];
	const char *why = NULL;

	/* what the lock needs: an inet table with a set of concatenated keys */
	snprintf(cmd, sizeof(cmd), "create table inet CRIU-probe-%d", getpid());
	if (nft_run(cmd, NFT_QUIET))
		why = "Nftables based locking requires libnftables and set concatenations support";
	snprintf(cmd, sizeof(cmd),
		 "add set inet CRIU-probe-%d conns4 { type ipv4_addr . inet_service . ipv4_addr . "
		 "inet_service; }",
		 getpid());
	if (!why && nft_run(cmd, NFT_QUIET))
		why = "Nftables based locking requires libnftables and set concatenations support";
	snprintf(cmd, sizeof(cmd), "delete table inet CRIU-probe-%d", getpid());
	nft_run(cmd, NFT_QUIET);
	nft_lock_fini();
	return why;
}
