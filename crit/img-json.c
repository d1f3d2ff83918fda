/* SPDX-License-Identifier: GPL-2.0 */
/*
 * img-json.c - a whole image file to {"magic": NAME, "entries": [...]} and back.
 *
 * Layout (images v1.1): a set magic (IMG_COMMON, or IMG_SERVICE for stats), the kind's
 * magic (inventory.img has only the latter), then entries: a u32 length and a packed
 * message, optionally followed by raw bytes whose length a field of the entry gives
 * ("extra", base64 in JSON). The kind's message types come from the generated table.
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

/* Zero bytes after the raw data: SysV shm segment bytes are padded to 4 in the image. */
static size_t extra_pad(const struct crit_kind *k, uint64_t xlen)
{
	return strcmp(k->name, "IPCNS_SHM") ? 0 : (4 - xlen % 4) % 4;
}

/* Whether entry idx of kind k is followed by raw bytes its extra_len field counts. */
static bool has_extra(const struct crit_kind *k, size_t idx)
{
	return k->extra_len && (!is_ghost(k) || idx > 0);
}

/* The integer field of msg that gives the length of the raw bytes after it. */
static int extra_len(const ProtobufCMessage *msg, const char *field, uint64_t *len)
{
	const ProtobufCFieldDescriptor *f;

	f = protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, field);
	if (!f || f->label == PROTOBUF_C_LABEL_REPEATED ||
	    (f->type != PROTOBUF_C_TYPE_UINT32 && f->type != PROTOBUF_C_TYPE_UINT64))
		return -1;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
	    !*(const protobuf_c_boolean *)((const char *)msg + f->quantifier_offset)) {
		*len = 0;
		return 0;
	}
	if (f->type == PROTOBUF_C_TYPE_UINT64)
		*len = *(const uint64_t *)((const char *)msg + f->offset);
	else
		*len = *(const uint32_t *)((const char *)msg + f->offset);
	return 0;
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

/* Raw bytes as the entry's "extra" (base64). Returns 0 or -1 after crit_err. */
static int add_extra(struct jval *j, const uint8_t *p, size_t n)
{
	char *b64s = crit_b64_encode(p, n);

	if (!b64s || json_obj_add(j, "extra", json_str(b64s, strlen(b64s)))) {
		free(b64s);
		crit_err("out of memory");
		return -1;
	}
	free(b64s);
	return 0;
}

/* One entry at buf[*off]: its JSON, with *off moved past it. NULL after crit_err. */
static struct jval *entry_to_json(const struct crit_kind *k, const uint8_t *buf, size_t len,
				  size_t *off, size_t idx, bool pretty, const char *what)
{
	const ProtobufCMessageDescriptor *d = idx && k->rest ? k->rest : k->first;
	ProtobufCMessage *msg;
	struct jval *j;
	uint64_t xlen;
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
	if (j && is_ghost(k) && !idx && ghost_plain(msg)) {
		if (add_extra(j, buf + *off, len - *off)) /* the file's bytes, to the end */
			goto out_free;
		*off = len;
	} else if (j && has_extra(k, idx)) {
		if (extra_len(msg, k->extra_len, &xlen) || xlen + extra_pad(k, xlen) > len - *off) {
			crit_err("%s: entry %zu: %llu bytes of data announced, %zu left", what, idx,
				 (unsigned long long)xlen, len - *off);
			goto out_free;
		}
		if (add_extra(j, buf + *off, xlen))
			goto out_free;
		*off += xlen + extra_pad(k, xlen);
	}
	protobuf_c_message_free_unpacked(msg, NULL);
	return j;
out_free:
	json_free(j);
	protobuf_c_message_free_unpacked(msg, NULL);
	return NULL;
}

struct jval *crit_image_to_json(const uint8_t *buf, size_t len, bool pretty, const char *what)
{
	const struct crit_kind *k;
	struct jval *img, *entries;
	size_t off, idx;

