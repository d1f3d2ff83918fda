// SPDX-License-Identifier: GPL-2.0
/*
 * net/packet/dump.c - packet (AF_PACKET) sockets: SOCK_RAW, SOCK_DGRAM and the old
 * SOCK_PACKET, unbound or bound to an interface and protocol, with their PACKET_* options,
 * memberships (PACKET_ADD_MEMBERSHIP) and fanout group, as CRIU's packet_sock_entry. Read
 * from packet_diag (net/packet/diag.c) and the socket itself.
 *
 * PACKET_IGNORE_OUTGOING, PACKET_QDISC_BYPASS, PACKET_TX_HAS_OFF and PACKET_VNET_HDR_SZ,
 * which CRIU 4.2 has no field for, go to an image of ours (net/packet/extra.c).
 * Rings (PACKET_RX_RING/TX_RING) and their mappings: net/packet/ring.c.
 * Refused, naming the socket: frames waiting to be read (without a ring), a
 * fanout group steered by a BPF program (PACKET_FANOUT_CBPF/EBPF: the program can't be
 * read back), a socket of another network namespace.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "files.h"
#include "internal.h"
#include "log.h"
#include "sockopts.h"

#define FANOUT_NONE 0xffffffffU /* packet_sock_entry.fanout's default: in no group */

static bool packet_match(const struct fd_parms *p)
{
	int family = task_sk_family(p);

	return family == AF_PACKET;
}

int packet_refuse(const struct fd_parms *p, const PacketSockEntry *pe, const char *why)
{
	pr_err("fd %d of task %d (socket:[%u], packet type %u protocol 0x%04x): %s\n", p->fd,
	       p->pid, (unsigned int)p->st.st_ino, pe->type, pe->protocol, why);
	return -EOPNOTSUPP;
}

static int take_mclist(const struct packet_diag_sk *d, PacketSockEntry *pe)
{
	size_t i, n = 0;

	for (i = 0; i < d->nr_mc; i++)
		n += d->mc[i].pdmc_count;
	if (!n)
		return 0;
	if (n > PKT_MAX_MCLIST)
		return -E2BIG;
	pe->mclist = calloc(n, sizeof(*pe->mclist));
	if (!pe->mclist)
		return -ENOMEM;
	/* one entry per PACKET_ADD_MEMBERSHIP: the kernel counts repeats of one address */
	for (i = 0; i < d->nr_mc; i++) {
		const struct packet_diag_mclist *m = &d->mc[i];
		uint32_t k;

		for (k = 0; k < m->pdmc_count; k++) {
			PacketMclist *e = malloc(sizeof(*e));
			size_t alen = m->pdmc_alen < sizeof(m->pdmc_addr) ? m->pdmc_alen
									  : sizeof(m->pdmc_addr);

			if (!e)
				return -ENOMEM;
			packet_mclist__init(e);
			pe->mclist[pe->n_mclist++] = e;
			e->index = m->pdmc_index;
			e->type = m->pdmc_type;
			e->addr.data = malloc(alen ? alen : 1);
			if (!e->addr.data)
				return -ENOMEM;
			memcpy(e->addr.data, m->pdmc_addr, alen);
			e->addr.len = alen;
		}
	}
	return 0;
}

static int take_diag(const struct fd_parms *p, const struct packet_diag_sk *d, PacketSockEntry *pe)
{
	uint32_t fanout_type = d->fanout >> 16 & 0xff;
	int ret;

	if (!d->has_info)
		return packet_refuse(p, pe, "packet_diag tells nothing of it");
	if (d->has_fanout &&
	    (fanout_type == PACKET_FANOUT_CBPF || fanout_type == PACKET_FANOUT_EBPF))
		return packet_refuse(
			p, pe,
			"in a fanout group steered by a BPF program (PACKET_FANOUT_DATA "
			"can't be read back): not supported");
	pe->ifindex = d->info.pdi_index;
	pe->version = d->info.pdi_version;
	pe->reserve = d->info.pdi_reserve;
	pe->copy_thresh = d->info.pdi_copy_thresh;
	pe->timestamp = d->info.pdi_tstamp;
	pe->aux_data = !!(d->info.pdi_flags & PDI_AUXDATA);
	pe->orig_dev = !!(d->info.pdi_flags & PDI_ORIGDEV);
	pe->vnet_hdr = !!(d->info.pdi_flags & PDI_VNETHDR);
	pe->loss = !!(d->info.pdi_flags & PDI_LOSS);
	pe->has_fanout = 1;
	pe->fanout = d->has_fanout ? d->fanout : FANOUT_NONE;
	ret = take_mclist(d, pe);
	if (ret == -E2BIG)
		return packet_refuse(p, pe, "more than 64 memberships: not supported");
	return ret;
}

static int check_queue(const struct fd_parms *p, int sk, const PacketSockEntry *pe)
{
	struct pollfd pfd = { .fd = sk, .events = POLLIN };

	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLIN | POLLERR)))
		return packet_refuse(p, pe,
				     "frames (or an error) waiting to be read: not supported yet");
	return 0;
}

static int dump_state(struct dump_ctx *dc, const struct fd_parms *p, int sk, PacketSockEntry *pe)
{
	const struct packet_diag_sk *d;
	int type, ret;

	ret = sk_opt_int(sk, SOL_SOCKET, SO_TYPE, &type);
	if (ret) {
		pr_err("Can't read the type of socket:[%u]: %s\n", (unsigned int)p->st.st_ino,
		       strerror(-ret));
		return ret;
	}
	pe->type = type;
	ret = packet_diag_find(dc->fstate, p->st.st_ino, &d);
	if (ret == -ENOENT)
		return packet_refuse(p, pe,
				     "packet_diag does not list it (a socket of another network "
				     "namespace?): not supported yet");
	if (ret)
		return ret;
	pe->protocol = d->proto;
	ret = take_diag(p, d, pe);
	ret = ret ?: packet_extra_dump(dc, sk, pe);
	ret = ret ?: sk_opts_dump(sk, pe->opts, p->st.st_ino);
	ret = ret ?: packet_dump_rings(dc, p, sk, d, pe);
	/* with a receive ring, what poll() sees waiting is in the ring, saved with it */
	return ret ?: d->has_rx_ring ? 0 : check_queue(p, sk, pe);
}

static int packet_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	PacketSockEntry *pe = malloc(sizeof(*pe));
	int sk, ret;

	if (!pe)
		return -ENOMEM;
	packet_sock_entry__init(pe);
	fe->psk = pe;
	pe->id = fe->id;
	pe->flags = p->flags;
	pe->fown = p->fown;
	pe->opts = malloc(sizeof(*pe->opts));
	if (!pe->opts)
		return -ENOMEM;
	sk_opts_entry__init(pe->opts);
	sk = task_fd_take(p->pid, p->fd);
	if (sk < 0)
		return sk;
	ret = dump_state(dc, p, sk, pe);
	close(sk);
	pr_debug("socket:[%u]: packet type %u protocol 0x%04x ifindex %u, %zu memberships\n",
		 (unsigned int)p->st.st_ino, pe->type, pe->protocol, pe->ifindex, pe->n_mclist);
	return ret;
}

static FownEntry *packet_fown(const FileEntry *fe)
{
	return fe->psk ? fe->psk->fown : NULL;
}

const struct fd_handler packet_handler = {
	.type = FD_TYPES__PACKETSK,
	.name = "packet socket",
	.match = packet_match,
	.dump = packet_dump,
	.check = packet_check,
	.open = packet_open,
	.fown = packet_fown,
};
