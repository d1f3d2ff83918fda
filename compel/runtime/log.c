/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.c - the blob logger: a small printf subset and one write(2) per line to the log fd
 * criu passed, each line prefixed "pie: <pid>: " so it can be told from criu's own lines.
 */
#include <stdarg.h>
#include <stdint.h>

#include "compel/rt/log.h"
#include "compel/rt/string.h"
#include "compel/rt/syscall.h"

#define RT_LOG_LINE 1024

static int rt_log_fd = -1;
static int rt_log_level = RT_LOG_WARN;

void rt_log_init(int fd, int level)
{
	rt_log_fd = fd;
	rt_log_level = level;
}

int rt_log_get_fd(void)
{
	return rt_log_fd;
}

struct rt_out {
	char *buf;
	int size;
	int pos;
};

static void out_char(struct rt_out *o, char c)
{
	if (o->pos < o->size - 1)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_num(struct rt_out *o, unsigned long long v, int base, int neg, int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0')
		out_char(o, '-');
	for (width -= n + neg; width > 0; width--)
		out_char(o, pad);
	if (neg && pad != '0')
		out_char(o, '-');
	while (n)
		out_char(o, tmp[--n]);
}

/* Read an integer argument of the given length modifier (0: int, 1: long, 2: long long). */
static unsigned long long fetch(va_list *ap, int lng, int is_signed, int *neg)
{
	long long s;

	*neg = 0;
	if (!is_signed) {
		if (lng == 2)
			return va_arg(*ap, unsigned long long);
		if (lng == 1)
			return va_arg(*ap, unsigned long);
		return va_arg(*ap, unsigned int);
	}
	if (lng == 2)
		s = va_arg(*ap, long long);
	else if (lng == 1)
		s = va_arg(*ap, long);
	else
		s = va_arg(*ap, int);
	if (s < 0) {
		*neg = 1;
		return -(unsigned long long)s;
	}
	return s;
}

static void out_conv(struct rt_out *o, char c, int lng, int width, char pad, va_list *ap)
{
	unsigned long long v;
	const char *s;
	int neg;

	switch (c) {
	case 'd':
	case 'i':
		v = fetch(ap, lng, 1, &neg);
		out_num(o, v, 10, neg, width, pad);
		break;
	case 'u':
	case 'x':
		v = fetch(ap, lng, 0, &neg);
		out_num(o, v, c == 'x' ? 16 : 10, 0, width, pad);
		break;
	case 'p':
		out_char(o, '0');
		out_char(o, 'x');
		out_num(o, (uintptr_t)va_arg(*ap, void *), 16, 0, width, pad);
		break;
	case 'c':
		out_char(o, (char)va_arg(*ap, int));
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		for (width -= std_strlen(s); width > 0; width--)
			out_char(o, ' ');
		while (*s)
			out_char(o, *s++);
		break;
	case '%':
		out_char(o, '%');
		break;
	default:
		/* Unknown conversion: show it rather than guess at the argument. */
		out_char(o, '%');
		out_char(o, c);
		break;
	}
}

int rt_vsnprintf(char *buf, int size, const char *fmt, va_list ap)
{
	struct rt_out o = { .buf = buf, .size = size, .pos = 0 };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		int lng = 0, width = 0;
		char pad = ' ';

		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' && lng < 2) {
			lng++;
			fmt++;
		}
		if (*fmt == 'z') {
			lng = 1;
			fmt++;
		}
		if (!*fmt)
			break;
		out_conv(&o, *fmt++, lng, width, pad, &aq);
	}
	va_end(aq);
	if (size > 0)
		buf[o.pos < size ? o.pos : size - 1] = 0;
	return o.pos < size ? o.pos : (size > 0 ? size - 1 : 0);
}

int rt_snprintf(char *buf, int size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void rt_vlog(int level, const char *fmt, va_list ap)
{
	char line[RT_LOG_LINE];
	int n;

	if (rt_log_fd < 0 || level > rt_log_level)
		return;
	n = rt_snprintf(line, sizeof(line), "pie: %d: ", (int)sys_getpid());
	n += rt_vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	/* Keep one line per message even when cut. */
	if (n == sizeof(line) - 1 && line[n - 1] != '\n')
		line[n - 1] = '\n';
	sys_write(rt_log_fd, line, n);
}

void rt_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vlog(level, fmt, ap);
	va_end(ap);
}
