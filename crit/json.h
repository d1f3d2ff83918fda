/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - crit's JSON is json-c's (values, parser); this adds what crit needs around it:
 * a writer that prints what Python's json.dump prints (indent 4 or one line, ", " and ": "
 * separators, ensure_ascii escaping), so our JSON is upstream crit's byte for byte, and
 * strict integer readers. json-c keeps an object's keys in insertion order (crit prints
 * fields in field-number order) and 64-bit integers, signed and unsigned, exactly.
 * May call: json-c, libc.
 */
#ifndef CRIT_JSON_H
#define CRIT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

/* A growing byte buffer; on allocation failure `oom` is set and appends are dropped. */
struct jbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void jbuf_put(struct jbuf *b, const void *p, size_t len);
void jbuf_puts(struct jbuf *b, const char *s);
void jbuf_printf(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Add to a container; both take v (json_object_put on failure) and return 0 or -1. A NULL v
 * (a constructor that ran out of memory) fails.
 */
int crit_json_obj_add(struct json_object *obj, const char *key, struct json_object *v);
int crit_json_arr_add(struct json_object *arr, struct json_object *v);

/*
 * Parse a whole document with json-c, strictly (RFC 8259; like Python's json, a key that
 * appears twice keeps its last value). NULL on error, with json-c's reason in err.
 * Nesting deeper than CRIT_JSON_DEPTH is refused, so hostile input can't exhaust the stack.
 */
#define CRIT_JSON_DEPTH 128
struct json_object *crit_json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Print as Python's json.dump(v, indent=4 if pretty else None). */
void crit_json_write(struct jbuf *b, struct json_object *v, bool pretty);

/* An integer's value: 0, or -1 if v is not an integer or out of the type's range. */
int crit_json_get_u64(struct json_object *v, uint64_t *out);
int crit_json_get_i64(struct json_object *v, int64_t *out);

#endif /* CRIT_JSON_H */
