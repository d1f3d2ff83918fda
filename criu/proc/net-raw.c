// SPDX-License-Identifier: GPL-2.0
/*
 * proc/net-raw.c - /proc/PID/net/raw and raw6, one line per raw socket (icmp and icmp6,
 * of ping sockets, are written the same way, the port being the ICMP echo identifier):
 *   sl  local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
 * An address is its 32-bit words as the host reads them, each in 8 hex digits (4 words for
 * IPv6), then ':' and the port (the protocol) in hex.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"
#include "log.h"
#include "proc-net.h"
#include "proc-parse.h"

/* words 32-bit words of 8 hex digits each, stored as the kernel holds them. */
static int get_addr(const char **s, size_t words, uint8_t *out)
{
	size_t w, i;

	for (w = 0; w < words; w++) {
		uint32_t v = 0;

		for (i = 0; i < 8; i++) {
			int d = proc_hex_digit((*s)[i]);

			if (d < 0)
				return -EINVAL;
			v = v << 4 | d;
		}
		memcpy(out + 4 * w, &v, 4);
		*s += 8;
	}
	return 0;
}

static int parse_line(const char *s, size_t words, struct proc_raw_sk *r, uint32_t *ino)
{
	uint32_t skip, port, state;
	int ret;

	ret = proc_get_u32(&s, 10, &skip);
	if (ret || *s++ != ':')
		return -EINVAL;
	s = proc_skip_blanks(s);
	ret = get_addr(&s, words, r->src);
	if (ret || *s++ != ':' || proc_get_u32(&s, 16, &port))
		return -EINVAL;
	r->proto = port;
	s = proc_skip_blanks(s);
	ret = get_addr(&s, words, r->dst);
	if (ret || *s++ != ':' || proc_get_u32(&s, 16, &port) || proc_get_u32(&s, 16, &state))
		return -EINVAL;
	r->dport = port;
	r->state = state;
	if (proc_get_u32(&s, 16, &r->txq) || *s++ != ':' || proc_get_u32(&s, 16, &r->rxq))
		return -EINVAL;
	/* tr:tm->when retrnsmt uid timeout */
	if (proc_get_u32(&s, 16, &skip) || *s++ != ':' || proc_get_u32(&s, 16, &skip) ||
	    proc_get_u32(&s, 16, &skip) || proc_get_u32(&s, 10, &skip) ||
	    proc_get_u32(&s, 10, &skip))
		return -EINVAL;
	return proc_get_u32(&s, 10, ino);
}

int parse_net_raw_buf(const char *buf, const char *name, int family, uint32_t ino,
		      struct proc_raw_sk *out)
{
	size_t words = family == AF_INET6 ? 4 : 1;
	const char *pos = buf;
	struct proc_line l;
	uint32_t got;

	proc_next_line(&pos, &l); /* the header */
	while (proc_next_line(&pos, &l)) {
		struct proc_raw_sk r = {};

		if (!l.complete || parse_line(l.s, words, &r, &got)) {
			pr_err("%s: can't parse the line \"%.*s\"\n", name, (int)l.len, l.s);
			return -EINVAL;
		}
		if (got == ino) {
			*out = r;
			return 0;
		}
	}
	return -ENOENT;
}

static int net_file_find(pid_t pid, const char *file, int family, uint32_t ino,
			 struct proc_raw_sk *out)
{
	char path[64], *buf;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, file);
	buf = read_proc_file(path, &len);
	if (!buf)
		return -EIO;
	ret = parse_net_raw_buf(buf, path, family, ino, out);
	free(buf);
	return ret;
}

int proc_net_raw_find(pid_t pid, int family, uint32_t ino, struct proc_raw_sk *out)
{
	return net_file_find(pid, family == AF_INET6 ? "raw6" : "raw", family, ino, out);
}

int proc_net_ping_find(pid_t pid, int family, uint32_t ino, struct proc_raw_sk *out)
{
	return net_file_find(pid, family == AF_INET6 ? "icmp6" : "icmp", family, ino, out);
}
