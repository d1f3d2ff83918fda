/* SPDX-License-Identifier: GPL-2.0 */
/*
 * main.c - criu's entry: parse the options, open the directories and the log, run the command.
 * Exit status, as CRIU's: 0 on success (restore without -d: once the restored root is gone,
 * whatever its own status), 1 on failure or a bad command line (with the short usage on
 * stdout), 255 for the commands CRIU dropped (exec, show).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "opts.h"
#include "rpc.h"
#include "run.h"

/* Create the images directory for a dump if it does not exist yet (CRIU does the same). */
static int open_images_dir(const struct cr_options *o, bool create)
{
	int fd;

	if (create && mkdir(o->images_dir, 0700) && errno != EEXIST) {
		pr_perror("Can't create images directory %s", o->images_dir);
		return -1;
	}
	fd = open(o->images_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		pr_perror("Can't open images directory %s", o->images_dir);
	return fd;
}

static int open_work_dir(const struct cr_options *o, int images_dfd)
{
	int fd;

	if (!strcmp(o->work_dir, o->images_dir))
		return fcntl(images_dfd, F_DUPFD_CLOEXEC, 0);
	fd = open(o->work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		pr_perror("Can't open work directory %s", o->work_dir);
	return fd;
}

static int exit_status(enum parse_result r)
{
	switch (r) {
	case PARSE_OK:
	case PARSE_EXIT_OK:
		return 0;
	case PARSE_USAGE:
		print_usage(true);
		return 1;
	case PARSE_REMOVED:
		return 255;
	case PARSE_ERROR:
		break;
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct cr_options opts;
	int images_dfd = -1, work_dfd = -1, ret;
	enum parse_result pr;

	pr = parse_options(argc, argv, &opts);
	if (pr != PARSE_OK)
		return exit_status(pr);

	if (opts.command == CMD_CHECK) {
		log_init(AT_FDCWD, NULL, opts.log_level);
		return cr_check(&opts) ? 1 : 0;
	}
	/* the RPC server opens what each request names, and logs where it asks */
	if (opts.command == CMD_SWRK || opts.command == CMD_SERVICE) {
		log_init(AT_FDCWD, opts.log_file, opts.log_level);
		if (opts.command == CMD_SWRK)
			return rpc_swrk(&opts) ? 1 : 0;
		return rpc_service(&opts) ? 1 : 0;
	}

	images_dfd = open_images_dir(
		&opts, opts.command == CMD_DUMP || opts.command == CMD_PRE_DUMP ||
			       opts.command == CMD_PAGE_SERVER || opts.command == CMD_CPUINFO_DUMP);
	if (images_dfd < 0)
		return 1;
	work_dfd = open_work_dir(&opts, images_dfd);
	if (work_dfd < 0)
		goto out_close_images;
	if (log_init(work_dfd, opts.log_file, opts.log_level))
		goto out_close_work;
	pr_info("criu %s: %s\n", CRIU_VERSION, opts.action);

	ret = cr_run_command(&opts, images_dfd, work_dfd);
	/* the step that failed has logged the error; this line only closes the log */
	if (ret)
		pr_info("%s failed\n", opts.action);
	log_fini();
	close(work_dfd);
	close(images_dfd);
	return ret;

out_close_work:
	close(work_dfd);
out_close_images:
	close(images_dfd);
	return 1;
}
