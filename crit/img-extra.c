/* SPDX-License-Identifier: GPL-2.0 */
/*
 * img-extra.c - the raw data that follows some entries in an image file, as upstream
 * crit shows it in the entry's "extra" key:
 *   a length field names the bytes (pipes, fifo and socket queues, ghost chunks): base64;
 *   IPCNS_SHM: "size" bytes, padded to 4 in the file: base64;
 *   BPFMAP_DATA: keys_bytes + values_bytes: base64;
 *   PACKET_RING: rx_len + tx_len (the receive ring, then a used transmit ring): base64;
 *   TCP_STREAM: inq_len then outq_len bytes: {"inq": base64, "outq": base64};
 *   IPCNS_SEM: nsems u16 values, padded to 8: a list of numbers;
 *   IPCNS_MSG: qnum messages, each a u32 length, an ipc_msg and msize bytes padded to 8:
 *     a list [ipc_msg, base64, ipc_msg, base64, ...].
 * Every length is checked against what is left before it is used.
 */
#include <stdlib.h>
#include <string.h>

#include "crit.h"
#include "ipc-msg.pb-c.h"

static bool kind_is(const struct crit_kind *k, const char *name)
{
	return !strcmp(k->name, name);
}

/* An unsigned integer field of msg; an unset optional one reads 0. */
int crit_msg_uint(const ProtobufCMessage *msg, const char *field, uint64_t *v)
{
	const ProtobufCFieldDescriptor *f;
	const char *base = (const char *)msg;

	f = protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, field);
	if (!f || f->label == PROTOBUF_C_LABEL_REPEATED ||
	    (f->type != PROTOBUF_C_TYPE_UINT32 && f->type != PROTOBUF_C_TYPE_UINT64))
		return -1;
	*v = 0;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
	    !*(const protobuf_c_boolean *)(base + f->quantifier_offset))
		return 0;
	if (f->type == PROTOBUF_C_TYPE_UINT64)
		*v = *(const uint64_t *)(base + f->offset);
	else
		*v = *(const uint32_t *)(base + f->offset);
	return 0;
}

static struct json_object *b64_json(const uint8_t *p, size_t n)
{
	char *s = crit_b64_encode(p, n);
	struct json_object *j = s ? json_object_new_string(s) : NULL;

	free(s);
	return j;
}

static size_t pad_to(uint64_t n, unsigned int a)
{
	return (a - n % a) % a;
}

/* Take n bytes (and pad after them) at *off: NULL if the file is shorter. */
static const uint8_t *take(const uint8_t *buf, size_t len, size_t *off, uint64_t n, size_t pad)
{
	const uint8_t *p = buf + *off;

	if (n > len - *off || pad > len - *off - n)
		return NULL;
	*off += n + pad;
	return p;
}

/* The sizes of the raw blocks after an entry of kind k, and the padding after the last. */
static int blocks_of(const struct crit_kind *k, const ProtobufCMessage *msg, uint64_t sz[2],
		     size_t *pad)
{
	*pad = 0;
	sz[1] = 0;
	if (kind_is(k, "TCP_STREAM"))
		return crit_msg_uint(msg, "inq_len", &sz[0])
			       ?: crit_msg_uint(msg, "outq_len", &sz[1]);
	if (kind_is(k, "BPFMAP_DATA"))
		return crit_msg_uint(msg, "keys_bytes", &sz[0])
			       ?: crit_msg_uint(msg, "values_bytes", &sz[1]);
	if (kind_is(k, "PACKET_RING"))
		return crit_msg_uint(msg, "rx_len", &sz[0]) ?: crit_msg_uint(msg, "tx_len", &sz[1]);
	if (crit_msg_uint(msg, k->extra_len, &sz[0]))
		return -1;
	if (kind_is(k, "IPCNS_SHM"))
		*pad = pad_to(sz[0], 4);
	return 0;
}

