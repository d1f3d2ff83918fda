/* SPDX-License-Identifier: GPL-2.0 */
/*
 * req-opts.c - a request's criu_opts become a struct cr_options, as the command line
 * would fill it. Every field the client set is walked through rpc.proto's descriptor, so
 * none can be forgotten: a field that stands for a command line option goes through the
 * option table (opts_apply_named), one RPC itself gives meaning to (fds of the client,
 * notify_scripts, rst_sibling, ...) has its own step below, and any other is refused,
 * naming the field. A boolean set to false asks for CRIU's default and is accepted.
 */
#define LOG_PREFIX "rpc: "

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "net-lock.h"

/* Fields that are command line options: criu_opts name, long option name. */
static const struct {
	const char *field, *option;
} field_options[] = {
	{ "leave_running", "leave-running" },
	{ "leave_stopped", "leave-stopped" },
	{ "ext_unix_sk", "ext-unix-sk" },
	{ "tcp_established", "tcp-established" },
	{ "evasive_devices", "evasive-devices" },
	{ "shell_job", "shell-job" },
	{ "file_locks", "file-locks" },
	{ "root", "root" },
	{ "parent_img", "prev-images-dir" },
	{ "track_mem", "track-mem" },
	{ "auto_dedup", "auto-dedup" },
	{ "link_remap", "link-remap" },
	{ "veths", "veth-pair" },
	{ "force_irmap", "force-irmap" },
	{ "exec_cmd", "exec-cmd" },
	{ "ext_mnt", "ext-mount-map" },
	{ "inherit_fd", "inherit-fd" },
	{ "auto_ext_mnt", "ext-mount-map" },
	{ "ext_sharing", "enable-external-sharing" },
	{ "ext_masters", "enable-external-masters" },
	{ "skip_mnt", "skip-mnt" },
	{ "enable_fs", "enable-fs" },
	{ "ghost_limit", "ghost-limit" },
	{ "irmap_scan_paths", "irmap-scan-path" },
	{ "external", "external" },
	{ "empty_ns", "empty-ns" },
	{ "join_ns", "join-ns" },
	{ "cgroup_props", "cgroup-props" },
	{ "cgroup_props_file", "cgroup-props-file" },
	{ "freeze_cgroup", "freeze-cgroup" },
	{ "timeout", "timeout" },
	{ "tcp_skip_in_flight", "skip-in-flight" },
	{ "weak_sysctls", "weak-sysctls" },
	{ "lazy_pages", "lazy-pages" },
	{ "tcp_close", "tcp-close" },
	{ "lsm_profile", "lsm-profile" },
	{ "tls_cacert", "tls-cacert" },
	{ "tls_cacrl", "tls-cacrl" },
	{ "tls_cert", "tls-cert" },
	{ "tls_key", "tls-key" },
	{ "tls", "tls" },
	{ "tls_no_cn_verify", "tls-no-cn-verify" },
	{ "cgroup_yard", "cgroup-yard" },
	{ "lsm_mount_context", "lsm-mount-context" },
	{ "mntns_compat_mode", "mntns-compat-mode" },
	{ "skip_file_rwx_check", "skip-file-rwx-check" },
	{ "unprivileged", "unprivileged" },
	{ "display_stats", "display-stats" },
	{ "allow_uprobes", "allow-uprobes" },
	{ "ps", "page-server" },
	{ "unix_sk_ino", "ext-unix-sk" },
};

/* Fields RPC gives meaning to, applied by the steps of rpc_opts_from_req(). */
static const char *const rpc_fields[] = {
	"images_dir_fd",
	"images_dir",
	"work_dir_fd",
	"pid",
	"log_level",
	"log_file",
	"log_to_stderr",
	"status_fd",
	"notify_scripts",
	"rst_sibling",
	"pre_dump_mode",
	"network_lock",
	"cpu_cap",
	"config_file",
	"ps",
	"manage_cgroups",
	"manage_cgroups_mode",
	"cg_root",
	"cgroup_dump_controller",
	/*
	 * runc sets it in every request: a pty whose slave the tree holds and whose master is
	 * outside is dumped, and at restore its new master goes to the client in the
	 * "orphan-pts-master" notification (files/tty-orphan.c).
	 */
	"orphan_pts_master",
	"ghost_fiemap",
	"file_validation_method",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *option_of(const char *field)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(field_options); i++)
		if (!strcmp(field_options[i].field, field))
			return field_options[i].option;
	return NULL;
}

