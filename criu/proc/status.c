/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/status.c - /proc/PID/status (see proc-status.h): "Key:\tvalue" lines, the fields
 * criu reads looked up in one table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "log.h"
#include "proc-parse.h"
#include "proc-status.h"

static int get_pid(const char *v, void *out)
{
	int64_t n;

	v = proc_skip_blanks(v);
	if (proc_get_s64(&v, 0, INT32_MAX, &n) || !proc_at_eol(v))
		return -EINVAL;
	*(pid_t *)out = n;
	return 0;
}

static int get_u32(const char *v, void *out)
{
	return proc_get_u32(&v, 10, out) || !proc_at_eol(v) ? -EINVAL : 0;
}

static int get_cap(const char *v, void *out)
{
	return proc_get_hex64(&v, out) || !proc_at_eol(v) ? -EINVAL : 0;
}

/* "Uid:\t0\t0\t0\t0": real, effective, saved and fs ids */
static int get_ids(const char *v, void *out)
{
	uint32_t *ids = out;
	int i;

	for (i = 0; i < 4; i++)
		if (proc_get_u32(&v, 10, &ids[i]))
			return -EINVAL;
	return proc_at_eol(v) ? 0 : -EINVAL;
}

/* "Groups:\t4 24 27 " (a blank after each, none at all for no groups) */
static int get_groups(const char *v, void *out)
{
	struct proc_status *st = out;

	st->nr_groups = 0;
	while (!proc_at_eol(v)) {
		if (st->nr_groups == PROC_STATUS_MAX_GROUPS)
			return -EOPNOTSUPP;
		if (proc_get_u32(&v, 10, &st->groups[st->nr_groups++]))
			return -EINVAL;
	}
	return 0;
}

static const struct status_field {
	const char *key;
	int (*get)(const char *v, void *out);
	size_t off; /* of the value in struct proc_status */
} status_fields[PS_NR_FIELDS] = {
#define FIELD(f, k, fn, m) [f] = { k, fn, offsetof(struct proc_status, m) }
	FIELD(PS_PPID, "PPid", get_pid, ppid),
	FIELD(PS_TRACER_PID, "TracerPid", get_pid, tracer_pid),
	FIELD(PS_UID, "Uid", get_ids, uid),
	FIELD(PS_GID, "Gid", get_ids, gid),
	FIELD(PS_GROUPS, "Groups", get_groups, have), /* takes the whole struct */
	FIELD(PS_CAP_INH, "CapInh", get_cap, cap_inh),
	FIELD(PS_CAP_PRM, "CapPrm", get_cap, cap_prm),
	FIELD(PS_CAP_EFF, "CapEff", get_cap, cap_eff),
	FIELD(PS_CAP_BND, "CapBnd", get_cap, cap_bnd),
	FIELD(PS_CAP_AMB, "CapAmb", get_cap, cap_amb),
	FIELD(PS_NO_NEW_PRIVS, "NoNewPrivs", get_u32, no_new_privs),
	FIELD(PS_SECCOMP, "Seccomp", get_u32, seccomp),
	FIELD(PS_SECCOMP_FILTERS, "Seccomp_filters", get_u32, seccomp_filters),
#undef FIELD
};

/* The field of mask this line holds, or -1. */
static int line_field(const char *s, unsigned int mask, const char **v)
{
	int f;

	for (f = 0; f < PS_NR_FIELDS; f++) {
		if (!(mask & PS_F(f)))
			continue;
		*v = proc_key(s, status_fields[f].key);
		if (*v)
			return f;
	}
	return -1;
}

static int status_line(const struct proc_line *l, const char *name, unsigned int mask,
		       struct proc_status *st)
{
	const struct status_field *sf;
	const char *v;
	int f, ret;

	f = line_field(l->s, mask, &v);
	if (f < 0)
		return 0;
	sf = &status_fields[f];
	if (!l->complete || (st->have & PS_F(f))) {
		pr_err("%s: the %s: line is %s\n", name, sf->key,
		       l->complete ? "there twice" : "cut short");
		return -EINVAL;
	}
	ret = sf->get(v, f == PS_GROUPS ? (void *)st : (char *)st + sf->off);
	if (ret == -EOPNOTSUPP) {
		pr_err("%s: more than %d supplementary groups: not supported\n", name,
		       PROC_STATUS_MAX_GROUPS);
		return ret;
	}
	if (ret) {
		pr_err("%s: malformed %s: line '%.*s'\n", name, sf->key, (int)l->len, l->s);
		return -EINVAL;
	}
	st->have |= PS_F(f);
	return 0;
}

int parse_proc_status_buf(const char *buf, const char *name, unsigned int mask,
			  struct proc_status *st)
{
	unsigned int missing;
	struct proc_line l;
	const char *pos = buf;
	int f, ret;

	memset(st, 0, sizeof(*st));
	while (proc_next_line(&pos, &l)) {
		ret = status_line(&l, name, mask, st);
		if (ret)
			return ret;
	}
	missing = mask & ~PS_OPTIONAL & ~st->have;
	if (!missing)
		return 0;
	for (f = 0; !(missing & PS_F(f)); f++)
		;
	pr_err("%s has no %s: line\n", name, status_fields[f].key);
	return -EINVAL;
}

int parse_proc_status(pid_t pid, pid_t tid, unsigned int mask, struct proc_status *st)
{
	char path[64];
	char *buf;
	int ret;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -ENOENT;
	ret = parse_proc_status_buf(buf, path, mask, st);
	free(buf);
	return ret;
}

/* "NSpid:" with one pid per level, criu's first; a level that is not a pid (<= 0) is bad. */
int parse_proc_nspid_buf(const char *buf, const char *name, pid_t *pids, int max)
{
	struct proc_line l;
	const char *pos = buf, *v;
	int64_t pid;
	int n = 0;

	while (proc_next_line(&pos, &l)) {
		v = proc_key(l.s, "NSpid");
		if (!v)
			continue;
		if (!l.complete)
			break;
		for (v = proc_skip_blanks(v); !proc_at_eol(v); v = proc_skip_blanks(v)) {
			if (n == max || proc_get_s64(&v, 1, INT32_MAX, &pid)) {
				pr_err("%s: malformed or too deep NSpid: line '%.*s'\n", name,
				       (int)l.len, l.s);
				return -EINVAL;
			}
			pids[n++] = (pid_t)pid;
		}
		if (n)
			return n;
		break;
	}
	pr_err("%s has no complete NSpid: line\n", name);
	return -EINVAL;
}

int parse_proc_nspid(pid_t pid, pid_t tid, pid_t *pids, int max)
{
	char path[64];
	char *buf;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid ? tid : pid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -ENOENT;
	ret = parse_proc_nspid_buf(buf, path, pids, max);
	free(buf);
	return ret;
}
