/* SPDX-License-Identifier: GPL-2.0 */
/*
 * opts.c - the option table, the getopt_long parser it drives, and --help.
 *
 * The table lists every option of CRIU 4.2 in CRIU's order, with CRIU's short letters,
 * argument rules (none, required, or optional as --opt=ARG) and --no- forms (CRIU's boolean
 * options). An option criu does not implement yet is LATER: refused naming it, while its
 * --no- form, which asks for the default, is accepted. A few are ours, with names CRIU 4.2
 * does not use (--skip-checksums, --cow-pages).
 */
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "cpuinfo.h"
#include "log.h"
#include "net-lock.h"
#include "opts.h"
#include "plugin.h"

/*
 * --network-lock's default. CRIU's is iptables unless built with
 * make NETWORK_LOCK_DEFAULT=NETWORK_LOCK_NFTABLES (as distributions build it); ours is
 * nftables, the library the design chose, and the same make variable changes it.
 */
#define NETWORK_LOCK_IPTABLES NETLOCK_IPTABLES
#define NETWORK_LOCK_NFTABLES NETLOCK_NFTABLES
#define NETWORK_LOCK_SKIP     NETLOCK_SKIP
#ifndef NETWORK_LOCK_DEFAULT
#define NETWORK_LOCK_DEFAULT NETWORK_LOCK_NFTABLES
#endif

enum opt_kind {
	OPT_FLAG,     /* sets a bool; its --no- form (if any) clears it */
	OPT_INT,      /* int argument >= 0 */
	OPT_PID,      /* pid argument > 0 */
	OPT_STR,      /* string argument */
	OPT_SIZE,     /* uint64_t size argument, with an optional K, M or G suffix */
	OPT_STR_LIST, /* repeatable string argument (action scripts) */
	OPT_VERBOSE,  /* -v, -vN, -vvv, --verbosity[=N] */
	OPT_CALL,     /* its own handler */
	OPT_HELP,
	OPT_VERSION,
	OPT_LATER, /* a CRIU option criu does not implement yet: refused */
};

#define OPTF_NEG 1 /* has a --no- form (CRIU's BOOL_OPT) */

struct opt_desc {
	const char *name;
	int short_name;
	enum opt_kind kind;
	unsigned int flags;
	size_t field;	 /* offset in struct cr_options */
	const char *arg; /* NULL: no argument; "[X]": optional (--opt=X); else required */
	const char *help;
	int (*call)(struct cr_options *o, const char *arg);
};

#define NO_FIELD ((size_t)-1)
#define FIELD(f) offsetof(struct cr_options, f)

#define FLAG(n, s, f, fl, h)                                \
	{                                                   \
		n, s, OPT_FLAG, fl, FIELD(f), NULL, h, NULL \
	}
#define VALUE(n, s, k, f, a, h)                  \
	{                                        \
		n, s, k, 0, FIELD(f), a, h, NULL \
	}
#define CALL(n, s, fn, fl, a, h)                       \
	{                                              \
		n, s, OPT_CALL, fl, NO_FIELD, a, h, fn \
	}
#define LATER(n, s, fl, a)                                   \
	{                                                    \
		n, s, OPT_LATER, fl, NO_FIELD, a, NULL, NULL \
	}

static int set_leave_running(struct cr_options *o, const char *arg);
static int set_leave_stopped(struct cr_options *o, const char *arg);
static int set_ext_unix_sk(struct cr_options *o, const char *arg);
static int close_fd(struct cr_options *o, const char *arg);
static int refuse_ms(struct cr_options *o, const char *arg);
static int set_feature(struct cr_options *o, const char *arg);
static int set_check_all(struct cr_options *o, const char *arg);
static int set_pre_dump_mode(struct cr_options *o, const char *arg);
static int set_file_validation(struct cr_options *o, const char *arg);
static int set_cow_pages(struct cr_options *o, const char *arg);
static int set_network_lock(struct cr_options *o, const char *arg);
static int add_external(struct cr_options *o, const char *arg);
static int set_empty_ns(struct cr_options *o, const char *arg);
static int set_join_ns(struct cr_options *o, const char *arg);
static int add_inherit_fd(struct cr_options *o, const char *arg);