static bool is_rpc_field(const char *field)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(rpc_fields); i++)
		if (!strcmp(rpc_fields[i], field))
			return true;
	return false;
}

/* Whether the client set the field, and for a repeated one how many times. */
static size_t field_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m;

	switch (f->label) {
	case PROTOBUF_C_LABEL_REPEATED:
		return *(const size_t *)(base + f->quantifier_offset);
	case PROTOBUF_C_LABEL_OPTIONAL:
		if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
			return *(void *const *)(base + f->offset) ? 1 : 0;
		return *(const protobuf_c_boolean *)(base + f->quantifier_offset) ? 1 : 0;
	default:
		return 1;
	}
}

static int refuse_field(const char *field, const char *option, const char *why)
{
	if (option)
		pr_err("criu_opts.%s (--%s) is not supported yet%s\n", field, option, why);
	else
		pr_err("criu_opts.%s is not supported yet%s\n", field, why);
	return -EOPNOTSUPP;
}

/* criu_opts.empty_ns holds CLONE_NEW* bits: CLONE_NEWNET is --empty-ns net */
static int apply_empty_ns(struct rpc_req_state *st, uint32_t flags)
{
	if (flags != CLONE_NEWNET) {
		pr_err("criu_opts.empty_ns %#x: only CLONE_NEWNET (--empty-ns net) is supported\n",
		       flags);
		return -EOPNOTSUPP;
	}
	return opts_apply_named(&st->opts, "empty-ns", "net") ? -EINVAL : 0;
}

/* The client reads the first error (cr_errmsg): it names the field, then the reason. */
static void refuse_value(const char *field, size_t i, const char *val)
{
	char why[512];

	snprintf(why, sizeof(why), "%s", log_first_error() ?: "refused");
	log_forget_first_error();
	pr_err("criu_opts.%s[%zu] \"%s\": %s\n", field, i, val, why);
}

/*
 * ext_mnt's KEY:VAL (--ext-mount-map), inherit_fd's fd[FD]:KEY (--inherit-fd), join_ns's
 * NS:NS_FILE (--join-ns; its extra_opt, a user namespace's ids, has no option here yet)
 */
static int repeated_pair(const ProtobufCFieldDescriptor *f, const void *val, char **pair)
{
	const ExtMountMap *em = val;
	const InheritFd *ifd = val;
	const JoinNamespace *jn = val;
	int n;

	if (f->descriptor == &inherit_fd__descriptor) {
		n = asprintf(pair, "fd[%d]:%s", ifd->fd, ifd->key);
	} else if (f->descriptor == &join_namespace__descriptor) {
		if (jn->extra_opt) {
			pr_err("criu_opts.join_ns (%s): extra_opt \"%s\" is not supported yet\n",
			       jn->ns, jn->extra_opt);
			return -EOPNOTSUPP;
		}
		n = asprintf(pair, "%s:%s", jn->ns, jn->ns_file);
	} else {
		n = asprintf(pair, "%s:%s", em->key, em->val);
	}
	return n < 0 ? -ENOMEM : 0;
}

/* A string the options point to, freed with the request's state. */
static int keep_pair(struct rpc_req_state *st, char *pair)
{
	if (ARRAY_ADD_ROOM(st->pairs, st->nr_pairs))
		return -ENOMEM;
	st->pairs[st->nr_pairs++] = pair;
	return 0;
}

/*
 * A repeated field: the option once per value, as the command line repeats it. ext_mnt's
 * pairs are --ext-mount-map KEY:VAL, inherit_fd's --inherit-fd fd[FD]:KEY (FD is criu's own,
 * as in CRIU: swrk's client gave it at exec), join_ns's --join-ns NS:NS_FILE.
 */
