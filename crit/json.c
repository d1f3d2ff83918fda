/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.c - around json-c: the byte buffer, container adders, the strict parser setup,
 * integer readers, and the writer whose output matches Python's json.dump byte for byte
 * for the values crit produces. Bytes of a string that are not valid UTF-8 are written as
 * \udcXX (Python's surrogateescape); json-c reads such an escape back as U+FFFD.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void jbuf_put(struct jbuf *b, const void *p, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *np;

		while (cap < b->len + len + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void jbuf_puts(struct jbuf *b, const char *s)
{
	jbuf_put(b, s, strlen(s));
}

void jbuf_printf(struct jbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->oom = true; /* only short, fixed formats come here */
		return;
	}
	jbuf_put(b, tmp, n);
}

int crit_json_obj_add(struct json_object *obj, const char *key, struct json_object *v)
{
	if (!v)
		return -1;
	if (json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int crit_json_arr_add(struct json_object *arr, struct json_object *v)
{
	if (!v)
		return -1;
	if (json_object_array_add(arr, v)) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

struct json_object *crit_json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(CRIT_JSON_DEPTH);
	enum json_tokener_error jerr;
	struct json_object *v;

	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	v = len <= INT32_MAX ? json_tokener_parse_ex(tok, text, (int)len) : NULL;
	jerr = json_tokener_get_error(tok);
	if (v && jerr == json_tokener_success && json_tokener_get_parse_end(tok) < len) {
		/* only white space may follow the document */
		size_t at = json_tokener_get_parse_end(tok);

		while (at < len && strchr(" \t\r\n", text[at]))
			at++;
		if (at < len) {
			snprintf(err, errlen, "extra data at byte %zu", at);
			json_object_put(v);
			v = NULL;
		}
	} else if (!v || jerr != json_tokener_success) {
		snprintf(err, errlen, "%s at byte %zu",
			 jerr == json_tokener_continue ? "the text ends early"
						       : json_tokener_error_desc(jerr),
			 json_tokener_get_parse_end(tok));
		json_object_put(v);
		v = NULL;
	}
	json_tokener_free(tok);
	return v;
}

int crit_json_get_u64(struct json_object *v, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return -1;
	*out = json_object_get_uint64(v);
	return 0;
}

int crit_json_get_i64(struct json_object *v, int64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	/* an unsigned value beyond INT64_MAX reads as INT64_MAX: not an int64 */
	if (*out == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX)
		return -1;
	return 0;
}

/* ---- writer ---- */

/* Length of a valid UTF-8 sequence at s (1..4) and its code point, or 0 if invalid. */
static int utf8_seq(const unsigned char *s, size_t left, unsigned int *cp)
{
	int n, i;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (left < (size_t)n)
		return 0;
	*cp = s[0] & (0x3f >> (n - 1));
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && *cp < 0x800) || (n == 4 && (*cp < 0x10000 || *cp > 0x10ffff)) ||
	    (*cp >= 0xd800 && *cp < 0xe000))
		return 0;
	return n;
}

/* One byte that is not printable ASCII (i already past it): Python's escape for it. */
static size_t write_escape(struct jbuf *b, const unsigned char *s, size_t i, size_t len)
{
	static const char simple[][3] = {
		['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\r'] = "\\r",
		['\t'] = "\\t", ['\b'] = "\\b",	 ['\f'] = "\\f"
	};
	unsigned char c = s[i - 1];
	unsigned int cp;
	int n;

	if (c < sizeof(simple) / sizeof(simple[0]) && simple[c][0]) {
		jbuf_puts(b, simple[c]);
		return i;
	}
	if (c < 0x80) {
		jbuf_printf(b, "\\u%04x", c);
		return i;
	}
	n = utf8_seq(s + i - 1, len - i + 1, &cp);
	if (!n) {
		jbuf_printf(b, "\\u%04x", 0xdc00 | c);
		return i;
	}
	if (cp >= 0x10000) {
		cp -= 0x10000;
		jbuf_printf(b, "\\u%04x\\u%04x", 0xd800 | (cp >> 10), 0xdc00 | (cp & 0x3ff));
	} else {
		jbuf_printf(b, "\\u%04x", cp);
	}
	return i + n - 1;
}

static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static void write_string(struct jbuf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, j;

	jbuf_put(b, "\"", 1);
	while (i < len) {
		for (j = i; j < len && plain(s[j]); j++)
			;
		jbuf_put(b, s + i, j - i);
		i = j;
		if (i < len)
			i = write_escape(b, s, i + 1, len);
	}
	jbuf_put(b, "\"", 1);
}

static void write_indent(struct jbuf *b, int level)
{
	int i;

	jbuf_put(b, "\n", 1);
	for (i = 0; i < level; i++)
		jbuf_put(b, "    ", 4);
}

static void write_value(struct jbuf *b, struct json_object *v, bool pretty, int level);

static void write_item(struct jbuf *b, const char *key, struct json_object *v, bool first,
		       bool pretty, int level)
{
	if (!first)
		jbuf_puts(b, pretty ? "," : ", ");
	if (pretty)
		write_indent(b, level + 1);
	if (key) {
		write_string(b, key, strlen(key));
		jbuf_puts(b, ": ");
	}
	write_value(b, v, pretty, level + 1);
}

static void write_container(struct jbuf *b, struct json_object *v, bool pretty, int level)
{
	bool obj = json_object_is_type(v, json_type_object);
	size_t i, n = 0;

	jbuf_put(b, obj ? "{" : "[", 1);
	if (obj) {
		json_object_object_foreach(v, key, val)
			write_item(b, key, val, !n++, pretty, level);
	} else {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			write_item(b, NULL, json_object_array_get_idx(v, i), !i, pretty, level);
	}
	if (pretty && n)
		write_indent(b, level);
	jbuf_put(b, obj ? "}" : "]", 1);
}

static void write_value(struct jbuf *b, struct json_object *v, bool pretty, int level)
{
	int64_t i;

	switch (json_object_get_type(v)) {
	case json_type_null:
		jbuf_puts(b, "null");
		return;
	case json_type_boolean:
		jbuf_puts(b, json_object_get_boolean(v) ? "true" : "false");
		return;
	case json_type_int:
		i = json_object_get_int64(v);
		if (i < 0)
			jbuf_printf(b, "%lld", (long long)i);
		else
			jbuf_printf(b, "%llu", (unsigned long long)json_object_get_uint64(v));
		return;
	case json_type_double:
		jbuf_printf(b, "%.17g", json_object_get_double(v));
		return;
	case json_type_string:
		write_string(b, json_object_get_string(v), json_object_get_string_len(v));
		return;
	case json_type_object:
	case json_type_array:
		write_container(b, v, pretty, level);
		return;
	}
}

void crit_json_write(struct jbuf *b, struct json_object *v, bool pretty)
{
	write_value(b, v, pretty, 0);
}