static int set_cpu_cap(struct cr_options *o, const char *arg)
{
	return cpu_cap_parse(&o->cpu_cap, arg) ? -1 : 0;
}

static int set_ext_mount_map(struct cr_options *o, const char *arg)
{
	return opts_mnt_map(&o->mnt, arg);
}

static int set_skip_mnt(struct cr_options *o, const char *arg)
{
	return opts_mnt_skip(&o->mnt, arg);
}

static const struct opt_desc opt_table[] = {
	VALUE("tree", 't', OPT_PID, tree, "PID", "checkpoint the process tree rooted at PID"),
	CALL("leave-stopped", 's', set_leave_stopped, 0, NULL,
	     "dump: leave the tasks stopped after the dump"),
	CALL("leave-running", 'R', set_leave_running, 0, NULL,
	     "dump: leave the tasks running after the dump"),
	FLAG("restore-detached", 'd', restore_detached, OPTF_NEG,
	     "restore: exit 0 once the tree runs"),
	FLAG("restore-sibling", 'S', restore_sibling, OPTF_NEG,
	     "restore -d: the root becomes criu's sibling"),
	FLAG("daemon", 0, restore_detached, OPTF_NEG, "the same as --restore-detached"),
	VALUE("images-dir", 'D', OPT_STR, images_dir, "DIR",
	      "directory for image files (default: .)"),
	VALUE("work-dir", 'W', OPT_STR, work_dir, "DIR",
	      "logs, pidfile and stats go here (default: -D)"),
	VALUE("log-file", 'o', OPT_STR, log_file, "FILE",
	      "log to FILE in the work dir (default: stderr)"),
	CALL("join-ns", 'J', set_join_ns, 0, "NS:PID",
	     "restore: the tree joins that namespace (net, uts, ipc or time; :PID or :PATH)"),
	VALUE("root", 'r', OPT_STR, root, "PATH",
	      "restore: a mount namespace's root mount is a clone of PATH's"),
	CALL("ext-unix-sk", 'x', set_ext_unix_sk, 0, "[INODE]",
	     "a dgram socket's peer may be outside the tree"),
	{ "help", 'h', OPT_HELP, 0, NO_FIELD, NULL, "print this help", NULL },
	FLAG("tcp-established", 0, tcp_established, OPTF_NEG,
	     "dump and restore established TCP connections"),
	CALL("close", 0, close_fd, 0, "FD", "close FD before anything else"),
	FLAG("log-pid", 0, log_pid, OPTF_NEG, "restore: a log per task, LOG-FILE.PID"),
	{ "version", 'V', OPT_VERSION, 0, NO_FIELD, NULL, "print the version", NULL },
	FLAG("evasive-devices", 0, evasive_devices, OPTF_NEG,
	     "restore: a device file may come back through another path (criu's device files "
	     "are reopened by their path: nothing to evade yet)"),
	VALUE("pidfile", 0, OPT_STR, pidfile, "FILE", "restore: the root's pid goes to new FILE"),
	LATER("veth-pair", 0, 0, "IN=OUT"),
	VALUE("action-script", 0, OPT_STR_LIST, action_scripts, "FILE",
	      "run FILE at each stage (CRTOOLS_SCRIPT_ACTION)"),
	FLAG("link-remap", 0, link_remap, OPTF_NEG, "dump: an unlinked file is kept by a link"),
	FLAG("shell-job", 'j', shell_job, OPTF_NEG,
	     "a session outside the tree: restore into criu's"),
	FLAG("file-locks", 'l', file_locks, OPTF_NEG, "dump and restore file locks and leases"),
	FLAG("page-server", 0, use_page_server, OPTF_NEG,
	     "dump: send pages to criu page-server at --address --port; lazy-pages: "
	     "fetch them from a page-server --lazy-pages there"),
	VALUE("address", 0, OPT_STR, address, "ADDR",
	      "service: the socket's path (./criu_service.socket); page server: its host"),
	VALUE("port", 0, OPT_INT, port, "PORT", "page server: its TCP port"),
	VALUE("prev-images-dir", 0, OPT_STR, prev_images_dir, "DIR",
	      "the previous (pre-)dump's images, relative to -D: dump only what changed"),
	CALL("ms", 0, refuse_ms, 0, NULL, "deprecated (CRIU refuses it too)"),
	FLAG("track-mem", 0, track_mem, OPTF_NEG,
	     "dump: keep tracking written pages for a later dump (pre-dump always does)"),
	FLAG("auto-dedup", 0, auto_dedup, OPTF_NEG,
	     "dump: punch the pages this dump replaces out of the parent images"),
	VALUE("libdir", 'L', OPT_STR, libdir, "PATH",
	      "load the plugins (*.so) of PATH (default " CR_PLUGIN_DEFAULT_DIR ")"),
	CALL("cpu-cap", 0, set_cpu_cap, 0, "[CAP]",
	     "fpu, cpu, ins, all, none: the CPU checks; alone: dump writes cpuinfo.img, "
	     "restore checks it"),
	FLAG("force-irmap", 0, force_irmap, OPTF_NEG,
	     "dump: save the path of every inotify watch's file too"),
	CALL("ext-mount-map", 'M', set_ext_mount_map, 0, "KEY:VAL",
	     "an external mount: dump MOUNTPOINT:KEY, restore KEY:PATH; or auto"),
	LATER("exec-cmd", 0, 0, NULL),
	CALL("manage-cgroups", 0, cg_opt_manage, 0, "[MODE]",
	     "none, props, soft (default), full, strict or ignore"),
	CALL("cgroup-root", 0, cg_opt_root, 0, "CTL:PATH",
	     "restore: the top cgroup at PATH (CTL: optional)"),
	CALL("inherit-fd", 0, add_inherit_fd, 0, "fd[N]:RES",
	     "restore: fd N stands for RES (pipe:[INO], socket:[INO], a file's path, a netns key)"),
	CALL("feature", 0, set_feature, 0, "NAME",
	     "check: only kernel feature NAME ('list' lists)"),
	CALL("skip-mnt", 0, set_skip_mnt, 0, "PATH", "dump: the mount at PATH is not saved"),
	LATER("enable-fs", 0, 0, "FSNAMES"),
	FLAG("enable-external-sharing", 0, mnt.ext_sharing, 0,
	     "dump: an external mount may share a peer group with mounts outside"),
	FLAG("enable-external-masters", 0, mnt.ext_masters, 0,
	     "dump: an external mount may be a slave of a peer group outside"),
	VALUE("freeze-cgroup", 0, OPT_STR, cg.freeze, "PATH",
	      "dump: freeze the tree with the freezer cgroup PATH"),
	VALUE("ghost-limit", 0, OPT_SIZE, ghost_limit, "SIZE",
	      "dump: largest deleted file saved (default 1M)"),
	LATER("irmap-scan-path", 0, 0, "PATH"),
	LATER("lsm-profile", 0, 0, "TYPE:NAME"),
	VALUE("timeout", 0, OPT_INT, timeout, "SEC",
	      "dump: wait SEC seconds at most to seize (10)"),
	CALL("external", 0, add_external, 0, "RES",
	     "an outside resource: mnt[MOUNTPOINT]:KEY (dump), mnt[KEY]:PATH (restore), "
	     "veth[IN]:OUT, macvlan[IN]:PARENT (restore), net[INODE]:KEY (dump)"),
	CALL("empty-ns", 0, set_empty_ns, 0, "net",
	     "restore: make the network namespace, leave its content to the caller"),
	FLAG("lazy-pages", 0, lazy_pages, 0,
	     "restore: the memory comes from criu lazy-pages as the tasks touch it; "
	     "page-server: serve the images' pages to criu lazy-pages --page-server"),
	FLAG("extra", 0, check_extra, OPTF_NEG, "check: also what some trees need"),
	FLAG("experimental", 0, check_experimental, OPTF_NEG,
	     "check: also the experimental features"),
	CALL("all", 0, set_check_all, 0, NULL, "check: --extra and --experimental"),
	VALUE("cgroup-props", 0, OPT_STR, cg.props, "STRING", "dump: the cgroup properties saved"),
	VALUE("cgroup-props-file", 0, OPT_STR, cg.props_file, "FILE",
	      "dump: --cgroup-props read from FILE"),
	CALL("cgroup-dump-controller", 0, cg_opt_dump_controller, 0, "NAME",
	     "dump: save only these controllers"),
	FLAG("skip-in-flight", 0, skip_in_flight, OPTF_NEG,
	     "dump: drop TCP connections not accepted yet"),
	FLAG("deprecated", 0, deprecated_ok, OPTF_NEG, "allow deprecated features (none yet)"),
	FLAG("display-stats", 0, display_stats, OPTF_NEG, "print the dump or restore stats"),
	LATER("weak-sysctls", 0, OPTF_NEG, NULL),
	VALUE("status-fd", 0, OPT_INT, status_fd, "FD",
	      "restore: write \\0 to FD once the tree runs; page-server: once it listens"),
	FLAG("tcp-close", 0, tcp_close, OPTF_NEG,
	     "restore: established TCP connections come back closed"),
	VALUE("verbosity", 'v', OPT_VERBOSE, log_level, "[N]",
	      "log level 0-4 (2); -v, -vvv add; -vN sets"),
	VALUE("ps-socket", 0, OPT_INT, ps_socket, "FD",
	      "dump, pre-dump, page-server, lazy-pages: a page server connection already made, "
	      "not --address --port"),
	FLAG("stream", 0, stream, OPTF_NEG,
	     "dump, pre-dump, restore: the images go to, or come from, an image streamer "
	     "listening in -D"),
	VALUE("config", 0, OPT_STR, config_file, "FILE",
	      "read options from FILE, not the default files"),
	FLAG("no-default-config", 0, no_default_config, 0, "do not read the default config files"),
	VALUE("tls-cacert", 0, OPT_STR, tls_cacert, "FILE",
	      "--tls: the CA (/etc/pki/CA/cacert.pem)"),
	VALUE("tls-cacrl", 0, OPT_STR, tls_cacrl, "FILE",
	      "--tls: revoked certificates (/etc/pki/CA/cacrl.pem)"),
	VALUE("tls-cert", 0, OPT_STR, tls_cert, "FILE",
	      "--tls: our certificate (/etc/pki/criu/cert.pem)"),
	VALUE("tls-key", 0, OPT_STR, tls_key, "FILE",
	      "--tls: its key (/etc/pki/criu/private/key.pem)"),
	FLAG("tls", 0, tls, OPTF_NEG, "page server and dump --page-server: in TLS"),
	FLAG("tls-no-cn-verify", 0, tls_no_cn_verify, 0,
	     "--tls: the server's certificate need not name --address"),
	VALUE("cgroup-yard", 0, OPT_STR, cg.yard, "PATH",
	      "the cgroup hierarchies, one folder each"),
	CALL("pre-dump-mode", 0, set_pre_dump_mode, 0, "MODE",
	     "splice (default) or read; only pre-dump uses it"),
	CALL("file-validation", 0, set_file_validation, 0, "METHOD",
	     "restore: filesize (buildid: not yet)"),
	FLAG("skip-file-rwx-check", 0, skip_file_rwx_check, OPTF_NEG,
	     "restore: files' rwx bits may differ"),
	FLAG("skip-checksums", 0, skip_checksums, OPTF_NEG,
	     "restore: don't check checksums.img; dump: don't write it"),
	CALL("cow-pages", 0, set_cow_pages, 0, "MODE",
	     "dump: pages a child shares saved once (default), or full for CRIU"),
	LATER("lsm-mount-context", 0, 0, "CTX"),
	CALL("network-lock", 0, set_network_lock, 0, "METHOD",
	     "how TCP connections are locked: nftables (default), iptables, skip"),
	LATER("mntns-compat-mode", 0, OPTF_NEG, NULL),
	FLAG("unprivileged", 0, unprivileged, OPTF_NEG, "as root only (non-root: not yet)"),
	FLAG("ghost-fiemap", 0, ghost_fiemap, OPTF_NEG,
	     "dump: find a ghost's data by FIEMAP (default), else by SEEK_DATA"),
	LATER("allow-uprobes", 0, OPTF_NEG, NULL),
};

