/* SPDX-License-Identifier: GPL-2.0 */
/*
 * img-json.c - a whole image file to {"magic": NAME, "entries": [...]} and back.
 *
 * Layout (images v1.1): a set magic (IMG_COMMON, or IMG_SERVICE for stats), the kind's
 * magic (inventory.img has only the latter), then entries: a u32 length and a packed
 * message, optionally followed by raw data that the entry's fields size ("extra" in JSON,
 * see img-extra.c). The kind's message types come from the generated table.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crit.h"

const struct crit_kind *crit_kind_by_name(const char *name)
{
	const struct crit_kind *k;

	for (k = crit_kinds; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

const struct crit_magic *crit_magic_by_value(uint32_t value)
{
	const struct crit_magic *m;

	for (m = crit_magics; m->name; m++)
		if (m->value == value)
			return m;
	return NULL;
}

const struct crit_magic *crit_magic_by_name(const char *name)
{
	const struct crit_magic *m;

	for (m = crit_magics; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The kind an image's header announces; *off is set past the header. NULL after crit_err. */
static const struct crit_kind *image_kind(const uint8_t *buf, size_t len, size_t *off,
					  const char *what)
{
	const struct crit_magic *set, *m;
	const struct crit_kind *k;
	uint32_t v;

	if (len < 4) {
		crit_err("%s: too short for an image header (%zu bytes)", what, len);
		return NULL;
	}
	v = get_u32(buf);
	*off = 4;
	set = crit_magic_by_value(v);
	if (set && (!strcmp(set->name, "IMG_COMMON") || !strcmp(set->name, "IMG_SERVICE"))) {
		if (len < 8) {
			crit_err("%s: too short for an image header (%zu bytes)", what, len);
			return NULL;
		}
		v = get_u32(buf + 4);
		*off = 8;
	}
	m = crit_magic_by_value(v);
	if (!m) {
		crit_err("%s: unknown magic %#x; raw data (pages-*.img) has no magic and "
			 "is not decoded",
			 what, v);
		return NULL;
	}
	k = crit_kind_by_name(m->name);
	if (!k)
		crit_err("%s: no decoder for %s images in this crit", what, m->name);
	return k;
}

/* ghost-file-N.img: chunk entries (with data) follow when the file entry says "chunks". */
static bool is_ghost(const struct crit_kind *k)
{
	return !strcmp(k->name, "GHOST_FILE");
}

/* Whether entry idx of kind k is followed by raw data (img-extra.c). */
static bool has_extra(const struct crit_kind *k, size_t idx)
{
	return k->extra_len && (!is_ghost(k) || idx > 0);
}

/* A ghost file without chunks: is the first entry's "chunks" flag clear? */
static bool ghost_plain(const ProtobufCMessage *msg)
{
	const ProtobufCFieldDescriptor *f;

	f = protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, "chunks");
	if (!f || f->type != PROTOBUF_C_TYPE_BOOL || f->label != PROTOBUF_C_LABEL_OPTIONAL)
		return true;
	return !*(const protobuf_c_boolean *)((const char *)msg + f->quantifier_offset) ||
	       !*(const protobuf_c_boolean *)((const char *)msg + f->offset);
}

/* The entry's raw data as its "extra" key. Returns 0 or -1 after crit_err. */
static int entry_extra(const struct crit_kind *k, const ProtobufCMessage *msg, size_t idx,
		       struct json_object *j, const uint8_t *buf, size_t len, size_t *off,
		       const char *what)
{
	struct json_object *x;

	if (is_ghost(k) && !idx && ghost_plain(msg))
		x = crit_extra_load_rest(buf, len, off); /* the file's bytes, to the end */
	else if (has_extra(k, idx))
		x = crit_extra_load(k, msg, buf, len, off);
	else
		return 0;
	if (!x || crit_json_obj_add(j, "extra", x)) {
		crit_err("%s: entry %zu: the data after it is cut short or malformed", what, idx);
		return -1;
	}
	return 0;
}

