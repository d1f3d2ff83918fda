/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.c - libcompel's messages go to the sink criu installs with compel_set_log(); without
 * one, warnings and errors go to stderr in criu's "Error (file:line): " shape. Also the
 * hook tests use to make criu die at named instants (compel_set_point_hook()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static compel_log_fn log_fn;
static compel_point_fn point_fn;

void compel_set_log(compel_log_fn fn)
{
	log_fn = fn;
}

void compel_set_point_hook(compel_point_fn fn)
{
	point_fn = fn;
}

void compel_point(const char *name)
{
	if (point_fn)
		point_fn(name);
}

void compel_log(int level, const char *file, int line, const char *fmt, ...)
{
	int saved = errno; /* the sink may use %m */
	va_list ap;

	va_start(ap, fmt);
	if (log_fn) {
		errno = saved;
		log_fn(level, file, line, fmt, ap);
	} else if (level <= COMPEL_LOG_WARN) {
		if (level == COMPEL_LOG_ERROR)
			fprintf(stderr, "Error (%s:%d): ", file, line);
		errno = saved;
		vfprintf(stderr, fmt, ap);
	}
	va_end(ap);
	errno = saved;
}