	k = image_kind(buf, len, &off, what);
	if (!k)
		return NULL;
	img = json_new(J_OBJ);
	entries = json_new(J_ARR);
	if (!img || !entries || json_obj_add(img, "magic", json_str(k->name, strlen(k->name)))) {
		json_free(entries);
		goto out_oom;
	}
	if (json_obj_add(img, "entries", entries))
		goto out_oom;
	for (idx = 0; off < len; idx++) {
		if (json_arr_add(entries, entry_to_json(k, buf, len, &off, idx, pretty, what)))
			goto out_free;
	}
	return img;
out_oom:
	crit_err("out of memory");
out_free:
	json_free(img);
	return NULL;
}

struct jval *crit_image_info(const uint8_t *buf, size_t len, const char *what)
{
	const struct crit_kind *k;
	struct jval *info;
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
	info = json_new(J_OBJ);
	if (!info || json_obj_add(info, "magic", json_str(k->name, strlen(k->name))) ||
	    json_obj_add(info, "count", json_num_u64(count))) {
		json_free(info);
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

/* The raw bytes after an entry: "extra" must hold exactly what the entry announces. */
static int put_extra(struct jbuf *out, const struct crit_kind *k, const ProtobufCMessage *msg,
		     const struct jval *extra, size_t idx, const char *what)
{
	uint8_t *data = NULL;
	size_t dlen = 0;
	uint64_t want;

	if (extra &&
	    (extra->type != J_STR || crit_b64_decode(extra->s, extra->len, &data, &dlen))) {
		crit_err("%s: entry %zu: \"extra\" is not base64", what, idx);
		return -1;
	}
	if (is_ghost(k) && !idx)
		want = dlen; /* a plain ghost file: its bytes, however many */
	else if (extra_len(msg, k->extra_len, &want))
		want = ~0ULL;
	if (want != dlen) {
		crit_err("%s: entry %zu: \"extra\" holds %zu bytes, the entry says %llu", what, idx,
			 dlen, (unsigned long long)want);
		free(data);
		return -1;
	}
	jbuf_put(out, data, dlen);
	jbuf_put(out, "\0\0\0", extra_pad(k, dlen));
	free(data);
	return 0;
}

static int json_entry_to_image(struct jbuf *out, const struct crit_kind *k, const struct jval *e,
			       size_t idx, const char *what)
{
	const ProtobufCMessageDescriptor *d = idx && k->rest ? k->rest : k->first;
	const struct jval *extra = NULL;
	ProtobufCMessage *msg;
	struct jval copy;
	int ret;

	if (e->type != J_OBJ) {
		crit_err("%s: entry %zu is not a JSON object", what, idx);
		return -1;
	}
	copy = *e;
	if ((has_extra(k, idx) || (is_ghost(k) && !idx)) && e->n &&
	    !strcmp(e->keys[e->n - 1], "extra")) {
		extra = e->items[e->n - 1];
		copy.n--; /* the message itself without its trailing data */
	}
	msg = crit_json_to_msg(&copy, d);
	if (!msg) {
		crit_err("%s: entry %zu cannot be encoded", what, idx);
		return -1;
	}
	ret = put_entry(out, msg);
	if (ret)
		crit_err("out of memory");
	if (!ret && (has_extra(k, idx) || (is_ghost(k) && !idx && ghost_plain(msg))))
		ret = put_extra(out, k, msg, extra, idx, what);
	protobuf_c_message_free_unpacked(msg, NULL);
	return ret;
}

int crit_json_to_image(const struct jval *img, struct jbuf *out, const char *what)
{
	const struct jval *magic = json_obj_get(img, "magic"), *entries;
	const struct crit_magic *m, *set;
	const struct crit_kind *k;
	uint32_t v;
	size_t i;

	entries = json_obj_get(img, "entries");
	if (!magic || magic->type != J_STR || !entries || entries->type != J_ARR) {
		crit_err(
			"%s: not a crit image: needs \"magic\" (a string) and \"entries\" (a list)",
			what);
		return -1;
	}
	m = crit_magic_by_name(magic->s);
	k = crit_kind_by_name(magic->s);
	if (!m || !k) {
		crit_err("%s: unknown image magic \"%s\"", what, magic->s);
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
	for (i = 0; i < entries->n; i++)
		if (json_entry_to_image(out, k, entries->items[i], i, what))
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
