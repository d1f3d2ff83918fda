/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pb-json.c - one generic walker over protobuf-c descriptors: any message to a JSON
 * object and back. The JSON shape is upstream crit's: keys are field names in field
 * number order, only fields that are set, enums by name, bytes as base64; with --pretty,
 * integers marked (criu).hex (and everything inside a message field so marked) become
 * "0x.." strings, flag fields "A | B | 0x..", device numbers "major:minor" and
 * dictionary fields their names. The reverse direction accepts all of these forms.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crit.h"

struct flag_bit {
	const char *name;
	uint64_t bit;
};

/* Bit names of the (criu).flags tables: kernel and image ABI values. */
static const struct flag_bit mmap_prot[] = {
	{ "PROT_READ", 0x1 }, { "PROT_WRITE", 0x2 }, { "PROT_EXEC", 0x4 }, { NULL }
};
static const struct flag_bit mmap_flags[] = { { "MAP_SHARED", 0x1 },
					      { "MAP_PRIVATE", 0x2 },
					      { "MAP_ANON", 0x20 },
					      { "MAP_GROWSDOWN", 0x100 },
					      { NULL } };
static const struct flag_bit mmap_status[] = {
	{ "VMA_AREA_NONE", 0 },		  { "VMA_AREA_REGULAR", 1u << 0 },
	{ "VMA_AREA_STACK", 1u << 1 },	  { "VMA_AREA_VSYSCALL", 1u << 2 },
	{ "VMA_AREA_VDSO", 1u << 3 },	  { "VMA_AREA_HEAP", 1u << 5 },
	{ "VMA_FILE_PRIVATE", 1u << 6 },  { "VMA_FILE_SHARED", 1u << 7 },
	{ "VMA_ANON_SHARED", 1u << 8 },	  { "VMA_ANON_PRIVATE", 1u << 9 },
	{ "VMA_AREA_SYSVIPC", 1u << 10 }, { "VMA_AREA_SOCKET", 1u << 11 },
	{ "VMA_AREA_VVAR", 1u << 12 },	  { "VMA_AREA_AIORING", 1u << 13 },
	{ "VMA_UNSUPP", 1u << 31 },	  { NULL }
};
static const struct flag_bit rfile_flags[] = { { "O_WRONLY", 01 },
					       { "O_RDWR", 02 },
					       { "O_CREAT", 0100 },
					       { "O_EXCL", 0200 },
					       { "O_NOCTTY", 0400 },
					       { "O_TRUNC", 01000 },
					       { "O_APPEND", 02000 },
					       { "O_NONBLOCK", 04000 },
					       { "O_DSYNC", 010000 },
					       { "FASYNC", 020000 },
					       { "O_DIRECT", 040000 },
					       { "O_LARGEFILE", 0100000 },
					       { "O_DIRECTORY", 0200000 },
					       { "O_NOFOLLOW", 0400000 },
					       { "O_NOATIME", 01000000 },
					       { "O_CLOEXEC", 02000000 },
					       { NULL } };
static const struct flag_bit pmap_flags[] = {
	{ "PE_PARENT", 1 }, { "PE_LAZY", 2 }, { "PE_PRESENT", 4 }, { NULL }
};
static const struct flag_bit seals_flags[] = {
	{ "F_SEAL_SEAL", 1 },  { "F_SEAL_SHRINK", 2 },		{ "F_SEAL_GROW", 4 },
	{ "F_SEAL_WRITE", 8 }, { "F_SEAL_FUTURE_WRITE", 0x10 }, { NULL }
};

static const struct {
	const char *name;
	const struct flag_bit *bits;
} flag_tables[] = {
	{ "mmap.prot", mmap_prot },	{ "mmap.flags", mmap_flags },
	{ "mmap.status", mmap_status }, { "rfile.flags", rfile_flags },
	{ "pmap.flags", pmap_flags },	{ "seals.flags", seals_flags },
};

