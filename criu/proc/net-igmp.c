// SPDX-License-Identifier: GPL-2.0
/*
 * proc/net-igmp.c - the multicast groups each interface of a network namespace is in:
 * /proc/PID/net/igmp (IPv4) and igmp6 (IPv6). Every group a socket joined is there, on the
 * interface it joined it on; which socket joined it the files don't say (the socket itself
 * does, asked for each group: net/inet/mcast.c).
 *   igmp:  "IDX\tDEV : COUNT QUERIER" for an interface, then one "\t\t\t\tGROUP USERS ..."
 *          per group: GROUP the address's 32 bits as the host reads them, in 8 hex digits;
 *   igmp6: "IDX DEV GROUP USERS FLAGS TIMER": GROUP the 16 bytes in 32 hex digits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "proc-net.h"
#include "proc-parse.h"

static int add_group(struct proc_mc_group **v, size_t *nr, int family, uint32_t ifindex,
		     const uint8_t *addr)
{
	struct proc_mc_group *g;

	if (ARRAY_ADD_ROOM(*v, *nr))
		return -ENOMEM;
	g = &(*v)[(*nr)++];
	memset(g, 0, sizeof(*g));
	g->family = family;
	g->ifindex = ifindex;
	memcpy(g->addr, addr, family == AF_INET ? 4 : 16);
	return 0;
}

/* A word (the next token, up to a blank or the end of the line) into buf. */
static int get_word(const char **s, char *buf, size_t size)
{
	size_t n = 0;

	*s = proc_skip_blanks(*s);
	while ((*s)[n] && (*s)[n] != '\n' && (*s)[n] != ' ' && (*s)[n] != '\t') {
		if (n + 1 >= size)
			return -EINVAL;
		buf[n] = (*s)[n];
		n++;
	}
	buf[n] = 0;
	*s += n;
	return n ? 0 : -EINVAL;
}

static int parse_igmp_line(const char *s, uint32_t *ifindex, struct proc_mc_group **v, size_t *nr)
{
	uint32_t group;

	if (*s != '\t' && *s != ' ')
		return proc_get_u32(&s, 10, ifindex); /* an interface: its groups follow */
	s = proc_skip_blanks(s);
	if (!*ifindex || proc_get_u32(&s, 16, &group))
		return -EINVAL;
	/* the kernel prints the address's 32 bits as the host holds them */
	return add_group(v, nr, AF_INET, *ifindex, (const uint8_t *)&group);
}

int parse_net_igmp_buf(const char *buf, const char *name, struct proc_mc_group **v, size_t *nr)
{
	const char *pos = buf;
	struct proc_line l;
	uint32_t ifindex = 0;
	proc_next_line(&pos, &l); /* the header */
	while (proc_next_line(&pos, &l)) {
		if (!l.complete || parse_igmp_line(l.s, &ifindex, v, nr)) {
			pr_err("%s: can't parse the line \"%.*s\"\n", name, (int)l.len, l.s);
			return -EINVAL;
		}
	}
	return 0;
}

static int parse_igmp6_line(const char *s, struct proc_mc_group **v, size_t *nr)
{
	char dev[64], hex[40];
	uint8_t addr[16];
	uint32_t ifindex;
	int i, hi, lo;

	if (proc_get_u32(&s, 10, &ifindex) || get_word(&s, dev, sizeof(dev)) ||
	    get_word(&s, hex, sizeof(hex)) || strlen(hex) != 32)
		return -EINVAL;
	for (i = 0; i < 16; i++) {
		hi = proc_hex_digit(hex[2 * i]);
		lo = proc_hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		addr[i] = hi << 4 | lo;
	}
	return add_group(v, nr, AF_INET6, ifindex, addr);
}

int parse_net_igmp6_buf(const char *buf, const char *name, struct proc_mc_group **v, size_t *nr)
{
	const char *pos = buf;
	struct proc_line l;

	while (proc_next_line(&pos, &l)) {
		if (!l.complete || parse_igmp6_line(l.s, v, nr)) {
			pr_err("%s: can't parse the line \"%.*s\"\n", name, (int)l.len, l.s);
			return -EINVAL;
		}
	}
	return 0;
}

int proc_net_mc_groups(pid_t pid, struct proc_mc_group **v, size_t *nr)
{
	char path[64], *buf;
	int ret, err;

	*v = NULL;
	*nr = 0;
	snprintf(path, sizeof(path), "/proc/%d/net/igmp", pid);
	buf = read_proc_file_quiet(path, &err);
	/* a kernel without IPv4 multicast (or IPv6) has no file: no group either */
	if (!buf && err != -ENOENT) {
		pr_err("Can't read %s: %s\n", path, strerror(-err));
		return err;
	}
	ret = buf ? parse_net_igmp_buf(buf, path, v, nr) : 0;
	free(buf);
	snprintf(path, sizeof(path), "/proc/%d/net/igmp6", pid);
	buf = ret ? NULL : read_proc_file_quiet(path, &err);
	if (!ret && !buf && err != -ENOENT) {
		pr_err("Can't read %s: %s\n", path, strerror(-err));
		ret = err;
	}
	if (buf)
		ret = parse_net_igmp6_buf(buf, path, v, nr);
	free(buf);
	if (ret) {
		free(*v);
		*v = NULL;
		*nr = 0;
	}
	return ret;
}
