// SPDX-License-Identifier: GPL-2.0
/*
 * net/netlink/extra.c - netlink-extra.img, ours: the type and flags of a netlink socket
 * that CRIU 4.2's images have no field for (images/netlink-extra.proto). One entry per
 * socket, written as the socket is dumped; at restore each task reads the file once and
 * looks its sockets up (the same scheme as net/inet/extra.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "internal.h"
#include "log.h"
#include "restore-ctx.h"

struct extra_dump {
	struct cr_img *img; /* opened on the first entry */
};

static int extra_dump_close(struct files_dump_state *fs, void *priv)
{
	struct extra_dump *ed = priv;
	int ret = close_image(ed->img);

	ed->img = NULL;
	return ret;
}

static void extra_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	extra_dump_close(fs, priv);
}

static const struct files_dump_key extra_dump_key = {
	.name = "netlink-extra.img",
	.size = sizeof(struct extra_dump),
	.close = extra_dump_close,
	.fini = extra_dump_fini,
};

int netlink_extra_write(struct dump_ctx *dc, const NetlinkExtraEntry *x)
{
	struct extra_dump *ed = files_dump_priv(dc->fstate, &extra_dump_key);

	if (!ed)
		return -ENOMEM;
	if (!ed->img) {
		ed->img = open_image_at(dc->dfd, CR_FD_NETLINK_EXTRA, O_DUMP, 0);
		if (!ed->img)
			return -EIO;
	}
	return pb_write_one(ed->img, &x->base);
}

struct extra_rst {
	bool loaded;
	NetlinkExtraEntry **v;
	size_t nr;
};

static void extra_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct extra_rst *er = priv;
	size_t i;

	for (i = 0; i < er->nr; i++)
		netlink_extra_entry__free_unpacked(er->v[i], NULL);
	free(er->v);
}

static const struct rst_fds_key extra_rst_key = {
	.name = "netlink-extra.img",
	.size = sizeof(struct extra_rst),
	.fini = extra_rst_fini,
};

static int load_extras(struct extra_rst *er, int dfd)
{
	struct cr_img *img = open_image_optional(dfd, CR_FD_NETLINK_EXTRA, 0);
	NetlinkExtraEntry *x;
	int ret;

	er->loaded = true;
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &netlink_extra_entry__descriptor,
				      (ProtobufCMessage **)&x)) > 0) {
		if (ARRAY_ADD_ROOM(er->v, er->nr)) {
			netlink_extra_entry__free_unpacked(x, NULL);
			ret = -ENOMEM;
			break;
		}
		er->v[er->nr++] = x;
	}
	close_image(img);
	return ret;
}

int netlink_extra_find(struct rst_fds *rf, uint32_t ino, const NetlinkExtraEntry **x)
{
	struct extra_rst *er = rst_fds_priv(rf, &extra_rst_key);
	size_t i;
	int ret;

	*x = NULL;
	if (!er)
		return -ENOMEM;
	if (!er->loaded) {
		ret = load_extras(er, rst_images_dfd(rf));
		if (ret)
			return ret;
	}
	for (i = 0; i < er->nr; i++)
		if (er->v[i]->ino == ino) {
			*x = er->v[i];
			break;
		}
	return 0;
}
