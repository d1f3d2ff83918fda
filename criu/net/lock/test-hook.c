// SPDX-License-Identifier: GPL-2.0
/*
 * net/lock/test-hook.c - CRIU_TEST_NETLOCK_CONNS: connections a test holds, locked by a
 * dump and named to a restore as the socket code will do with the tree's own, so that the
 * lock can be watched at work (test/others/netlock.py) before criu dumps TCP sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "internal.h"
#include "log.h"

#define HOOK_ENV "CRIU_TEST_NETLOCK_CONNS"

static int parse_addr(const char *s, struct netlock_conn *c, uint8_t *addr)
{
	if (inet_pton(AF_INET6, s, addr) == 1) {
		c->family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, s, addr) == 1) {
		c->family = AF_INET;
		return 0;
	}
	return -EINVAL;
}

/* "LOCAL,LPORT,PEER,PPORT" */
static int parse_conn(char *s, struct netlock_conn *c)
{
	char *f[4], *save = NULL;
	int i, fam;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < 4; i++) {
		f[i] = strtok_r(i ? NULL : s, ",", &save);
		if (!f[i])
			return -EINVAL;
	}
	if (parse_addr(f[2], c, c->dst))
		return -EINVAL;
	fam = c->family;
	if (parse_addr(f[0], c, c->src) || c->family != fam)
		return -EINVAL;
	c->sport = atoi(f[1]);
	c->dport = atoi(f[3]);
	return 0;
}

/* The connections the environment names; *nr is 0 without any. */
static int hook_conns(struct netlock_conn **conns, size_t *nr)
{
	const char *env = getenv(HOOK_ENV);
	char *list, *item, *save = NULL;
	int ret = 0;

	*conns = NULL;
	*nr = 0;
	if (!env || !env[0])
		return 0;
	list = strdup(env);
	if (!list)
		return -ENOMEM;
	for (item = strtok_r(list, ";", &save); !ret && item; item = strtok_r(NULL, ";", &save)) {
		ret = ARRAY_ADD_ROOM(*conns, *nr);
		if (!ret)
			ret = parse_conn(item, &(*conns)[*nr]);
		if (ret)
			pr_err(HOOK_ENV ": can't read a connection (LOCAL,LPORT,PEER,PPORT)\n");
		else
			(*nr)++;
	}
	free(list);
	return ret;
}

/* the first alone, the others at once: both ways the socket code may lock */
int netlock_test_hook_dump(int root_pid)
{
	struct netlock_conn *c;
	size_t nr;
	int ret;

	ret = hook_conns(&c, &nr);
	if (!ret && nr) {
		pr_info(HOOK_ENV ": locking %zu connections\n", nr);
		ret = netlock_dump_begin(root_pid) ?: netlock_lock_conn(&c[0]);
		ret = ret ?: netlock_lock_conns(c + 1, nr - 1);
	}
	free(c);
	return ret;
}

int netlock_test_hook_restore(void)
{
	struct netlock_conn *c;
	size_t i, nr;
	int ret;

	ret = hook_conns(&c, &nr);
	for (i = 0; !ret && i < nr; i++)
		ret = netlock_restore_conn(&c[i]);
	free(c);
	return ret;
}
