/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc-mountinfo.h - the one parser of /proc/PID/mountinfo (proc/mountinfo.c; the format is
 * the kernel's show_mountinfo(), see proc(5)):
 *   ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
 * The kernel writes a space, tab, newline or backslash in the root, the mount point, the
 * source and the type as an octal escape (\040, \011, \012, \134); those four are decoded
 * here. The two option lists are kept as written (an option's own escapes, e.g. \054 for a
 * comma inside a value, are the filesystem's business).
 */
#ifndef CRIU_PROC_MOUNTINFO_H
#define CRIU_PROC_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct proc_mount {
	int mnt_id, parent_id;
	unsigned int maj, min;
	char *root;	    /* decoded */
	char *mountpoint;   /* decoded */
	char *opts;	    /* per-mount options, as written */
	char *optional;	    /* the optional fields, space-separated, "" if none */
	int shared;	    /* peer group of "shared:N", 0 if none */
	int master;	    /* "master:N", 0 if none */
	int propagate_from; /* "propagate_from:N", 0 if none */
	bool unbindable;
	char *fstype; /* decoded, "type.subtype" for fuse and the like */
	char *source; /* decoded */
	char *super_opts;
	char *text; /* the copy of the line the strings above point into */
};

struct proc_mount_list {
	struct proc_mount *m;
	size_t nr;
};

/* 0, -EINVAL on a malformed or cut-short line (logged), -ENOMEM. */
int parse_mountinfo_buf(const char *buf, struct proc_mount_list *l);
/* /proc/PID/mountinfo, or /proc/self/mountinfo for pid 0. */
int parse_mountinfo(pid_t pid, struct proc_mount_list *l);
void free_mountinfo(struct proc_mount_list *l);

const struct proc_mount *mountinfo_by_id(const struct proc_mount_list *l, int mnt_id);

#endif /* CRIU_PROC_MOUNTINFO_H */
