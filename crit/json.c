/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.c - crit's JSON: values, a strict recursive-descent parser with a depth limit,
 * and a writer whose output matches Python's json.dump byte for byte for the values
 * crit produces. Bytes that are not valid UTF-8 are written as \udcXX escapes (Python's
 * surrogateescape) and read back as the same bytes, so any protobuf string round-trips.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_MAX_DEPTH 256

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

struct jval *json_new(enum jtype type)
{
	struct jval *v = calloc(1, sizeof(*v));

	if (v)
		v->type = type;
	return v;
}

struct jval *json_str(const char *s, size_t len)
{
	struct jval *v = json_new(J_STR);

	if (!v)
		return NULL;
	v->s = malloc(len + 1);
	if (!v->s) {
		free(v);
		return NULL;
	}
	memcpy(v->s, s, len);
	v->s[len] = '\0';
	v->len = len;
	return v;
}

struct jval *json_numf(const char *fmt, ...)
{
	struct jval *v = json_new(J_NUM);
	va_list ap;
	int n;

	if (!v)
		return NULL;
	va_start(ap, fmt);
	n = vasprintf(&v->s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		free(v);
		return NULL;
	}
	return v;
}

struct jval *json_num_u64(uint64_t v)
{
	return json_numf("%llu", (unsigned long long)v);
}

struct jval *json_num_i64(int64_t v)
{
	return json_numf("%lld", (long long)v);
}

static int json_grow(struct jval *c, bool keys)
{
	size_t cap;
	void *p;

	if (c->n < c->cap)
		return 0;
	cap = c->cap ? c->cap * 2 : 8;
	p = realloc(c->items, cap * sizeof(*c->items));
	if (!p)
		return -1;
	c->items = p;
	if (keys) {
		p = realloc(c->keys, cap * sizeof(*c->keys));
		if (!p)
			return -1;
		c->keys = p;
	}
	c->cap = cap;
	return 0;
}

int json_arr_add(struct jval *arr, struct jval *v)
{
	if (!v || json_grow(arr, false)) {
		json_free(v);
		return -1;
	}
	arr->items[arr->n++] = v;
	return 0;
}

int json_obj_add(struct jval *obj, const char *key, struct jval *v)
{
	char *k = strdup(key);

	if (!v || !k || json_grow(obj, true)) {
		free(k);
		json_free(v);
		return -1;
	}
	obj->keys[obj->n] = k;
	obj->items[obj->n++] = v;
	return 0;
}

const struct jval *json_obj_get(const struct jval *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != J_OBJ)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return obj->items[i];
	return NULL;
}

void json_free(struct jval *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		json_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

/* ---- parser ---- */

struct jparser {
	const char *p, *end;
	int line;
	char *err;
	size_t errlen;
	int depth;
};

static struct jval *parse_value(struct jparser *ps);

static void *perr(struct jparser *ps, const char *what)
{
	if (!ps->err[0])
		snprintf(ps->err, ps->errlen, "line %d: %s", ps->line, what);
	return NULL;
}

static void skip_ws(struct jparser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
		if (*ps->p == '\n')
			ps->line++;
		ps->p++;
	}
}