static int apply_repeated_field(struct rpc_req_state *st, const ProtobufCMessage *m,
				const ProtobufCFieldDescriptor *f, const char *option)
{
	size_t i, n = field_count(m, f);
	void *const *vals = *(void *const *)((const char *)m + f->offset);
	char *pair;
	int ret = 0;

	if (!opts_supported(option) ||
	    (f->type != PROTOBUF_C_TYPE_STRING && f->descriptor != &ext_mount_map__descriptor &&
	     f->descriptor != &inherit_fd__descriptor &&
	     f->descriptor != &join_namespace__descriptor))
		return refuse_field(f->name, option, "");
	if (f->descriptor == &inherit_fd__descriptor && !st->conn->swrk) {
		pr_err("criu_opts.inherit_fd: fds are criu's own, which only criu swrk's client "
		       "gives (criu service shares none with its clients)\n");
		return -EINVAL;
	}
	for (i = 0; i < n && !ret; i++) {
		if (f->type == PROTOBUF_C_TYPE_STRING) {
			ret = opts_apply_named(&st->opts, option, vals[i]) ? -EINVAL : 0;
			if (ret)
				refuse_value(f->name, i, vals[i]);
			continue;
		}
		ret = repeated_pair(f, vals[i], &pair);
		if (ret)
			return ret;
		/* the options keep the string: it lives as long as the request's options */
		ret = opts_apply_named(&st->opts, option, pair) ? -EINVAL : 0;
		if (ret) {
			refuse_value(f->name, i, pair);
			free(pair);
		} else {
			ret = keep_pair(st, pair);
		}
	}
	return ret;
}

/* A field that stands for an option: as the option with the field's value. */
static int apply_option_field(struct rpc_req_state *st, const ProtobufCMessage *m,
			      const ProtobufCFieldDescriptor *f, const char *option)
{
	const void *val = (const char *)m + f->offset;
	char num[24];

	/* false asks for the default, which every option not supported yet keeps */
	if (f->type == PROTOBUF_C_TYPE_BOOL && f->label != PROTOBUF_C_LABEL_REPEATED &&
	    !*(const protobuf_c_boolean *)val)
		return 0;
	if (!strcmp(f->name, "empty_ns"))
		return apply_empty_ns(st, *(const uint32_t *)val);
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return apply_repeated_field(st, m, f, option);
	if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_ENUM ||
	    !opts_supported(option))
		return refuse_field(f->name, option, "");
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		/* the one flag that is an option's value: --ext-mount-map auto */
		return opts_apply_named(&st->opts, option,
					strcmp(f->name, "auto_ext_mnt") ? NULL : "auto")
			       ? -EINVAL
			       : 0;
	case PROTOBUF_C_TYPE_UINT32:
		snprintf(num, sizeof(num), "%u", *(const uint32_t *)val);
		return opts_apply_named(&st->opts, option, num) ? -EINVAL : 0;
	case PROTOBUF_C_TYPE_STRING:
		return opts_apply_named(&st->opts, option, *(char *const *)val) ? -EINVAL : 0;
	default:
		return refuse_field(f->name, option, "");
	}
}

/* Every field the client set, but those of rpc_fields: applied or refused. */
static int apply_fields(struct rpc_req_state *st, const CriuOpts *ro)
{
	const ProtobufCMessageDescriptor *d = ro->base.descriptor;
	const ProtobufCMessage *m = &ro->base;
	unsigned int i;
	int ret;

	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *option;

		if (is_rpc_field(f->name) || !field_count(m, f))
			continue;
		option = option_of(f->name);
		if (!option) {
			if (f->type == PROTOBUF_C_TYPE_BOOL &&
			    !*(const protobuf_c_boolean *)((const char *)m + f->offset))
				continue;
			return refuse_field(f->name, NULL, "");
		}
		ret = apply_option_field(st, m, f, option);
		if (ret)
			return ret;
	}
	return 0;
}

/* A directory the client holds open: fd N of the client, seen through /proc. */
static int open_client_dir(struct rpc_conn *c, int fd, const char *field, char *path, size_t len)
{
	char link[64];
	ssize_t n;
	int dfd;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->peer, fd);
	dfd = open(link, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		int ret = -errno;

		pr_perror("criu_opts.%s: can't open the client's fd %d as a directory", field, fd);
		return ret;
	}
	n = readlink(link, path, len - 1);
	path[n > 0 ? n : 0] = 0;
	return dfd;
}

static int open_named_dir(const char *dir, char *path, size_t len)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		int ret = -errno;

		pr_perror("criu_opts.images_dir: can't open %s", dir);
		return ret;
	}
	snprintf(path, len, "%s", dir);
	return dfd;
}

