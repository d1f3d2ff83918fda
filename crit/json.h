/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a small, strict JSON value tree, parser and writer for crit.
 *
 * Objects keep their keys in insertion order (crit prints fields in field-number order).
 * Numbers keep their literal text so that 64-bit integers are never rounded through a
 * double. The writer prints what Python's json.dump prints (indent 4 or one line,
 * ensure_ascii escaping), so our JSON reads like upstream crit's.
 * May call: libc only.
 */
#ifndef CRIT_JSON_H
#define CRIT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype type;
	bool b;	       /* J_BOOL */
	char *s;       /* J_STR: the bytes (NUL-terminated); J_NUM: the literal */
	size_t len;    /* J_STR: byte length */
	size_t n, cap; /* J_ARR, J_OBJ: items */
	struct jval **items;
	char **keys; /* J_OBJ */
};

/* A growing byte buffer; on allocation failure `oom` is set and appends are dropped. */
struct jbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void jbuf_put(struct jbuf *b, const void *p, size_t len);
void jbuf_puts(struct jbuf *b, const char *s);
void jbuf_printf(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Constructors return NULL on allocation failure; adders return 0 or -1. */
struct jval *json_new(enum jtype type);
struct jval *json_str(const char *s, size_t len);
struct jval *json_num_u64(uint64_t v);
struct jval *json_num_i64(int64_t v);
struct jval *json_numf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int json_arr_add(struct jval *arr, struct jval *v); /* takes v, also on failure */
int json_obj_add(struct jval *obj, const char *key, struct jval *v);
const struct jval *json_obj_get(const struct jval *obj, const char *key);
void json_free(struct jval *v);

/*
 * Parse a whole document. NULL on error, with a message ("line N: what") in err.
 * Nesting is limited, so hostile input cannot exhaust the stack.
 */
struct jval *json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Print as Python's json.dump(v, indent=4 if pretty else None). */
void json_write(struct jbuf *b, const struct jval *v, bool pretty);

/* Integer value of a J_NUM (no fraction or exponent); 0 or -1 if not one or out of range. */
int json_get_u64(const struct jval *v, uint64_t *out);
int json_get_i64(const struct jval *v, int64_t *out);

#endif /* CRIT_JSON_H */
