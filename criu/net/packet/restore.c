// SPDX-License-Identifier: GPL-2.0
/*
 * net/packet/restore.c - a packet socket made again from its packet_sock_entry: created
 * with its type and protocol, bound to its interface (SOCK_PACKET: by the interface's name,
 * its old way; one with a receive ring: to lo until its ring is back), its PACKET_* options
 * (those CRIU has no field for: net/packet/extra.c), rings (net/packet/ring.c),
 * memberships and fanout group, then its socket options.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "files.h"
#include "internal.h"
#include "log.h"
#include "sockopts.h"

#define FANOUT_NONE 0xffffffffU
#define LO_IFINDEX  1 /* every network namespace's lo */

int packet_check(const FileEntry *fe)
{
	const PacketSockEntry *pe = fe->psk;
	size_t i;

	if (!pe || pe->id != fe->id || !pe->opts || !pe->fown || pe->protocol > 0xffff ||
	    (pe->type != SOCK_RAW && pe->type != SOCK_DGRAM && pe->type != SOCK_PACKET) ||
	    pe->n_mclist > PKT_MAX_MCLIST)
		goto bad;
	for (i = 0; i < pe->n_mclist; i++)
		if (pe->mclist[i]->addr.len > sizeof(((struct packet_mreq *)0)->mr_address))
			goto bad;
	if (packet_check_rings(pe))
		goto bad;
	return 0;
bad:
	pr_err("files.img: file id %u has a bad packet socket entry\n", fe->id);
	return -EINVAL;
}

static int bind_dev(int sk, const PacketSockEntry *pe, uint32_t ifindex)
{
	struct sockaddr_ll ll = { .sll_family = AF_PACKET,
				  .sll_protocol = htons(pe->protocol),
				  .sll_ifindex = ifindex };
	struct sockaddr_pkt pkt = { .spkt_family = AF_PACKET,
				    .spkt_protocol = htons(pe->protocol) };
	char name[IF_NAMESIZE];

	if (!ifindex)
		return 0; /* never bound: on every interface, or none (protocol 0) */
	if (pe->type == SOCK_PACKET) {
		if (!if_indextoname(ifindex, name)) {
			pr_perror("Can't find interface %u of packet socket file id %u", ifindex,
				  pe->id);
			return -errno;
		}
		/* the kernel reads at most these 14 bytes of a name (no NUL needed) */
		memcpy(pkt.spkt_device, name, strnlen(name, sizeof(pkt.spkt_device)));
		/* the kernel takes a struct sockaddr of the name only: the protocol is the
		 * socket's */
		if (!bind(sk, (struct sockaddr *)&pkt, sizeof(struct sockaddr)))
			return 0;
	} else if (!bind(sk, (struct sockaddr *)&ll, sizeof(ll))) {
		return 0;
	}
	pr_perror("Can't bind packet socket file id %u to interface %u, protocol 0x%04x", pe->id,
		  ifindex, pe->protocol);
	return -errno;
}

/*
 * A receive ring is moved on by frames sent on lo (net/packet/ring.c): a socket of another
 * interface is bound to lo until its ring is back, then to its interface, from where frames
 * go on filling the ring.
 */
static uint32_t ring_ifindex(const PacketSockEntry *pe)
{
	return pe->rx_ring && pe->ifindex ? LO_IFINDEX : pe->ifindex;
}

static int set_pkt(int sk, int opt, int v, const char *name, uint32_t id)
{
	if (setsockopt(sk, SOL_PACKET, opt, &v, sizeof(v))) {
		pr_perror("Can't set %s of packet socket file id %u", name, id);
		return -errno;
	}
	return 0;
}

