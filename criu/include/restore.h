/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore.h - `criu restore`: rebuild the dumped tasks from an images directory.
 *
 * The entry point reads and checks every image before it creates anything, forks the tasks
 * with their original pids, lets each rebuild itself (fds, fs, memory, then the restorer
 * blob), removes the blob and either detaches (-d) or waits for the root task.
 * May call: image.h, log.h, compel (only for the final clean-up), the restorer blob.
 */
#ifndef CRIU_RESTORE_H
#define CRIU_RESTORE_H

#include <sys/types.h>

struct cg_options;
struct mnt_opts;
struct join_ns_opts;

struct restore_opts {
	const char *images_dir;
	int images_dfd;
	const char *work_dir;
	int work_dfd;	      /* -W: stats-restore goes here */
	int restore_detached; /* -d: detach and return 0 once the tasks run */
	const char *pidfile;  /* --pidfile: created O_EXCL, gets the root pid */
	int log_level;
	int log_fd;
	int skip_file_rwx_check; /* a file's rwx bits need not be those of the dump */
	int skip_checksums;	 /* --skip-checksums: images not checked against their sums */
	int log_pid;		 /* --log-pid: each restored task logs to LOG.PID */
	int shell_job;		 /* -j: a session or group outside the tree joins criu's */
	int restore_sibling;	 /* the root is forked with CLONE_PARENT (with -d only) */
	int ext_unix_sk;	 /* -x: sockets may connect to their peer outside the tree */
	int tcp_established;	 /* established TCP connections in the images may be restored */
	int tcp_close;		 /* --tcp-close: they come back closed instead */
	const char *const *externals; /* --external RES: each subsystem reads its own kind */
	int nr_externals;
	bool empty_ns_net;	 /* --empty-ns net: the network namespace is made, not filled */
	const char *join_ns_net; /* --join-ns net:PID|PATH: the tree goes in that one */
	const struct join_ns_opts *join_ns; /* --join-ns uts, ipc, time (ns/join.c) */
	const char *const *inherit_fds;	    /* --inherit-fd fd[N]:KEY */
	int nr_inherit_fds;
	const struct cg_options *cg; /* --manage-cgroups and friends (criu/cgroup/) */
	const char *root;	     /* --root: what a mount namespace's root mount is made of */
	const struct mnt_opts *mnt;  /* --external mnt[], --ext-mount-map */
	int lazy_pages;		     /* --lazy-pages: criu lazy-pages fills the memory (lazy.h) */
	/* RPC orphan_pts_master: a pty whose master was outside gets a new one, handed over */
	int orphan_pts_master;
	int (*orphan_master_hook)(int master, void *arg); /* called with hook_arg */
	/*
	 * Called at "post-restore" and "pre-resume" (the tree is rebuilt and still stopped)
	 * and "post-resume" (it runs); a non-zero return before the resume fails the restore.
	 */
	int (*stage_hook)(const char *stage, pid_t pid, void *arg);
	void *hook_arg;
};

/*
 * Returns the exit status criu should exit with: 0 once the tree runs (without -d, after the
 * root task is gone, whatever its exit status: CRIU does the same); 1 if the restore failed.
 */
int cr_restore_tasks(const struct restore_opts *ro);
/* Read and check every image a restore of ro->images_dfd needs, creating nothing: 0 or -errno. */
int cr_check_images(const struct restore_opts *ro);

#endif /* CRIU_RESTORE_H */