static int hex4(struct jparser *ps, unsigned int *out)
{
	unsigned int v = 0;
	int i;

	if (ps->end - ps->p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = *ps->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct jbuf *b, unsigned int cp)
{
	char u[4];

	if (cp < 0x80) {
		u[0] = cp;
		jbuf_put(b, u, 1);
	} else if (cp < 0x800) {
		u[0] = 0xc0 | (cp >> 6);
		u[1] = 0x80 | (cp & 0x3f);
		jbuf_put(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = 0xe0 | (cp >> 12);
		u[1] = 0x80 | ((cp >> 6) & 0x3f);
		u[2] = 0x80 | (cp & 0x3f);
		jbuf_put(b, u, 3);
	} else {
		u[0] = 0xf0 | (cp >> 18);
		u[1] = 0x80 | ((cp >> 12) & 0x3f);
		u[2] = 0x80 | ((cp >> 6) & 0x3f);
		u[3] = 0x80 | (cp & 0x3f);
		jbuf_put(b, u, 4);
	}
}

/* \uXXXX (the "\u" consumed): surrogate pairs join; a lone \udcXX is the raw byte XX. */
static int parse_uescape(struct jparser *ps, struct jbuf *b)
{
	unsigned int cp, lo;

	if (hex4(ps, &cp))
		return -1;
	if (cp >= 0xd800 && cp < 0xdc00) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
			return -1;
		ps->p += 2;
		if (hex4(ps, &lo) || lo < 0xdc00 || lo >= 0xe000)
			return -1;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	} else if (cp >= 0xdc00 && cp < 0xe000) {
		char raw = cp & 0xff;

		if (cp < 0xdc80 || cp > 0xdcff)
			return -1;
		jbuf_put(b, &raw, 1);
		return 0;
	}
	put_utf8(b, cp);
	return 0;
}

static struct jval *parse_string(struct jparser *ps)
{
	struct jbuf b = { 0 };
	struct jval *v;

	ps->p++; /* the opening quote */
	while (ps->p < ps->end && *ps->p != '"') {
		char c = *ps->p++;

		if ((unsigned char)c < 0x20)
			goto out_bad;
		if (c != '\\') {
			jbuf_put(&b, &c, 1);
			continue;
		}
		if (ps->p >= ps->end)
			goto out_bad;
		c = *ps->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			break;
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u':
			if (parse_uescape(ps, &b))
				goto out_bad;
			continue;
		default:
			goto out_bad;
		}
		jbuf_put(&b, &c, 1);
	}
	if (ps->p >= ps->end)
		goto out_bad;
	ps->p++;
	if (b.oom)
		goto out_bad;
	v = json_str(b.p ? b.p : "", b.len);
	free(b.p);
	return v ? v : perr(ps, "out of memory");
out_bad:
	free(b.p);
	return perr(ps, "bad string");
}

static bool is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static struct jval *parse_number(struct jparser *ps)
{
	const char *s = ps->p;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (!is_digit(ps->p, ps->end))
		return perr(ps, "bad number");
	if (*ps->p == '0')
		ps->p++;
	else
		while (is_digit(ps->p, ps->end))
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (!is_digit(ps->p, ps->end))
			return perr(ps, "bad number");
		while (is_digit(ps->p, ps->end))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps->p, ps->end))
			return perr(ps, "bad number");
		while (is_digit(ps->p, ps->end))
			ps->p++;
	}
	return json_numf("%.*s", (int)(ps->p - s), s);
}

static struct jval *parse_container(struct jparser *ps, bool obj)
{
	struct jval *c = json_new(obj ? J_OBJ : J_ARR);
	char close = obj ? '}' : ']';

	if (!c)
		return perr(ps, "out of memory");
	if (++ps->depth > JSON_MAX_DEPTH)
		goto out_err;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return c;
	}
	for (;;) {
		struct jval *key = NULL, *v;

		skip_ws(ps);
		if (obj) {
			if (ps->p >= ps->end || *ps->p != '"')
				goto out_err;
			key = parse_string(ps);
			if (!key)
				goto out_err;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				json_free(key);
				goto out_err;
			}
			ps->p++;
		}
		v = parse_value(ps);
		if (!v || (obj ? json_obj_add(c, key->s, v) : json_arr_add(c, v))) {
			json_free(key);
			goto out_err;
		}
		json_free(key);
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return c;
		}
		goto out_err;
	}
out_err:
	json_free(c);
	return perr(ps, ps->depth > JSON_MAX_DEPTH ? "nested too deep" : "syntax error");
}

static struct jval *parse_word(struct jparser *ps, const char *word, enum jtype t, bool b)
{
	size_t n = strlen(word);
	struct jval *v;

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return perr(ps, "syntax error");
	ps->p += n;
	v = json_new(t);
	if (v)
		v->b = b;
	return v;
}

