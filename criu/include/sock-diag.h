/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sock-diag.h - one way to ask the kernel's sock_diag (NETLINK_SOCK_DIAG) about sockets,
 * built on libnl-3. The caller builds the family's request (unix_diag_req,
 * inet_diag_req_v2, ...); each reply message goes to its callback. A request for one socket
 * gets one reply; a dump (NLM_F_DUMP) gets one message per socket.
 * May call: libnl-3, log.h.
 */
#ifndef CRIU_SOCK_DIAG_H
#define CRIU_SOCK_DIAG_H

#include <linux/netlink.h>
#include <stddef.h>

/* Called once per reply message; returns 0 to go on, -errno to stop with that error. */
typedef int (*sock_diag_cb)(const struct nlmsghdr *h, void *arg);

/*
 * Send req (len bytes, the family's request after the netlink header) with flags
 * (NLM_F_DUMP or 0), pass every reply to cb. Returns 0, the kernel's -errno (e.g. -ENOENT
 * for a socket it does not know), or cb's error. Logs only failures of the channel itself.
 */
int sock_diag_query(const void *req, size_t len, int flags, sock_diag_cb cb, void *arg);

#endif /* CRIU_SOCK_DIAG_H */
