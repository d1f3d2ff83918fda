/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opts.c - the option table, the getopt_long parser it drives, and --help.
 */
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "opts.h"

#define NO_FIELD ((size_t)-1)
#define FIELD(f) offsetof(struct cr_options, f)

/* X(long name, short, kind, field, argument, help) */
#define CRIU_OPTIONS(X)                                                                          \
	X("tree", 't', OPT_PID, FIELD(tree), "PID", "checkpoint the process tree rooted at PID") \
	X("images-dir", 'D', OPT_STR, FIELD(images_dir), "DIR",                                  \
	  "directory for image files (default: current directory)")                              \
	X("work-dir", 'W', OPT_STR, FIELD(work_dir), "DIR",                                      \
	  "directory for logs and pidfiles (default: the images directory)")                     \
	X("log-file", 'o', OPT_STR, FIELD(log_file), "FILE",                                     \
	  "log to FILE, relative to the work directory (default: stderr)")                       \
	X("verbosity", 'v', OPT_VERBOSE, FIELD(log_level), "[N]",                                \
	  "log level 0-4 (-v alone adds one; -v4 is debug)")                                     \
	X("pidfile", 0, OPT_STR, FIELD(pidfile), "FILE",                                         \
	  "restore: write the restored root's pid to FILE (created exclusively)")                \
	X("timeout", 0, OPT_INT, FIELD(timeout), "SEC",                                          \
	  "give up waiting on a frozen task after SEC seconds (default 10)")                     \
	X("leave-running", 'R', OPT_FLAG, FIELD(leave_running), NULL,                            \
	  "dump: leave the tasks running after the dump")                                        \
	X("leave-stopped", 's', OPT_FLAG, FIELD(leave_stopped), NULL,                            \
	  "dump: leave the tasks stopped after the dump")                                        \
	X("restore-detached", 'd', OPT_FLAG, FIELD(restore_detached), NULL,                      \
	  "restore: detach from the restored tree and exit 0")                                   \
	X("no-default-config", 0, OPT_FLAG, FIELD(no_default_config), NULL,                      \
	  "do not read the default configuration files")                                         \
	X("config", 0, OPT_STR, FIELD(config_file), "FILE",                                      \
	  "read options from FILE (after the default files)")                                    \
	X("display-stats", 0, OPT_FLAG, FIELD(display_stats), NULL,                              \
	  "print the dump or restore statistics at the end")                                     \
	X("log-pid", 0, OPT_FLAG, FIELD(log_pid), NULL,                                          \
	  "restore: a log file per restored task, named LOG-FILE.PID")                           \
	X("status-fd", 0, OPT_INT, FIELD(status_fd), "FD",                                       \
	  "restore: write \\0 to FD and close it once the restored tree runs")                   \
	X("action-script", 0, OPT_STR_LIST, FIELD(action_scripts), "FILE",                       \
	  "run FILE at each stage with CRTOOLS_SCRIPT_ACTION set (repeatable)")                  \
	X("feature", 0, OPT_STR, FIELD(feature), "NAME",                                         \
	  "check: test only feature NAME (exit 0 when supported)")                               \
	X("help", 'h', OPT_HELP, NO_FIELD, NULL, "print this help")                              \
	X("version", 'V', OPT_VERSION, NO_FIELD, NULL, "print the version")                      \
	X("shell-job", 'j', OPT_FLAG, FIELD(shell_job), NULL,                                    \
	  "allow a session outside the tree; restore into criu's session")                       \
	X("restore-sibling", 0, OPT_FLAG, FIELD(restore_sibling), NULL,                          \
	  "restore: the root task becomes a child of criu's parent; criu does not wait")         \
	X("ext-unix-sk", 'x', OPT_FLAG, FIELD(ext_unix_sk), "[INODE]",                           \
	  "dump, restore: a dgram socket's named peer outside the tree (=INODE: not yet)")       \
	X("tcp-established", 0, OPT_UNSUPPORTED, NO_FIELD, NULL, NULL)                           \
	X("file-locks", 'l', OPT_FLAG, FIELD(file_locks), NULL,                                  \
	  "dump and restore the file locks and leases the tasks hold")                           \
	X("link-remap", 0, OPT_FLAG, FIELD(link_remap), NULL,                                    \
	  "dump: an unlinked open file with another hard link is saved as that link")            \
	X("ghost-limit", 0, OPT_SIZE, FIELD(ghost_limit), "SIZE",                                \
	  "dump: largest deleted open file saved with its content (default 1M)")                 \
	X("skip-file-rwx-check", 0, OPT_FLAG, FIELD(skip_file_rwx_check), NULL,                  \
	  "restore: accept files whose rwx permission bits changed since the dump")              \
	X("skip-checksums", 0, OPT_FLAG, FIELD(skip_checksums), NULL,                            \
	  "restore: don't check the images against checksums.img; dump: don't write it")         \
	X("manage-cgroups", 0, OPT_UNSUPPORTED, NO_FIELD, "[MODE]", NULL)                        \
	X("root", 'r', OPT_UNSUPPORTED, NO_FIELD, "PATH", NULL)                                  \
	X("track-mem", 0, OPT_UNSUPPORTED, NO_FIELD, NULL, NULL)                                 \
	X("prev-images-dir", 0, OPT_UNSUPPORTED, NO_FIELD, "DIR", NULL)                          \
	X("page-server", 0, OPT_UNSUPPORTED, NO_FIELD, NULL, NULL)                               \
	X("address", 0, OPT_UNSUPPORTED, NO_FIELD, "ADDR", NULL)                                 \
	X("port", 0, OPT_UNSUPPORTED, NO_FIELD, "PORT", NULL)                                    \
	X("lazy-pages", 0, OPT_UNSUPPORTED, NO_FIELD, NULL, NULL)                                \
	X("external", 0, OPT_UNSUPPORTED, NO_FIELD, "RES", NULL)                                 \
	X("inherit-fd", 0, OPT_UNSUPPORTED, NO_FIELD, "FD:RES", NULL)                            \
	X("freeze-cgroup", 0, OPT_UNSUPPORTED, NO_FIELD, "PATH", NULL)                           \
	X("evasive-devices", 0, OPT_UNSUPPORTED, NO_FIELD, NULL, NULL)                           \
	X("auto-dedup", 0, OPT_UNSUPPORTED, NO_FIELD, NULL, NULL)

