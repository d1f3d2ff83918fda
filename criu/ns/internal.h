/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/internal.h - the parts of ns/ one file each: pid (pid-dump.c, pid-restore.c), uts
 * (uts.c), ipc sysctls (ipc-var.c), SysV semaphores and message queues (ipc-sem.c,
 * ipc-msg.c), time (time.c). Private to ns/. Dump functions run in criu, inside the tree's
 * namespace of their kind where they say so; restore functions in the tree's root, inside
 * its new namespaces, unless they say otherwise.
 */
#ifndef CRIU_NS_INTERNAL_H
#define CRIU_NS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "netns.h"
#include "mnt.h"

struct dump_tree;
struct rst_ctx;

/* pid-dump.c: the root is pid 1 of a pid namespace one level below criu's */
int pidns_dump_check_root(pid_t root);
int pidns_dump_write(struct dump_tree *dt);
/* after the seize, for a pid namespace of the root's own or nested ones below criu's: every
 * task's and thread's pid at each level; unmap frees them */
int pidns_dump_map(struct dump_tree *dt, bool own);
void pidns_dump_unmap(struct dump_tree *dt);
/* pid-restore.c, in criu: ns-pids.img */
struct rst_ns_pids;
bool rst_pidns_has(const struct rst_ns_pids *p, pid_t pid);
int rst_pidns_reserve(const struct rst_ctx *ctx);
/* in the init of a nested pid namespace, first thing */
struct rst_task;
int rst_pidns_reserve_nested(const struct rst_ctx *ctx, const struct rst_task *t);

/* ns-restore.c: what rst_ctx.ns points to */
struct rst_ns {
	uint64_t clone_flags;		  /* the root's CLONE_NEWPID, NEWUTS, NEWIPC, NEWNS */
	uint32_t uts_id, ipc_id, time_id; /* the root's; 0: criu's own kind */
	uint32_t net_id;
	struct netns_rst_opts net_opts;
	struct rst_ns_pids *pids;   /* a pid namespace of its own: rst_ctx.pids */
	int criu_time_fd;	    /* criu's own time namespace while it makes one */
	bool own_cgroup;	    /* the root unshares one once in its cgroups (cgroup/) */
	uint32_t mnt_id;	    /* the root's mount namespace (mnt.h), or 0 */
	struct mnt_premade mnt_pre; /* its tmpfs mounts, made by criu */
	struct rst_userns *user;    /* a user namespace of its own (userns-restore.c), or NULL */
};

/* userns-restore.c, in criu: read userns-ID.img, make the namespace and those in it */
int userns_rst_prepare(struct rst_ns *ns, const struct rst_ctx *ctx, uint32_t id);
int userns_rst_before_root(struct rst_ns *ns, int dfd, int fd_top);
void userns_rst_after_root(struct rst_ns *ns);
/* In the root: the mount namespace the helper made in the user namespace, if it made one */
int userns_rst_enter_mnt(const struct rst_ns *ns);
/* the root's CLONE_NEW* flags made in the user namespace, not by its clone3 */
uint64_t userns_rst_made_flags(const struct rst_ns *ns);
/* once every task is in the namespace: criu's waits for its children must not meet it */
void userns_rst_drop_helper(struct rst_ns *ns);
void userns_rst_free(struct rst_ns *ns);
/* ipcns_var_restore(), as the user namespace's root where it has one: in the root, or in
 * criu (in the tree's ipc namespace then) for a tree forked inside. */
int userns_rst_ipc_var_restore(const struct rst_ns *ns, int dfd, uint32_t id);
/* userns-threads.c: the ns_last_pid writer of the tree's pid namespace goes, if there is one */
void userns_threads_stop_writer(void);

/* join.c, in criu: --join-ns uts, ipc, time; the root is cloned in them */
struct join_ns_opts;
int nsjoin_prepare(const struct join_ns_opts *o);
bool nsjoin_any(void);
uint64_t nsjoin_flags(void);
int nsjoin_before_root(void);
void nsjoin_after_root(void);
void nsjoin_free(void);

/* uts.c: dump enters the root's uts namespace itself */
int utsns_dump(int dfd, pid_t root, uint32_t id);
int utsns_restore(int dfd, uint32_t id);

/* ipc-var.c, ipc-sem.c, ipc-msg.c: dump runs in the tree's ipc namespace */
int ipcns_var_dump(int dfd, uint32_t id);
int ipcns_var_restore(int dfd, uint32_t id);
/* the next ids last: creating the objects used them */
int ipcns_var_restore_next_ids(int dfd, uint32_t id);
int ipcns_sem_dump(int dfd, uint32_t id);
int ipcns_sem_restore(int dfd, uint32_t id);
int ipcns_msg_dump(int dfd, uint32_t id);
int ipcns_msg_restore(int dfd, uint32_t id);
/* ask for the id of the next object of a kind ("sem", "msg", "shm") */
int ipcns_set_next_id(const char *kind, int id);
/* write a number to a sysctl file, logged on failure */
int ns_write_sysctl(const char *path, const char *val);

/* time.c: dump reads /proc/ROOT/timens_offsets; restore runs in criu before the root and
 * writes the offsets of pid's namespace for its children (0: criu's) */
int timens_dump(int dfd, pid_t root, uint32_t id);
int timens_restore_offsets(int dfd, uint32_t id, pid_t pid);

/* userns-dump.c: the root's own user namespace (userns.h), its maps into n->user */
struct ns_ids;
struct userns_maps;
int userns_dump_begin(struct ns_ids *n, pid_t root);
int userns_dump_write(int dfd, uint32_t id, const struct userns_maps *m);
/* userns-nested-dump.c: user namespaces below the root's; a task in one registers it (0 for
 * one in the root's), maps gives its maps (NULL: the root's), write saves them all */
int userns_nested_dump_task(struct dump_tree *dt, pid_t pid);
const struct userns_maps *userns_nested_dump_maps(const struct dump_tree *dt, pid_t pid);
int userns_nested_dump_write(const struct dump_tree *dt);
/* pid has threads in a pid namespace too deep for a tree with nested user namespaces */
int userns_nested_dump_deep_threads(struct dump_tree *dt, pid_t pid);
void userns_nested_dump_free(struct ns_ids *n);

/* ns-check.c: 1 if a's namespace link_a is b's link_b (names under /proc/PID/ns/), 0 if
 * not, or -errno */
int ns_is_same(pid_t a, const char *link_a, pid_t b, const char *link_b);

/* ns-dump.c: enter pid's namespace of kind link (CLONE_NEW*); *back is criu's own */
int ns_enter(pid_t pid, const char *link, int nstype, int *back);
int ns_leave(int back, int nstype, const char *link);

/* netns-tasks.c: the tasks' network namespaces besides the root's (root: its id), made */
int rst_netns_others(const struct rst_ctx *ctx, uint32_t root);

#endif /* CRIU_NS_INTERNAL_H */
