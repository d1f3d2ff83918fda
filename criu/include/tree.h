/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree.h - the process tree: which tasks a dump covers and how they are seized (tree/seize.c),
 * their sessions and process groups (tree/session-dump.c, session-restore.c), and at
 * restore the forking of the tree with its original pids (tree/fork.c) and the helper tasks
 * that stand in for dead group and session leaders (tree/helpers.c).
 * May call: log.h, proc-parse.h, the dump and restore contexts.
 */
#ifndef CRIU_TREE_H
#define CRIU_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct dump_ctx;
struct dump_tree;
struct rst_ctx;
struct rst_task;
struct rst_channel;
struct rst_fds;

/* tree/session-dump.c */
int check_task_sessions(const struct dump_ctx *dc);
/* Every task's session and group must be in the tree (or be the shell's with -j). */
int check_tree_sessions(const struct dump_tree *dt);

/* tree/seize.c: seize the root and every descendant until the set is stable */
int dump_tree_seize(struct dump_tree *dt, pid_t root);
/* Refuse the shapes this criu can't dump yet (threads); one place to lift it. */
/* -EIO when a task could not be cured or released as asked (logged) */
int dump_tree_release(struct dump_tree *dt, int mode);
void dump_tree_free(struct dump_tree *dt);

/* tree/session-restore.c: in the forked task, before it rebuilds itself */
int rst_restore_session(const struct rst_ctx *ctx, const struct rst_task *t);
/* criu, before detaching: a task dumped in group stop gets its stop signal back */
int rst_stop_if_stopped(const struct rst_task *t);

/* tree/fork.c: the tree. rst_plan_transit() runs in criu, the rest in the tasks. */
bool rst_task_is_zombie(const struct rst_task *t);
/* Does it run the restorer (criu waits for it, removes it, detaches)? Not zombies, helpers. */
bool rst_task_has_restorer(const struct rst_task *t);
int rst_plan_transit(struct rst_ctx *ctx);
/* The lowest task of the tree that is a or an ancestor of a, and b or one of b's (a = 0: b). */
pid_t rst_common_ancestor(const struct rst_ctx *ctx, pid_t a, pid_t b);
/* The inherited transit fd that carries file id into task t, or -ENOENT. */
int rst_transit_fd(const struct rst_ctx *ctx, const struct rst_task *t, uint32_t id);
/* In the owner, inside rst_restore_fds(): open the files its descendants will share. */
int rst_open_transit(struct rst_fds *rf);
/* Close what the parent left in the task, but keep[] and the transit fds. */
int rst_close_inherited(const struct rst_ctx *ctx, const int *keep, int nr_keep);
/* Fork t's children, let its zombies die, drop the transit fds, join its group. */
int rst_fork_children(const struct rst_ctx *ctx, const struct rst_task *t,
		      const struct rst_channel *ch, int up_fd);
/* A zombie: set its group, then die as it died. */
void __attribute__((noreturn))
rst_become_zombie(const struct rst_ctx *ctx, const struct rst_task *t);
int rst_join_group(const struct rst_ctx *ctx, const struct rst_task *t);
/* A child of the task exited and was reaped while signals are blocked: drop its SIGCHLD. */
void rst_drop_sigchld(void);

/*
 * tree/helpers.c: helper tasks for groups and sessions whose leader is not in the images.
 * rst_add_helpers() runs in criu once the images are read; the rest in the tasks.
 */
int rst_add_helpers(struct rst_ctx *ctx);
const struct rst_task *rst_task_by_pid(const struct rst_ctx *ctx, pid_t pid);
bool rst_is_session_helper(const struct rst_task *t);
/* Who forks t: its parent, or the helper of its session if the parent is in another one. */
pid_t rst_forker(const struct rst_ctx *ctx, const struct rst_task *t);
/* Before t forks a session helper: t adopts what the helper leaves when it exits. */
int rst_become_reaper(const struct rst_ctx *ctx, const struct rst_task *t);
/* A helper: fork the session's members (session helper), wait for the group, exit. */
void __attribute__((noreturn))
rst_be_helper(const struct rst_ctx *ctx, const struct rst_task *t, const struct rst_channel *ch);

#endif /* CRIU_TREE_H */
