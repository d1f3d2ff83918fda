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
	pid_t tpgid;	     /* its foreground group, -1 if none */
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
/* Every VmFlags mnemonic of the kernel's show_smap_vma_flags(), one bit each. */
#define PROC_VMF_READ	      (1ull << 0)  /* rd */
#define PROC_VMF_WRITE	      (1ull << 1)  /* wr */
#define PROC_VMF_EXEC	      (1ull << 2)  /* ex */
#define PROC_VMF_SHARED	      (1ull << 3)  /* sh */
#define PROC_VMF_MAYREAD      (1ull << 4)  /* mr */
#define PROC_VMF_MAYWRITE     (1ull << 5)  /* mw */
#define PROC_VMF_MAYEXEC      (1ull << 6)  /* me */
#define PROC_VMF_MAYSHARE     (1ull << 7)  /* ms */
#define PROC_VMF_GROWSDOWN    (1ull << 8)  /* gd */
#define PROC_VMF_PFNMAP	      (1ull << 9)  /* pf */
#define PROC_VMF_IO	      (1ull << 10) /* io */
#define PROC_VMF_LOCKED	      (1ull << 11) /* lo */
#define PROC_VMF_LOCKONFAULT  (1ull << 12) /* lf */
#define PROC_VMF_SEQ_READ     (1ull << 13) /* sr */
#define PROC_VMF_RAND_READ    (1ull << 14) /* rr */
#define PROC_VMF_DONTFORK     (1ull << 15) /* dc */
#define PROC_VMF_DONTEXPAND   (1ull << 16) /* de */
#define PROC_VMF_ACCOUNT      (1ull << 17) /* ac */
#define PROC_VMF_NORESERVE    (1ull << 18) /* nr */
#define PROC_VMF_HUGETLB      (1ull << 19) /* ht */
#define PROC_VMF_SYNC	      (1ull << 20) /* sf */
#define PROC_VMF_ARCH_1	      (1ull << 21) /* ar */
#define PROC_VMF_WIPEONFORK   (1ull << 22) /* wf */
#define PROC_VMF_DONTDUMP     (1ull << 23) /* dd */
#define PROC_VMF_SOFTDIRTY    (1ull << 24) /* sd */
#define PROC_VMF_MIXEDMAP     (1ull << 25) /* mm */
#define PROC_VMF_HUGEPAGE     (1ull << 26) /* hg */
#define PROC_VMF_NOHUGEPAGE   (1ull << 27) /* nh */
#define PROC_VMF_MERGEABLE    (1ull << 28) /* mg */
#define PROC_VMF_UFFD_MISSING (1ull << 29) /* um */
#define PROC_VMF_UFFD_WP      (1ull << 30) /* uw */
#define PROC_VMF_UFFD_MINOR   (1ull << 31) /* ui */
#define PROC_VMF_SHADOW_STACK (1ull << 32) /* ss */
#define PROC_VMF_DROPPABLE    (1ull << 33) /* dp */
#define PROC_VMF_SEALED	      (1ull << 34) /* sl */
#define PROC_VMF_PKEY_BIT0    (1ull << 35) /* p0 */
#define PROC_VMF_PKEY_BIT1    (1ull << 36) /* p1 */
#define PROC_VMF_PKEY_BIT2    (1ull << 37) /* p2 */
#define PROC_VMF_PKEY_BIT3    (1ull << 38) /* p3 */
#define PROC_VMF_PKEY_BIT4    (1ull << 39) /* p4 */

struct proc_vma {
	uint64_t start, end;
	uint64_t pgoff;
	uint32_t prot; /* PROT_* */
	bool shared;   /* 's' in the flags column */
	unsigned int dev_major, dev_minor;
	uint64_t ino;
	char *path;		/* NULL for anonymous; "[heap]", "[stack]", "/path" ... */
	bool deleted;		/* path ended in " (deleted)", stripped */
	uint64_t vmflags;	/* PROC_VMF_*, from smaps only */
	uint64_t page_size;	/* smaps KernelPageSize, in bytes; 0 if not read */
	char unknown_vmflag[3]; /* the first VmFlags code this criu does not know, or "" */
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
