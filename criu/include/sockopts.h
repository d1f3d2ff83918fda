/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sockopts.h - the socket-level options (SOL_SOCKET) every kind of socket saves in CRIU's
 * SkOptsEntry: buffer sizes and their locks, timeouts, reuse flags, keepalive, priority,
 * low-water mark, mark, bound device, credentials passing, broadcast, out-of-band inline,
 * linger, and an attached classic BPF filter.
 * Dump reads them from a socket criu holds (the task's own open file); restore sets only
 * those that differ from what a new socket has. What can't be saved (an eBPF filter, a
 * locked filter) is refused, naming the socket.
 * May call: log.h.
 */
#ifndef CRIU_SOCKOPTS_H
#define CRIU_SOCKOPTS_H

#include <stdint.h>

#include "sk-opts.pb-c.h"

/* Fill o (initialised by the caller; its strings and arrays are malloc'ed) from sk. */
int sk_opts_dump(int sk, SkOptsEntry *o, uint32_t ino);
/* What must be set before bind(): reuse flags, the bound device. */
int sk_opts_restore_bind(int sk, const SkOptsEntry *o, uint32_t ino);
/* Everything else (and the above again, which costs nothing when already set). */
int sk_opts_restore(int sk, const SkOptsEntry *o, uint32_t ino);

/* An int option of sk into *v (0 when it fails): 0 or -errno. */
int sk_opt_int(int sk, int level, int opt, int *v);
struct fd_parms;
/* The family (SO_DOMAIN) of the task's socket fd p, 0 if it is none or can't be read. */
int task_sk_family(const struct fd_parms *p);

#endif /* CRIU_SOCKOPTS_H */
