/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run.c - a parsed dump or restore run on open directories (run.h): the action scripts
 * around it, the status fd and the stats. main() and each RPC request call it.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "action-scripts.h"
#include "cpuinfo.h"
#include "dump.h"
#include "img-stream.h"
#include "lazy.h"
#include "log.h"
#include "plugin.h"
#include "page-chain.h"
#include "page-server.h"
#include "restore.h"
#include "run.h"
#include "stats-show.h"

struct restore_hook_ctx {
	const struct cr_options *opts;
	int work_dfd;
};

/* Restore stages: action scripts, then at the resume the status fd and the stats. */
static int restore_stage(const char *stage, pid_t pid, void *arg)
{
	const struct restore_hook_ctx *hc = arg;
	const struct cr_options *o = hc->opts;
	int ret;

	ret = run_action_scripts(o, stage, pid);
	if (ret)
		return ret;
	if (strcmp(stage, "post-resume"))
		return 0;
	if (o->status_fd >= 0) {
		if (write(o->status_fd, "", 1) != 1)
			pr_perror("Can't write to --status-fd %d", o->status_fd);
		close(o->status_fd);
	}
	if (o->display_stats)
		display_stats(hc->work_dfd, true);
	return 0;
}

/* orphan_pts_master: the new master goes to the RPC client, which answers */
static int restore_orphan_master(int master, void *arg)
{
	const struct restore_hook_ctx *hc = arg;
	const struct cr_options *o = hc->opts;

	if (!o->fd_notify) {
		pr_err("orphan_pts_master: the new pty master has no client to go to\n");
		return -EINVAL;
	}
	return o->fd_notify("orphan-pts-master", master, o->stage_notify_arg);
}

static int run_restore(const struct cr_options *o, int images_dfd, int work_dfd)
{
	struct restore_hook_ctx hc = { o, work_dfd };
	char pidfile[PATH_MAX];
	struct restore_opts ro = {
		.images_dir = o->images_dir,
		.images_dfd = images_dfd,
		.work_dir = o->work_dir,
		.work_dfd = work_dfd,
		.restore_detached = o->restore_detached,
		.pidfile = o->pidfile,
		.log_level = o->log_level,
		.log_fd = log_get_fd(),
		.skip_file_rwx_check = o->skip_file_rwx_check,
		.skip_checksums = o->skip_checksums,
		.log_pid = o->log_pid,
		.shell_job = o->shell_job,
		.restore_sibling = o->restore_sibling,
		.ext_unix_sk = o->ext_unix_sk,
		.tcp_established = o->tcp_established,
		.tcp_close = o->tcp_close,
		.externals = o->externals,
		.nr_externals = o->nr_externals,
		.empty_ns_net = o->empty_ns_net,
		.join_ns_net = o->join_ns_net,
		.join_ns = &o->join_ns,
		.inherit_fds = o->inherit_fds,
		.nr_inherit_fds = o->nr_inherit_fds,
		.cg = &o->cg,
		.root = o->root,
		.mnt = &o->mnt,
		.lazy_pages = o->lazy_pages,
		.orphan_pts_master = o->orphan_pts_master,
		.orphan_master_hook = restore_orphan_master,
		.stage_hook = restore_stage,
		.hook_arg = &hc,
	};

	/* Like the log, a relative pidfile lives in the work directory. */
	if (o->pidfile && o->pidfile[0] != '/') {
		if (snprintf(pidfile, sizeof(pidfile), "%s/%s", o->work_dir, o->pidfile) >=
		    (int)sizeof(pidfile)) {
			pr_err("--pidfile path too long\n");
			return 1;
		}
		ro.pidfile = pidfile;
	}
	if (o->status_fd >= 0 && fcntl(o->status_fd, F_GETFD) < 0) {
		pr_perror("--status-fd %d is not an open fd", o->status_fd);
		return 1;
	}
	if (run_action_scripts(o, "pre-restore", 0))
		return 1;
	return cr_restore_tasks(&ro);
}

/* The command between the plugins' init and exit (a failing init fails it, naming them). */
static int run_with_plugins(const struct cr_options *o, int images_dfd, int work_dfd)
{
	bool dump = o->command == CMD_DUMP || o->command == CMD_PRE_DUMP;
	int stage = o->command == CMD_DUMP	 ? CR_PLUGIN_STAGE__DUMP
		    : o->command == CMD_PRE_DUMP ? CR_PLUGIN_STAGE__PRE_DUMP
						 : CR_PLUGIN_STAGE__RESTORE;
	int ret;

	if (cr_plugins_init(o->libdir, stage, images_dfd))
		return 1;
	ret = dump ? cr_dump_tasks(o, images_dfd, work_dfd) : run_restore(o, images_dfd, work_dfd);
	cr_plugins_fini(stage, ret);
	return ret ? 1 : 0;
}

static int run_command(const struct cr_options *o, int images_dfd, int work_dfd)
{
	switch (o->command) {
	case CMD_DEDUP:
		return cr_dedup(images_dfd) ? 1 : 0;
	case CMD_DUMP:
	case CMD_PRE_DUMP:
		if (!o->tree) {
			pr_err("%s needs the tree's root pid: -t PID\n", o->action);
			return 1;
		}
		if (o->status_fd >= 0) {
			pr_err("--status-fd is used by restore only\n");
			return 1;
		}
		if (o->lazy_pages) {
			pr_err("dump --lazy-pages (pages left in the task for a remote lazy "
			       "restore) is not supported yet\n");
			return 1;
		}
		/* --cpu-cap alone: the CPU goes with the images, before the tree is seized */
		if (o->command == CMD_DUMP && (o->cpu_cap & CPU_CAP_IMAGE) &&
		    cpuinfo_dump(images_dfd))
			return 1;
		if (run_with_plugins(o, images_dfd, work_dfd))
			return 1;
		if (o->display_stats)
			display_stats(work_dfd, false);
		return 0;
	case CMD_RESTORE:
		/* before any task exists: a refused CPU leaves nothing to clean up */
		if ((o->cpu_cap & CPU_CAP_IMAGE) && cpuinfo_validate(images_dfd, o->cpu_cap))
			return 1;
		return run_with_plugins(o, images_dfd, work_dfd);
	case CMD_CPUINFO_DUMP:
		return cpuinfo_dump(images_dfd) ? 1 : 0;
	case CMD_CPUINFO_CHECK:
		return cpuinfo_check(images_dfd, o->cpu_cap) ? 1 : 0;
	case CMD_PAGE_SERVER:
		return cr_page_server(o, images_dfd, work_dfd) ? 1 : 0;
	case CMD_LAZY_PAGES:
		return cr_lazy_pages(o, images_dfd, work_dfd) ? 1 : 0;
	case CMD_CHECK:
	case CMD_SWRK:
	case CMD_SERVICE:
	case CMD_NONE:
		break;
	}
	pr_err("Command %s is not implemented\n", o->action);
	return 1;
}

/* --stream: the run works on a staging directory that the image streamer fills or empties */
int cr_run_command(const struct cr_options *o, int images_dfd, int work_dfd)
{
	struct cr_options run;
	int staged, ret;

	if (!o->stream)
		return run_command(o, images_dfd, work_dfd);
	if (o->command != CMD_DUMP && o->command != CMD_PRE_DUMP && o->command != CMD_RESTORE) {
		pr_err("--stream is for dump and restore\n");
		return 1;
	}
	if (stream_begin(o, images_dfd, &staged, &run))
		return 1;
	ret = run_command(&run, staged, work_dfd);
	stream_end(staged);
	return ret;
}
