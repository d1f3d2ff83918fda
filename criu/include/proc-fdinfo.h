/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-fdinfo.h - the parsers of /proc/PID/fdinfo/N text (proc/fdinfo.c), one typed result per
 * kind of file. Every fdinfo starts with the lines of fs/proc/fd.c (pos, flags, mnt_id, ino);
 * the kind's own lines follow (the kernel's show_fdinfo of that file). Each parser takes the
 * text and a name for its messages (the fdinfo's path); it returns 0, -EINVAL for a missing,
 * malformed or cut-short line of what it reads (logged), or -ENOMEM. Lines it does not read
 * are skipped. Lists are malloc'ed; free them with free().
 */
#ifndef CRIU_PROC_FDINFO_H
#define CRIU_PROC_FDINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDINFO_FHANDLE_MAX 128 /* MAX_HANDLE_SZ */

struct fdinfo_common {
	int64_t pos;
	uint32_t flags; /* file status flags, O_CLOEXEC included */
	int mnt_id;
};
int parse_fdinfo_common(const char *buf, const char *name, struct fdinfo_common *c);

struct fdinfo_eventfd {
	uint64_t count;
	bool semaphore; /* "eventfd-semaphore: 1" (Linux 6.8+; absent reads as 0) */
};
int parse_fdinfo_eventfd(const char *buf, const char *name, struct fdinfo_eventfd *e);

/* signalfd: the mask of signals it reads ("sigmask:") */
int parse_fdinfo_signalfd(const char *buf, const char *name, uint64_t *sigmask);

struct fdinfo_timerfd {
	uint32_t clockid;
	uint64_t ticks; /* expirations not read yet */
	uint32_t settime_flags;
	uint64_t value_sec, value_nsec;	      /* time left */
	uint64_t interval_sec, interval_nsec; /* period */
};
int parse_fdinfo_timerfd(const char *buf, const char *name, struct fdinfo_timerfd *t);

/* epoll: one "tfd:" line per watched file */
struct fdinfo_epoll_tfd {
	int tfd;
	uint32_t events;
	uint64_t data;
	int64_t pos;
	uint64_t ino;
	uint32_t sdev;
};
int parse_fdinfo_epoll(const char *buf, const char *name, struct fdinfo_epoll_tfd **tfds,
		       size_t *nr);

struct fdinfo_fhandle {
	uint32_t bytes; /* 0: the kernel could not encode one */
	int type;
	uint8_t handle[FDINFO_FHANDLE_MAX];
};

/* inotify: one "inotify wd:" line per watch, newest first */
struct fdinfo_inotify_wd {
	uint32_t wd;
	uint64_t ino;
	uint32_t sdev, mask, ignored_mask;
	struct fdinfo_fhandle fh;
};
int parse_fdinfo_inotify(const char *buf, const char *name, struct fdinfo_inotify_wd **wds,
			 size_t *nr);

/* fanotify: the group's flags, and one line per mark */
enum fdinfo_fan_mark_kind {
	FDINFO_FAN_INODE, /* "fanotify ino:" */
	FDINFO_FAN_MOUNT, /* "fanotify mnt_id:" */
	FDINFO_FAN_SB,	  /* "fanotify sdev:" (a filesystem mark) */
};
struct fdinfo_fanotify_mark {
	enum fdinfo_fan_mark_kind kind;
	uint64_t ino;	 /* inode marks */
	uint32_t sdev;	 /* inode and filesystem marks */
	uint32_t mnt_id; /* mount marks */
	uint32_t mflags, mask, ignored_mask;
	struct fdinfo_fhandle fh; /* inode marks */
};
struct fdinfo_fanotify {
	uint32_t flags, event_flags;
	struct fdinfo_fanotify_mark *marks;
	size_t nr;
};
int parse_fdinfo_fanotify(const char *buf, const char *name, struct fdinfo_fanotify *f);

/* pidfd: "Pid:" (-1: the process has exited; 0: outside our pid namespace) and the last
 * number of "NSpid:", the pid in the process's own namespace (= pid if there is none) */
struct fdinfo_pidfd {
	int pid, nspid;
};
int parse_fdinfo_pidfd(const char *buf, const char *name, struct fdinfo_pidfd *p);

/* tty: the index of a pty master ("tty-index:"); -ENOENT (not logged) if there is none */
int parse_fdinfo_tty_index(const char *buf, const char *name, uint32_t *index);

/* "lock:" lines: the locks that belong to this open file (the kernel's lock_get_status()) */
enum fdinfo_lock_kind {
	FDINFO_LOCK_POSIX,
	FDINFO_LOCK_FLOCK,
	FDINFO_LOCK_OFD,
	FDINFO_LOCK_LEASE,
	FDINFO_LOCK_OTHER
};
enum fdinfo_lock_mode { FDINFO_LOCK_ADVISORY, FDINFO_LOCK_ACTIVE, FDINFO_LOCK_MODE_OTHER };
enum fdinfo_lock_type { FDINFO_LOCK_READ, FDINFO_LOCK_WRITE, FDINFO_LOCK_TYPE_OTHER };
struct fdinfo_lock {
	enum fdinfo_lock_kind kind;
	enum fdinfo_lock_mode mode; /* ADVISORY for locks, ACTIVE for a stable lease */
	enum fdinfo_lock_type type;
	int pid;
	int64_t start, end; /* end is -1 for "EOF" */
	const char *text;   /* the line, for messages (points into buf); len bytes */
	int len;
};
int parse_fdinfo_locks(const char *buf, const char *name, struct fdinfo_lock **locks, size_t *nr);
/* Has the text any "lock:" line? */
bool fdinfo_has_locks(const char *buf);

#endif /* CRIU_PROC_FDINFO_H */
