/* SPDX-License-Identifier: GPL-2.0 */
/*
 * net/packet/internal.h - what the packet socket files share: net/packet/dump.c (the
 * handler and the dump), diag.c (packet_diag, read once per dump), extra.c (our image of
 * the options CRIU has no field for), ring*.c and restore.c. Not for
 * other modules: they see packet sockets through packet_handler. May call: log.h, files.h,
 * sock-diag.h, sockopts.h.
 */
#ifndef CRIU_NET_PACKET_INTERNAL_H
#define CRIU_NET_PACKET_INTERNAL_H

#include <linux/packet_diag.h>
#include <stdbool.h>
#include <stdint.h>

#include "fdinfo.pb-c.h"
#include "packet-extra.pb-c.h"
#include "packet-sock.pb-c.h"

struct files_dump_state;

#define PKT_MAX_MCLIST 64 /* memberships of one socket we take */

/* What packet_diag tells of one socket. */
struct packet_diag_sk {
	uint32_t ino;
	uint8_t type;
	uint16_t proto; /* host order */
	bool has_info, has_rx_ring, has_tx_ring, has_fanout;
	struct packet_diag_info info;
	struct packet_diag_ring rx_ring, tx_ring;
	uint32_t fanout;
	struct packet_diag_mclist *mc;
	size_t nr_mc;
};

/* net/packet/diag.c: socket:[ino] of criu's network namespace: 0, -ENOENT or -errno. The
 * result stays the dump's: don't free it. */
int packet_diag_find(struct files_dump_state *fs, uint32_t ino, const struct packet_diag_sk **out);

struct dump_ctx;
struct fd_parms;
struct rst_fds;

/* net/packet/dump.c: refuse the dump of p's socket for why (logged, -EOPNOTSUPP). */
int packet_refuse(const struct fd_parms *p, const PacketSockEntry *pe, const char *why);

/*
 * net/packet/ring.c: the rings of sk into pe (and packet-ring-ID.img), or a refusal;
 * restore: their geometry is sane; the rings made again on sk (version set, not yet
 * filtered or in a fanout group), a receive ring with its frames and position.
 */
int packet_dump_rings(struct dump_ctx *dc, const struct fd_parms *p, int sk,
		      const struct packet_diag_sk *d, PacketSockEntry *pe);
int packet_check_rings(const PacketSockEntry *pe);
int packet_restore_rings(struct rst_fds *rf, int sk, const PacketSockEntry *pe);

/*
 * net/packet/ring.c: frames sent on lo for a packet socket (its protocol, or 0x88b5 for
 * ETH_P_ALL), to move its new receive ring on: open, send len bytes (at most
 * PACKET_LO_FRAME_MAX), close.
 */
#define PACKET_LO_FRAME_MAX 65536
struct packet_lo_tx {
	int fd;
	uint16_t proto;
	uint32_t id;
	uint8_t *buf;
};
int packet_lo_tx_open(struct packet_lo_tx *t, const PacketSockEntry *pe);
int packet_lo_tx_send(struct packet_lo_tx *t, size_t len);
void packet_lo_tx_close(struct packet_lo_tx *t);

/*
 * net/packet/ring-v3.c: dump: the kernel's block in a TPACKET_V3 receive ring, and whether
 * it is frozen on it, or a refusal; restore: a new ring moved there.
 */
int packet_v3_rx_place(const struct fd_parms *p, const PacketSockEntry *pe, uint8_t *ring,
		       uint32_t *head, bool *frozen);
int packet_v3_rx_move(uint8_t *ring, const PacketSockEntry *pe, uint32_t head, bool frozen);

/* net/packet/ring.c: frame i of a ring of frames (V1, V2, transmit rings). */
uint8_t *packet_frame_at(uint8_t *ring, const PacketRing *r, uint32_t i);

/*
 * net/packet/ring-tx.c: dump: the frame a used transmit ring sends next, or a refusal;
 * restore: a new transmit ring (mapped alone at tx) moved there.
 */
int packet_tx_place(const struct fd_parms *p, const PacketSockEntry *pe, uint8_t *tx,
		    uint32_t *head);
int packet_tx_move(int sk, uint8_t *tx, const PacketSockEntry *pe, uint32_t head);

/*
 * net/packet/extra.c: packet-extra-ID.img, the options CRIU 4.2 has no field for. Dump:
 * written where one is set. Restore: *x NULL where there is none (a set of CRIU's); the
 * early options go before the rings are made, the late ones after.
 */
int packet_extra_dump(struct dump_ctx *dc, int sk, const PacketSockEntry *pe);
int packet_extra_read(struct rst_fds *rf, const PacketSockEntry *pe, PacketExtraEntry **x);
void packet_extra_free(PacketExtraEntry *x);
int packet_extra_restore_early(int sk, const PacketSockEntry *pe, const PacketExtraEntry *x);
int packet_extra_restore_late(int sk, const PacketSockEntry *pe, const PacketExtraEntry *x);

/* net/packet/restore.c */
int packet_check(const FileEntry *fe);
int packet_open(struct rst_fds *rf, const FileEntry *fe);

#endif /* CRIU_NET_PACKET_INTERNAL_H */
