/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/children.c - /proc/PID/task/TID/children: the pids of the thread's children, each
 * followed by a space (no newline at the end), and the count of /proc/PID/task.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "proc-parse.h"

int parse_proc_children_buf(const char *buf, const char *name, pid_t **pids, size_t *nr)
{
	const char *p = buf;
	int64_t pid;

	*pids = NULL;
	*nr = 0;
	for (p = proc_skip_blanks(p); *p && *p != '\n'; p = proc_skip_blanks(p)) {
		if (proc_get_s64(&p, 1, INT32_MAX, &pid) || (*p && *p != ' ' && *p != '\n'))
			goto bad;
		if (ARRAY_ADD_ROOM(*pids, *nr)) {
			free(*pids);
			*pids = NULL;
			*nr = 0;
			return -ENOMEM;
		}
		(*pids)[(*nr)++] = pid;
	}
	if (*p && p[1])
		goto bad; /* anything after a newline */
	return 0;
bad:
	pr_err("Malformed %s: '%.80s'\n", name, buf);
	free(*pids);
	*pids = NULL;
	*nr = 0;
	return -EINVAL;
}

int parse_proc_children(pid_t pid, pid_t tid, pid_t **pids, size_t *nr)
{
	char path[64];
	char *buf;
	int ret;

	*pids = NULL;
	*nr = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, tid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -ENOENT;
	ret = parse_proc_children_buf(buf, path, pids, nr);
	free(buf);
	return ret;
}

int proc_count_threads(pid_t pid)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int nr = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		int ret = -errno;

		pr_perror("Can't open %s", path);
		return ret;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			nr++;
	closedir(d);
	return nr;
}

int proc_has_children(pid_t pid)
{
	pid_t *pids;
	size_t nr;
	int ret;

	ret = parse_proc_children(pid, pid, &pids, &nr);
	if (ret)
		return ret;
	free(pids);
	return nr != 0;
}