/* images_dir_fd (or images_dir when it is -1) and work_dir_fd (default: the images dir) */
static int open_dirs(struct rpc_req_state *st, const CriuOpts *ro, bool need_images)
{
	if (ro->images_dir_fd >= 0)
		st->images_dfd = open_client_dir(st->conn, ro->images_dir_fd, "images_dir_fd",
						 st->images_path, sizeof(st->images_path));
	else if (ro->images_dir)
		st->images_dfd =
			open_named_dir(ro->images_dir, st->images_path, sizeof(st->images_path));
	else if (need_images) {
		pr_err("criu_opts: neither images_dir_fd nor images_dir names the images "
		       "directory\n");
		return -EINVAL;
	}
	if (st->images_dfd < 0 && (ro->images_dir_fd >= 0 || ro->images_dir))
		return st->images_dfd;
	if (ro->has_work_dir_fd) {
		st->work_dfd = open_client_dir(st->conn, ro->work_dir_fd, "work_dir_fd",
					       st->work_path, sizeof(st->work_path));
		if (st->work_dfd < 0)
			return st->work_dfd;
	} else if (st->images_dfd >= 0) {
		st->work_dfd = fcntl(st->images_dfd, F_DUPFD_CLOEXEC, 0);
		if (st->work_dfd < 0)
			return -errno;
		memcpy(st->work_path, st->images_path, sizeof(st->work_path));
	}
	st->opts.images_dir = st->images_path;
	st->opts.work_dir = st->work_dfd >= 0 ? st->work_path : st->images_path;
	return 0;
}

static int apply_log(struct rpc_req_state *st, const CriuOpts *ro)
{
	char num[16];

	if (ro->has_log_level) {
		snprintf(num, sizeof(num), "%d", ro->log_level);
		opts_apply_named(&st->opts, "verbosity", num);
	}
	st->log_stderr = (ro->has_log_to_stderr && ro->log_to_stderr) || !ro->log_file;
	if (!ro->log_file || st->log_stderr)
		return 0;
	if (strchr(ro->log_file, '/')) {
		pr_err("criu_opts.log_file %s: no subdirectories; give a name in the work "
		       "directory (work_dir_fd)\n",
		       ro->log_file);
		return -EINVAL;
	}
	if (st->work_dfd < 0) {
		pr_err("criu_opts.log_file %s needs a work or images directory\n", ro->log_file);
		return -EINVAL;
	}
	st->opts.log_file = ro->log_file;
	return 0;
}

/* status_fd: the client's fd, which gets "\0" once the restored tree runs */
static int apply_status_fd(struct rpc_req_state *st, const CriuOpts *ro)
{
	char link[64];
	int fd;

	if (!ro->has_status_fd)
		return 0;
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", st->conn->peer, ro->status_fd);
	fd = open(link, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		int ret = -errno;

		pr_perror("criu_opts.status_fd: can't open the client's fd %d", ro->status_fd);
		return ret;
	}
	st->opts.status_fd = fd;
	return 0;
}

/* rpc.proto's network lock methods (1, 2, 3) to net-lock.h's. */
static int apply_network_lock(struct rpc_req_state *st, const CriuOpts *ro)
{
	if (!ro->has_network_lock)
		return 0;
	switch (ro->network_lock) {
	case CRIU_NETWORK_LOCK_METHOD__IPTABLES:
		st->opts.network_lock = NETLOCK_IPTABLES;
		return 0;
	case CRIU_NETWORK_LOCK_METHOD__NFTABLES:
		st->opts.network_lock = NETLOCK_NFTABLES;
		return 0;
	case CRIU_NETWORK_LOCK_METHOD__SKIP:
		st->opts.network_lock = NETLOCK_SKIP;
		return 0;
	default:
		break;
	}
	pr_err("criu_opts.network_lock: unknown method %d\n", ro->network_lock);
	return -EINVAL;
}

/*
 * --ghost-fiemap, which is on unless asked off (a false is meant here, unlike other flags),
 * and --file-validation, an enum: criu checks files by size only.
 */
static int apply_file_checks(struct rpc_req_state *st, const CriuOpts *ro)
{
	if (ro->has_ghost_fiemap)
		st->opts.ghost_fiemap = ro->ghost_fiemap;
	if (!ro->has_file_validation_method ||
	    ro->file_validation_method == CRIU_FILE_VALIDATION_METHOD__FILE_SIZE)
		return 0;
	if (ro->file_validation_method == CRIU_FILE_VALIDATION_METHOD__BUILD_ID)
		return refuse_field("file_validation_method", "file-validation",
				    ": BUILD_ID; use FILE_SIZE");
	pr_err("criu_opts.file_validation_method: unknown method %d\n", ro->file_validation_method);
	return -EINVAL;
}