struct opt_desc {
	const char *name;
	int short_name;
	enum opt_kind kind;
	size_t field;
	const char *arg;
	const char *help;
};

#define OPT_DESC(n, s, k, f, a, h) { n, s, k, f, a, h },
static const struct opt_desc opt_table[] = { CRIU_OPTIONS(OPT_DESC) };
#define NR_OPTS (sizeof(opt_table) / sizeof(opt_table[0]))

static const char *const actions[] = { "dump", "restore", "check" };
static const char *const later_actions[] = { "pre-dump", "page-server", "service",
					     "swrk",	 "lazy-pages",	"cpuinfo",
					     "dedup",	 "exec",	"show" };

static int opt_has_arg(const struct opt_desc *d)
{
	if (d->kind == OPT_VERBOSE || (d->arg && d->arg[0] == '['))
		return optional_argument;
	return d->arg ? required_argument : no_argument;
}

/* "t:D:W:o:v::Rsdh..." from the table. */
static void build_short_opts(char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < NR_OPTS && n + 4 < len; i++) {
		const struct opt_desc *d = &opt_table[i];
		int has = opt_has_arg(d);

		if (!d->short_name)
			continue;
		buf[n++] = d->short_name;
		if (has != no_argument)
			buf[n++] = ':';
		if (has == optional_argument)
			buf[n++] = ':';
	}
	buf[n] = 0;
}

