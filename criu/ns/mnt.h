/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt.h - the tree root's mount namespace (Documentation/namespaces.md), private to ns/:
 * mnt-dump.c reads /proc/ROOT/mountinfo into mountpoints-ID.img (CRIU's mnt_entry),
 * mnt-restore.c rebuilds the tree of mounts in the root's new namespace on --root and
 * pivots into it, mnt-common.c holds what both decide the same way.
 */
#ifndef CRIU_NS_MNT_H
#define CRIU_NS_MNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mnt.pb-c.h"

/* mnt_entry.flags: the per-mount flags, as the kernel's MS_* numbers (CRIU stores those) */
#define MNT_F_RDONLY	  0x1
#define MNT_F_NOSUID	  0x2
#define MNT_F_NODEV	  0x4
#define MNT_F_NOEXEC	  0x8
#define MNT_F_NOSYMFOLLOW 0x100
#define MNT_F_NOATIME	  0x400
#define MNT_F_NODIRATIME  0x800
#define MNT_F_UNBINDABLE  0x20000 /* a propagation type, kept with the flags by CRIU */
#define MNT_F_RELATIME	  0x200000
#define MNT_F_STRICTATIME 0x1000000

/* What says which mount is a bind of which: the file system and the root inside it */
struct mnt_key {
	uint32_t dev; /* mnt_entry.root_dev */
	const char *root;
};

/* Is path inside (or equal to) dir, both as mountinfo writes them ("/a/b")? */
bool mnt_path_inside(const char *path, const char *dir);
/* proc, sysfs, devtmpfs, devpts, cgroup, cgroup2: mounted anew at restore (the kernel's) */
bool mnt_fs_is_fresh(const char *fsname);
/* The mount keys[i] is a bind of (an index), -1 if none */
int mnt_bind_source(const struct mnt_key *keys, size_t nr, size_t i);
/* path below dir (path is dir or inside it) without the leading slash; "" for dir itself */
const char *mnt_path_below(const char *path, const char *dir);
/* The MNT_F_* flags of a per-mount option list ("rw,nosuid,relatime") */
unsigned int mnt_flags_of(const char *opts);

/* mnt-tmpfs.c: tmpfs-dev-DEV.tar.gz.img. Dump: the tmpfs e of the namespace of task pid;
 * fill: in criu, into the new tmpfs mnt_fd (detached) before the root exists. */
int mnt_tmpfs_dump(int dfd, pid_t pid, const MntEntry *e);
int mnt_tmpfs_fill(int dfd, const MntEntry *e, int mnt_fd);
/* mnt-restore.c: a new file system of e's kind, detached, its part e->root names */
/* fill_first: a read-only one stays writable until mnt_make_readonly_after_fill() */
int mnt_make_fresh(const MntEntry *e, bool fill_first);
int mnt_make_readonly_after_fill(const MntEntry *e, int mnt);

/* mnt-deleted.c: a bind whose root was removed ("ROOT//deleted" in mountinfo) */
struct proc_mount;
size_t mnt_root_deleted(const char *root); /* the live part's length, 0 if not removed */
int mnt_deleted_check(pid_t pid, const struct proc_mount *m); /* dump: a directory? */
/* restore: the directory below in mount src made again, bound (the fd) and removed */
int mnt_bind_deleted(int src, const char *below, const MntEntry *e);
int mnt_remove_deleted(int src, const char *below, const MntEntry *e); /* once attached */

/* A mount a plugin saved (DUMP_EXT_MOUNT): its mark among the dump's external keys; the
 * image has with_plugin, and RESTORE_EXT_MOUNT makes it */
#define MNT_PLUGIN_KEY	   "criu:plugin"
#define MNT_WITH_PLUGIN(e) ((e)->has_with_plugin && (e)->with_plugin)

/* mnt-ext.c: external and skipped mounts (opts.h's struct mnt_opts) */
struct mnt_opts;
struct proc_mount;
bool mnt_skipped(const struct mnt_opts *mo, const char *mountpoint);
const char *mnt_ext_lookup(const struct mnt_opts *mo, const char *a);
char *mnt_ext_auto_key(const struct proc_mount *m);
int mnt_ext_path(const struct mnt_opts *mo, const MntEntry *e, const char **path);

/* mnt-prop-dump.c: can the peer groups (shared:N) and masters of l be rebuilt? Refuses,
 * naming the mount, what can't; outside[i]: mount i's group has members criu sees. With
 * --ext-mount-map auto a mount with a group or master outside becomes external (ext[i]) */
struct proc_mount_list;
int mnt_prop_check(const struct proc_mount_list *l, const struct mnt_key *keys, char **ext,
		   int root, const struct mnt_opts *mo, bool *outside,
		   const struct proc_mount_list *outer);

/* mnt-dump.c: in criu; refuses (naming the mount) what the restore could not rebuild.
 * outer_pid: for a nested namespace, a task of its parent namespace (0 for the root's) */
int mntns_dump(int dfd, pid_t pid, uint32_t id, const struct mnt_opts *mo, pid_t outer_pid);

/* mnt-locks-dump.c: mnt-locks-ID.img, for a namespace owned by a user namespace not criu's */
int mnt_locks_dump(int dfd, pid_t pid, uint32_t id, const struct proc_mount_list *l);

/* mnt-nested.c: the tree's mount namespaces other than the root's (root_id) */
struct dump_tree;
int mntns_dump_nested(struct dump_tree *dt, uint32_t root_id);
/* can nested namespace l, made from outer, be rebuilt? from_outer[i]: bound from outer */
int mnt_nested_check(const struct proc_mount_list *l, const struct mnt_key *keys, int root,
		     const struct proc_mount_list *outer, bool *from_outer);
/* The tmpfs mounts criu makes and fills before the root exists, which inherits them */
struct mnt_premade {
	struct mnt_premade_one {
		uint32_t mnt_id;
		int fd; /* a detached mount, or -1 */
	} * m;
	size_t nr;
	/* a clone of --root's mount taken in criu's namespace (mntns_take_root()), or -1 */
	int root_fd;
	/*
	 * the namespace is made in the tree's user namespace, where the copies of criu's
	 * mounts are locked together: external mounts are cloned by mntns_premake(), in
	 * criu's namespace, into m too
	 */
	bool externals_early;
	/* the kernel's locks of the mounts are made again (mnt-locks-restore.c) */
	bool locks;
	/*
	 * the root is forked inside the tree's user namespace: criu makes the new mounts of
	 * filesystems a user namespace can't mount (devtmpfs, a disk's), into m too
	 */
	bool fresh_early;
	/* then the CLONE_NEW* the tree's user namespace owns, whose filesystems the root mounts */
	uint64_t fresh_own_ns;
};

struct mnt_locks;
/* The mounts of an image being restored (mnt-restore.c) */
struct mnt_set {
	MntEntry **e;
	size_t nr;
	struct mnt_key *keys;
	int *fd;   /* the mount once attached, -1 before */
	int *bare; /* a clone of the mount without its children, for binds of it, or -1 */
	/* a clone of the root's or an external mount's path, taken before anything is made
	 * private, that carries a peer group or master from outside; or -1 */
	int *carrier;
	int *outer; /* a nested namespace's: a clone of its parent's mount it binds, or -1 */
	int root;
	struct mnt_premade *pre; /* the tmpfs mounts criu made */
	const struct mnt_opts *mo;
	struct mnt_locks *lk;  /* the kernel's locks to make again (mnt-locks-restore.c), or NULL */
	const char *root_path; /* --root, for the root's namespace */
};

/* mnt-restore.c: a clone of mount i without its children (s->bare[i]), for binds of it */
int mnt_take_bare(struct mnt_set *s, size_t i);

/*
 * mnt-locks-restore.c, in the root: mnt-locks-ID.img read into s->lk (none without it);
 * hold: mount i waits for the locked group of its parent; stage: the fd of the staging area
 * and i's name there (name) when mount i is the X of a group not locked yet, -1 otherwise;
 * place: mount i's group locked when its turn comes (1 when it was, 0, or -errno); next,
 * when no mount can be made: a copy of the namespace with the groups whose mounts are made,
 * or the groups not locked yet left unlocked (1 when either, 0, or -errno)
 */
int mnt_locks_read(int dfd, uint32_t id, struct mnt_set *s);
/* has the dump saved the locks of namespace id (mnt-locks-ID.img)? */
bool mnt_locks_saved(int dfd, uint32_t id);
bool mnt_locks_hold(const struct mnt_set *s, size_t i);
int mnt_locks_stage(struct mnt_set *s, size_t i, char *name, size_t len);
int mnt_locks_place(struct mnt_set *s, size_t i);
int mnt_locks_next(struct mnt_set *s);
/* a nested namespace's root group: it came locked with the copy of its parent's */
void mnt_locks_nested_root(struct mnt_set *s);
/* are mounts a and b in one group? is mount i in the staging area? */
bool mnt_locks_same_group(const struct mnt_set *s, size_t a, size_t b);
bool mnt_locks_staged(const struct mnt_set *s, size_t i);
/*
 * the staging area at root_path, before the tree's root (mnt-locks-copy.c); is it over
 * criu's root ("/"), where it is on top of it once the tree's root is pivoted to?
 */
int mnt_locks_stage_area(struct mnt_set *s, const char *root_path);
bool mnt_locks_area_over_root(const struct mnt_set *s);
/* the child in the copy goes, once the groups are locked */
void mnt_locks_locker_end(struct mnt_set *s);
void mnt_locks_free(struct mnt_set *s);

/* mnt-prop.c, in the root: the carriers, before its copy of criu's mounts goes private;
 * then the peer groups and masters of the image, once the tree is made and is the root */
int mnt_prop_take_carriers(struct mnt_set *s, const char *root_path);
/* a nested namespace's, from its parent's mounts (outer) before its copy goes private */
int mnt_prop_take_outer_carriers(struct mnt_set *s, const struct mnt_set *outer);
int mnt_prop_restore(struct mnt_set *s);

/* mnt-restore.c: in criu, before the root */
int mntns_premake(int dfd, uint32_t id, struct mnt_premade *pre, const struct mnt_opts *mo);
void mntns_premade_free(struct mnt_premade *pre);
/* in the root, before it enters a mount namespace its user namespace owns (whose copies of
 * criu's mounts are locked together: --root's mount alone can't be cloned there) */
int mntns_take_root(struct mnt_premade *pre, const char *root_path);
/* in the root, first in its new mount namespace; root_path is --root */
int mntns_restore(int dfd, uint32_t id, const char *root_path, struct mnt_premade *pre,
		  const struct mnt_opts *mo);
/* in a task whose parent's namespace is outer_id, once in its new copy of it
 * (rst_ns_unshare_mnt()): namespace id made from it */
int mntns_restore_nested(int dfd, uint32_t id, uint32_t outer_id, const struct mnt_opts *mo,
			 bool locks);

#endif /* CRIU_NS_MNT_H */
