/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns.h - namespaces of the dumped tree (criu/ns/). The tree's root may have pid, uts, ipc
 * time and cgroup namespaces of its own: a pid namespace one level below criu's whose init
 * (pid 1) is the root, and uts, ipc, time, cgroup (a cgroup namespace's root is saved by
 * criu/cgroup/) and network (net/ns/, netns.h) namespaces made with it. Every task of the
 * tree shares the root's namespaces of these kinds and makes its children in them (but pid
 * namespaces nested below the root's, pid-dump.c); so for the root's own user namespace
 * (userns-*.c). Anything else is refused at dump, naming the task and the kind.
 *
 * Dump: ns_dump_begin() after the seize (it enters the tree's ipc namespace, where the SysV
 * code of mem/ reads), ns_dump_write() once the tasks are dumped, ns_dump_end() always.
 * Restore: rst_ns_prepare() once the images are read; the root is cloned with
 * rst_ns_clone_flags() between rst_ns_before_root() and rst_ns_after_root(), and builds the
 * namespaces' content in rst_ns_root_setup() before anything else. Tasks of a tree in a pid
 * namespace see other tasks by their pid there: rst_pid_here() turns a pid in criu's view
 * (the restore's, into which the images' pids are turned when read) into the caller's.
 * May call: log, image, proc-parse, ns-ids, the dump and restore contexts.
 */
#ifndef CRIU_NS_H
#define CRIU_NS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "creds.pb-c.h"

struct dump_ctx;
struct stat;
struct dump_tree;
struct rst_ctx;
struct rst_task;

/* ns/ns-check.c: 0, or -EOPNOTSUPP with every differing kind logged, or -errno. */
int ns_check_task(pid_t pid, pid_t root);
/* Is the namespace of kind link (a name under /proc/PID/ns/) of pid criu's own? */
int ns_is_criu_own(pid_t pid, const char *link);

/* ns/ns-dump.c */
/*
 * Before a task's dump: criu into its network namespace (a tree may span several), where its
 * sockets are; refuses a thread in another one than its leader's. 0 or -errno (said).
 */
int ns_dump_task_net(struct dump_ctx *dc);
int ns_dump_begin(struct dump_tree *dt);
int ns_dump_write(struct dump_tree *dt);
void ns_dump_end(struct dump_tree *dt);
/* The id of the ipc namespace whose SysV objects the dump saves (ipcns-*-ID.img). */
uint32_t ns_dump_ipc_id(const struct dump_tree *dt);
/*
 * ns/mnt-reach.c: in a tree with a mount namespace of its own, does path name the file (st:
 * what the task holds; what: "fd 3", "cwd"...) in it, as the restore will look it up? 0,
 * or -EOPNOTSUPP logged naming the file and the options.
 */
int mntns_dump_check_path(struct dump_ctx *dc, const char *what, const char *path,
			  const struct stat *st);
/*
 * A deleted file (a ghost, a link remap) of a tree with a mount namespace of its own must be
 * on the mount of its root's root: -EOPNOTSUPP, logged, if not.
 */
int mntns_dump_check_deleted(struct dump_ctx *dc, const char *path, const struct stat *st);
/* ns/pid-dump.c */
/* A task's or thread's pid (criu's view) as the images name it: its pid in the tree's pid
 * namespace, or itself for a tree in criu's; 0 for a pid that is no task of the tree. */
pid_t ns_dump_img_pid(const struct dump_tree *dt, pid_t pid);
/* Does the tree have an ipc namespace of its own (all its SysV objects are saved)? */
bool ns_dump_own_ipc(const struct dump_tree *dt);
/* ns/userns-dump.c: in a user namespace of the tree's, a task's ids as it sees them (the
 * images' convention) and its threads (refused); 0 or -EOPNOTSUPP, logged. */
int ns_dump_creds(const struct dump_tree *dt, pid_t pid, CredsEntry *c);
int ns_check_threads(struct dump_tree *dt, pid_t pid, size_t nr_threads);

/* ns/ns-restore.c */
int rst_ns_prepare(struct rst_ctx *ctx);
void rst_ns_free(struct rst_ctx *ctx);
uint64_t rst_ns_clone_flags(const struct rst_ctx *ctx);
/* Is the root the init of a pid namespace of its own? */
bool rst_ns_own_pid(const struct rst_ctx *ctx);
/*
 * Where criu finds the tree's root mount before the root exists: --root, for a tree with a
 * mount namespace of its own whose root is not criu's ("/"); NULL otherwise.
 */
