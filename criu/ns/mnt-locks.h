/* SPDX-License-Identifier: GPL-2.0 */
/* ns/mnt-locks.h - what mnt-locks-restore.c and mnt-locks-copy.c share */
#ifndef CRIU_NS_MNT_LOCKS_H
#define CRIU_NS_MNT_LOCKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mnt.h"

struct mnt_locks {
	int *parent; /* the parent's index, -1 for the root */
	bool *locked;
	uint32_t *flags; /* MNT_F_* locked */
	int *group;	 /* the group's X, or -1 */
	bool *done;	 /* X: locked (or left unlocked) */
	bool *copied;	 /* X: in the copy the locker holds, its clone not taken yet */
	bool *staged;	 /* X: made in the staging area, not at its place yet */
	int stage;	 /* the staging area (a tmpfs under the tree's root), or -1 */
	bool over_root;	 /* the area is mounted over criu's root (--root /) */
	pid_t locker;	 /* the child in the copy, 0 when none, -1 when it failed */
	int sk;		 /* the root's end of the socket to it, or -1 */
};

/*
 * mnt-locks-copy.c. The staging area: a tmpfs mounted at root_path before the tree's root,
 * which is mounted on it, with a directory for each X of a group but the root's. The
 * locker: a child in criu's user namespace that unshares a copy of the namespace (every
 * mount locked) and clones there, on request, the group of X (its root path in the copy)
 */
int mnt_locks_locker_start(struct mnt_set *s);
int mnt_locks_locker_clone(struct mnt_set *s, int x);

/* The locker's work, in its copy: clones of "." (the tree's root, index root) or of "/X" in
 * the staging area, for each index asked on sk. Returns its exit status. */
int mnt_locks_serve(int stage, int root_fd, int root, int sk);

#endif
