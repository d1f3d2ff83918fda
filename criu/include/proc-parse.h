/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-parse.h - readers for the /proc files dump needs. Every parser has a _buf form that
 * takes the text, so unit tests feed it without a live task. /proc text is untrusted input:
 * each field is checked before use.
 */
#ifndef CRIU_PROC_PARSE_H
#define CRIU_PROC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_stat {
	pid_t pid;
	char comm[64];
	char state;
	pid_t ppid, pgid, sid;
	unsigned int tty_nr; /* controlling tty, encoded as a dev_t; 0 if none */
	unsigned int flags;
	int num_threads;
	unsigned long long start_time;
	unsigned long start_code, end_code, start_stack;
	unsigned long start_data, end_data, start_brk;
	unsigned long arg_start, arg_end, env_start, env_end;
	int exit_code;
};

int parse_proc_stat_buf(const char *buf, struct proc_stat *st);
int parse_proc_stat(pid_t pid, struct proc_stat *st);

struct proc_vma {
	uint64_t start, end;
	uint64_t pgoff;
	uint32_t prot; /* PROT_* */
	bool shared;   /* 's' in the flags column */
	unsigned int dev_major, dev_minor;
	uint64_t ino;
	char *path;   /* NULL for anonymous; "[heap]", "[stack]", "/path" ... */
	bool deleted; /* path ended in " (deleted)", stripped */
};

struct proc_vma_list {
	struct proc_vma *vmas;
	size_t nr;
};

int parse_maps_line(const char *line, struct proc_vma *v);
int parse_proc_maps_buf(const char *buf, struct proc_vma_list *list);
int parse_proc_maps(pid_t pid, struct proc_vma_list *list);
void free_proc_vma_list(struct proc_vma_list *list);

/* Read a whole /proc file into a malloc'ed NUL-terminated buffer; *len gets its length. */
char *read_proc_file(const char *path, size_t *len);

/* Numbers of the task's threads from /proc/PID/task; returns the count or -errno. */
int proc_count_threads(pid_t pid);
/* True if /proc/PID/task/PID/children lists anything. */
int proc_has_children(pid_t pid);

#endif /* CRIU_PROC_PARSE_H */