const char *rst_ns_mnt_root(const struct rst_ctx *ctx);
/* ns/userns-restore.c: in a task, last before its restorer: into the tree's user namespace
 * (its groups set first, as criu sees them); whether the restorer leaves the groups be. */
int rst_ns_enter_user(const struct rst_ctx *ctx, const struct rst_task *t);
/*
 * criu's fd of the tree's user namespace, inherited by every task above its own fds (-1:
 * none), and, for a task sharing its parent's fd table, a copy of its own at min or above.
 */
int rst_ns_user_fd(void);
int rst_ns_own_user_fd(int min);
/* The fds of the user namespaces below the tree's (ns/userns-nested-rst.c), at most
 * NS_USER_MAX_NESTED, into fds for every task to keep: their number. */
#define NS_USER_MAX_NESTED 16
int rst_ns_nested_user_keep(int *fds);
bool rst_ns_keeps_groups(const struct rst_ctx *ctx);
/* ns/userns-restore.c: the ids of c (the image's, as the task sees them) that stand for ids
 * its user namespace does not map, turned into "unchanged" for the restorer (the task keeps
 * criu's, which it had; ns/userns-unmapped.c). */
struct rst_creds;
void rst_ns_unmapped_creds(const struct rst_ctx *ctx, const struct rst_task *t,
			   struct rst_creds *c);
/* ns/userns-restore.c: in the root, in its cgroups: a new cgroup namespace, owned by the
 * tree's user namespace where it has one. 0 or -errno, logged. */
int rst_ns_unshare_cgroup(const struct rst_ctx *ctx, pid_t pid);
/* the same for a mount namespace of a task below the root, a copy of its parent's */
int rst_ns_unshare_mnt(const struct rst_ctx *ctx, pid_t pid);
/* in criu, once the tree's user namespace is made: a network namespace owned by it (an fd on
 * it, or -errno, logged), for a task below the root */
int rst_ns_make_net_in_user(void);
/*
 * ns/userns-threads.c: in a user namespace of the tree's the restorer clones threads
 * without set_tid; criu sets ns_last_pid of each level (pids innermost first) to the
 * thread's pid - 1 just before. 0 or -errno, logged.
 */
bool rst_ns_threads_by_last_pid(const struct rst_ctx *ctx);
int rst_ns_set_last_pid(const struct rst_ctx *ctx, const pid_t *levels, int n);
/* Once the thread is cloned: criu's ns_last_pid where it was, if it was further. */
void rst_ns_put_back_last_pid(void);
/*
 * ns/userns-inside.c: the tree forked inside its user namespace, which then owns its pid
 * namespace. The root is cloned by a child of criu in it (criu's pid, 0 in the root, -1);
 * the others by their parents, criu's level steered by a service child (rst_ns_steer_*).
 */
struct clone_args;
bool rst_ns_tree_inside(const struct rst_ctx *ctx);
bool rst_ns_is_stray(pid_t pid, pid_t want_inner);
struct rst_task;
long userns_rst_clone_root(const struct rst_ctx *ctx, const struct rst_task *t,
			   struct clone_args *args, pid_t outer);
long rst_ns_clone_steered(struct clone_args *args, pid_t outer);
int userns_rst_steer_start(const struct rst_ctx *ctx);
void userns_rst_steer_stop(void);
int rst_ns_steer_keep(int *fds);
void rst_ns_steer_drop(void);
/* Around a thread or child that may take any pid: the steered clones wait (-1: none). */
int rst_ns_pid_lock(void);
/* open() of a /proc/self/map_files file, by criu's side for a task forked inside (O_CLOEXEC) */
int rst_ns_open_map_file(const char *link, int flags);
/* setsockopt() of SO_SNDBUFFORCE or SO_RCVBUFFORCE, the same way */
int rst_ns_force_sock_buf(int sk, int opt, int val);
/* in a task forked inside (rst_ns_steered()): the locker of mnt-locks-copy.c, made by the
 * service in criu's user namespace; its socket, or -1 */
bool rst_ns_steered(void);
int rst_ns_start_locker(int stage, int root_fd, int root);
/* criu's ns_last_pid locked (flock, as CRIU) from a write to the clone it is for */
void rst_ns_last_pid_lock(void);
void rst_ns_last_pid_unlock(void);
/* In criu, before it forks any helper: its ns_last_pid above every pid of a tree forked
 * inside, so that nothing forked unsteered takes one of them. 0 or -errno, logged. */