/* (criu).dict tables: dictionary, field name, value, printed name. */
static const struct dict_word {
	const char *dict, *field;
	int64_t value;
	const char *name;
} dict_words[] = {
	{ "gen", "task_state", 1, "Alive" },
	{ "gen", "task_state", 3, "Zombie" },
	{ "gen", "task_state", 6, "Stopped" },
	{ "sk", "family", 1, "UNIX" },
	{ "sk", "family", 2, "INET" },
	{ "sk", "family", 10, "INET6" },
	{ "sk", "family", 16, "NETLINK" },
	{ "sk", "family", 17, "PACKET" },
	{ "sk", "type", 1, "STREAM" },
	{ "sk", "type", 2, "DGRAM" },
	{ "sk", "type", 3, "RAW" },
	{ "sk", "type", 5, "SEQPACKET" },
	{ "sk", "type", 10, "PACKET" },
	{ "sk", "state", 1, "ESTABLISHED" },
	{ "sk", "state", 2, "SYN_SENT" },
	{ "sk", "state", 3, "SYN_RECV" },
	{ "sk", "state", 4, "FIN_WAIT1" },
	{ "sk", "state", 5, "FIN_WAIT2" },
	{ "sk", "state", 6, "TIME_WAIT" },
	{ "sk", "state", 7, "CLOSE" },
	{ "sk", "state", 8, "CLOSE_WAIT" },
	{ "sk", "state", 9, "LAST_ACK" },
	{ "sk", "state", 10, "LISTEN" },
	{ "sk", "proto", 0, "IP" },
	{ "sk", "proto", 6, "TCP" },
	{ "sk", "proto", 17, "UDP" },
	{ "sk", "proto", 136, "UDPLITE" },
};

#define MINORBITS 20 /* the kernel's own dev_t split, used by (criu).dev fields */

static const struct crit_field_opts no_opts;

static const struct crit_field_opts *field_opts(const ProtobufCMessageDescriptor *d,
						const ProtobufCFieldDescriptor *f)
{
	const struct crit_field_opts *o;

	for (o = crit_field_opts; o->message; o++)
		if (!strcmp(o->message, d->name) && !strcmp(o->field, f->name))
			return o;
	return &no_opts;
}

static const struct flag_bit *flag_table(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(flag_tables) / sizeof(flag_tables[0]); i++)
		if (!strcmp(flag_tables[i].name, name))
			return flag_tables[i].bits;
	return NULL;
}

static size_t elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	default:
		return 4; /* 32-bit integers, float, enum, protobuf_c_boolean */
	}
}

static bool is_signed(ProtobufCType t)
{
	return t == PROTOBUF_C_TYPE_INT32 || t == PROTOBUF_C_TYPE_SINT32 ||
	       t == PROTOBUF_C_TYPE_SFIXED32 || t == PROTOBUF_C_TYPE_INT64 ||
	       t == PROTOBUF_C_TYPE_SINT64 || t == PROTOBUF_C_TYPE_SFIXED64;
}

/* An integer field's value, widened: signed types sign-extend. */
static uint64_t load_int(ProtobufCType t, const void *p)
{
	if (elem_size(t) == 8)
		return *(const uint64_t *)p;
	if (is_signed(t))
		return (uint64_t)(int64_t) * (const int32_t *)p;
	return *(const uint32_t *)p;
}

static struct json_object *flags_to_json(uint64_t v, const struct flag_bit *bits)
{
	struct jbuf b = { 0 };
	struct json_object *j;
	uint64_t known = 0;

	for (; bits->name; bits++) {
		known |= bits->bit;
		if (!(v & bits->bit))
			continue;
		if (b.len)
			jbuf_puts(&b, " | ");
		jbuf_puts(&b, bits->name);
	}
	if (v & ~known) {
		if (b.len)
			jbuf_puts(&b, " | ");
		jbuf_printf(&b, "0x%llx", (unsigned long long)(v & ~known));
	}
	j = b.oom ? NULL : json_object_new_string_len(b.p ? b.p : "", b.len);
	free(b.p);
	return j;
}

static struct json_object *hex_to_json(ProtobufCType t, uint64_t v)
{
	char tmp[32];

	if (is_signed(t) && (int64_t)v < 0)
		snprintf(tmp, sizeof(tmp), "-0x%llx", (unsigned long long)-(int64_t)v);
	else
		snprintf(tmp, sizeof(tmp), "0x%llx", (unsigned long long)v);
	return json_object_new_string_len(tmp, strlen(tmp));
}

