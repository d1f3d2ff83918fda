/* SPDX-License-Identifier: GPL-2.0 */
/*
 * packet-ring.h - a program's mapping of a packet socket's rings (PACKET_RX_RING/TX_RING),
 * for mem/vma-dump.c; the rest is net/packet/ring.c's.
 */
#ifndef CRIU_PACKET_RING_H
#define CRIU_PACKET_RING_H

#include <sys/stat.h>

#include "vma.pb-c.h"

struct dump_ctx;

/*
 * v maps the socket st of some fd of the tree (what names it for messages): v becomes
 * CRIU's VMA_AREA_SOCKET mapping of that socket's file id; 0, or a refusal (logged).
 */
int packet_ring_vma(struct dump_ctx *dc, const char *what, const struct stat *st, VmaEntry *v);

#endif /* CRIU_PACKET_RING_H */