static struct json_object *load_sem(const ProtobufCMessage *msg, const uint8_t *buf, size_t len,
				    size_t *off)
{
	struct json_object *arr;
	const uint8_t *p;
	uint64_t n, i;

	if (crit_msg_uint(msg, "nsems", &n) || n > len)
		return NULL;
	p = take(buf, len, off, 2 * n, pad_to(2 * n, 8));
	arr = p ? json_object_new_array() : NULL;
	for (i = 0; arr && i < n; i++) {
		uint16_t v;

		memcpy(&v, p + 2 * i, 2);
		if (crit_json_arr_add(arr, json_object_new_int(v))) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static int load_one_msg(struct json_object *arr, const uint8_t *buf, size_t len, size_t *off)
{
	const uint8_t *p;
	uint32_t sz;
	IpcMsg *m;
	int ret = -1;

	p = take(buf, len, off, 4, 0);
	if (!p)
		return -1;
	memcpy(&sz, p, 4);
	p = take(buf, len, off, sz, 0);
	m = p ? ipc_msg__unpack(NULL, sz, p) : NULL;
	if (!m)
		return -1;
	p = take(buf, len, off, m->msize, pad_to(m->msize, 8));
	if (p && !crit_json_arr_add(arr, crit_msg_to_json(&m->base, false)) &&
	    !crit_json_arr_add(arr, b64_json(p, m->msize)))
		ret = 0;
	ipc_msg__free_unpacked(m, NULL);
	return ret;
}

static struct json_object *load_msgs(const ProtobufCMessage *msg, const uint8_t *buf, size_t len,
				     size_t *off)
{
	struct json_object *arr = json_object_new_array();
	uint64_t n, i;

	if (!arr || crit_msg_uint(msg, "qnum", &n))
		goto out_free;
	for (i = 0; i < n; i++)
		if (load_one_msg(arr, buf, len, off))
			goto out_free;
	return arr;
out_free:
	json_object_put(arr);
	return NULL;
}

static struct json_object *load_blocks(const struct crit_kind *k, const ProtobufCMessage *msg,
				       const uint8_t *buf, size_t len, size_t *off)
{
	struct json_object *j;
	const uint8_t *p;
	uint64_t sz[2];
	size_t pad;

	if (blocks_of(k, msg, sz, &pad) || sz[0] > len || sz[1] > len)
		return NULL;
	p = take(buf, len, off, sz[0] + sz[1], pad);
	if (!p)
		return NULL;
	if (!kind_is(k, "TCP_STREAM"))
		return b64_json(p, sz[0] + sz[1]);
	j = json_object_new_object();
	if (j && (crit_json_obj_add(j, "inq", b64_json(p, sz[0])) ||
		  crit_json_obj_add(j, "outq", b64_json(p + sz[0], sz[1])))) {
		json_object_put(j);
		return NULL;
	}
	return j;
}

struct json_object *crit_extra_load(const struct crit_kind *k, const ProtobufCMessage *msg,
				    const uint8_t *buf, size_t len, size_t *off)
{
	if (kind_is(k, "IPCNS_SEM"))
		return load_sem(msg, buf, len, off);
	if (kind_is(k, "IPCNS_MSG"))
		return load_msgs(msg, buf, len, off);
	return load_blocks(k, msg, buf, len, off);
}

/* ---- JSON back to bytes ---- */

static int put_b64(struct jbuf *out, struct json_object *s, uint64_t want)
{
	uint8_t *data;
	size_t n;

	if (!json_object_is_type(s, json_type_string) ||
	    crit_b64_decode(json_object_get_string(s), json_object_get_string_len(s), &data, &n))
		return -1;
	if (want != UINT64_MAX && n != want) {
		free(data);
		return -1;
	}
	jbuf_put(out, data, n);
	free(data);
	return 0;
}

static int dump_sem(const ProtobufCMessage *msg, struct json_object *extra, struct jbuf *out)
{
	uint64_t n, i, v;

	if (crit_msg_uint(msg, "nsems", &n) || !json_object_is_type(extra, json_type_array) ||
	    json_object_array_length(extra) != n)
		return -1;
	for (i = 0; i < n; i++) {
		uint16_t w;

		if (crit_json_get_u64(json_object_array_get_idx(extra, i), &v) || v > UINT16_MAX)
			return -1;
		w = v;
		jbuf_put(out, &w, 2);
	}
	jbuf_put(out, "\0\0\0\0\0\0\0", pad_to(2 * n, 8));
	return 0;
}

static int dump_one_msg(struct json_object *mj, struct json_object *data, struct jbuf *out)
{
	ProtobufCMessage *m = crit_json_to_msg(mj, &ipc_msg__descriptor);
	uint32_t sz, msize;
	uint8_t *tmp;
	int ret = -1;

	if (!m)
		return -1;
	msize = ((IpcMsg *)m)->msize;
	sz = protobuf_c_message_get_packed_size(m);
	tmp = malloc(sz ? sz : 1);
	if (tmp) {
		protobuf_c_message_pack(m, tmp);
		jbuf_put(out, &sz, 4);
		jbuf_put(out, tmp, sz);
		ret = put_b64(out, data, msize);
		jbuf_put(out, "\0\0\0\0\0\0\0", pad_to(msize, 8));
	}
	free(tmp);
	protobuf_c_message_free_unpacked(m, NULL);
	return ret;
}

static int dump_msgs(const ProtobufCMessage *msg, struct json_object *extra, struct jbuf *out)
{
	uint64_t n, i;

	if (crit_msg_uint(msg, "qnum", &n) || !json_object_is_type(extra, json_type_array) ||
	    json_object_array_length(extra) != 2 * n)
		return -1;
	for (i = 0; i < n; i++)
		if (dump_one_msg(json_object_array_get_idx(extra, 2 * i),
				 json_object_array_get_idx(extra, 2 * i + 1), out))
			return -1;
	return 0;
}

static int dump_blocks(const struct crit_kind *k, const ProtobufCMessage *msg,
		       struct json_object *extra, struct jbuf *out)
{
	struct json_object *inq, *outq;
	uint64_t sz[2];
	size_t pad;

	if (blocks_of(k, msg, sz, &pad))
		return -1;
	if (kind_is(k, "TCP_STREAM")) {
		if (!json_object_object_get_ex(extra, "inq", &inq) ||
		    !json_object_object_get_ex(extra, "outq", &outq))
			return -1;
		return put_b64(out, inq, sz[0]) ?: put_b64(out, outq, sz[1]);
	}
	if (put_b64(out, extra, sz[0] + sz[1]))
		return -1;
	jbuf_put(out, "\0\0\0", pad);
	return 0;
}

int crit_extra_dump(const struct crit_kind *k, const ProtobufCMessage *msg,
		    struct json_object *extra, struct jbuf *out)
{
	if (!extra)
		return -1;
	if (kind_is(k, "IPCNS_SEM"))
		return dump_sem(msg, extra, out);
	if (kind_is(k, "IPCNS_MSG"))
		return dump_msgs(msg, extra, out);
	return dump_blocks(k, msg, extra, out);
}

/* A plain ghost file: the bytes to the end of the file are its content. */
struct json_object *crit_extra_load_rest(const uint8_t *buf, size_t len, size_t *off)
{
	struct json_object *j = b64_json(buf + *off, len - *off);

	*off = len;
	return j;
}

int crit_extra_dump_rest(struct json_object *extra, struct jbuf *out)
{
	return extra ? put_b64(out, extra, UINT64_MAX) : 0;
}