static struct json_object *int_to_json(const ProtobufCFieldDescriptor *f,
				       const struct crit_field_opts *o, uint64_t v, bool pretty,
				       bool hex)
{
	char tmp[48];
	size_t i;

	if (pretty && hex)
		return hex_to_json(f->type, v);
	if (pretty && (o->dev || o->odev)) {
		unsigned long long maj, min;

		if (o->odev) {
			maj = ((v >> 8) & 0xfff) | ((v >> 32) & ~0xfffULL);
			min = (v & 0xff) | ((v >> 12) & ~0xffULL);
		} else {
			maj = v >> MINORBITS;
			min = v & ((1u << MINORBITS) - 1);
		}
		snprintf(tmp, sizeof(tmp), "%llu:%llu", maj, min);
		return json_object_new_string_len(tmp, strlen(tmp));
	}
	if (pretty && o->flags)
		return flag_table(o->flags) ? flags_to_json(v, flag_table(o->flags))
					    : hex_to_json(f->type, v);
	for (i = 0; pretty && o->dict && i < sizeof(dict_words) / sizeof(dict_words[0]); i++)
		if (!strcmp(dict_words[i].dict, o->dict) && !strcmp(dict_words[i].field, f->name) &&
		    (uint64_t)dict_words[i].value == v)
			return json_object_new_string_len(dict_words[i].name,
							  strlen(dict_words[i].name));
	return is_signed(f->type) ? json_object_new_int64((int64_t)v) : json_object_new_uint64(v);
}

/*
 * (criu).conv = "unix_name": socket names print as quoted-printable (Python's
 * quopri.encodestring, which upstream crit uses), so abstract names stay readable.
 */
#define QP_LINE 76

static void qp_put(struct jbuf *b, int c, size_t *linelen)
{
	if (*linelen + 3 >= QP_LINE) {
		jbuf_puts(b, "=\n");
		*linelen = 0;
	}
	jbuf_printf(b, "=%02X", c);
	*linelen += 3;
}

static bool qp_quoted(const uint8_t *d, size_t i, size_t len, size_t linelen)
{
	uint8_t c = d[i];
	bool last = i + 1 == len;

	return c > 126 || c == '=' ||
	       (c == '.' && !linelen &&
		(last || d[i + 1] == '\n' || d[i + 1] == '\r' || !d[i + 1])) ||
	       ((c == '\t' || c == ' ') && last) ||
	       (c < 33 && c != '\r' && c != '\n' && c != '\t' && c != ' ');
}

struct json_object *crit_qp_encode(const uint8_t *d, size_t len)
{
	struct jbuf b = {};
	size_t i, linelen = 0;
	struct json_object *j;

	for (i = 0; i < len; i++) {
		if (qp_quoted(d, i, len, linelen)) {
			qp_put(&b, d[i], &linelen);
		} else if (d[i] == '\n') {
			jbuf_put(&b, "\n", 1);
			linelen = 0;
		} else {
			if (!(i + 1 == len) && d[i + 1] != '\n' && linelen + 1 >= QP_LINE) {
				jbuf_puts(&b, "=\n");
				linelen = 0;
			}
			jbuf_put(&b, &d[i], 1);
			linelen++;
		}
	}
	j = json_object_new_string_len(b.p ? b.p : "", b.len);
	free(b.p);
	return j;
}

static int qp_decode(const char *s, size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t *o = malloc(len + 1);
	size_t i, n = 0;
	unsigned int v;

	if (!o)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] != '=') {
			o[n++] = s[i];
		} else if (i + 1 < len && s[i + 1] == '\n') {
			i++;
		} else if (i + 2 < len && sscanf(s + i + 1, "%2x", &v) == 1) {
			o[n++] = v;
			i += 2;
		}
	}
	*out = o;
	*outlen = n;
	return 0;
}

static struct json_object *msg_to_json(const ProtobufCMessage *msg, bool pretty, bool hex);

