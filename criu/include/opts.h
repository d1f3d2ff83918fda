/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opts.h - criu's command line, parsed once into a struct that is const afterwards.
 *
 * One table (opt_table in opts.c) drives the parser, the configuration files (their lines
 * become argv words), --help and, later, the RPC mapping: adding an option is one line plus
 * its behaviour. It holds every option name of CRIU 4.2 with CRIU's argument rules and --no-
 * forms; those not implemented yet are refused with "not supported yet", never ignored.
 * The commands (dump, restore, check, ... of CRIU 4.2) are a second table in cmds.c.
 */
#ifndef CRIU_OPTS_H
#define CRIU_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup-opts.h"

enum cr_command {
	CMD_NONE,
	CMD_DUMP,
	CMD_PRE_DUMP, /* memory only, the tree runs on; tracks writes for the next dump */
	CMD_DEDUP,    /* punch pages out of parent images that a child replaced */
	CMD_RESTORE,
	CMD_CHECK,
	CMD_SWRK,	   /* serve one RPC client on an inherited socket (rpc/) */
	CMD_SERVICE,	   /* serve RPC clients on a listening socket (rpc/) */
	CMD_PAGE_SERVER,   /* receive a dump's pages over TCP (mem/page-server.c) */
	CMD_LAZY_PAGES,	   /* serve a --lazy-pages restore's memory (lazy/) */
	CMD_CPUINFO_DUMP,  /* write this CPU into cpuinfo.img (cpu/) */
	CMD_CPUINFO_CHECK, /* check cpuinfo.img against this CPU */
};

enum pre_dump_mode { PRE_DUMP_SPLICE, PRE_DUMP_READ };

/*
 * --cow-pages (ours): how a page a child still shares copy-on-write with its parent is saved
 * (Documentation/cow-images.md). ONCE: in the parent's images only, the child's pagemap
 * marks it PE_PARENT (only this criu restores that). FULL: in the child's images too, as
 * CRIU 4.2 writes them; restore shares it again by comparing it with the parent's copy.
 */
enum cow_pages_mode { COW_PAGES_ONCE, COW_PAGES_FULL };

/*
 * The mounts options (criu/ns/mnt-opts.c). --external mnt[A]:B and --ext-mount-map A:B are
 * pairs: at dump A is a mount point of the tree's namespace and B its key, at restore A is
 * the key and B the path to bind. --ext-mount-map auto: the key is the path (found at dump
 * in criu's mounts). --skip-mnt: a mount point not saved, nor anything under it.
 */
#define MAX_MNT_OPTS 64
struct mnt_opts {
	const char *ext_a[MAX_MNT_OPTS], *ext_b[MAX_MNT_OPTS]; /* point into the arguments */
	size_t ext_a_len[MAX_MNT_OPTS];			       /* A ends there */
	int nr_ext;
	bool ext_auto;
	bool ext_sharing; /* --enable-external-sharing */
	bool ext_masters; /* --enable-external-masters */
	const char *skip[MAX_MNT_OPTS];
	int nr_skip;
};
/* --join-ns uts|ipc|time:PID|PATH: the root is cloned in those (ns/join.c) */
struct join_ns_opts {
	const char *uts, *ipc, *time;
};

int opts_mnt_external(struct mnt_opts *m, const char *arg);
int opts_mnt_map(struct mnt_opts *m, const char *arg);
int opts_mnt_skip(struct mnt_opts *m, const char *arg);