#define NR_OPTS (sizeof(opt_table) / sizeof(opt_table[0]))
#define VAL_OPT 256		 /* getopt_long's value of opt_table[i]: VAL_OPT + i */
#define VAL_NEG (VAL_OPT + 1024) /* and of its --no- form */

static int set_leave_running(struct cr_options *o, const char *arg)
{
	/* as in CRIU, -R and -s choose the final state: the last one given wins */
	o->leave_running = true;
	o->leave_stopped = false;
	return 0;
}

static int set_leave_stopped(struct cr_options *o, const char *arg)
{
	o->leave_stopped = true;
	o->leave_running = false;
	return 0;
}

static int set_ext_unix_sk(struct cr_options *o, const char *arg)
{
	if (arg) {
		pr_err("--ext-unix-sk=%s: the INODE form is not supported yet; give --ext-unix-sk "
		       "alone\n",
		       arg);
		return -1;
	}
	o->ext_unix_sk = true;
	return 0;
}

/* mounts are the mount code's; the network kinds are read by each subsystem from the list */
static int add_external(struct cr_options *o, const char *arg)
{
	if (!strncmp(arg, "mnt[", 4))
		return opts_mnt_external(&o->mnt, arg);
	if (strncmp(arg, "veth[", 5) && strncmp(arg, "macvlan[", 8) && strncmp(arg, "net[", 4) &&
	    strncmp(arg, "unix[", 5)) {
		pr_err("--external %s: only mnt[], veth[], macvlan[], net[] and unix[] are "
		       "supported yet\n",
		       arg);
		return -1;
	}
	if (o->nr_externals == MAX_EXTERNALS) {
		pr_err("--external: more than %d given\n", MAX_EXTERNALS);
		return -1;
	}
	o->externals[o->nr_externals++] = arg;
	return 0;
}

