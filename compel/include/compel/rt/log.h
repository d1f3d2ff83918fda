/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h - leveled log for blobs, written with one write(2) per line to the fd criu handed
 * over: "pie: <pid>: message", errors "pie: <pid>: Error (file:line): message".
 * Levels are criu's (1 error, 2 warn, 3 info, 4 debug). Before rt_log_init() or with fd < 0
 * nothing is written. Formats: %d %i %u %x %lx %ld %lu %lld %llx %llu %s %p %c %% with
 * optional '0' flag and width (e.g. %08lx). Lines longer than 1 KiB are cut.
 */
#ifndef COMPEL_RT_LOG_H
#define COMPEL_RT_LOG_H

#include <stdarg.h>

enum rt_log_level { RT_LOG_ERROR = 1, RT_LOG_WARN, RT_LOG_INFO, RT_LOG_DEBUG };

void rt_log_init(int fd, int level);
int rt_log_get_fd(void);
void rt_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_vlog(int level, const char *fmt, va_list ap);
/* Format into buf (always terminated when size > 0); returns the bytes written. */
int rt_snprintf(char *buf, int size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int rt_vsnprintf(char *buf, int size, const char *fmt, va_list ap);

#define rt_pr_err(fmt, ...) \
	rt_log(RT_LOG_ERROR, "Error (%s:%d): " fmt, __FILE__, __LINE__, ##__VA_ARGS__)
#define rt_pr_warn(fmt, ...)  rt_log(RT_LOG_WARN, fmt, ##__VA_ARGS__)
#define rt_pr_info(fmt, ...)  rt_log(RT_LOG_INFO, fmt, ##__VA_ARGS__)
#define rt_pr_debug(fmt, ...) rt_log(RT_LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif /* COMPEL_RT_LOG_H */
