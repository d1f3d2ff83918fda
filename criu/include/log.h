/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h - criu's leveled log, CRIU-compatible in shape:
 *   "(00.001234) message" and "(00.001234) Error (criu/file.c:123): message".
 * Levels follow -vN: 0 messages only, 1 errors, 2 warnings (default), 3 info, 4 debug.
 * Errors always reach stderr too when the log goes to a file, so a user sees why it failed.
 */
#ifndef CRIU_LOG_H
#define CRIU_LOG_H

#include <errno.h>
#include <stdarg.h>

enum log_level { LOG_MSG = 0, LOG_ERROR = 1, LOG_WARN = 2, LOG_INFO = 3, LOG_DEBUG = 4 };
#define DEFAULT_LOGLEVEL LOG_WARN

/* Open the log: path NULL or "-" means stderr. dir_fd resolves a relative path. */
int log_init(int dir_fd, const char *path, int level);
void log_fini(void);
/*
 * Move the log to an fd >= min_fd (close-on-exec) and stop repeating errors on stderr: a
 * task being restored needs its own fd numbers, fd 2 included.
 */
int log_move_fd(int min_fd);
/* --log-pid: switch to a log file of our own, LOG.PID next to the log, then move it. */
int log_split_per_pid(int min_fd);
/*
 * A task sharing its parent's fd table: log on a copy (>= min_fd) and leave the parent's
 * log fd alone, so that neither closes the other's.
 */
int log_own_fd(int min_fd);
void log_set_level(int level);
int log_get_level(void);
int log_get_fd(void);
/* After fork: prefix every line with the pid ("--log-pid"). */
void log_set_pid_prefix(int on);

/* How many errors were logged so far (whatever the level shown): a dump that logged one fails. */
unsigned long log_error_count(void);
/* The first error logged since log_forget_first_error(), without its prefix; NULL if none. */
const char *log_first_error(void);
void log_forget_first_error(void);

void log_print(int level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void log_vprint(int level, const char *file, int line, const char *fmt, va_list ap);

#ifndef LOG_PREFIX
#define LOG_PREFIX ""
#endif

#define pr_msg(fmt, ...)   log_print(LOG_MSG, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)   log_print(LOG_ERROR, __FILE__, __LINE__, LOG_PREFIX fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)  log_print(LOG_WARN, __FILE__, __LINE__, LOG_PREFIX fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  log_print(LOG_INFO, __FILE__, __LINE__, LOG_PREFIX fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) log_print(LOG_DEBUG, __FILE__, __LINE__, LOG_PREFIX fmt, ##__VA_ARGS__)
/* pr_err with ": strerror(errno)" appended. */
#define pr_perror(fmt, ...) pr_err(fmt ": %m\n", ##__VA_ARGS__)

#endif /* CRIU_LOG_H */