static int set_empty_ns(struct cr_options *o, const char *arg)
{
	if (strcmp(arg, "net")) {
		pr_err("--empty-ns %s: empty namespaces other than net are not supported yet (CRIU "
		       "takes only net)\n",
		       arg);
		return -1;
	}
	o->empty_ns_net = true;
	return 0;
}

static int add_inherit_fd(struct cr_options *o, const char *arg)
{
	int n, end = 0;

	if (sscanf(arg, "fd[%d]:%n", &n, &end) != 1 || !end || !arg[end] || n < 0) {
		pr_err("--inherit-fd %s: forms other than fd[N]:KEY are not supported yet\n", arg);
		return -1;
	}
	if (o->nr_inherit_fds == MAX_EXTERNALS) {
		pr_err("--inherit-fd: more than %d given\n", MAX_EXTERNALS);
		return -1;
	}
	o->inherit_fds[o->nr_inherit_fds++] = arg;
	return 0;
}

static int set_join_ns(struct cr_options *o, const char *arg)
{
	const char *what = strchr(arg, ':');
	const char **slot = NULL;

	if (what && what[1] && !strchr(what, ',')) {
		if (!strncmp(arg, "net:", 4))
			slot = &o->join_ns_net;
		else if (!strncmp(arg, "uts:", 4))
			slot = &o->join_ns.uts;
		else if (!strncmp(arg, "ipc:", 4))
			slot = &o->join_ns.ipc;
		else if (!strncmp(arg, "time:", 5))
			slot = &o->join_ns.time;
	}
	if (!slot) {
		pr_err("--join-ns %s: kinds other than net, uts, ipc and time, and extra options, "
		       "are not supported yet (give KIND:PID or KIND:PATH)\n",
		       arg);
		return -1;
	}
	*slot = what + 1;
	return 0;
}