static struct jval *parse_value(struct jparser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return perr(ps, "unexpected end of input");
	switch (*ps->p) {
	case '{':
		return parse_container(ps, true);
	case '[':
		return parse_container(ps, false);
	case '"':
		return parse_string(ps);
	case 't':
		return parse_word(ps, "true", J_BOOL, true);
	case 'f':
		return parse_word(ps, "false", J_BOOL, false);
	case 'n':
		return parse_word(ps, "null", J_NULL, false);
	default:
		return parse_number(ps);
	}
}

struct jval *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct jparser ps = { text, text + len, 1, err, errlen, 0 };
	struct jval *v;

	err[0] = '\0';
	v = parse_value(&ps);
	if (!v)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		json_free(v);
		return perr(&ps, "trailing data after the JSON value");
	}
	return v;
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

static void write_string(struct jbuf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	jbuf_put(b, "\"", 1);
	while (i < len) {
		unsigned char c = s[i];
		unsigned int cp;
		int n;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			size_t j = i;

			while (j < len && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' &&
			       s[j] != '\\')
				j++;
			jbuf_put(b, s + i, j - i);
			i = j;
			continue;
		}
		i++;
		switch (c) {
		case '"':
			jbuf_puts(b, "\\\"");
			continue;
		case '\\':
			jbuf_puts(b, "\\\\");
			continue;
		case '\n':
			jbuf_puts(b, "\\n");
			continue;
		case '\r':
			jbuf_puts(b, "\\r");
			continue;
		case '\t':
			jbuf_puts(b, "\\t");
			continue;
		case '\b':
			jbuf_puts(b, "\\b");
			continue;
		case '\f':
			jbuf_puts(b, "\\f");
			continue;
		}
		if (c < 0x80) {
			jbuf_printf(b, "\\u%04x", c);
			continue;
		}
		n = utf8_seq(s + i - 1, len - i + 1, &cp);
		if (!n) {
			jbuf_printf(b, "\\u%04x", 0xdc00 | c);
			continue;
		}
		i += n - 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			jbuf_printf(b, "\\u%04x\\u%04x", 0xd800 | (cp >> 10),
				    0xdc00 | (cp & 0x3ff));
		} else {
			jbuf_printf(b, "\\u%04x", cp);
		}
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

static void write_value(struct jbuf *b, const struct jval *v, bool pretty, int level)
{
	size_t i;

	switch (v->type) {
	case J_NULL:
		jbuf_puts(b, "null");
		return;
	case J_BOOL:
		jbuf_puts(b, v->b ? "true" : "false");
		return;
	case J_NUM:
		jbuf_puts(b, v->s);
		return;
	case J_STR:
		write_string(b, v->s, v->len);
		return;
	case J_ARR:
	case J_OBJ:
		break;
	}
	jbuf_put(b, v->type == J_OBJ ? "{" : "[", 1);
	for (i = 0; i < v->n; i++) {
		if (i)
			jbuf_puts(b, pretty ? "," : ", ");
		if (pretty)
			write_indent(b, level + 1);
		if (v->type == J_OBJ) {
			write_string(b, v->keys[i], strlen(v->keys[i]));
			jbuf_puts(b, ": ");
		}
		write_value(b, v->items[i], pretty, level + 1);
	}
	if (pretty && v->n)
		write_indent(b, level);
	jbuf_put(b, v->type == J_OBJ ? "}" : "]", 1);
}

void json_write(struct jbuf *b, const struct jval *v, bool pretty)
{
	write_value(b, v, pretty, 0);
}

/* ---- numbers ---- */

static bool is_integer_literal(const struct jval *v)
{
	return v && v->type == J_NUM && !strpbrk(v->s, ".eE");
}

int json_get_u64(const struct jval *v, uint64_t *out)
{
	char *end;

	if (!is_integer_literal(v) || v->s[0] == '-')
		return -1;
	errno = 0;
	*out = strtoull(v->s, &end, 10);
	return errno || *end ? -1 : 0;
}

int json_get_i64(const struct jval *v, int64_t *out)
{
	char *end;

	if (!is_integer_literal(v))
		return -1;
	errno = 0;
	*out = strtoll(v->s, &end, 10);
	return errno || *end ? -1 : 0;
}
