/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-net.h - the parser of /proc/PID/net/raw and raw6 (proc/net-raw.c): what the kernel
 * tells of a raw socket, which inet_diag reads only with raw_diag (often not built), and of
 * a ping socket, which inet_diag does not read at all (icmp and icmp6, the same format);
 * and of /proc/PID/net/igmp and igmp6 (proc/net-igmp.c): the multicast groups joined.
 */
#ifndef CRIU_PROC_NET_H
#define CRIU_PROC_NET_H

#include <stdint.h>
#include <sys/types.h>

struct proc_raw_sk {
	uint8_t src[16], dst[16]; /* network order; 4 bytes used for AF_INET */
	uint16_t proto;		  /* the "port": the raw socket's protocol (ping: identifier) */
	uint16_t dport;		  /* the peer's "port" (0 but for UDP-like files) */
	uint8_t state;		  /* TCP_ numbering: ESTABLISHED once connected, else CLOSE */
	uint32_t txq, rxq;
};

/* The same, in the text buf of that file (name for messages); -EINVAL on a bad line. */
int parse_net_raw_buf(const char *buf, const char *name, int family, uint32_t ino,
		      struct proc_raw_sk *out);
/* socket:[ino] among the raw sockets of pid's network namespace: 0, -ENOENT or -errno. */
int proc_net_raw_find(pid_t pid, int family, uint32_t ino, struct proc_raw_sk *out);
/* The same among the ping sockets (/proc/PID/net/icmp and icmp6). */
int proc_net_ping_find(pid_t pid, int family, uint32_t ino, struct proc_raw_sk *out);

/* A multicast group an interface is in (proc/net-igmp.c). */
struct proc_mc_group {
	int family; /* AF_INET or AF_INET6 */
	uint32_t ifindex;
	uint8_t addr[16]; /* network order; 4 bytes used for AF_INET */
};

/* The groups of /proc/PID/net/igmp and igmp6 text, appended to *v (*nr of them): 0 or
 * -errno (-EINVAL on a bad line). */
int parse_net_igmp_buf(const char *buf, const char *name, struct proc_mc_group **v, size_t *nr);
int parse_net_igmp6_buf(const char *buf, const char *name, struct proc_mc_group **v, size_t *nr);
/* Every group of pid's network namespace, both families, in a malloc'ed array. */
int proc_net_mc_groups(pid_t pid, struct proc_mc_group **v, size_t *nr);

#endif /* CRIU_PROC_NET_H */