int userns_rst_last_pid_above_tree(const struct rst_ctx *ctx);
/* chown of a file (an fd, O_PATH too; or a path, following a last symlink or not) to ids of
 * criu's view, which the task's user namespace may not map, then chmod (mode -1: none; not
 * for a symlink): by the service for a task forked inside. 0 or -1 (errno). */
int rst_ns_fchown_mode(int fd, uid_t uid, gid_t gid, int mode);
int rst_ns_chown_mode(const char *path, uid_t uid, gid_t gid, int mode, bool follow);
void rst_ns_pid_unlock(int held);
int rst_ns_before_root(const struct rst_ctx *ctx);
void rst_ns_after_root(const struct rst_ctx *ctx);
int rst_ns_root_setup(const struct rst_ctx *ctx);
/* In any other task, first thing: the mount namespace it made (unshare), if it did */
struct rst_task;
int rst_ns_task_setup(const struct rst_ctx *ctx, const struct rst_task *t);
/*
 * In criu once the tasks' fd numbers are known: fds on the tasks' network namespaces besides
 * the root's above them (kept by every task until its children are forked: netns.h).
 */
int rst_ns_hold_fds(const struct rst_ctx *ctx);
/* In criu, after post-restore: the lock's end in those namespaces */
int rst_ns_unlock_others(const struct rst_ctx *ctx, pid_t root);
/* In criu, the root cloned and waiting: fill the namespaces made from outside (network). */
int rst_ns_fill_from_outside(const struct rst_ctx *ctx, pid_t root);
int rst_ns_root_finish(const struct rst_ctx *ctx);
/* In criu, every task in its restorer (in its namespaces): what held them meanwhile goes. */
void rst_ns_tree_in_place(const struct rst_ctx *ctx);
/* The id of the ipc namespace the SysV images are named by. */
uint32_t rst_ns_ipc_id(const struct rst_ctx *ctx);
/* Has the root a cgroup namespace of its own (it unshares it in rst_cgroup_enter())? */
bool rst_ns_own_cgroup(const struct rst_ctx *ctx);
/* In a task of a restored mount namespace: the id its mount of the dump's mnt_id has now
 * (the same id where no mount namespace was restored). */
uint32_t rst_mnt_id_now(uint32_t dumped);

/* ns/pid-restore.c */
struct rst_ns_pids;
/* Right after pstree.img is read: its pids in criu's view, with ns-pids.img (rst_ctx.pids). */
int rst_pidns_read_pstree(struct rst_ctx *ctx);
void rst_pidns_free(struct rst_ns_pids *p);
/* The name in the images of a task or thread (criu's view): core-PID.img, mm-PID.img... */
pid_t rst_img_pid(const struct rst_ctx *ctx, pid_t pid);
/* A pid field of an image (a file's owner, a terminal's session) in criu's view. */
pid_t rst_pid_from_img(const struct rst_ctx *ctx, pid_t pid);
/* The pids at each level for clone3's set_tid (innermost first) of task or thread pid. */
#define RST_PID_LEVELS 33 /* criu's and the 32 the kernel may nest below */
int rst_pid_levels(const struct rst_ctx *ctx, pid_t pid, pid_t *set_tid, int max);
/* pid (criu's view) as the calling process sees it: inside the tree's pid namespace or not. */
pid_t rst_pid_here(const struct rst_ctx *ctx, pid_t pid);
/* Is pid (criu's view) in the caller's pid namespace or below it? */
bool rst_pid_visible(const struct rst_ctx *ctx, pid_t pid);
/* Is t the init of a pid namespace below its parent's (clone3 with CLONE_NEWPID)? */
bool rst_pid_new_ns(const struct rst_ctx *ctx, const struct rst_task *t);
/* In t once its children are made: back to making them in the nested namespace, if it did. */
int rst_pid_children_ns(const struct rst_ctx *ctx, const struct rst_task *t);
/* The calling task's own pid in criu's view (getpid() is the namespace's). */
pid_t rst_own_pid(void);
/* A restored task's first step: its pid in criu's view, for rst_own_pid() once /proc is
 * the tree's own. */
void rst_note_own_pid(pid_t pid);

#endif /* CRIU_NS_H */
