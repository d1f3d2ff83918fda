/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crit.h - the image inspection tool: image bytes <-> JSON through the protobuf-c
 * descriptors, one generic walker for every image kind.
 *
 * Images are untrusted: every decoder works on a buffer in memory, checks each length
 * against what is left before using it, and reports the first problem through crit_err()
 * (one line naming the input) instead of crashing. Nothing here exits; main.c does.
 * May call: json.h (json-c), protobuf-c, libc.
 */
#ifndef CRIT_H
#define CRIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "json.h"

/* (criu) field options of one field, from the .proto text (generated table). */
struct crit_field_opts {
	const char *message; /* full message name, as in ProtobufCMessageDescriptor.name */
	const char *field;
	bool hex, ipadd, dev, odev;
	const char *flags, *dict, *conv;
};

struct crit_magic {
	const char *name; /* as upstream crit prints it: CORE, PAGEMAP, IMG_COMMON, ... */
	uint32_t value;
};

/* What an image kind's entries hold. */
struct crit_kind {
	const char *name;
	const ProtobufCMessageDescriptor *first; /* the first entry (and the rest if !rest) */
	const ProtobufCMessageDescriptor *rest;
	const char
		*extra_len; /* field sizing the raw data after each entry (img-extra.c), or NULL */
};

extern const struct crit_field_opts crit_field_opts[];
extern const struct crit_magic crit_magics[];
extern const struct crit_kind crit_kinds[];

/* Report a problem (printf-style, one line, no trailing newline needed) to stderr. */
void crit_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* pb-json.c: one message <-> one JSON object. */
struct json_object *crit_msg_to_json(const ProtobufCMessage *msg, bool pretty);
/* Returns NULL (after crit_err) on any mismatch with the descriptor. */
ProtobufCMessage *crit_json_to_msg(struct json_object *obj, const ProtobufCMessageDescriptor *d);

/* base64 as Python's base64.encodebytes writes it: 76-column lines, each ending in '\n'. */
char *crit_b64_encode(const uint8_t *data, size_t len);
/* Quoted-printable, as upstream prints unix socket names (conv "unix_name"). */
struct json_object *crit_qp_encode(const uint8_t *data, size_t len);
int crit_b64_decode(const char *s, size_t slen, uint8_t **out, size_t *outlen);

/* img-json.c: a whole image file. `what` names the input in errors. */
struct json_object *crit_image_to_json(const uint8_t *buf, size_t len, bool pretty,
				       const char *what);
/* Appends the image bytes to *out. Returns 0 or -1 (after crit_err). */
int crit_json_to_image(struct json_object *img, struct jbuf *out, const char *what);
/* Magic name and entry count, as `crit info` prints them. */
struct json_object *crit_image_info(const uint8_t *buf, size_t len, const char *what);

/* img-extra.c: the raw data after an entry of kind k, to JSON (NULL if malformed) and back. */
struct json_object *crit_extra_load(const struct crit_kind *k, const ProtobufCMessage *msg,
				    const uint8_t *buf, size_t len, size_t *off);
int crit_extra_dump(const struct crit_kind *k, const ProtobufCMessage *msg,
		    struct json_object *extra, struct jbuf *out);
/* ...and a plain ghost file's content: everything to the end of the file. */
struct json_object *crit_extra_load_rest(const uint8_t *buf, size_t len, size_t *off);
int crit_extra_dump_rest(struct json_object *extra, struct jbuf *out);
/* An unsigned integer field of msg (an unset optional one reads 0). Returns 0 or -1. */
int crit_msg_uint(const ProtobufCMessage *msg, const char *field, uint64_t *v);

const struct crit_kind *crit_kind_by_name(const char *name);
const struct crit_magic *crit_magic_by_value(uint32_t value);
const struct crit_magic *crit_magic_by_name(const char *name);

/* Read a whole file ("-" or NULL: stdin) into memory. Returns 0 or -1. */
int crit_read_file(const char *path, uint8_t **buf, size_t *len);

/* explore.c: `crit x DIR WHAT`. Returns 0 or -1. */
int crit_explore(const char *dir, const char *what);
/* crit verify DIR (verify.c): 0 when every file matches checksums.img, else -1 */
int crit_verify(const char *dir);

#endif /* CRIT_H */