static struct json_object *value_to_json(const ProtobufCMessageDescriptor *d,
					 const ProtobufCFieldDescriptor *f, const void *p,
					 bool pretty, bool hex)
{
	const struct crit_field_opts *o = field_opts(d, f);
	const ProtobufCEnumValue *ev;
	const ProtobufCBinaryData *bin;
	struct json_object *j;
	char *s;

	hex = hex || o->hex;
	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		return msg_to_json(*(ProtobufCMessage *const *)p, pretty, hex);
	case PROTOBUF_C_TYPE_STRING:
		s = *(char *const *)p;
		return json_object_new_string_len(s, strlen(s));
	case PROTOBUF_C_TYPE_BYTES:
		bin = p;
		if (o->conv && !strcmp(o->conv, "unix_name"))
			return crit_qp_encode(bin->data, bin->len);
		s = crit_b64_encode(bin->data, bin->len);
		j = s ? json_object_new_string_len(s, strlen(s)) : NULL;
		free(s);
		return j;
	case PROTOBUF_C_TYPE_BOOL:
		return json_object_new_boolean(*(const protobuf_c_boolean *)p);
	case PROTOBUF_C_TYPE_ENUM:
		ev = protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
		return ev ? json_object_new_string_len(ev->name, strlen(ev->name))
			  : json_object_new_int64(*(const int *)p);
	case PROTOBUF_C_TYPE_FLOAT:
		return json_object_new_double(*(const float *)p);
	case PROTOBUF_C_TYPE_DOUBLE:
		return json_object_new_double(*(const double *)p);
	default:
		return int_to_json(f, o, load_int(f->type, p), pretty, hex);
	}
}

/*
 * IPv6 text as upstream crit writes it (Python's ipaddress): hex groups, the longest run of
 * two zero groups or more (the first of equal ones) as "::", never a dotted IPv4 tail
 * (inet_ntop writes ::ffff:127.0.0.1, upstream ::ffff:7f00:1).
 */
static void ip6_text(const uint8_t *b, char *out, size_t size)
{
	int best = -1, best_len = 0, run = 0, i;
	size_t o = 0;

	for (i = 0; i < 8; i++) {
		run = (b[2 * i] || b[2 * i + 1]) ? 0 : run + 1;
		if (run > best_len && run > 1) {
			best_len = run;
			best = i - run + 1;
		}
	}
	out[0] = 0;
	for (i = 0; i < 8 && o < size; i++) {
		if (i == best) {
			o += snprintf(out + o, size - o, "::");
			i += best_len - 1;
			continue;
		}
		o += snprintf(out + o, size - o, "%s%x", o && out[o - 1] != ':' ? ":" : "",
			      b[2 * i] << 8 | b[2 * i + 1]);
	}
}

/* An IPv4 (one u32) or IPv6 (four) address kept in network byte order. */
static struct json_object *ip_to_json(const uint32_t *a, size_t n)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	struct json_object *arr = json_object_new_array();

	if (n == 4)
		ip6_text((const uint8_t *)a, tmp, sizeof(tmp));
	if (!arr || (n == 1 && !inet_ntop(AF_INET, a, tmp, sizeof(tmp))) ||
	    crit_json_arr_add(arr, json_object_new_string_len(tmp, strlen(tmp)))) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

static bool field_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)msg;
	const void *ptr;

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING) {
		ptr = *(void *const *)(base + f->offset);
		return ptr && ptr != f->default_value;
	}
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
		return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
	return true;
}

static struct json_object *repeated_to_json(const ProtobufCMessage *msg,
					    const ProtobufCFieldDescriptor *f, bool pretty,
					    bool hex)
{
	const char *base = (const char *)msg;
	size_t n = *(const size_t *)(base + f->quantifier_offset), i;
	const char *arr = *(char *const *)(base + f->offset);
	struct json_object *j;

	if (pretty && field_opts(msg->descriptor, f)->ipadd && elem_size(f->type) == 4 &&
	    (n == 1 || n >= 4))
		return ip_to_json((const uint32_t *)arr, n == 1 ? 1 : 4);
	j = json_object_new_array();
	for (i = 0; j && i < n; i++)
		if (crit_json_arr_add(j, value_to_json(msg->descriptor, f,
						       arr + i * elem_size(f->type), pretty, hex)))
			goto out_free;
	return j;
out_free:
	json_object_put(j);
	return NULL;
}

static struct json_object *msg_to_json(const ProtobufCMessage *msg, bool pretty, bool hex)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	struct json_object *obj = json_object_new_object();
	unsigned int i;

	for (i = 0; obj && i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		struct json_object *v;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			if (!*(const size_t *)((const char *)msg + f->quantifier_offset))
				continue;
			v = repeated_to_json(msg, f, pretty, hex);
		} else if (field_present(msg, f)) {
			v = value_to_json(d, f, (const char *)msg + f->offset, pretty, hex);
		} else {
			continue;
		}
		if (crit_json_obj_add(obj, f->name, v)) {
			json_object_put(obj);
			return NULL;
		}
	}
	return obj;
}