static int parse_number(const char *s, const char *what, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	if (errno || end == s || *end) {
		pr_err("Invalid --%s value '%s': not a number\n", what, s);
		return -1;
	}
	return 0;
}

static int close_fd(struct cr_options *o, const char *arg)
{
	long fd;

	if (parse_number(arg, "close", &fd) || fd < 0 || fd > INT_MAX) {
		pr_err("--close needs an fd number, got '%s'\n", arg);
		return -1;
	}
	close(fd);
	return 0;
}

static int refuse_ms(struct cr_options *o, const char *arg)
{
	pr_err("--ms is deprecated; see \"Check options\" of criu --help\n");
	return -1;
}

static int set_feature(struct cr_options *o, const char *arg)
{
	if (!strcmp(arg, "list")) {
		check_list_features();
		return 1;
	}
	if (!check_feature_known(arg)) {
		pr_err("Unknown feature %s; 'criu check --feature list' lists them\n", arg);
		return -1;
	}
	o->feature = arg;
	return 0;
}

static int set_check_all(struct cr_options *o, const char *arg)
{
	o->check_extra = true;
	o->check_experimental = true;
	return 0;
}

static int set_pre_dump_mode(struct cr_options *o, const char *arg)
{
	if (!strcmp(arg, "splice"))
		o->pre_dump_mode = PRE_DUMP_SPLICE;
	else if (!strcmp(arg, "read"))
		o->pre_dump_mode = PRE_DUMP_READ;
	else {
		pr_err("Invalid --pre-dump-mode '%s': splice or read\n", arg);
		return -1;
	}
	return 0;
}