static int parse_number(const char *s, const char *what, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || end == s || *end) {
		pr_err("Invalid %s: '%s' is not a number\n", what, s);
		return -1;
	}
	return 0;
}

/* "4096", "64K", "1M", "2G" */
static int parse_size(const char *s, const char *what, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		goto bad;
	switch (*end) {
	case 'G':
	case 'g':
		v <<= 10;
		/* fall through */
	case 'M':
	case 'm':
		v <<= 10;
		/* fall through */
	case 'K':
	case 'k':
		v <<= 10;
		end++;
	}
	if (*end)
		goto bad;
	*out = v;
	return 0;
bad:
	pr_err("Invalid --%s value '%s': expected a size like 4096, 64K, 1M or 2G\n", what, s);
	return -1;
}

static int apply_verbose(struct cr_options *o, const char *arg)
{
	long v;

	if (!arg) {
		o->log_level++;
		return 0;
	}
	/* -vvv arrives as -v with argument "vv" */
	if (arg[strspn(arg, "v")] == 0) {
		o->log_level += strlen(arg) + 1;
		return 0;
	}
	if (parse_number(arg, "verbosity", &v))
		return -1;
	o->log_level = v;
	return 0;
}

static int apply_option(struct cr_options *o, const struct opt_desc *d, const char *arg)
{
	void *field = (char *)o + d->field;
	long v;

	switch (d->kind) {
	case OPT_FLAG:
		/* a flag with an optional argument ("[...]") takes only its plain form so far */
		if (arg) {
			pr_err("--%s=%s: the argument form is not supported yet; give --%s alone\n",
			       d->name, arg, d->name);
			return -1;
		}
		*(bool *)field = true;
		return 0;
	case OPT_INT:
	case OPT_PID:
		if (parse_number(arg, d->name, &v))
			return -1;
		if (v < 0 || v > INT_MAX || (d->kind == OPT_PID && v == 0)) {
			pr_err("Invalid --%s value %ld\n", d->name, v);
			return -1;
		}
		*(int *)field = v;
		return 0;
	case OPT_STR:
		*(const char **)field = arg;
		return 0;
	case OPT_SIZE:
		return parse_size(arg, d->name, (uint64_t *)field);
	case OPT_STR_LIST:
		if (o->nr_action_scripts == MAX_ACTION_SCRIPTS) {
			pr_err("At most %d --%s options\n", MAX_ACTION_SCRIPTS, d->name);
			return -1;
		}
		((const char **)field)[o->nr_action_scripts++] = arg;
		return 0;
	case OPT_VERBOSE:
		return apply_verbose(o, arg);
	case OPT_HELP:
		print_usage();
		return 1;
	case OPT_VERSION:
		printf("Version: %s\n", CRIU_VERSION);
		return 1;
	case OPT_UNSUPPORTED:
		pr_err("Option --%s is not supported yet\n", d->name);
		return -1;
	}
	return -1;
}

static int check_action(const char *action)
{
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (!strcmp(action, actions[i]))
			return 0;
	for (i = 0; i < sizeof(later_actions) / sizeof(later_actions[0]); i++)
		if (!strcmp(action, later_actions[i])) {
			pr_err("Action '%s' is not supported yet\n", action);
			return -1;
		}
	pr_err("Unknown action '%s'; see 'criu --help'\n", action);
	return -1;
}

/* Every flag also has a "no-" form that clears it, so a config file's choice can be undone. */
#define NO_PREFIX_VAL 1024
static char no_names[NR_OPTS][64];