struct json_object *crit_msg_to_json(const ProtobufCMessage *msg, bool pretty)
{
	struct json_object *j = msg_to_json(msg, pretty, false);

	if (!j)
		crit_err("out of memory converting a %s entry", msg->descriptor->name);
	return j;
}

/* ---- JSON to message ---- */

/* Python's int(s, 0): optional sign, 0x/0o/0b prefix or plain decimal. */
static int parse_int0(const char *s, uint64_t *mag, bool *neg)
{
	int base = 10;
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	*neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2;
	if (base != 10)
		s += 2;
	if (!((*s >= '0' && *s <= '9') || (base == 16 && strchr("abcdefABCDEF", *s) && *s)))
		return -1;
	errno = 0;
	*mag = strtoull(s, &end, base);
	while (*end == ' ' || *end == '\t')
		end++;
	return errno || *end ? -1 : 0;
}

static int unmap_flags(const char *s, const struct flag_bit *bits, uint64_t *out)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int ret = 0;

	*out = 0;
	if (!copy)
		return -1;
	for (tok = strtok_r(copy, "|", &save); tok && !ret; tok = strtok_r(NULL, "|", &save)) {
		const struct flag_bit *b;
		uint64_t v;
		bool neg;
		char *end = tok + strlen(tok);

		while (*tok == ' ')
			tok++;
		while (end > tok && end[-1] == ' ')
			*--end = '\0';
		for (b = bits; b->name && strcmp(b->name, tok); b++)
			;
		if (b->name)
			*out |= b->bit;
		else if (parse_int0(tok, &v, &neg) || neg)
			ret = -1;
		else
			*out |= v;
	}
	free(copy);
	return ret;
}

/* A string form of an integer field back to its value (see int_to_json). */
static int int_from_string(const ProtobufCFieldDescriptor *f, const struct crit_field_opts *o,
			   const char *s, uint64_t *v, bool *neg)
{
	unsigned long long maj, min;
	size_t i;
	char c;

	*neg = false;
	if ((o->dev || o->odev) && sscanf(s, "%llu:%llu%c", &maj, &min, &c) == 2) {
		if (o->odev)
			*v = ((maj & 0xfff) << 8) | ((maj & ~0xfffULL) << 32) | (min & 0xff) |
			     ((min & ~0xffULL) << 12);
		else
			*v = (maj << MINORBITS) | min;
		return 0;
	}
	if (o->flags && flag_table(o->flags))
		return unmap_flags(s, flag_table(o->flags), v);
	for (i = 0; o->dict && i < sizeof(dict_words) / sizeof(dict_words[0]); i++) {
		if (!strcmp(dict_words[i].dict, o->dict) && !strcmp(dict_words[i].field, f->name) &&
		    !strcmp(dict_words[i].name, s)) {
			*v = dict_words[i].value;
			return 0;
		}
	}
	return parse_int0(s, v, neg);
}

static int store_int(const ProtobufCFieldDescriptor *f, void *p, uint64_t mag, bool neg)
{
	bool sig = is_signed(f->type);
	bool wide = elem_size(f->type) == 8;

	if (neg && !sig)
		return -1;
	if (neg) {
		if (mag > (wide ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT32_MAX + 1))
			return -1;
	} else if (mag > (wide ? (sig ? (uint64_t)INT64_MAX : UINT64_MAX)
			       : (sig ? (uint64_t)INT32_MAX : UINT32_MAX))) {
		return -1;
	}
	if (wide)
		*(uint64_t *)p = neg ? -mag : mag;
	else
		*(uint32_t *)p = (uint32_t)(neg ? -mag : mag);
	return 0;
}

static int json_to_int(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
		       struct json_object *v, void *p)
{
	uint64_t mag;
	int64_t sv;
	bool neg = false;

	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);

		if (strlen(s) != (size_t)json_object_get_string_len(v) ||
		    int_from_string(f, field_opts(d, f), s, &mag, &neg))
			return -1;
	} else if (!crit_json_get_i64(v, &sv) && sv < 0) {
		neg = true;
		mag = -(uint64_t)sv;
	} else if (crit_json_get_u64(v, &mag)) {
		return -1;
	}
	return store_int(f, p, mag, neg);
}

