/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.c - the leveled log behind pr_err() and friends.
 *
 * Lines look like CRIU's: "(SS.uuuuuu) [pid: ]message", errors with "Error (file:line): ".
 * The time is relative to log_init(). Errors also go to stderr when the log is a file, so
 * a user who did not ask for a log still learns why criu failed.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_fd = STDERR_FILENO;
static int log_level = DEFAULT_LOGLEVEL;
static int log_pid_prefix;
/* Errors are repeated on stderr only while fd 2 is criu's own, not a restored task's. */
static int log_mirror_stderr = 1;
static struct timespec log_start;
static char log_path[PATH_MAX];	 /* absolute path of the log file, "" for stderr */
static unsigned long log_errors; /* every error, shown or not */
static char log_first_err[512];	 /* the first error since log_forget_first_error() */

static void remember_log_path(int fd);

int log_init(int dir_fd, const char *path, int level)
{
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &log_start);
	log_level = level;
	if (!path || !strcmp(path, "-")) {
		log_fd = STDERR_FILENO;
		return 0;
	}
	fd = openat(dir_fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "Error (%s:%d): can't open log file %s: %m\n", __FILE__, __LINE__,
			path);
		return -errno;
	}
	log_fd = fd;
	remember_log_path(fd);
	return 0;
}

/* Where the log lives, so a restored task can open its own LOG.PID next to it. */
static void remember_log_path(int fd)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, log_path, sizeof(log_path) - 1);
	log_path[n > 0 ? n : 0] = 0;
}

int log_split_per_pid(int min_fd)
{
	char path[PATH_MAX + 16];
	int fd;

	if (!log_path[0])
		return log_move_fd(min_fd);
	snprintf(path, sizeof(path), "%s.%d", log_path, getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	return log_move_fd(min_fd);
}

int log_move_fd(int min_fd)
{
	int fd = fcntl(log_fd, F_DUPFD_CLOEXEC, min_fd);

	if (fd < 0)
		return -errno;
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	log_mirror_stderr = 0;
	return 0;
}

int log_own_fd(int min_fd)
{
	int fd = fcntl(log_fd, F_DUPFD_CLOEXEC, min_fd);

	if (fd < 0)
		return -errno;
	log_fd = fd;
	return 0;
}

void log_fini(void)
{
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
}

void log_set_level(int level)
{
	log_level = level;
}

int log_get_level(void)
{
	return log_level;
}

int log_get_fd(void)
{
	return log_fd;
}

void log_set_pid_prefix(int on)
{
	log_pid_prefix = on;
}

/* "(SS.uuuuuu) " with the time since log_init(). */
static int log_stamp(char *buf, size_t len)
{
	struct timespec now;
	long sec, usec;

	if (!log_start.tv_sec && !log_start.tv_nsec)
		clock_gettime(CLOCK_MONOTONIC, &log_start);
	clock_gettime(CLOCK_MONOTONIC, &now);
	sec = now.tv_sec - log_start.tv_sec;
	usec = (now.tv_nsec - log_start.tv_nsec) / 1000;
	if (usec < 0) {
		sec--;
		usec += 1000000;
	}
	return snprintf(buf, len, "(%02ld.%06ld) ", sec, usec);
}

unsigned long log_error_count(void)
{
	return __atomic_load_n(&log_errors, __ATOMIC_RELAXED);
}

/* The first error's text, kept for RPC's cr_errmsg whatever the level shown. */
static void remember_first_error(const char *fmt, va_list ap)
{
	va_list aq;
	size_t len;

	va_copy(aq, ap);
	vsnprintf(log_first_err, sizeof(log_first_err), fmt, aq);
	va_end(aq);
	len = strcspn(log_first_err, "\n");
	log_first_err[len] = 0;
}

const char *log_first_error(void)
{
	return log_first_err[0] ? log_first_err : NULL;
}

void log_forget_first_error(void)
{
	log_first_err[0] = 0;
}

void log_vprint(int level, const char *file, int line, const char *fmt, va_list ap)
{
	char buf[4096];
	int saved_errno = errno;
	int off = 0;

	if (level == LOG_ERROR) {
		__atomic_fetch_add(&log_errors, 1, __ATOMIC_RELAXED);
		if (!log_first_err[0]) {
			errno = saved_errno; /* for %m */
			remember_first_error(fmt, ap);
		}
	}
	if (level > log_level)
		return;

	if (level != LOG_MSG)
		off = log_stamp(buf, sizeof(buf));
	if (log_pid_prefix)
		off += snprintf(buf + off, sizeof(buf) - off, "%5d: ", getpid());
	if (level == LOG_ERROR)
		off += snprintf(buf + off, sizeof(buf) - off, "Error (%s:%d): ", file, line);
	else if (level == LOG_WARN)
		off += snprintf(buf + off, sizeof(buf) - off, "Warn  (%s:%d): ", file, line);

	errno = saved_errno; /* for %m */
	off += vsnprintf(buf + off, sizeof(buf) - off, fmt, ap);
	if (off >= (int)sizeof(buf))
		off = sizeof(buf) - 1;

	/* Messages are criu's output (stdout); a log file gets a copy. */
	if (level != LOG_MSG || log_fd != STDERR_FILENO) {
		if (write(log_fd, buf, off) < 0 && log_fd != STDERR_FILENO)
			log_fd = STDERR_FILENO;
	}
	if (log_mirror_stderr &&
	    (level == LOG_MSG || (level == LOG_ERROR && log_fd != STDERR_FILENO))) {
		int out = level == LOG_MSG ? STDOUT_FILENO : STDERR_FILENO;
		ssize_t ignored = write(out, buf, off); /* nothing better to do on failure */

		(void)ignored;
	}
	errno = saved_errno;
}

void log_print(int level, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(level, file, line, fmt, ap);
	va_end(ap);
}
