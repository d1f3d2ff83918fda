// SPDX-License-Identifier: GPL-2.0
/*
 * net/sk-extra.c - the images of ours that complete CRIU's socket images (sk-extra.h): the
 * dump appends one entry per socket to the kind's image, opened on the first; the restore
 * of a task reads the whole image once and finds each socket's entry by its inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "array.h"
#include "dump.h"
#include "image.h"
#include "log.h"
#include "restore-ctx.h"
#include "sk-extra.h"

int sk_extra_dump_close(struct files_dump_state *fs, void *priv)
{
	struct cr_img **img = priv;
	int ret = close_image(*img);

	*img = NULL;
	return ret;
}

void sk_extra_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	sk_extra_dump_close(fs, priv);
}

int sk_extra_write(struct dump_ctx *dc, const struct sk_extra_kind *k, const ProtobufCMessage *x)
{
	struct cr_img **img = files_dump_priv(dc->fstate, &k->dump_key);

	if (!img)
		return -ENOMEM;
	if (!*img) {
		*img = open_image_at(dc->dfd, k->img_type, O_DUMP, 0);
		if (!*img)
			return -EIO;
	}
	return pb_write_one(*img, x);
}

void sk_extra_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct sk_extra_loaded *l = priv;
	size_t i;

	for (i = 0; i < l->nr; i++)
		protobuf_c_message_free_unpacked(l->v[i], NULL);
	free(l->v);
}

static int load_entries(struct sk_extra_loaded *l, const struct sk_extra_kind *k, int dfd)
{
	struct cr_img *img = open_image_optional(dfd, k->img_type, 0);
	ProtobufCMessage *x;
	int ret;

	l->loaded = true;
	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, k->desc, &x)) > 0) {
		if (ARRAY_ADD_ROOM(l->v, l->nr)) {
			protobuf_c_message_free_unpacked(x, NULL);
			ret = -ENOMEM;
			break;
		}
		l->v[l->nr++] = x;
	}
	close_image(img);
	return ret;
}

int sk_extra_find(struct rst_fds *rf, const struct sk_extra_kind *k, uint32_t ino,
		  const ProtobufCMessage **x)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(k->desc, "ino");
	struct sk_extra_loaded *l = rst_fds_priv(rf, &k->rst_key);
	size_t i;
	int ret;

	*x = NULL;
	if (!l)
		return -ENOMEM;
	if (!f || f->type != PROTOBUF_C_TYPE_UINT32) {
		pr_err("%s: its entry has no uint32 ino\n", k->rst_key.name);
		return -EINVAL;
	}
	if (!l->loaded) {
		ret = load_entries(l, k, rst_images_dfd(rf));
		if (ret)
			return ret;
	}
	for (i = 0; i < l->nr; i++)
		if (*(const uint32_t *)((const char *)l->v[i] + f->offset) == ino) {
			*x = l->v[i];
			break;
		}
	return 0;
}