static ProtobufCMessage *json_to_msg(struct json_object *obj, const ProtobufCMessageDescriptor *d,
				     int depth);

/* One value of field f from JSON into p. Returns 0 or -1 (caller reports). */
static int json_to_value(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
			 struct json_object *v, void *p, int depth)
{
	const ProtobufCEnumValue *ev;
	ProtobufCBinaryData *bin = p;
	int64_t iv;

	switch (f->type) {
	case PROTOBUF_C_TYPE_MESSAGE:
		*(ProtobufCMessage **)p = json_to_msg(v, f->descriptor, depth + 1);
		return *(ProtobufCMessage **)p ? 0 : -2;
	case PROTOBUF_C_TYPE_STRING:
		if (!json_object_is_type(v, json_type_string) ||
		    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
			return -1;
		*(char **)p = strdup(json_object_get_string(v));
		return *(char **)p ? 0 : -1;
	case PROTOBUF_C_TYPE_BYTES:
		if (!json_object_is_type(v, json_type_string))
			return -1;
		if (field_opts(d, f)->conv && !strcmp(field_opts(d, f)->conv, "unix_name"))
			return qp_decode(json_object_get_string(v), json_object_get_string_len(v),
					 &bin->data, &bin->len);
		return crit_b64_decode(json_object_get_string(v), json_object_get_string_len(v),
				       &bin->data, &bin->len);
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return -1;
		*(protobuf_c_boolean *)p = json_object_get_boolean(v);
		return 0;
	case PROTOBUF_C_TYPE_ENUM:
		if (json_object_is_type(v, json_type_string))
			ev = protobuf_c_enum_descriptor_get_value_by_name(
				f->descriptor, json_object_get_string(v));
		else if (!crit_json_get_i64(v, &iv) && iv >= INT32_MIN && iv <= INT32_MAX)
			ev = protobuf_c_enum_descriptor_get_value(f->descriptor, (int)iv);
		else
			ev = NULL;
		if (!ev)
			return -1;
		*(int *)p = ev->value;
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_DOUBLE:
		if (!json_object_is_type(v, json_type_double) &&
		    !json_object_is_type(v, json_type_int))
			return -1;
		if (f->type == PROTOBUF_C_TYPE_FLOAT)
			*(float *)p = json_object_get_double(v);
		else
			*(double *)p = json_object_get_double(v);
		return 0;
	default:
		return json_to_int(d, f, v, p);
	}
}

/* An "a.b.c.d" or IPv6 string back to its u32 words in network order. */
static int ip_from_json(struct json_object *arr, uint32_t **words, size_t *n)
{
	uint32_t a[4];

	struct json_object *s = json_object_array_get_idx(arr, 0);

	if (json_object_array_length(arr) != 1 || !json_object_is_type(s, json_type_string))
		return -1;
	if (inet_pton(AF_INET, json_object_get_string(s), a) == 1)
		*n = 1;
	else if (inet_pton(AF_INET6, json_object_get_string(s), a) == 1)
		*n = 4;
	else
		return -1;
	*words = malloc(*n * sizeof(uint32_t));
	if (!*words)
		return -1;
	memcpy(*words, a, *n * sizeof(uint32_t));
	return 0;
}

static int json_to_repeated(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
			    struct json_object *v, int depth)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	size_t *count = (size_t *)((char *)msg + f->quantifier_offset);
	char **arr = (char **)((char *)msg + f->offset);
	size_t esz = elem_size(f->type), i, n;
	int ret;

	if (!json_object_is_type(v, json_type_array))
		return -1;
	n = json_object_array_length(v);
	if (n && json_object_is_type(json_object_array_get_idx(v, 0), json_type_string) &&
	    field_opts(d, f)->ipadd && esz == 4)
		return ip_from_json(v, (uint32_t **)arr, count);
	if (!n)
		return 0;
	*arr = calloc(n, esz);
	if (!*arr)
		return -1;
	for (i = 0; i < n; i++) {
		ret = json_to_value(d, f, json_object_array_get_idx(v, i), *arr + i * esz, depth);
		if (ret)
			return ret;
		*count = i + 1; /* only filled elements are ever freed */
	}
	return 0;
}