/* cpu_cap: CRIU's bits as they are (its proto default, all ones, writes and checks the image) */
static int apply_cpu_cap(struct rpc_req_state *st, const CriuOpts *ro)
{
	if (ro->has_cpu_cap)
		st->opts.cpu_cap = ro->cpu_cap;
	return 0;
}

/*
 * ps: the page server's address and port, for PAGE_SERVER(_CHLD) to listen on and for DUMP
 * to send to (--page-server); or fd (--ps-socket), a connection the swrk client made and
 * criu inherited (a service's client has no fd criu could use).
 */
static int apply_ps(struct rpc_req_state *st, const CriuOpts *ro, enum cr_command cmd)
{
	if (!ro->ps)
		return 0;
	if (ro->ps->has_fd && !st->conn->swrk) {
		pr_err("criu_opts.ps.fd: only criu swrk inherits its client's fds; connect by "
		       "ps.address and ps.port instead\n");
		return -EINVAL;
	}
	if (ro->ps->has_fd)
		st->opts.ps_socket = ro->ps->fd;
	if (cmd != CMD_DUMP && cmd != CMD_PAGE_SERVER) {
		pr_err("criu_opts.ps: only DUMP and PAGE_SERVER use a page server\n");
		return -EINVAL;
	}
	if (ro->ps->has_port && (ro->ps->port < 0 || ro->ps->port > 65535)) {
		pr_err("criu_opts.ps.port %d is not a TCP port\n", ro->ps->port);
		return -EINVAL;
	}
	st->opts.use_page_server = cmd == CMD_DUMP;
	st->opts.address = ro->ps->address;
	st->opts.port = ro->ps->has_port ? ro->ps->port : 0;
	return 0;
}

static int apply_task(struct rpc_req_state *st, const CriuOpts *ro, enum cr_command cmd)
{
	if (ro->has_rst_sibling && ro->rst_sibling) {
		if (!st->conn->swrk) {
			pr_err("criu_opts.rst_sibling: only criu swrk's client can become the "
			       "restored tree's parent, not a criu service client\n");
			return -EINVAL;
		}
		st->opts.restore_sibling = true;
	}
	st->notify = ro->has_notify_scripts && ro->notify_scripts;
	st->opts.orphan_pts_master = ro->has_orphan_pts_master && ro->orphan_pts_master;
	if (ro->has_pre_dump_mode)
		st->opts.pre_dump_mode = ro->pre_dump_mode == CRIU_PRE_DUMP_MODE__VM_READ
						 ? PRE_DUMP_READ
						 : PRE_DUMP_SPLICE;
	if (cmd == CMD_DUMP || cmd == CMD_PRE_DUMP)
		st->opts.tree = ro->has_pid ? ro->pid : st->conn->peer;
	if (ro->has_pid && ro->pid <= 0) {
		pr_err("criu_opts.pid %d is not a process id\n", ro->pid);
		return -EINVAL;
	}
	return 0;
}

/* The file's options as the command line would give them (--config FILE alone). */
static int parse_config_file(const char *path, const char *action, struct cr_options *file)
{
	/* "cpuinfo dump" is two words on a command line */
	bool cpuinfo = !strncmp(action, "cpuinfo ", 8);
	char *argv[] = { "criu",
			 "--no-default-config",
			 "--config",
			 (char *)path,
			 cpuinfo ? "cpuinfo" : (char *)action,
			 cpuinfo ? (char *)action + 8 : NULL,
			 NULL };
	const char *env = getenv("CRIU_CONFIG_FILE");
	char *saved = env ? strdup(env) : NULL;
	enum parse_result pr;

	/* only the client's file: not the one of criu's environment */
	unsetenv("CRIU_CONFIG_FILE");
	pr = parse_options(cpuinfo ? 6 : 5, argv, file);
	if (saved) {
		setenv("CRIU_CONFIG_FILE", saved, 1);
		free(saved);
	}
	return pr == PARSE_OK ? 0 : -EINVAL;
}

