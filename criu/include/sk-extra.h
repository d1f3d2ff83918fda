/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sk-extra.h - images of ours that hold what CRIU 4.2's socket images have no field for
 * (inet-extra.img, netlink-extra.img): one protobuf entry per socket, keyed by its inode
 * number (a uint32 field "ino"), written as each socket is dumped; at restore a task reads
 * the file once and looks its sockets up (net/sk-extra.c).
 */
#ifndef CRIU_SK_EXTRA_H
#define CRIU_SK_EXTRA_H

#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "files.h"

struct dump_ctx;

struct sk_extra_kind {
	int img_type;				/* CR_FD_..._EXTRA */
	const ProtobufCMessageDescriptor *desc; /* its entry, with a uint32 "ino" */
	struct files_dump_key dump_key;		/* the dump's open image, per kind */
	struct rst_fds_key rst_key;		/* the restore's entries, per kind */
};

extern int sk_extra_dump_close(struct files_dump_state *fs, void *priv);
extern void sk_extra_dump_fini(struct files_dump_state *fs, void *priv, bool failed);
extern void sk_extra_rst_fini(struct rst_fds *rf, void *priv, bool failed);

#define SK_EXTRA_KIND(img_name, type, descriptor)                    \
	{                                                            \
		.img_type = (type), .desc = (descriptor),            \
		.dump_key = { .name = (img_name),                    \
			      .size = sizeof(struct cr_img *),       \
			      .close = sk_extra_dump_close,          \
			      .fini = sk_extra_dump_fini },          \
		.rst_key = { .name = (img_name),                     \
			     .size = sizeof(struct sk_extra_loaded), \
			     .fini = sk_extra_rst_fini },            \
	}

/* The restore's state of a kind: the entries, read once. */
struct sk_extra_loaded {
	bool loaded;
	ProtobufCMessage **v;
	size_t nr;
};

int sk_extra_write(struct dump_ctx *dc, const struct sk_extra_kind *k, const ProtobufCMessage *x);
/* *x: the socket's entry, or NULL if the image has none (an image set of CRIU's) */
int sk_extra_find(struct rst_fds *rf, const struct sk_extra_kind *k, uint32_t ino,
		  const ProtobufCMessage **x);

#endif