static int set_file_validation(struct cr_options *o, const char *arg)
{
	if (!strcmp(arg, "filesize"))
		return 0;
	if (!strcmp(arg, "buildid")) {
		pr_err("--file-validation buildid is not supported yet; use filesize\n");
		return -1;
	}
	pr_err("Invalid --file-validation '%s': filesize or buildid\n", arg);
	return -1;
}

/* Ours, not CRIU's: see enum cow_pages_mode */
static int set_cow_pages(struct cr_options *o, const char *arg)
{
	if (!strcmp(arg, "once"))
		o->cow_pages = COW_PAGES_ONCE;
	else if (!strcmp(arg, "full"))
		o->cow_pages = COW_PAGES_FULL;
	else {
		pr_err("Invalid --cow-pages '%s': once (the default) or full (images CRIU 4.2 "
		       "restores)\n",
		       arg);
		return -1;
	}
	return 0;
}

static int set_network_lock(struct cr_options *o, const char *arg)
{
	enum netlock_method m;

	if (netlock_method_parse(arg, &m)) {
		pr_err("Invalid value for --network-lock: %s (iptables, nftables or skip)\n", arg);
		return -1;
	}
	o->network_lock = m;
	return 0;
}

static int opt_has_arg(const struct opt_desc *d)
{
	if (!d->arg)
		return no_argument;
	return d->arg[0] == '[' ? optional_argument : required_argument;
}

