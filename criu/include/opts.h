/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opts.h - criu's command line, parsed once into a struct that is const afterwards.
 *
 * One table (CRIU_OPTIONS below) drives the parser and --help; adding an option is one line
 * plus its behaviour. Options a later release implements are in the table as UNSUPPORTED so
 * they are refused with "not supported yet" instead of being ignored.
 */
#ifndef CRIU_OPTS_H
#define CRIU_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct cr_options {
	const char *action;
	pid_t tree;		/* -t */
	const char *images_dir; /* -D, default "." */
	const char *work_dir;	/* -W, default images_dir */
	const char *log_file;	/* -o, relative to work_dir */
	int log_level;		/* -v */
	const char *pidfile;
	int timeout;	       /* seconds to wait while seizing */
	bool leave_running;    /* -R */
	bool leave_stopped;    /* -s */
	bool restore_detached; /* -d */
	bool shell_job;	       /* -j: session/group outside the tree */
	bool restore_sibling;  /* the restored root is criu's sibling, not child */
	bool no_default_config;
	const char *config_file; /* --config (read by config.c before parsing) */
	bool display_stats;
	bool log_pid;		  /* a log file per restored task: LOG.PID */
	int status_fd;		  /* restore: "\0" written here once the tree runs */
	const char *feature;	  /* check --feature NAME */
	uint64_t ghost_limit;	  /* --ghost-limit: largest deleted file saved, bytes */
	bool file_locks;	  /* -l: dump and restore file locks */
	bool link_remap;	  /* --link-remap: unlinked files open by another link */
	bool ext_unix_sk;	  /* -x: dgram sockets with a named peer outside the tree */
	bool skip_file_rwx_check; /* restore: a file's rwx bits may differ from the dump */
	bool skip_checksums;	  /* restore: don't check the images against checksums.img */
#define MAX_ACTION_SCRIPTS 16
	const char *action_scripts[MAX_ACTION_SCRIPTS];
	int nr_action_scripts;
};

enum opt_kind {
	OPT_FLAG,     /* sets a bool */
	OPT_INT,      /* int argument */
	OPT_PID,      /* pid argument */
	OPT_STR,      /* string argument */
	OPT_SIZE,     /* uint64_t size argument, with an optional K, M or G suffix */
	OPT_STR_LIST, /* repeatable string argument (action scripts) */
	OPT_VERBOSE,  /* -v, -vN, -vvv, --verbosity[=N] */
	OPT_HELP,
	OPT_VERSION,
	OPT_UNSUPPORTED, /* known CRIU option we do not implement yet */
};

/* Parse argv into *o. Returns 0, 1 when criu should exit 0 at once (help, version), -1 on error. */
int parse_options(int argc, char **argv, struct cr_options *o);
void print_usage(void);

#define CRIU_VERSION "0.1"

#endif /* CRIU_OPTS_H */