/* One entry at buf[*off]: its JSON, with *off moved past it. NULL after crit_err. */
static struct json_object *entry_to_json(const struct crit_kind *k, const uint8_t *buf, size_t len,
					 size_t *off, size_t idx, bool pretty, const char *what)
{
	const ProtobufCMessageDescriptor *d = idx && k->rest ? k->rest : k->first;
	ProtobufCMessage *msg;
	struct json_object *j;
	uint32_t sz;

	if (len - *off < 4) {
		crit_err("%s: entry %zu: the file ends inside its length", what, idx);
		return NULL;
	}
	sz = get_u32(buf + *off);
	*off += 4;
	if (sz > len - *off) {
		crit_err("%s: entry %zu: length %u, but only %zu bytes are left", what, idx, sz,
			 len - *off);
		return NULL;
	}
	msg = protobuf_c_message_unpack(d, NULL, sz, buf + *off);
	if (!msg) {
		crit_err("%s: entry %zu: not a valid %s (corrupted image)", what, idx, d->name);
		return NULL;
	}
	*off += sz;
	j = crit_msg_to_json(msg, pretty);
	if (j && entry_extra(k, msg, idx, j, buf, len, off, what)) {
		json_object_put(j);
		j = NULL;
	}
	protobuf_c_message_free_unpacked(msg, NULL);
	return j;
}

struct json_object *crit_image_to_json(const uint8_t *buf, size_t len, bool pretty,
				       const char *what)
{
	struct json_object *img, *entries;
	const struct crit_kind *k;
	size_t off, idx;

	k = image_kind(buf, len, &off, what);
	if (!k)
		return NULL;
	img = json_object_new_object();
	entries = json_object_new_array();
	if (!img || !entries || crit_json_obj_add(img, "magic", json_object_new_string(k->name))) {
		json_object_put(entries);
		goto out_oom;
	}
	if (crit_json_obj_add(img, "entries", entries))
		goto out_oom;
	for (idx = 0; off < len; idx++) {
		if (crit_json_arr_add(entries, entry_to_json(k, buf, len, &off, idx, pretty, what)))
			goto out_free;
	}
	return img;
out_oom:
	crit_err("out of memory");
out_free:
	json_object_put(img);
	return NULL;
}

struct json_object *crit_image_info(const uint8_t *buf, size_t len, const char *what)
{
	const struct crit_kind *k;
	struct json_object *info;
	size_t off, count = 0;

	k = image_kind(buf, len, &off, what);
	if (!k)
		return NULL;
	while (off < len) {
		uint32_t sz;

		if (len - off < 4 || (sz = get_u32(buf + off)) > len - off - 4) {
			crit_err("%s: entry %zu is truncated", what, count);
			return NULL;
		}
		off += 4 + sz;
		count++;
	}
	if (k->rest && count)
		count--; /* the pagemap head is not an entry */
	info = json_object_new_object();
	if (!info || crit_json_obj_add(info, "magic", json_object_new_string(k->name)) ||
	    crit_json_obj_add(info, "count", json_object_new_uint64(count))) {
		json_object_put(info);
		crit_err("out of memory");
		return NULL;
	}
	return info;
}

static int put_entry(struct jbuf *out, const ProtobufCMessage *msg)
{
	size_t sz = protobuf_c_message_get_packed_size(msg);
	uint32_t sz32 = sz;
	uint8_t *tmp;

	if (sz > UINT32_MAX)
		return -1;
	tmp = malloc(sz ? sz : 1);
	if (!tmp)
		return -1;
	protobuf_c_message_pack(msg, tmp);
	jbuf_put(out, &sz32, sizeof(sz32));
	jbuf_put(out, tmp, sz);
	free(tmp);
	return out->oom ? -1 : 0;
}

/* The message part of an entry: every key but "extra", which holds the data after it. */
static ProtobufCMessage *entry_msg(struct json_object *e, const ProtobufCMessageDescriptor *d,
				   struct json_object **extra)
{
	struct json_object *copy = json_object_new_object();
	ProtobufCMessage *msg = NULL;