/* ":t:D:W:o:v::Rsdh..." from the table; the leading ':' makes a missing argument ':'. */
static void build_short_opts(char *buf, size_t len)
{
	size_t i, n = 0;

	buf[n++] = ':';
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

/*
 * CRIU's rules: -v alone adds one; "-vvv" reaches us as -v with "vv" and adds three; any
 * other argument is read as atoi() reads it, so "-v4" is 4 and a word like "erbosity=0"
 * (what getopt makes of "-verbosity=0") is 0.
 */
static void apply_verbose(struct cr_options *o, const char *arg)
{
	long v;

	if (!arg) {
		o->log_level++;
		return;
	}
	if (arg[0] == 'v') {
		o->log_level += strlen(arg) + 1;
		return;
	}
	v = strtol(arg, NULL, 10);
	o->log_level = v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : v;
}

static int apply_number(struct cr_options *o, const struct opt_desc *d, const char *arg)
{
	long v;

	if (parse_number(arg, d->name, &v))
		return -1;
	if (v < 0 || v > INT_MAX || (d->kind == OPT_PID && v == 0)) {
		pr_err("Invalid --%s value %ld\n", d->name, v);
		return -1;
	}
	*(int *)((char *)o + d->field) = v;
	return 0;
}

/* 0: applied; 1: done, exit 0 (help, version, feature list); -1: refused, said why. */
static int apply_option(struct cr_options *o, const struct opt_desc *d, const char *arg)
{
	void *field = (char *)o + d->field;

	switch (d->kind) {
	case OPT_FLAG:
		*(bool *)field = true;
		return 0;
	case OPT_INT:
	case OPT_PID:
		return apply_number(o, d, arg);
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
		apply_verbose(o, arg);
		return 0;
	case OPT_CALL:
		return d->call(o, arg);
	case OPT_HELP:
		print_usage(false);
		return 1;
	case OPT_VERSION:
		printf("Version: %s\n", CRIU_VERSION);
		return 1;
	case OPT_LATER:
		pr_err("Option --%s is not supported yet\n", d->name);
		return -1;
	}
	return -1;
}

/* A --no- form: clears a flag; for an option not supported yet it asks for the default. */
static void apply_negation(struct cr_options *o, const struct opt_desc *d)
{
	if (d->kind == OPT_FLAG)
		*(bool *)((char *)o + d->field) = false;
}

static char neg_names[NR_OPTS][40];

static void build_long_opts(struct option *longopts)
{
	size_t i, n = 0;

	for (i = 0; i < NR_OPTS; i++) {
		longopts[n].name = opt_table[i].name;
		longopts[n].has_arg = opt_has_arg(&opt_table[i]);
		longopts[n].flag = NULL;
		longopts[n++].val = VAL_OPT + i;
	}
	for (i = 0; i < NR_OPTS; i++) {
		if (!(opt_table[i].flags & OPTF_NEG))
			continue;
		snprintf(neg_names[i], sizeof(neg_names[i]), "no-%s", opt_table[i].name);
		longopts[n].name = neg_names[i];
		longopts[n].has_arg = no_argument;
		longopts[n].flag = NULL;
		longopts[n++].val = VAL_NEG + i;
	}
	memset(&longopts[n], 0, sizeof(longopts[0]));
}

static const struct opt_desc *find_short(int c)
{
	size_t i;

	for (i = 0; i < NR_OPTS; i++)
		if (opt_table[i].short_name == c)
			return &opt_table[i];
	return NULL;
}

static const char *long_name(int val)
{
	return val >= VAL_NEG ? neg_names[val - VAL_NEG] : opt_table[val - VAL_OPT].name;
}

/* getopt's '?' (unknown, or an argument given to a flag) and ':' (missing argument). */
static void report_bad_option(int c, char **argv)
{
	if (optopt >= VAL_OPT && c == ':')
		pr_err("Option --%s needs an argument\n", long_name(optopt));
	else if (optopt >= VAL_OPT)
		pr_err("Option --%s takes no argument\n", long_name(optopt));
	else if (optopt && c == ':')
		pr_err("Option -%c needs an argument\n", optopt);
	else if (optopt)
		pr_err("Unknown option -%c\n", optopt);
	else
		pr_err("Unknown option '%s'\n", argv[optind - 1]);
}

static enum parse_result parse_words(int argc, char **argv, struct cr_options *o)
{
	struct option longopts[2 * NR_OPTS + 1];
	char shortopts[NR_OPTS * 3 + 2];
	int c, ret;

	build_long_opts(longopts);
	build_short_opts(shortopts, sizeof(shortopts));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct opt_desc *d;

		if (c == '?' || c == ':') {
			report_bad_option(c, argv);
			return PARSE_USAGE;
		}
		if (c >= VAL_NEG) {
			apply_negation(o, &opt_table[c - VAL_NEG]);
			continue;
		}
		d = c >= VAL_OPT ? &opt_table[c - VAL_OPT] : find_short(c);
		ret = d ? apply_option(o, d, optarg) : -1;
		if (ret)
			return ret > 0 ? PARSE_EXIT_OK : PARSE_ERROR;
	}
	return PARSE_OK;
}

void opts_set_defaults(struct cr_options *o)
{
	memset(o, 0, sizeof(*o));
	o->log_level = DEFAULT_LOGLEVEL;
	o->timeout = 10;
	o->ghost_limit = 1 << 20;
	o->ghost_fiemap = true;
	o->status_fd = -1;
	o->ps_socket = -1;
	o->network_lock = NETWORK_LOCK_DEFAULT;
	o->swrk_fd = -1;
	o->cg.mode = CG_MODE_SOFT; /* as CRIU */
	o->cpu_cap = CPU_CAP_DEFAULT;
}

static const struct opt_desc *find_long(const char *name)
{
	size_t i;

	for (i = 0; i < NR_OPTS; i++)
		if (!strcmp(opt_table[i].name, name))
			return &opt_table[i];
	return NULL;
}

bool opts_supported(const char *name)
{
	const struct opt_desc *d = find_long(name);

	return d && d->kind != OPT_LATER;
}

