/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-parse.h - readers of the /proc files criu needs (criu/proc/): stat, maps and smaps,
 * children, timers, sysvipc/shm and one-number files here; status, mountinfo and fdinfo in
 * proc-status.h, proc-mountinfo.h and proc-fdinfo.h. Every parser has a _buf form that takes
 * the text, so unit tests feed it captured kernel text without a live task.
 *
 * /proc text is untrusted input: each field is checked before use (numbers for range and
 * overflow), nothing is read past the end of a line, and a line cut short (no '\n') or
 * garbled is an error, logged once by the parser, unless the header of the parser states a
 * rule for skipping it. Parsers return 0 or -errno; lists they return are malloc'ed.
 */
#ifndef CRIU_PROC_PARSE_H
#define CRIU_PROC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* proc/read.c */
/* Read a whole /proc file into a malloc'ed NUL-terminated buffer; *len gets its length. */
char *read_proc_file(const char *path, size_t *len);
/* The same, logging nothing (a task that may be gone); *err gets -errno. */
char *read_proc_file_quiet(const char *path, int *err);
/* A file of one decimal number and a newline (sysctls, oom_score_adj), within [min, max]. */
int parse_proc_number_buf(const char *buf, int64_t min, int64_t max, int64_t *val);
int read_proc_number(const char *path, int64_t min, int64_t max, int64_t *val);

/* proc/stat.c: /proc/PID/stat, /proc/PID/task/TID/stat */
struct proc_stat {
	pid_t pid;
	char comm[64]; /* cut to 63 bytes */
	char state;
	pid_t ppid, pgid, sid;
	unsigned int tty_nr; /* controlling tty, encoded as a dev_t; 0 if none */
	unsigned int flags;
	int nice;
	int num_threads;
	unsigned long long start_time;
	unsigned long start_code, end_code, start_stack;
	unsigned int rt_priority, policy;
	unsigned long start_data, end_data, start_brk;
	unsigned long arg_start, arg_end, env_start, env_end;
	int exit_code; /* 0 before Linux 3.5 */
};

/* name: the file, for messages */
int parse_proc_stat_buf(const char *buf, const char *name, struct proc_stat *st);
int parse_proc_stat(pid_t pid, struct proc_stat *st);
/* /proc/PID/task/TID/stat, or /proc/PID/stat for tid 0 */
int parse_proc_task_stat(pid_t pid, pid_t tid, struct proc_stat *st);

/* proc/maps.c: /proc/PID/maps and /proc/PID/smaps (pid 0: /proc/self/) */
#define PROC_VMF_GROWSDOWN  (1u << 0) /* gd */
#define PROC_VMF_IO	    (1u << 1) /* io */
#define PROC_VMF_PFNMAP	    (1u << 2) /* pf */
#define PROC_VMF_DONTFORK   (1u << 3) /* dc */
#define PROC_VMF_DONTDUMP   (1u << 4) /* dd */
#define PROC_VMF_HUGEPAGE   (1u << 5) /* hg */
#define PROC_VMF_NOHUGEPAGE (1u << 6) /* nh */
#define PROC_VMF_WIPEONFORK (1u << 7) /* wf */
#define PROC_VMF_MERGEABLE  (1u << 8) /* mg */

struct proc_vma {
	uint64_t start, end;
	uint64_t pgoff;
	uint32_t prot; /* PROT_* */
	bool shared;   /* 's' in the flags column */
	unsigned int dev_major, dev_minor;
	uint64_t ino;
	char *path;	  /* NULL for anonymous; "[heap]", "[stack]", "/path" ... */
	bool deleted;	  /* path ended in " (deleted)", stripped */
	uint32_t vmflags; /* PROC_VMF_*, from smaps only; other codes are not kept */
};

struct proc_vma_list {
	struct proc_vma *vmas;
	size_t nr;
};

/* One maps line (must end with '\n'); v->path is malloc'ed. */
int parse_maps_line(const char *line, struct proc_vma *v);
int parse_proc_maps_buf(const char *buf, struct proc_vma_list *list);
/* smaps: every mapping must have its VmFlags line. */
int parse_proc_smaps_buf(const char *buf, struct proc_vma_list *list);
int parse_proc_maps(pid_t pid, struct proc_vma_list *list);
int parse_proc_smaps(pid_t pid, struct proc_vma_list *list);
void free_proc_vma_list(struct proc_vma_list *list);

/* proc/children.c */
int parse_proc_children_buf(const char *buf, const char *name, pid_t **pids, size_t *nr);
int parse_proc_children(pid_t pid, pid_t tid, pid_t **pids, size_t *nr);
/* Numbers of the task's threads from /proc/PID/task; returns the count or -errno. */
int proc_count_threads(pid_t pid);
/* True if /proc/PID/task/PID/children lists anything. */
int proc_has_children(pid_t pid);

/* proc/timers.c: /proc/PID/timers */
struct proc_posix_timer {
	int id;
	int signo;
	uint64_t sival;
	int notify;	/* SIGEV_SIGNAL, _NONE or _THREAD, | SIGEV_THREAD_ID for "tid." */
	int notify_pid; /* the pid or tid it notifies */
	int clock_id;
};
int parse_proc_timers_buf(const char *buf, const char *name, struct proc_posix_timer **timers,
			  size_t *nr);
int parse_proc_timers(pid_t pid, struct proc_posix_timer **timers, size_t *nr);

/* proc/sysvipc.c: /proc/sysvipc/shm */
struct proc_sysv_shm {
	int key, id;
	uint32_t perms;
	uint64_t size;
	pid_t cpid, lpid;
	uint64_t nattch;
};
int parse_proc_sysvipc_shm_buf(const char *buf, struct proc_sysv_shm **segs, size_t *nr);
int parse_proc_sysvipc_shm(struct proc_sysv_shm **segs, size_t *nr);

#endif /* CRIU_PROC_PARSE_H */
