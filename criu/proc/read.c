/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/read.c - reading a whole /proc file, and the tokenizer the parsers of proc/ share
 * (see internal.h): lines, keys, numbers with range checks, the kernel's octal escapes.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "log.h"
#include "proc-parse.h"

#define PROC_FILE_MAX (256u << 20)

/* The whole file into *out (NUL-terminated); -errno, logged unless quiet. */
static int read_whole(const char *path, char **out, size_t *len, bool quiet)
{
	size_t cap = 4096, off = 0;
	char *buf = NULL, *nbuf;
	int fd, ret;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (!quiet)
			pr_perror("Can't open %s", path);
		return ret;
	}
	for (;;) {
		if (off + 1 >= cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > PROC_FILE_MAX) {
				pr_err("%s is larger than %u bytes\n", path, PROC_FILE_MAX);
				ret = -EFBIG;
				goto out_free;
			}
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				pr_err("Out of memory reading %s\n", path);
				ret = -ENOMEM;
				goto out_free;
			}
			buf = nbuf;
		}
		n = read(fd, buf + off, cap - off - 1);
		if (n < 0) {
			ret = -errno;
			if (!quiet)
				pr_perror("Can't read %s", path);
			goto out_free;
		}
		if (n == 0)
			break;
		off += n;
	}
	close(fd);
	buf[off] = 0;
	if (len)
		*len = off;
	*out = buf;
	return 0;

out_free:
	free(buf);
	close(fd);
	return ret;
}

char *read_proc_file(const char *path, size_t *len)
{
	char *buf;

	return read_whole(path, &buf, len, false) ? NULL : buf;
}

char *read_proc_file_quiet(const char *path, int *err)
{
	char *buf;
	int ret = read_whole(path, &buf, NULL, true);

	if (err)
		*err = ret;
	return ret ? NULL : buf;
}

/* A file holding one decimal number and a newline (sysctls, oom_score_adj, loginuid). */
int parse_proc_number_buf(const char *buf, int64_t min, int64_t max, int64_t *val)
{
	const char *p = proc_skip_blanks(buf);

	if (proc_get_s64(&p, min, max, val) || (*p && *p != '\n') || (*p && p[1]))
		return -EINVAL;
	return 0;
}

int read_proc_number(const char *path, int64_t min, int64_t max, int64_t *val)
{
	char *buf = read_proc_file(path, NULL);
	int ret;

	if (!buf)
		return -EIO;
	ret = parse_proc_number_buf(buf, min, max, val);
	if (ret)
		pr_err("%s does not hold a number within [%lld, %lld]: '%.32s'\n", path,
		       (long long)min, (long long)max, buf);
	free(buf);
	return ret;
}

bool proc_next_line(const char **pos, struct proc_line *l)
{
	const char *s = *pos, *nl;

	if (!*s)
		return false;
	nl = strchr(s, '\n');
	l->s = s;
	l->complete = nl != NULL;
	l->len = nl ? (size_t)(nl - s) : strlen(s);
	*pos = nl ? nl + 1 : s + l->len;
	return true;
}

const char *proc_key(const char *s, const char *key)
{
	size_t len = strlen(key);

	return !strncmp(s, key, len) && s[len] == ':' ? s + len + 1 : NULL;
}

const char *proc_skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

bool proc_at_eol(const char *s)
{
	s = proc_skip_blanks(s);
	return !*s || *s == '\n';
}

int proc_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A digit's value, 99 (above any base) for anything else. */
static unsigned int digit_value(char c)
{
	int d = proc_hex_digit(c);

	return d < 0 ? 99 : d;
}

int proc_get_u64(const char **s, unsigned int base, uint64_t max, uint64_t *out)
{
	const char *p = *s;
	uint64_t v = 0;
	unsigned int d;

	if (digit_value(*p) >= base)
		return -EINVAL;
	for (; (d = digit_value(*p)) < base; p++) {
		if (d > max || v > (max - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (isalnum((unsigned char)*p) || *p == '_')
		return -EINVAL;
	*out = v;
	*s = p;
	return 0;
}

int proc_get_s64(const char **s, int64_t min, int64_t max, int64_t *out)
{
	const char *p = *s;
	bool neg = *p == '-';
	uint64_t mag;
	int64_t v;
	int ret;

	p += neg;
	/* the magnitude of INT64_MIN is INT64_MAX + 1 */
	ret = proc_get_u64(&p, 10, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &mag);
	if (ret)
		return ret;
	if (neg)
		v = mag > INT64_MAX ? INT64_MIN : -(int64_t)mag;
	else
		v = mag;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	*s = p;
	return 0;
}

int proc_get_u32(const char **s, unsigned int base, uint32_t *out)
{
	const char *p = proc_skip_blanks(*s);
	uint64_t v;
	int ret = proc_get_u64(&p, base, UINT32_MAX, &v);

	if (!ret) {
		*out = v;
		*s = p;
	}
	return ret;
}

int proc_get_int(const char **s, int *out)
{
	const char *p = proc_skip_blanks(*s);
	int64_t v;
	int ret = proc_get_s64(&p, INT32_MIN, INT32_MAX, &v);

	if (!ret) {
		*out = v;
		*s = p;
	}
	return ret;
}

int proc_get_hex64(const char **s, uint64_t *out)
{
	const char *p = proc_skip_blanks(*s);
	int ret = proc_get_u64(&p, 16, UINT64_MAX, out);

	if (!ret)
		*s = p;
	return ret;
}

static int octal_digit(char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

int proc_unescape(char *s)
{
	char *w = strchr(s, '\\'), *r = w;

	if (!w)
		return 0;
	while (*r) {
		int a, b, c;

		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		a = octal_digit(r[1]);
		b = a < 0 ? -1 : octal_digit(r[2]);
		c = b < 0 ? -1 : octal_digit(r[3]);
		if (c < 0 || a > 3 || (a | b | c) == 0)
			return -EINVAL;
		*w++ = (char)(a << 6 | b << 3 | c);
		r += 4;
	}
	*w = 0;
	return 0;
}