static int json_to_field(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
			 struct json_object *v, int depth)
{
	char *base = (char *)msg;
	int ret;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return json_to_repeated(msg, f, v, depth);
	/* json-c keeps one value per key, so each field is set once here */
	if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
		*(void **)(base + f->offset) = NULL; /* never free a default */
	ret = json_to_value(msg->descriptor, f, v, base + f->offset, depth);
	if (ret)
		return ret;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		*(uint32_t *)(base + f->quantifier_offset) = f->id;
	else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
		 f->type != PROTOBUF_C_TYPE_MESSAGE)
		*(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
	return 0;
}

static int check_required(struct json_object *obj, const ProtobufCMessageDescriptor *d)
{
	unsigned int i;

	for (i = 0; i < d->n_fields; i++) {
		if (d->fields[i].label == PROTOBUF_C_LABEL_REQUIRED &&
		    !json_object_object_get_ex(obj, d->fields[i].name, NULL)) {
			crit_err("%s: required field \"%s\" is missing", d->name,
				 d->fields[i].name);
			return -1;
		}
	}
	return 0;
}

static ProtobufCMessage *json_to_msg(struct json_object *obj, const ProtobufCMessageDescriptor *d,
				     int depth)
{
	ProtobufCMessage *msg;
	int ret;

	if (!json_object_is_type(obj, json_type_object) || depth > 64) {
		crit_err("%s: expected a JSON object", d->name);
		return NULL;
	}
	if (check_required(obj, d))
		return NULL;
	msg = calloc(1, d->sizeof_message);
	if (!msg) {
		crit_err("out of memory");
		return NULL;
	}
	d->message_init(msg);
	json_object_object_foreach(obj, key, val)
	{
		const ProtobufCFieldDescriptor *f;

		f = protobuf_c_message_descriptor_get_field_by_name(d, key);
		if (!f) {
			crit_err("%s: no field named \"%s\"", d->name, key);
			goto out_free;
		}
		ret = json_to_field(msg, f, val, depth);
		if (ret == -1)
			crit_err("%s.%s: bad value for a field of this type", d->name, f->name);
		if (ret)
			goto out_free;
	}
	return msg;
out_free:
	protobuf_c_message_free_unpacked(msg, NULL);
	return NULL;
}

ProtobufCMessage *crit_json_to_msg(struct json_object *obj, const ProtobufCMessageDescriptor *d)
{
	return json_to_msg(obj, d, 0);
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *crit_b64_encode(const uint8_t *data, size_t len)
{
	struct jbuf b = { 0 };
	size_t i, col = 0;

	for (i = 0; i < len; i += 3) {
		uint32_t w = data[i] << 16;
		char q[4];

		if (i + 1 < len)
			w |= data[i + 1] << 8;
		if (i + 2 < len)
			w |= data[i + 2];
		q[0] = b64[(w >> 18) & 63];
		q[1] = b64[(w >> 12) & 63];
		q[2] = i + 1 < len ? b64[(w >> 6) & 63] : '=';
		q[3] = i + 2 < len ? b64[w & 63] : '=';
		jbuf_put(&b, q, 4);
		col += 4;
		if (col == 76) { /* 57 input bytes a line, as Python's encodebytes */
			jbuf_put(&b, "\n", 1);
			col = 0;
		}
	}
	if (col)
		jbuf_put(&b, "\n", 1);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p ? b.p : strdup("");
}

int crit_b64_decode(const char *s, size_t slen, uint8_t **out, size_t *outlen)
{
	uint8_t *o = malloc(slen / 4 * 3 + 3);
	uint32_t w = 0;
	size_t i, n = 0, q = 0, pad = 0;

	if (!o)
		return -1;
	for (i = 0; i < slen; i++) {
		const char *c;

		if (s[i] == '\n' || s[i] == '\r' || s[i] == ' ')
			continue;
		if (s[i] == '=') {
			pad++;
			w <<= 6;
		} else if (pad || !s[i] || !(c = strchr(b64, s[i]))) {
			goto out_bad;
		} else {
			w = (w << 6) | (uint32_t)(c - b64);
		}
		if (++q == 4) {
			if (pad > 2)
				goto out_bad;
			o[n++] = w >> 16;
			if (pad < 2)
				o[n++] = w >> 8;
			if (pad < 1)
				o[n++] = w;
			q = 0;
			w = 0;
		}
	}
	if (q)
		goto out_bad;
	*out = o;
	*outlen = n;
	return 0;
out_bad:
	free(o);
	return -1;
}
