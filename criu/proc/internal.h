/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/internal.h - the tokenizer every parser of proc/ shares; private to proc/ (and its unit
 * test). /proc text is untrusted: a number is digits only, checked against the field's range
 * with no overflow; a token never runs past the end of its line, because every function here
 * stops at '\n' and at the terminating NUL. A line is complete only if '\n' ends it: the last
 * line of a read cut short is not.
 */
#ifndef CRIU_PROC_INTERNAL_H
#define CRIU_PROC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The line at *pos, advancing *pos past it; false at the end of the text. */
struct proc_line {
	const char *s; /* first byte; the line ends at s[len] ('\n' or NUL) */
	size_t len;
	bool complete; /* ended by '\n' */
};
bool proc_next_line(const char **pos, struct proc_line *l);

/* After "key:" if the line starts with it (key has no ':'), else NULL. */
const char *proc_key(const char *s, const char *key);

/* Skip spaces and tabs. */
const char *proc_skip_blanks(const char *s);
/* Only blanks are left before the end of the line. */
bool proc_at_eol(const char *s);

/*
 * One number at *s (no sign, no leading blank: call proc_skip_blanks() first), in base 8, 10
 * or 16 (no 0x prefix), at most max; *s moves past it. -EINVAL if there is no digit or the
 * number runs into a letter, -ERANGE if it is above max.
 */
int proc_get_u64(const char **s, unsigned int base, uint64_t max, uint64_t *out);
/* The same for a decimal with an optional '-', within [min, max]. */
int proc_get_s64(const char **s, int64_t min, int64_t max, int64_t *out);
/* Shorthands: a blank-prefixed u32 / int / u64 (blanks are skipped first). */
int proc_get_u32(const char **s, unsigned int base, uint32_t *out);
int proc_get_int(const char **s, int *out);
int proc_get_hex64(const char **s, uint64_t *out);

/* The value of a hex digit (either case), or -1. */
int proc_hex_digit(char c);

/* Decode the kernel's octal escapes (\ooo, see the kernel's mangle()) in place; -EINVAL on a
 * backslash not followed by three octal digits or on an escaped NUL. */
int proc_unescape(char *s);

#endif /* CRIU_PROC_INTERNAL_H */
