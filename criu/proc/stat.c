/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/stat.c - /proc/PID/stat and /proc/PID/task/TID/stat (see proc(5)): one line, the comm
 * in parentheses, then numbered fields. The comm may hold spaces, parentheses and even a
 * newline, so it ends at the LAST ')' of the text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "log.h"
#include "proc-parse.h"

#define STAT_LAST_FIELD	    52 /* exit_code, since Linux 3.5 */
#define STAT_LAST_REQUIRED  51 /* env_end */
#define STAT_FIRST_NUMBERED 4  /* ppid: fields 1-3 are pid, comm and state */

/* Fields 4..52 as the kernel wrote them: signed ones are kept as two's complement. */
static int stat_numbers(const char *p, uint64_t *f, int *last)
{
	int i, ret;

	for (i = STAT_FIRST_NUMBERED; i <= STAT_LAST_FIELD && *p != '\n'; i++) {
		if (*p != ' ')
			return -EINVAL;
		p++;
		if (*p == '-') {
			int64_t v;

			ret = proc_get_s64(&p, INT64_MIN, -1, &v);
			f[i] = (uint64_t)v;
		} else {
			ret = proc_get_u64(&p, 10, UINT64_MAX, &f[i]);
		}
		if (ret)
			return ret;
	}
	*last = i - 1;
	/* a later kernel may add fields: they are not ours; the line must still be whole */
	return strchr(p, '\n') ? 0 : -EINVAL;
}

/* A field that must fit an int (pids, nice, exit code) or be a non-negative int. */
static bool fits_int(uint64_t v)
{
	return (int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX;
}

static int stat_fields(const uint64_t *f, struct proc_stat *st)
{
	if (!fits_int(f[4]) || !fits_int(f[5]) || !fits_int(f[6]) || !fits_int(f[8]) ||
	    f[9] > UINT32_MAX || f[7] > UINT32_MAX || !fits_int(f[19]) || !fits_int(f[20]) ||
	    f[40] > UINT32_MAX || f[41] > UINT32_MAX || !fits_int(f[52]))
		return -ERANGE;
	st->ppid = f[4];
	st->pgid = f[5];
	st->sid = f[6];
	st->tty_nr = f[7];
	st->tpgid = f[8];
	st->flags = f[9];
	st->nice = f[19];
	st->num_threads = f[20];
	st->start_time = f[22];
	st->start_code = f[26];
	st->end_code = f[27];
	st->start_stack = f[28];
	st->rt_priority = f[40];
	st->policy = f[41];
	st->start_data = f[45];
	st->end_data = f[46];
	st->start_brk = f[47];
	st->arg_start = f[48];
	st->arg_end = f[49];
	st->env_start = f[50];
	st->env_end = f[51];
	st->exit_code = f[52];
	return 0;
}

int parse_proc_stat_buf(const char *buf, const char *name, struct proc_stat *st)
{
	const char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
	uint64_t f[STAT_LAST_FIELD + 1] = { 0 };
	const char *p = buf;
	int64_t pid;
	size_t clen;
	int last;

	memset(st, 0, sizeof(*st));
	if (!open_paren || !close_paren || close_paren < open_paren ||
	    proc_get_s64(&p, 1, INT32_MAX, &pid) || p[0] != ' ' || p + 1 != open_paren)
		goto bad;
	st->pid = pid;
	clen = close_paren - open_paren - 1;
	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, open_paren + 1, clen);
	st->comm[clen] = 0;
	if (close_paren[1] != ' ' || !close_paren[2] || close_paren[2] == '\n')
		goto bad;
	st->state = close_paren[2];
	if (stat_numbers(close_paren + 3, f, &last) || last < STAT_LAST_REQUIRED ||
	    stat_fields(f, st))
		goto bad;
	return 0;
bad:
	pr_err("Malformed %s: '%.80s'\n", name, buf);
	return -EINVAL;
}

int parse_proc_task_stat(pid_t pid, pid_t tid, struct proc_stat *st)
{
	char path[64];
	char *buf;
	int ret;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -ENOENT;
	ret = parse_proc_stat_buf(buf, path, st);
	free(buf);
	return ret;
}

int parse_proc_stat(pid_t pid, struct proc_stat *st)
{
	return parse_proc_task_stat(pid, 0, st);
}
