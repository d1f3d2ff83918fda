/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup.h - cgroups of the dumped tree (criu/cgroup/, Documentation/cgroups.md).
 *
 * Dump: each task's cgroups (/proc/PID/cgroup) become a set of cgroup.img, named by the
 * core's cg_set; the cgroups that hold tasks are saved with their properties, per
 * hierarchy; a thread in cgroups of its own gets a set of its own (its core's cg_set).
 * --freeze-cgroup freezes the tree's freezer cgroup while it is seized.
 * Restore: before the first fork criu makes the cgroups the mode (--manage-cgroups) asks for
 * and sets their properties; each task moves itself into its set before it rebuilds
 * anything (its threads and children are born there), and criu moves a thread with a set
 * of its own once the restorer made it, before it runs; a failed restore removes the
 * cgroups it made once the tasks are gone.
 */
#ifndef CRIU_CGROUP_H
#define CRIU_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "core.pb-c.h"

struct dump_tree;
struct dump_ctx;
struct rst_ctx;
struct rst_task;
struct cr_options;

/* dump: criu/cgroup/dump.c */
int cg_dump_init(struct dump_tree *dt);
int cg_dump_task(struct dump_ctx *dc);
void cg_fill_core(const struct dump_ctx *dc, CoreEntry *core);
/* a thread's core: its own set, or its leader's */
void cg_fill_thread_core(const struct dump_ctx *dc, pid_t tid, CoreEntry *core);
int cg_dump_write(struct dump_tree *dt);
void cg_dump_fini(struct dump_tree *dt);

/* --freeze-cgroup: criu/cgroup/freeze.c. Freeze: 0 or -errno (said); thaw: never fails. */
struct cg_freezer;
int cg_freeze(const struct cr_options *o, struct cg_freezer **fz);
void cg_thaw(struct cg_freezer **fz, struct dump_tree *dt);

/* restore: criu/cgroup/restore.c */
int rst_cgroup_prepare(struct rst_ctx *ctx);
/*
 * criu, once the tasks' fd numbers are known (fd_top): an O_PATH fd on each hierarchy above
 * them, which every task inherits and moves itself in through (a container's mount namespace
 * may have no cgroup mounts); kept by rst_close_inherited(), dropped once a task's children
 * are forked.
 */
#define RST_CG_MAX_DIRS 32
int rst_cgroup_hold_dirs(const struct rst_ctx *ctx);
/* the held fds into fds (RST_CG_MAX_DIRS room): their number */
int rst_cgroup_dir_fds(const struct rst_ctx *ctx, int *fds);
void rst_cgroup_drop_dirs(const struct rst_ctx *ctx);
/* in the forked task, before anything else: into its cgroups */
int rst_cgroup_enter(const struct rst_ctx *ctx, const struct rst_task *t);
/* criu, once t's threads exist and wait before rt_sigreturn: each into its own set */
int rst_cgroup_threads(const struct rst_ctx *ctx, const struct rst_task *t);
/* after the tree ran or died: a failed restore removes the cgroups it made */
void rst_cgroup_fini(struct rst_ctx *ctx, bool failed);

#endif /* CRIU_CGROUP_H */