int opts_apply_named(struct cr_options *o, const char *name, const char *arg)
{
	bool neg = !strncmp(name, "no-", 3);
	const struct opt_desc *d = find_long(neg ? name + 3 : name);

	if (!d || (neg && !(d->flags & OPTF_NEG))) {
		pr_err("Unknown option --%s\n", name);
		return -1;
	}
	if (neg) {
		apply_negation(o, d);
		return 0;
	}
	if ((opt_has_arg(d) == required_argument && !arg) ||
	    (opt_has_arg(d) == no_argument && arg)) {
		pr_err("Option --%s %s\n", name, arg ? "takes no argument" : "needs an argument");
		return -1;
	}
	return apply_option(o, d, arg) ? -1 : 0;
}

/* What CRIU checks once everything is parsed, whatever the command. */
static enum parse_result check_combination(struct cr_options *o)
{
	if (o->restore_sibling && !o->restore_detached) {
		pr_err("--restore-sibling only makes sense with --restore-detached\n");
		return PARSE_ERROR;
	}
	if (o->unprivileged && geteuid() != 0) {
		pr_err("--unprivileged: running as non-root is not supported yet; run as root\n");
		return PARSE_ERROR;
	}
	if (o->tree && o->command == CMD_RESTORE)
		pr_warn("Using -t with criu restore is obsoleted\n");
	/* the connection made by the caller is the page server to send to or ask */
	if (o->ps_socket >= 0 && o->command != CMD_PAGE_SERVER)
		o->use_page_server = true;
	return PARSE_OK;
}

enum parse_result parse_options(int argc, char **argv, struct cr_options *o)
{
	enum parse_result ret;
	int i;

	opts_set_defaults(o);
	/* as CRIU does, --help wins wherever it is, even over a bad configuration file */
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_usage(false);
			return PARSE_EXIT_OK;
		}
	if (config_build_argv(argc, argv, &argc, &argv))
		return PARSE_ERROR;
	ret = parse_words(argc, argv, o);
	if (ret != PARSE_OK)
		return ret;
	if (optind >= argc) {
		pr_err("No command given\n");
		return PARSE_USAGE;
	}
	ret = parse_command(argc, argv, optind, o);
	if (ret != PARSE_OK)
		return ret;
	if (!o->images_dir)
		o->images_dir = ".";
	if (!o->work_dir)
		o->work_dir = o->images_dir;
	return check_combination(o);
}

static void print_option(const struct opt_desc *d)
{
	char left[64];

	snprintf(left, sizeof(left), "%c%c%s--%s%s%s%s", d->short_name ? '-' : ' ',
		 d->short_name ? d->short_name : ' ', d->short_name ? "|" : " ",
		 d->flags & OPTF_NEG ? "[no-]" : "", d->name, d->arg ? " " : "",
		 d->arg ? d->arg : "");
	if (strlen(left) > 30)
		printf("  %s\n  %-30s %s\n", left, "", d->help);
	else
		printf("  %-30s %s\n", left, d->help);
}

static void print_later_options(void)
{
	size_t i, col = 80;

	printf("\nOptions of CRIU 4.2 not supported yet (refused; their --no- forms are "
	       "accepted):");
	for (i = 0; i < NR_OPTS; i++) {
		size_t len = strlen(opt_table[i].name) + 3;

		if (opt_table[i].kind != OPT_LATER)
			continue;
		if (col + len > 78) {
			printf("\n ");
			col = 1;
		}
		printf(" --%s", opt_table[i].name);
		col += len;
	}
	printf("\n");
}

void print_usage(bool brief)
{
	size_t i;

	printf("\nUsage:\n"
	       "  criu dump -t PID [<options>]\n"
	       "  criu restore [<options>]\n"
	       "  criu check [--feature FEAT]\n"
	       "  criu swrk FD\n"
	       "  criu service [--address PATH] [--daemon] [--pidfile FILE]\n"
	       "\nCommands:\n");
	print_commands();
	if (brief) {
		printf("\nTry -h|--help for more info\n");
		return;
	}
	printf("\nOptions:\n");
	for (i = 0; i < NR_OPTS; i++)
		if (opt_table[i].kind != OPT_LATER)
			print_option(&opt_table[i]);
	print_later_options();
}
