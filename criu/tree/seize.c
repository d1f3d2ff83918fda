/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree/seize.c - the set of tasks one dump covers: the root given with -t and all of its
 * descendants. Every task is seized (stopped) before anything is collected from any of them;
 * a task may fork while we seize, so the children files are read again until a whole pass
 * finds nobody new. The order of dt->tasks is CRIU's pstree order: parents before children.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "compel/infect.h"
#include "dump.h"
#include "log.h"
#include "threads.h"
#include "tree.h"

static struct dump_ctx *find_task(const struct dump_tree *dt, pid_t pid)
{
	size_t i;

	for (i = 0; i < dt->nr_tasks; i++)
		if (dt->tasks[i]->pid == pid)
			return dt->tasks[i];
	return NULL;
}

static struct dump_ctx *add_task(struct dump_tree *dt, pid_t pid, pid_t ppid)
{
	struct dump_ctx *dc;

	if (ARRAY_ADD_ROOM(dt->tasks, dt->nr_tasks))
		return NULL;
	dc = calloc(1, sizeof(*dc));
	if (!dc)
		return NULL;
	dc->opts = dt->opts;
	dc->mt.uffd = dc->mt.task_fd = -1;
	dc->dfd = dt->dfd;
	dc->tree = dt;
	dc->idx = dt->nr_tasks;
	dc->pid = pid;
	dc->img_pid = pid; /* ns/pid-dump.c renames it in a pid namespace of its own */
	dc->ppid = ppid;
	dc->files = &dt->files;
	dc->fstate = &dt->fstate;
	dt->tasks[dt->nr_tasks++] = dc;
	return dc;
}

/* A task whose main thread exited while others run on has no leader to infect. */
static int check_leader_alive(const struct dump_ctx *dc)
{
	if (dc->seize_state == COMPEL_TASK_ZOMBIE && proc_count_threads(dc->pid) > 1) {
		pr_err("The main thread of task %d has exited while its other threads run on: "
		       "not supported\n",
		       dc->pid);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int seize_one(struct dump_tree *dt, pid_t pid, pid_t ppid)
{
	struct dump_ctx *dc;
	int ret, stop_sig;

	if (fault_injected("seize"))
		return -EIO;
	ret = compel_seize_task_sig(pid, &stop_sig);
	if (ret == -ESRCH && ppid) {
		pr_debug("Child %d of %d is gone before we could seize it\n", pid, ppid);
		return 0;
	}
	if (ret == -ETIMEDOUT)
		return ret; /* said: it did not stop */
	if (ret < 0) {
		pr_err("Can't seize task %d: %s; check that it exists and that we may trace "
		       "it (ptrace_scope, another tracer)\n",
		       pid, strerror(-ret));
		return ret;
	}
	if (ret == COMPEL_TASK_DEAD && ppid)
		return 0; /* reaped under us: not part of the tree any more */
	dc = add_task(dt, pid, ppid);
	if (!dc) {
		compel_release_task(pid, ret, COMPEL_RELEASE_RUN);
		return -ENOMEM;
	}
	dc->seize_state = ret;
	dc->stop_signo = stop_sig;
	ret = check_leader_alive(dc);
	if (ret)
		return ret;
	if (dc->seize_state == COMPEL_TASK_ZOMBIE || dc->seize_state == COMPEL_TASK_DEAD) {
		if (!ppid) {
			pr_err("Task %d is a zombie or dead: nothing to dump\n", pid);
			return -ESRCH;
		}
		return 0;
	}
	return threads_seize(dc);
}

/* Seize the children listed in one thread's children file that we don't have yet. */
static int seize_children_of(struct dump_tree *dt, pid_t pid, pid_t tid, int *nr_new)
{
	pid_t *children;
	size_t nr, i;
	int ret;

	ret = parse_proc_children(pid, tid, &children, &nr);
	for (i = 0; !ret && i < nr; i++) {
		if (find_task(dt, children[i]))
			continue;
		ret = seize_one(dt, children[i], pid);
		(*nr_new)++;
	}
	free(children);
	return ret;
}

/* Every thread of a task may have forked: read each thread's children file. */
static int seize_children(struct dump_tree *dt, struct dump_ctx *dc, int *nr_new)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (dc->seize_state == COMPEL_TASK_ZOMBIE || dc->seize_state == COMPEL_TASK_DEAD)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", dc->pid);
	d = opendir(path);
	if (!d) {
		pr_perror("Can't open %s", path);
		return -errno;
	}
	while (!ret && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		ret = seize_children_of(dt, dc->pid, atoi(de->d_name), nr_new);
	}
	closedir(d);
	return ret;
}

int dump_tree_seize(struct dump_tree *dt, pid_t root)
{
	int ret, nr_new;
	size_t i;

	compel_set_seize_timeout(dt->opts->timeout * 1000);
	ret = seize_one(dt, root, 0);
	if (ret)
		return ret;
	/* new tasks go to the end, so one pass over the array reaches grandchildren too */
	do {
		nr_new = 0;
		for (i = 0; !ret && i < dt->nr_tasks; i++)
			ret = seize_children(dt, dt->tasks[i], &nr_new);
	} while (!ret && nr_new);
	if (!ret)
		pr_info("Seized %zu task(s) under %d\n", dt->nr_tasks, root);
	return ret;
}

/* Children first: a parent killed first would see its children die as orphans. */
int dump_tree_release(struct dump_tree *dt, int mode)
{
	size_t i;
	int ret = 0;

	for (i = dt->nr_tasks; i-- > 0;) {
		struct dump_ctx *dc = dt->tasks[i];

		if (dc->seize_state <= 0)
			continue;
		if (dc->ctl && dc->cure_failed) {
			pr_err("Task %d could not be cured and stays seized until criu exits\n",
			       dc->pid);
			ret = -EIO;
			continue;
		}
		threads_release(dc, mode);
		if (compel_release_task(dc->pid, dc->seize_state, mode))
			ret = -EIO; /* compel said why */
	}
	return ret;
}

void dump_tree_free(struct dump_tree *dt)
{
	size_t i;

	free_tree_files(dt);
	for (i = 0; i < dt->nr_tasks; i++)
		free(dt->tasks[i]);
	free(dt->tasks);
	dt->tasks = NULL;
	dt->nr_tasks = 0;
}
