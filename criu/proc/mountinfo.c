/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/mountinfo.c - /proc/PID/mountinfo (see proc-mountinfo.h). Each line is copied once
 * and cut into its fields in place; escapes are decoded in place (decoding only shortens).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "proc-mountinfo.h"
#include "proc-parse.h"

/* The next space-separated field of *p, NUL-terminated in place; NULL at the end. */
static char *next_field(char **p)
{
	char *s = *p, *sp;

	if (!s || !*s)
		return NULL;
	sp = strchr(s, ' ');
	if (sp) {
		*sp = 0;
		*p = sp + 1;
	} else {
		*p = NULL;
	}
	return s;
}

static int get_id(const char *s, int min, int *out)
{
	int64_t v;

	if (proc_get_s64(&s, min, INT32_MAX, &v) || *s)
		return -EINVAL;
	*out = v;
	return 0;
}

static int get_dev(const char *s, struct proc_mount *m)
{
	if (proc_get_u32(&s, 10, &m->maj) || *s++ != ':' || proc_get_u32(&s, 10, &m->min) || *s)
		return -EINVAL;
	return 0;
}

/* One optional field: "shared:N", "master:N", "propagate_from:N", "unbindable"; others (a
 * later kernel's) are kept in ->optional only. */
static int optional_field(const char *s, struct proc_mount *m)
{
	const char *v;

	if ((v = proc_key(s, "shared")))
		return get_id(v, 1, &m->shared);
	if ((v = proc_key(s, "master")))
		return get_id(v, 1, &m->master);
	if ((v = proc_key(s, "propagate_from")))
		return get_id(v, 1, &m->propagate_from);
	if (!strcmp(s, "unbindable"))
		m->unbindable = true;
	return 0;
}

/* The optional fields up to the "-" separator; ->optional gets them, spaces between. */
static int optional_fields(char **p, struct proc_mount *m)
{
	char *f, *end = NULL;

	m->optional = *p;
	for (;;) {
		f = next_field(p);
		if (!f)
			return -EINVAL;
		if (!strcmp(f, "-"))
			break;
		if (optional_field(f, m))
			return -EINVAL;
		if (end)
			*end = ' '; /* join it back to the previous one */
		end = f + strlen(f);
	}
	if (!end)
		m->optional = "";
	return 0;
}

static int mount_fields(char *p, struct proc_mount *m)
{
	char *id = next_field(&p), *parent = next_field(&p), *dev = next_field(&p);

	if (!dev || get_id(id, 0, &m->mnt_id) || get_id(parent, 0, &m->parent_id) ||
	    get_dev(dev, m))
		return -EINVAL;
	m->root = next_field(&p);
	m->mountpoint = next_field(&p);
	m->opts = next_field(&p);
	if (!m->opts || optional_fields(&p, m))
		return -EINVAL;
	m->fstype = next_field(&p);
	m->source = next_field(&p);
	m->super_opts = next_field(&p);
	/* the super options are the last field: no space may follow */
	if (!m->super_opts || p || proc_unescape(m->root) || proc_unescape(m->mountpoint) ||
	    proc_unescape(m->fstype) || proc_unescape(m->source))
		return -EINVAL;
	return 0;
}

static int add_mount(struct proc_mount_list *l, const struct proc_line *line)
{
	struct proc_mount *m;

	if (!line->complete || !line->len)
		goto bad;
	if (ARRAY_ADD_ROOM(l->m, l->nr))
		return -ENOMEM;
	m = &l->m[l->nr];
	memset(m, 0, sizeof(*m));
	m->text = strndup(line->s, line->len);
	if (!m->text)
		return -ENOMEM;
	l->nr++;
	if (mount_fields(m->text, m))
		goto bad;
	return 0;
bad:
	pr_err("Malformed mountinfo line: '%.*s'\n", (int)line->len, line->s);
	return -EINVAL;
}

void free_mountinfo(struct proc_mount_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->m[i].text);
	free(l->m);
	l->m = NULL;
	l->nr = 0;
}

int parse_mountinfo_buf(const char *buf, struct proc_mount_list *l)
{
	const char *pos = buf;
	struct proc_line line;
	int ret;

	l->m = NULL;
	l->nr = 0;
	while (proc_next_line(&pos, &line)) {
		ret = add_mount(l, &line);
		if (ret) {
			free_mountinfo(l);
			return ret;
		}
	}
	return 0;
}

int parse_mountinfo(pid_t pid, struct proc_mount_list *l)
{
	char path[64];
	char *buf;
	int ret;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/mountinfo");
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -ENOENT;
	ret = parse_mountinfo_buf(buf, l);
	free(buf);
	return ret;
}

const struct proc_mount *mountinfo_by_id(const struct proc_mount_list *l, int mnt_id)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (l->m[i].mnt_id == mnt_id)
			return &l->m[i];
	return NULL;
}
