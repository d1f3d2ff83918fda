/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup/freeze.c - --freeze-cgroup PATH: the tree is frozen at once by its freezer cgroup
 * while criu seizes it, so that no task forks, exits or moves meanwhile, instead of being
 * stopped one task at a time.
 *
 * cgroup2 (PATH/cgroup.freeze): a frozen task still enters a ptrace stop, so the usual
 * seize runs on the frozen tree; the thaw after it leaves every task in its ptrace stop.
 * cgroup v1 (PATH/freezer.state): a frozen task can't stop for ptrace until it is thawed,
 * so every task of the cgroup is seized and interrupted while frozen (compel_seize_nowait)
 * and thawed at once: each traps into its ptrace stop before it runs any code of its own,
 * and the tree's seize takes them over. A task of the cgroup that the tree does not hold
 * is let go again (cg_thaw).
 * The freezer is thawed on every path, the caller's failure included.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "cgroup.h"
#include "compel/infect.h"
#include "dump.h"
#include "internal.h"
#include "log.h"
#include "opts.h"
#include "threads.h"

struct cg_freezer {
	char path[4096];
	bool v2;
	pid_t *seized; /* v1: the tasks seized while frozen */
	size_t nr_seized;
};

static int state_file(const struct cg_freezer *fz, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/%s", fz->path, fz->v2 ? "cgroup.freeze" : "freezer.state");
}

static bool is_frozen(const struct cg_freezer *fz)
{
	char path[4200], buf[4096];

	if (fz->v2) {
		snprintf(path, sizeof(path), "%s/cgroup.events", fz->path);
		return !cg_read_file(path, buf, sizeof(buf)) && strstr(buf, "frozen 1");
	}
	state_file(fz, path, sizeof(path));
	return !cg_read_file(path, buf, sizeof(buf)) && !strcmp(buf, "FROZEN");
}

/* The kernel freezes task by task: wait for all, within --timeout */
static int wait_frozen(const struct cg_freezer *fz, int timeout_s)
{
	struct timespec pause = { 0, 100 * 1000 }; /* 100 us, then doubling to 10 ms */
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_s;
	while (!is_frozen(fz)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)) {
			pr_err("The freezer cgroup %s did not freeze in %d s (--timeout); a task "
			       "in it may be stuck in the kernel\n",
			       fz->path, timeout_s);
			return -ETIMEDOUT;
		}
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 10 * 1000 * 1000)
			pause.tv_nsec *= 2;
	}
	return 0;
}

static int set_state(const struct cg_freezer *fz, bool frozen)
{
	char path[4200];
	int ret;

	state_file(fz, path, sizeof(path));
	ret = cg_write_file(path, fz->v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED"));
	if (ret)
		pr_err("Can't %s the freezer cgroup %s: %s\n", frozen ? "freeze" : "thaw", path,
		       strerror(-ret));
	return ret;
}

/* v1: every task (thread) listed, seized and interrupted while it can't run */
static int seize_frozen(struct cg_freezer *fz)
{
	char path[4200];
	char *buf, *p, *end;
	size_t len;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/tasks", fz->path);
	buf = read_proc_file(path, &len);
	if (!buf)
		return -EIO;
	for (p = buf; !ret && *p; p = end) {
		long tid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (ARRAY_ADD_ROOM(fz->seized, fz->nr_seized)) {
			ret = -ENOMEM;
			break;
		}
		ret = compel_seize_nowait(tid);
		if (!ret)
			fz->seized[fz->nr_seized++] = tid;
	}
	free(buf);
	return ret;
}

static int open_freezer(const char *path, struct cg_freezer **out)
{
	struct cg_freezer *fz = calloc(1, sizeof(*fz));
	char file[4200];
	struct stat st;

	if (!fz)
		return -ENOMEM;
	snprintf(fz->path, sizeof(fz->path), "%s", path);
	snprintf(file, sizeof(file), "%s/cgroup.freeze", path);
	fz->v2 = !stat(file, &st);
	snprintf(file, sizeof(file), "%s/freezer.state", path);
	if (!fz->v2 && stat(file, &st)) {
		pr_err("--freeze-cgroup %s: neither cgroup.freeze (cgroup2) nor freezer.state (the "
		       "v1 freezer) is there; give the freezer cgroup's folder\n",
		       path);
		free(fz);
		return -EINVAL;
	}
	*out = fz;
	return 0;
}

int cg_freeze(const struct cr_options *o, struct cg_freezer **out)
{
	struct cg_freezer *fz;
	int ret;

	*out = NULL;
	if (!o->cg.freeze)
		return 0;
	ret = open_freezer(o->cg.freeze, &fz);
	if (ret)
		return ret;
	*out = fz;
	ret = set_state(fz, true);
	ret = ret ?: wait_frozen(fz, o->timeout);
	if (!ret && !fz->v2) {
		ret = seize_frozen(fz);
		ret = set_state(fz, false) ?: ret;
	}
	if (!ret)
		pr_info("Froze the tree with the freezer cgroup %s (%s)\n", fz->path,
			fz->v2 ? "cgroup2" : "v1");
	return ret;
}

/* A task seized while frozen that the tree's seize did not take: let it go once stopped. */
static void release_stray(pid_t tid)
{
	int status;

	if (waitpid(tid, &status, __WALL) == tid && WIFSTOPPED(status))
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
}

static bool tree_holds(struct dump_tree *dt, pid_t tid)
{
	size_t i, j, nr;
	uint32_t *tids;

	for (i = 0; i < dt->nr_tasks; i++) {
		if (dt->tasks[i]->pid == tid)
			return true;
		if (!dt->tasks[i]->thr)
			continue;
		tids = threads_ids(dt->tasks[i], &nr);
		for (j = 0; tids && j < nr; j++)
			if ((pid_t)tids[j] == tid)
				return true;
	}
	return false;
}

void cg_thaw(struct cg_freezer **pfz, struct dump_tree *dt)
{
	struct cg_freezer *fz = *pfz;
	size_t i;

	if (!fz)
		return;
	/* v1 thawed in cg_freeze() already; again in case that failed half-way */
	set_state(fz, false);
	for (i = 0; i < fz->nr_seized; i++)
		if (!tree_holds(dt, fz->seized[i]))
			release_stray(fz->seized[i]);
	free(fz->seized);
	free(fz);
	*pfz = NULL;
}
