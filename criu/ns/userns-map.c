/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/userns-map.c - uid and gid maps of a user namespace (userns.h): reading them from
 * /proc, turning an id of one side into the other's, writing them back as text.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proc-parse.h"
#include "userns.h"

int userns_map_parse(const char *text, struct userns_map *m)
{
	const char *p = text;
	unsigned long long first, lower, count;
	int n;

	m->nr = 0;
	while (*p) {
		if (sscanf(p, "%llu %llu %llu%n", &first, &lower, &count, &n) != 3)
			break;
		if (m->nr == USERNS_MAX_EXTENTS || !count || first + count > 1ull << 32 ||
		    lower + count > 1ull << 32)
			return -EINVAL;
		m->e[m->nr].first = first;
		m->e[m->nr].lower = lower;
		m->e[m->nr].count = count;
		m->nr++;
		p += n;
		while (*p == ' ' || *p == '\n')
			p++;
	}
	return *p ? -EINVAL : 0;
}

static int read_map(pid_t pid, const char *name, struct userns_map *m)
{
	char path[64], *text;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	text = read_proc_file(path, NULL);
	if (!text)
		return -EIO;
	ret = userns_map_parse(text, m);
	free(text);
	if (ret)
		pr_err("Can't parse %s: more than %d lines or a bad line\n", path,
		       USERNS_MAX_EXTENTS);
	return ret;
}

int userns_maps_read(pid_t pid, struct userns_maps *m)
{
	char path[64], *text;
	int ret;

	ret = read_map(pid, "uid_map", &m->uid) ?: read_map(pid, "gid_map", &m->gid);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
	text = read_proc_file(path, NULL);
	if (!text)
		return -EIO;
	m->setgroups = !strncmp(text, "allow", 5);
	if (!m->setgroups && strncmp(text, "deny", 4)) {
		pr_err("%s holds neither allow nor deny: %s\n", path, text);
		ret = -EINVAL;
	}
	free(text);
	return ret;
}

bool userns_id_inside(const struct userns_map *m, uint32_t outside, uint32_t *inside)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		if (outside >= m->e[i].lower && outside - m->e[i].lower < m->e[i].count) {
			*inside = m->e[i].first + (outside - m->e[i].lower);
			return true;
		}
	}
	return false;
}

bool userns_id_outside(const struct userns_map *m, uint32_t inside, uint32_t *outside)
{
	size_t i;

	for (i = 0; i < m->nr; i++) {
		if (inside >= m->e[i].first && inside - m->e[i].first < m->e[i].count) {
			*outside = m->e[i].lower + (inside - m->e[i].first);
			return true;
		}
	}
	return false;
}

int userns_map_format(const struct userns_map *m, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	for (i = 0; i < m->nr; i++) {
		n = snprintf(buf + off, len - off, "%u %u %u\n", m->e[i].first, m->e[i].lower,
			     m->e[i].count);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += n;
	}
	return off;
}

int userns_map_to_parent(const struct userns_map *m, const struct userns_map *pm,
			 struct userns_map *out)
{
	uint32_t pos, lower, take;
	size_t i, j;

	out->nr = 0;
	for (i = 0; i < m->nr; i++) {
		for (pos = 0; pos < m->e[i].count; pos += take) {
			lower = m->e[i].lower + pos;
			for (j = 0; j < pm->nr; j++)
				if (lower >= pm->e[j].lower &&
				    lower - pm->e[j].lower < pm->e[j].count)
					break;
			if (j == pm->nr || out->nr == USERNS_MAX_EXTENTS)
				return -EINVAL;
			/* what is left of the parent's extent, at most what is left of ours */
			take = pm->e[j].count - (lower - pm->e[j].lower);
			if (take > m->e[i].count - pos)
				take = m->e[i].count - pos;
			out->e[out->nr].first = m->e[i].first + pos;
			out->e[out->nr].lower = pm->e[j].first + (lower - pm->e[j].lower);
			out->e[out->nr].count = take;
			out->nr++;
		}
	}
	return 0;
}
