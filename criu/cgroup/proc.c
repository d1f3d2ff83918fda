/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup/proc.c - /proc/PID/cgroup (cgroups(7)): one line per hierarchy,
 *   HIERARCHY-ID:CONTROLLER-LIST:PATH
 * the list empty for cgroup2 ("0::/path"), the path relative to the reader's cgroup
 * namespace root. A path may hold ':' itself: only the first two split. Also the small file
 * helpers of the folder.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "proc-parse.h"

static int add_line(struct cg_members *out, const char *line, size_t len)
{
	const char *c1 = memchr(line, ':', len), *c2;
	struct cg_member *m;

	c2 = c1 ? memchr(c1 + 1, ':', len - (c1 + 1 - line)) : NULL;
	if (!c2 || c2 + 1 == line + len || c2[1] != '/') {
		pr_err("Malformed line in /proc/PID/cgroup: '%.*s'\n", (int)len, line);
		return -EINVAL;
	}
	if (ARRAY_ADD_ROOM(out->m, out->nr))
		return -ENOMEM;
	m = &out->m[out->nr];
	m->ctls = strndup(c1 + 1, c2 - c1 - 1);
	m->path = strndup(c2 + 1, line + len - c2 - 1);
	if (!m->ctls || !m->path) {
		free(m->ctls);
		free(m->path);
		return -ENOMEM;
	}
	out->nr++;
	return 0;
}

int cg_parse_proc_buf(const char *buf, struct cg_members *out)
{
	const char *p = buf, *nl;
	int ret = 0;

	out->m = NULL;
	out->nr = 0;
	while (!ret && *p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if (nl > p)
			ret = add_line(out, p, nl - p);
		p = *nl ? nl + 1 : nl;
	}
	if (ret)
		cg_members_free(out);
	return ret;
}

static int parse_path(const char *path, struct cg_members *out)
{
	char *buf;
	size_t len;
	int ret;

	buf = read_proc_file(path, &len);
	if (!buf)
		return -EIO; /* said */
	ret = cg_parse_proc_buf(buf, out);
	free(buf);
	return ret;
}

int cg_parse_proc(pid_t pid, pid_t tid, struct cg_members *out)
{
	char path[64];

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/cgroup", pid, tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	return parse_path(path, out);
}

int cg_parse_self(struct cg_members *out)
{
	return parse_path("/proc/self/cgroup", out);
}

void cg_members_free(struct cg_members *ms)
{
	size_t i;

	for (i = 0; i < ms->nr; i++) {
		free(ms->m[i].ctls);
		free(ms->m[i].path);
	}
	free(ms->m);
	ms->m = NULL;
	ms->nr = 0;
}

int cg_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (!n)
			break;
		got += n;
	}
	close(fd);
	if (!ret && (size_t)got == len - 1)
		ret = -EFBIG;
	buf[got] = 0;
	if (got && buf[got - 1] == '\n')
		buf[got - 1] = 0;
	return ret;
}

int cg_write_file(const char *path, const char *val)
{
	return cg_write_file_at(AT_FDCWD, path, val);
}

int cg_write_file_at(int dir_fd, const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd, ret = 0;
	ssize_t n;

	fd = openat(dir_fd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}