/*
 * config_file: as in CRIU, the file's options come first and the request's fields go on
 * top of them; a file that does not exist is no file, as CRIU takes it. The directories
 * and the log are the request's own (its fds).
 */
static int apply_config_file(struct rpc_req_state *st, const CriuOpts *ro)
{
	struct cr_options file;

	if (!ro || !ro->config_file)
		return 0;
	/* runc names /etc/criu/runc.conf in every request, whether it exists or not */
	if (access(ro->config_file, F_OK) && errno == ENOENT) {
		pr_info("criu_opts.config_file %s does not exist: no options from it\n",
			ro->config_file);
		return 0;
	}
	if (access(ro->config_file, R_OK)) {
		pr_perror("criu_opts.config_file %s: can't read it", ro->config_file);
		return -EINVAL;
	}
	if (parse_config_file(ro->config_file, st->opts.action, &file)) {
		pr_err("criu_opts.config_file %s: refused (see the error above)\n",
		       ro->config_file);
		return -EINVAL;
	}
	if (strcmp(file.images_dir, ".") || strcmp(file.work_dir, ".") || file.log_file) {
		pr_err("criu_opts.config_file %s: images-dir, work-dir and log-file come from the "
		       "request over RPC, not from a file\n",
		       ro->config_file);
		return -EOPNOTSUPP;
	}
	file.images_dir = file.work_dir = NULL;
	st->opts = file;
	return 0;
}

/* What every request runs with, whatever the file or the fields say. */
static void set_request_basics(struct rpc_req_state *st, enum cr_command cmd)
{
	st->opts.command = cmd;
	st->opts.action = cmd == CMD_DUMP	     ? "dump"
			  : cmd == CMD_PRE_DUMP	     ? "pre-dump"
			  : cmd == CMD_RESTORE	     ? "restore"
			  : cmd == CMD_PAGE_SERVER   ? "page-server"
			  : cmd == CMD_CPUINFO_DUMP  ? "cpuinfo dump"
			  : cmd == CMD_CPUINFO_CHECK ? "cpuinfo check"
						     : "check";
	/* RPC restores detach: criu answers once the tree runs */
	st->opts.restore_detached = cmd == CMD_RESTORE;
	st->opts.stage_notify = rpc_stage_notify;
	st->opts.fd_notify = rpc_fd_notify;
	st->opts.stage_notify_arg = st;
}

int rpc_opts_from_req(struct rpc_conn *c, const CriuOpts *ro, enum cr_command cmd,
		      struct rpc_req_state *st)
{
	int ret;

	memset(st, 0, sizeof(*st));
	st->conn = c;
	st->images_dfd = st->work_dfd = -1;
	opts_set_defaults(&st->opts);
	set_request_basics(st, cmd);
	ret = apply_config_file(st, ro);
	set_request_basics(st, cmd);
	if (ret || !ro)
		return ret;
	ret = apply_cpu_cap(st, ro) ?: apply_network_lock(st, ro) ?: apply_file_checks(st, ro) ?:
	      apply_fields(st, ro) ?:
	      rpc_apply_cgroups(st, ro) ?: apply_task(st, ro, cmd) ?: apply_ps(st, ro, cmd);
	ret = ret ?: open_dirs(st, ro, cmd != CMD_CHECK);
	ret = ret ?: apply_log(st, ro) ?: apply_status_fd(st, ro);
	if (ret)
		rpc_req_state_fini(st);
	return ret;
}

int rpc_open_log(struct rpc_req_state *st)
{
	if (st->log_stderr)
		return log_init(AT_FDCWD, NULL, st->opts.log_level);
	return log_init(st->work_dfd, st->opts.log_file, st->opts.log_level);
}

void rpc_req_state_fini(struct rpc_req_state *st)
{
	int i;

	for (i = 0; i < CG_OPT_MAX; i++) {
		free(st->cg_roots[i]);
		st->cg_roots[i] = NULL;
	}
	while (st->nr_pairs)
		free(st->pairs[--st->nr_pairs]);
	free(st->pairs);
	st->pairs = NULL;
	if (st->work_dfd >= 0)
		close(st->work_dfd);
	if (st->images_dfd >= 0)
		close(st->images_dfd);
	if (st->opts.status_fd >= 0 && !st->status_sent)
		close(st->opts.status_fd);
	st->work_dfd = st->images_dfd = st->opts.status_fd = -1;
}
