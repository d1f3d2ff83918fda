/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/timers.c - /proc/PID/timers: the task's POSIX timers, four lines each (the kernel's
 * show_timer()): "ID: N", "signal: SIGNO/SIVAL", "notify: KIND/WHO.PID", "ClockID: N".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "proc-parse.h"

#define SIGEV_SIGNAL_	 0
#define SIGEV_NONE_	 1
#define SIGEV_THREAD_	 2
#define SIGEV_THREAD_ID_ 4

/* The value of the line "key: ..." that must come next; NULL if it does not. */
static const char *timer_line(const char **pos, const char *key, struct proc_line *l)
{
	const char *v;

	if (!proc_next_line(pos, l) || !l->complete || !(v = proc_key(l->s, key)))
		return NULL;
	return proc_skip_blanks(v);
}

/* "signal: 34/000000000000dead" */
static int timer_signal(const char *v, struct proc_posix_timer *t)
{
	if (!v || proc_get_int(&v, &t->signo) || t->signo < 0 || *v++ != '/' ||
	    proc_get_u64(&v, 16, UINT64_MAX, &t->sival) || !proc_at_eol(v))
		return -EINVAL;
	return 0;
}

/* "notify: signal/tid.29176": how (signal, none, thread) and to whom (pid or tid) */
static int timer_notify(const char *v, struct proc_posix_timer *t)
{
	static const struct {
		const char *word;
		int notify;
	} kinds[] = { { "signal/", SIGEV_SIGNAL_ },
		      { "none/", SIGEV_NONE_ },
		      { "thread/", SIGEV_THREAD_ } };
	size_t i;

	for (i = 0; v && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strncmp(v, kinds[i].word, strlen(kinds[i].word)))
			break;
	if (!v || i == sizeof(kinds) / sizeof(kinds[0]))
		return -EINVAL;
	t->notify = kinds[i].notify;
	v += strlen(kinds[i].word);
	if (!strncmp(v, "tid.", 4))
		t->notify |= SIGEV_THREAD_ID_;
	else if (strncmp(v, "pid.", 4))
		return -EINVAL;
	v += 4;
	if (proc_get_int(&v, &t->notify_pid) || !proc_at_eol(v))
		return -EINVAL;
	return 0;
}

static int one_timer(const char **pos, struct proc_posix_timer *t, struct proc_line *l)
{
	const char *v = timer_line(pos, "ID", l);

	if (!v || proc_get_int(&v, &t->id) || t->id < 0 || !proc_at_eol(v))
		return -EINVAL;
	if (timer_signal(timer_line(pos, "signal", l), t) ||
	    timer_notify(timer_line(pos, "notify", l), t))
		return -EINVAL;
	v = timer_line(pos, "ClockID", l);
	if (!v || proc_get_int(&v, &t->clock_id) || !proc_at_eol(v))
		return -EINVAL;
	return 0;
}

int parse_proc_timers_buf(const char *buf, const char *name, struct proc_posix_timer **timers,
			  size_t *nr)
{
	struct proc_line l = { .s = buf, .len = 0 };
	const char *pos = buf;

	*timers = NULL;
	*nr = 0;
	while (*pos) {
		if (ARRAY_ADD_ROOM(*timers, *nr)) {
			free(*timers);
			*timers = NULL;
			*nr = 0;
			return -ENOMEM;
		}
		memset(&(*timers)[*nr], 0, sizeof(**timers));
		if (one_timer(&pos, &(*timers)[*nr], &l)) {
			pr_err("%s: malformed timer near line '%.*s'\n", name, (int)l.len, l.s);
			free(*timers);
			*timers = NULL;
			*nr = 0;
			return -EINVAL;
		}
		(*nr)++;
	}
	return 0;
}

int parse_proc_timers(pid_t pid, struct proc_posix_timer **timers, size_t *nr)
{
	char path[64];
	char *buf;
	int ret;

	*timers = NULL;
	*nr = 0;
	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -ENOENT;
	ret = parse_proc_timers_buf(buf, path, timers, nr);
	free(buf);
	return ret;
}
