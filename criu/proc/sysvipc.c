/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/sysvipc.c - /proc/sysvipc/shm: a header line, then one line per segment of the IPC
 * namespace (the kernel's sysvipc_shm_proc_show()): key shmid perms size cpid lpid nattch
 * and more that criu does not read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "proc-parse.h"

static int shm_line(const char *v, struct proc_sysv_shm *s)
{
	uint64_t cpid, lpid;

	if (proc_get_int(&v, &s->key) || proc_get_int(&v, &s->id) || s->id < 0 ||
	    proc_get_u32(&v, 8, &s->perms))
		return -EINVAL;
	v = proc_skip_blanks(v);
	if (proc_get_u64(&v, 10, UINT64_MAX, &s->size))
		return -EINVAL;
	v = proc_skip_blanks(v);
	if (proc_get_u64(&v, 10, INT32_MAX, &cpid))
		return -EINVAL;
	v = proc_skip_blanks(v);
	if (proc_get_u64(&v, 10, INT32_MAX, &lpid))
		return -EINVAL;
	v = proc_skip_blanks(v);
	if (proc_get_u64(&v, 10, UINT64_MAX, &s->nattch))
		return -EINVAL;
	s->cpid = cpid;
	s->lpid = lpid;
	return 0;
}

int parse_proc_sysvipc_shm_buf(const char *buf, struct proc_sysv_shm **segs, size_t *nr)
{
	const char *pos = buf;
	struct proc_line l;
	int ret = 0;

	*segs = NULL;
	*nr = 0;
	if (!proc_next_line(&pos, &l))
		return 0;
	if (!l.complete || strncmp(proc_skip_blanks(l.s), "key", 3))
		goto bad;
	while (proc_next_line(&pos, &l)) {
		ret = ARRAY_ADD_ROOM(*segs, *nr);
		if (ret)
			goto out_free;
		if (!l.complete || shm_line(l.s, &(*segs)[*nr]))
			goto bad;
		(*nr)++;
	}
	return 0;
bad:
	pr_err("/proc/sysvipc/shm: malformed line '%.*s'\n", (int)l.len, l.s);
	ret = -EINVAL;
out_free:
	free(*segs);
	*segs = NULL;
	*nr = 0;
	return ret;
}

int parse_proc_sysvipc_shm(struct proc_sysv_shm **segs, size_t *nr)
{
	char *buf;
	int ret;

	*segs = NULL;
	*nr = 0;
	buf = read_proc_file("/proc/sysvipc/shm", NULL);
	if (!buf)
		return -ENOENT;
	ret = parse_proc_sysvipc_shm_buf(buf, segs, nr);
	free(buf);
	return ret;
}