	*extra = NULL;
	if (!copy)
		return NULL;
	json_object_object_foreach(e, key, val)
	{
		if (!strcmp(key, "extra"))
			*extra = val;
		else if (crit_json_obj_add(copy, key, json_object_get(val)))
			goto out_put;
	}
	msg = crit_json_to_msg(copy, d);
out_put:
	json_object_put(copy);
	return msg;
}

static int json_entry_to_image(struct jbuf *out, const struct crit_kind *k, struct json_object *e,
			       size_t idx, const char *what)
{
	const ProtobufCMessageDescriptor *d = idx && k->rest ? k->rest : k->first;
	struct json_object *extra;
	ProtobufCMessage *msg;
	int ret;

	if (!json_object_is_type(e, json_type_object)) {
		crit_err("%s: entry %zu is not a JSON object", what, idx);
		return -1;
	}
	msg = entry_msg(e, d, &extra);
	if (!msg) {
		crit_err("%s: entry %zu cannot be encoded", what, idx);
		return -1;
	}
	ret = put_entry(out, msg);
	if (ret)
		crit_err("out of memory");
	else if (is_ghost(k) && !idx && ghost_plain(msg))
		ret = crit_extra_dump_rest(extra, out);
	else if (has_extra(k, idx))
		ret = crit_extra_dump(k, msg, extra, out);
	if (ret && !out->oom)
		crit_err("%s: entry %zu: \"extra\" is missing or does not match the entry", what,
			 idx);
	protobuf_c_message_free_unpacked(msg, NULL);
	return ret;
}

int crit_json_to_image(struct json_object *img, struct jbuf *out, const char *what)
{
	struct json_object *magic, *entries;
	const struct crit_magic *m, *set;
	const struct crit_kind *k;
	uint32_t v;
	size_t i;

	if (!json_object_object_get_ex(img, "magic", &magic) ||
	    !json_object_is_type(magic, json_type_string) ||
	    !json_object_object_get_ex(img, "entries", &entries) ||
	    !json_object_is_type(entries, json_type_array)) {
		crit_err(
			"%s: not a crit image: needs \"magic\" (a string) and \"entries\" (a list)",
			what);
		return -1;
	}
	m = crit_magic_by_name(json_object_get_string(magic));
	k = crit_kind_by_name(json_object_get_string(magic));
	if (!m || !k) {
		crit_err("%s: unknown image magic \"%s\"", what, json_object_get_string(magic));
		return -1;
	}
	if (strcmp(k->name, "INVENTORY")) {
		bool service = !strcmp(k->name, "STATS") || !strcmp(k->name, "IRMAP_CACHE");

		set = crit_magic_by_name(service ? "IMG_SERVICE" : "IMG_COMMON");
		if (!set)
			return -1;
		v = set->value;
		jbuf_put(out, &v, sizeof(v));
	}
	v = m->value;
	jbuf_put(out, &v, sizeof(v));
	for (i = 0; i < json_object_array_length(entries); i++)
		if (json_entry_to_image(out, k, json_object_array_get_idx(entries, i), i, what))
			return -1;
	if (out->oom) {
		crit_err("out of memory");
		return -1;
	}
	return 0;
}

int crit_read_file(const char *path, uint8_t **buf, size_t *len)
{
	int fd = (!path || !strcmp(path, "-")) ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	struct jbuf b = { 0 };
	char tmp[65536];
	ssize_t n;

	if (fd < 0) {
		crit_err("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			crit_err("%s: cannot read: %s", path ? path : "stdin", strerror(errno));
			break;
		}
		jbuf_put(&b, tmp, n);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (n < 0 || b.oom) {
		if (b.oom)
			crit_err("%s: out of memory", path ? path : "stdin");
		free(b.p);
		return -1;
	}
	*buf = b.p ? (uint8_t *)b.p : calloc(1, 1);
	*len = b.len;
	return *buf ? 0 : -1;
}