static size_t build_long_opts(struct option *longopts)
{
	size_t i, n = 0;

	for (i = 0; i < NR_OPTS; i++) {
		longopts[n].name = opt_table[i].name;
		longopts[n].has_arg = opt_has_arg(&opt_table[i]);
		longopts[n].flag = NULL;
		longopts[n++].val = 256 + i;
	}
	for (i = 0; i < NR_OPTS; i++) {
		if (opt_table[i].kind != OPT_FLAG)
			continue;
		snprintf(no_names[i], sizeof(no_names[i]), "no-%s", opt_table[i].name);
		longopts[n].name = no_names[i];
		longopts[n].has_arg = no_argument;
		longopts[n].flag = NULL;
		longopts[n++].val = NO_PREFIX_VAL + i;
	}
	memset(&longopts[n], 0, sizeof(longopts[0]));
	return n;
}

int parse_options(int argc, char **argv, struct cr_options *o)
{
	struct option longopts[2 * NR_OPTS + 1];
	char shortopts[NR_OPTS * 3 + 1];
	size_t i;
	int c, idx, ret;

	memset(o, 0, sizeof(*o));
	o->log_level = DEFAULT_LOGLEVEL;
	o->timeout = 10;
	o->ghost_limit = 1 << 20;
	o->status_fd = -1;
	if (config_build_argv(argc, argv, &argc, &argv))
		return -1;
	build_long_opts(longopts);
	build_short_opts(shortopts, sizeof(shortopts));

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, &idx)) != -1) {
		const struct opt_desc *d = NULL;

		if (c >= NO_PREFIX_VAL) {
			*(bool *)((char *)o + opt_table[c - NO_PREFIX_VAL].field) = false;
			continue;
		}
		if (c >= 256)
			d = &opt_table[c - 256];
		for (i = 0; !d && i < NR_OPTS; i++)
			if (opt_table[i].short_name == c)
				d = &opt_table[i];
		if (!d) {
			pr_err("Unknown or incomplete option '%s'; see 'criu --help'\n",
			       argv[optind - 1]);
			return -1;
		}
		ret = apply_option(o, d, optarg);
		if (ret)
			return ret;
	}

	if (optind >= argc) {
		pr_err("No action given; see 'criu --help'\n");
		return -1;
	}
	o->action = argv[optind];
	if (optind + 1 < argc) {
		pr_err("Unexpected argument '%s'\n", argv[optind + 1]);
		return -1;
	}
	if (check_action(o->action))
		return -1;
	if (!o->images_dir)
		o->images_dir = ".";
	if (!o->work_dir)
		o->work_dir = o->images_dir;
	if (o->leave_running && o->leave_stopped) {
		pr_err("--leave-running and --leave-stopped exclude each other\n");
		return -1;
	}
	return 0;
}

void print_usage(void)
{
	size_t i;

	printf("Usage:\n"
	       "  criu dump -t PID [<options>]\n"
	       "  criu restore [<options>]\n"
	       "  criu check\n"
	       "\nActions:\n"
	       "  dump      checkpoint the process tree rooted at PID (-t) into image files\n"
	       "  restore   restore the process tree from image files\n"
	       "  check     check whether the kernel supports what criu needs\n"
	       "\nOptions:\n");
	for (i = 0; i < NR_OPTS; i++) {
		const struct opt_desc *d = &opt_table[i];
		char left[64];

		if (d->kind == OPT_UNSUPPORTED)
			continue;
		snprintf(left, sizeof(left), "%c%c%s--%s%s%s", d->short_name ? '-' : ' ',
			 d->short_name ? d->short_name : ' ', d->short_name ? "|" : " ", d->name,
			 d->arg ? " " : "", d->arg ? d->arg : "");
		printf("  %-30s %s\n", left, d->help);
	}
	printf("\nRecognised but not supported yet (refused):\n ");
	for (i = 0; i < NR_OPTS; i++)
		if (opt_table[i].kind == OPT_UNSUPPORTED)
			printf(" --%s", opt_table[i].name);
	printf("\n  actions:");
	for (i = 0; i < sizeof(later_actions) / sizeof(later_actions[0]); i++)
		printf(" %s", later_actions[i]);
	printf("\n");
}