struct cr_options {
	const char *action; /* the command word, as given */
	enum cr_command command;
	pid_t tree;		/* -t */
	const char *images_dir; /* -D, default "." */
	const char *work_dir;	/* -W, default images_dir */
	const char *log_file;	/* -o, relative to work_dir */
	int log_level;		/* -v */
	const char *pidfile;
	const char *root; /* -r: restore: the directory a mount namespace's root mount is of */
	struct mnt_opts mnt;
	int timeout;	       /* seconds to wait while seizing */
	bool leave_running;    /* -R */
	bool leave_stopped;    /* -s */
	bool restore_detached; /* -d, --daemon */
	bool shell_job;	       /* -j: session/group outside the tree */
	unsigned int cpu_cap;  /* --cpu-cap: CPU_CAP_* of cpuinfo.h */
	bool restore_sibling;  /* -S: the restored root is criu's sibling, not child */
	/* RPC: a pty's master outside the tree goes back to the client (none yet: refused) */
	bool orphan_pts_master;
	/* --evasive-devices: a device file may be reopened through another path; the kinds
	 * saved (stateless char devices) are reopened by theirs, so nothing evades yet */
	bool evasive_devices;
	bool no_default_config;
	const char *config_file; /* --config (read by config.c before parsing) */
	bool display_stats;
	bool log_pid;		  /* a log file per restored task: LOG.PID */
	int status_fd;		  /* restore: "\0" written here once the tree runs */
	const char *feature;	  /* check --feature NAME */
	bool check_extra;	  /* check --extra (or --all) */
	bool check_experimental;  /* check --experimental (or --all) */
	uint64_t ghost_limit;	  /* --ghost-limit: largest deleted file saved, bytes */
	bool ghost_fiemap;	  /* --ghost-fiemap: a ghost's data extents by FIEMAP */
	bool force_irmap;	  /* --force-irmap: inotify watches saved with their path too */
	bool file_locks;	  /* -l: dump and restore file locks */
	bool link_remap;	  /* --link-remap: unlinked files open by another link */
	bool ext_unix_sk;	  /* -x: dgram sockets with a named peer outside the tree */
	bool tcp_established;	  /* dump and restore established TCP connections */
	bool tcp_close;		  /* restore: established connections come back closed */
	bool skip_in_flight;	  /* dump: connections not accepted yet are dropped */
	bool skip_file_rwx_check; /* restore: a file's rwx bits may differ from the dump */
	bool skip_checksums;	  /* restore: don't check the images against checksums.img */
	bool deprecated_ok;	  /* --deprecated: nothing of ours is deprecated yet */
	bool unprivileged;	  /* --unprivileged: accepted as root (where it changes nothing) */
	enum pre_dump_mode pre_dump_mode;
	const char *prev_images_dir; /* --prev-images-dir, relative to -D */
	bool track_mem;		     /* --track-mem: the dump leaves the write trackers armed */
	bool auto_dedup;	     /* --auto-dedup: holes in the parent's pages a dump replaced */
	enum cow_pages_mode cow_pages; /* dump: --cow-pages once|full */
	int network_lock;	       /* dump: --network-lock, an enum netlock_method */
#define MAX_EXTERNALS 64
	const char *externals[MAX_EXTERNALS]; /* --external RES, as given */
	int nr_externals;
	bool empty_ns_net;			/* --empty-ns net */
	const char *join_ns_net;		/* --join-ns net:PID|PATH */
	struct join_ns_opts join_ns;		/* --join-ns of the other kinds */
	const char *inherit_fds[MAX_EXTERNALS]; /* --inherit-fd fd[N]:KEY, as given */
	int nr_inherit_fds;
	struct cg_options cg; /* criu/cgroup/ */
#define MAX_ACTION_SCRIPTS 16
	const char *action_scripts[MAX_ACTION_SCRIPTS];
	int nr_action_scripts;
	int swrk_fd;	      /* swrk FD: the client's socket */
	const char *address;  /* service: the socket's path; page server: its host */
	const char *libdir;   /* -L: the plugins' directory (NULL: the default) */
	int port;	      /* page server: its TCP port */
	bool use_page_server; /* dump: --page-server, pages go to --address:--port */
	int ps_socket;	      /* --ps-socket: a page server connection made by the caller; -1 */
	bool stream;	      /* dump, restore: images through an image streamer (img-stream.h) */
	bool lazy_pages;      /* restore: criu lazy-pages fills the memory (lazy.h) */
	bool tls;	      /* page server and its dump: in TLS (mem/ps-conn.c) */
	bool tls_no_cn_verify;
	const char *tls_cacert, *tls_cacrl, *tls_cert, *tls_key;
	/*
	 * Called at each stage after the action scripts (the RPC client's notifications):
	 * a non-zero return fails the stage as a failing script does.
	 */
	int (*stage_notify)(const char *stage, pid_t pid, void *arg);
	/* the same for a notification that carries an fd (orphan-pts-master) */
	int (*fd_notify)(const char *stage, int fd, void *arg);
	void *stage_notify_arg;
};

/* What parse_options() found: go on, stop with status 0 (help, version), or fail. */
enum parse_result {
	PARSE_OK,
	PARSE_EXIT_OK,
	PARSE_ERROR,   /* said why; exit 1 */
	PARSE_USAGE,   /* said why; the short usage follows, exit 1 (as CRIU does) */
	PARSE_REMOVED, /* a command CRIU dropped (exec, show): CRIU exits -1, status 255 */
};

enum parse_result parse_options(int argc, char **argv, struct cr_options *o);
/* What a command line without options gives (the RPC server starts from it too). */
void opts_set_defaults(struct cr_options *o);
/*
 * Apply one option by its long name ("no-NAME" for the --no- form) with its argument or
 * NULL, as the command line would: 0, or -1 when refused (logged, naming the option).
 */
int opts_apply_named(struct cr_options *o, const char *name, const char *arg);
/* Whether criu implements the long option NAME (false: unknown or not supported yet). */
bool opts_supported(const char *name);
/* The full --help, or (brief) the command list CRIU prints after a usage error. */
void print_usage(bool brief);

/*
 * cmds.c: the command word(s) after the options (argv[first...]). Commands of CRIU 4.2 that
 * criu does not implement yet are refused here, naming them.
 */
enum parse_result parse_command(int argc, char **argv, int first, struct cr_options *o);
void print_commands(void);

/*
 * The CRIU release whose command line, images and (later) RPC this criu follows: scripts
 * and runtimes read it ("Version: 4.2") to decide what they may ask for.
 */
#define CRIU_VERSION "4.2"

#endif /* CRIU_OPTS_H */
