/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup/cgns.c - the root of the tree's own cgroup namespace, per hierarchy.
 *
 * /proc/PID/cgroup shows paths relative to the reader's cgroup namespace: criu (in its
 * own) sees the full path C of the root task's cgroup, the task itself the part T below
 * its namespace's root. A helper child of criu enters the task's cgroup namespace to read
 * T; the namespace's root is then C without T's tail, and its length is each member's
 * cgns_prefix in cgroup.img (CRIU's field). Every task of the tree shares that namespace
 * (ns/ns-check.c) and must be below its root.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "log.h"
#include "proc-parse.h"

#define VIEW_MAX 65536

/* In a child: enter pid's cgroup namespace, send /proc/PID/cgroup as seen there. */
static void __attribute__((noreturn)) send_view(pid_t pid, int out)
{
	char path[64], *buf;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/cgroup", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWCGROUP))
		_exit(2);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	buf = read_proc_file(path, &len);
	if (!buf || write(out, buf, len) != (ssize_t)len)
		_exit(3);
	_exit(0);
}

static int read_view(pid_t pid, struct cg_members *view)
{
	char *buf = calloc(1, VIEW_MAX);
	ssize_t n, got = 0;
	int p[2], status, ret;
	pid_t kid;

	if (!buf || pipe(p)) {
		free(buf);
		return -ENOMEM;
	}
	kid = fork();
	if (kid == 0) {
		close(p[0]);
		send_view(pid, p[1]);
	}
	close(p[1]);
	while (kid > 0 && got < VIEW_MAX - 1 && (n = read(p[0], buf + got, VIEW_MAX - 1 - got)) > 0)
		got += n;
	close(p[0]);
	if (kid < 0 || waitpid(kid, &status, 0) != kid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		pr_err("Can't read the cgroups of task %d from inside its cgroup namespace\n", pid);
		free(buf);
		return -EIO;
	}
	ret = cg_parse_proc_buf(buf, view);
	free(buf);
	return ret;
}

/* The namespace's root in criu's view: full without view's tail; NULL if it is not one. */
static char *ns_root(const char *full, const char *view)
{
	size_t fl = strlen(full), vl = strlen(view);

	if (!strncmp(view, "/..", 3))
		return NULL; /* moved out of its namespace's root by someone outside */
	if (!strcmp(view, "/"))
		return strdup(full);
	if (vl > fl || strcmp(full + fl - vl, view))
		return NULL;
	if (fl == vl)
		return strdup("/");
	return strndup(full, fl - vl);
}

int cg_cgns_roots(pid_t root, const struct cg_members *full, struct cg_members *roots)
{
	struct cg_members view;
	size_t i, j;
	int ret;

	roots->m = calloc(full->nr ?: 1, sizeof(*roots->m));
	roots->nr = 0;
	ret = roots->m ? read_view(root, &view) : -ENOMEM;
	if (ret)
		return ret;
	for (i = 0; !ret && i < full->nr; i++) {
		struct cg_member *r = &roots->m[roots->nr];

		for (j = 0; j < view.nr && strcmp(view.m[j].ctls, full->m[i].ctls); j++)
			;
		if (j == view.nr)
			continue; /* a hierarchy left out of the dump */
		r->ctls = strdup(full->m[i].ctls);
		r->path = ns_root(full->m[i].path, view.m[j].path);
		if (r->ctls && r->path) {
			roots->nr++;
			continue;
		}
		pr_err("Task %d sees its cgroup %s of '%s' as %s: not below its cgroup namespace's "
		       "root, which can't be restored\n",
		       root, full->m[i].path, cg_hier_label(full->m[i].ctls), view.m[j].path);
		free(r->ctls);
		free(r->path);
		ret = -EOPNOTSUPP;
	}
	cg_members_free(&view);
	if (ret)
		cg_members_free(roots);
	else
		pr_info("Task %d has a cgroup namespace of its own: its roots saved\n", root);
	return ret;
}