/* Each option set where it differs from a new socket's (zero, off). */
static int restore_opts(int sk, const PacketSockEntry *pe)
{
	int ret = 0;

	if (pe->version)
		ret = set_pkt(sk, PACKET_VERSION, pe->version, "PACKET_VERSION", pe->id);
	if (!ret && pe->reserve)
		ret = set_pkt(sk, PACKET_RESERVE, pe->reserve, "PACKET_RESERVE", pe->id);
	if (!ret && pe->aux_data)
		ret = set_pkt(sk, PACKET_AUXDATA, 1, "PACKET_AUXDATA", pe->id);
	if (!ret && pe->orig_dev)
		ret = set_pkt(sk, PACKET_ORIGDEV, 1, "PACKET_ORIGDEV", pe->id);
	if (!ret && pe->vnet_hdr)
		ret = set_pkt(sk, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR", pe->id);
	if (!ret && pe->loss)
		ret = set_pkt(sk, PACKET_LOSS, 1, "PACKET_LOSS", pe->id);
	if (!ret && pe->timestamp)
		ret = set_pkt(sk, PACKET_TIMESTAMP, pe->timestamp, "PACKET_TIMESTAMP", pe->id);
	if (!ret && pe->copy_thresh)
		ret = set_pkt(sk, PACKET_COPY_THRESH, pe->copy_thresh, "PACKET_COPY_THRESH",
			      pe->id);
	return ret;
}

static int restore_mclist(int sk, const PacketSockEntry *pe)
{
	size_t i;

	for (i = 0; i < pe->n_mclist; i++) {
		const PacketMclist *m = pe->mclist[i];
		struct packet_mreq mr = { .mr_ifindex = m->index,
					  .mr_type = m->type,
					  .mr_alen = m->addr.len };

		memcpy(mr.mr_address, m->addr.data, m->addr.len);
		if (setsockopt(sk, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
			pr_perror("Can't add membership %zu (interface %u, type %u) of packet "
				  "socket file id %u",
				  i, m->index, m->type, pe->id);
			return -errno;
		}
	}
	return 0;
}

static int restore_sk(struct rst_fds *rf, int sk, const PacketSockEntry *pe,
		      const PacketExtraEntry *x)
{
	int ret;

	ret = sk_opts_restore_bind(sk, pe->opts, pe->id);
	ret = ret ?: bind_dev(sk, pe, ring_ifindex(pe));
	ret = ret ?: restore_opts(sk, pe);
	ret = ret ?: packet_extra_restore_early(sk, pe, x);
	/* its ring takes frames before the socket has its filter and fanout group again */
	ret = ret ?: packet_restore_rings(rf, sk, pe);
	if (!ret && ring_ifindex(pe) != pe->ifindex)
		ret = bind_dev(sk, pe, pe->ifindex);
	ret = ret ?: packet_extra_restore_late(sk, pe, x);
	ret = ret ?: restore_mclist(sk, pe);
	if (!ret && pe->has_fanout && pe->fanout != FANOUT_NONE)
		ret = set_pkt(sk, PACKET_FANOUT, pe->fanout, "PACKET_FANOUT", pe->id);
	return ret;
}

int packet_open(struct rst_fds *rf, const FileEntry *fe)
{
	const PacketSockEntry *pe = fe->psk;
	PacketExtraEntry *x;
	char what[64];
	int sk, ret;

	ret = packet_extra_read(rf, pe, &x);
	if (ret)
		return ret;
	sk = socket(AF_PACKET, pe->type, htons(pe->protocol));
	if (sk < 0) {
		ret = -errno;
		pr_perror("Can't create packet socket file id %u (type %u, protocol 0x%04x)",
			  pe->id, pe->type, pe->protocol);
		packet_extra_free(x);
		return ret;
	}
	ret = restore_sk(rf, sk, pe, x);
	packet_extra_free(x);
	ret = ret ?: sk_opts_restore(sk, pe->opts, pe->id);
	snprintf(what, sizeof(what), "packet socket file id %u", fe->id);
	ret = ret ?: rst_set_fl(sk, pe->flags, what);
	if (ret) {
		close(sk);
		return ret;
	}
	return sk;
}
