/* SPDX-License-Identifier: GPL-2.0 */
/*
 * action-scripts.c - run --action-script programs. Each runs through /bin/sh with its
 * stdin on /dev/null and criu's stdout/stderr; a non-zero exit fails the stage.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "action-scripts.h"
#include "log.h"

static void __attribute__((noreturn))
exec_script(const struct cr_options *o, const char *script, const char *stage, pid_t pid)
{
	char dir[PATH_MAX], num[16];
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	setenv("CRTOOLS_SCRIPT_ACTION", stage, 1);
	if (realpath(o->images_dir, dir))
		setenv("CRTOOLS_IMAGE_DIR", dir, 1);
	if (pid > 0) {
		snprintf(num, sizeof(num), "%d", pid);
		setenv("CRTOOLS_INIT_PID", num, 1);
	}
	execl("/bin/sh", "sh", "-c", script, (char *)NULL);
	_exit(127);
}

static int run_one(const struct cr_options *o, const char *script, const char *stage, pid_t pid)
{
	pid_t child;
	int status;

	pr_info("Running action script %s for %s\n", script, stage);
	child = fork();
	if (child < 0) {
		int ret = -errno;

		pr_perror("Can't fork for action script %s", script);
		return ret;
	}
	if (child == 0)
		exec_script(o, script, stage, pid);
	if (waitpid(child, &status, 0) != child) {
		int ret = -errno;

		pr_perror("Can't wait for action script %s", script);
		return ret;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	pr_err("Action script %s failed at %s (status %#x)\n", script, stage, status);
	return -ECANCELED;
}

int run_action_scripts(const struct cr_options *o, const char *stage, pid_t pid)
{
	int i, ret;

	for (i = 0; i < o->nr_action_scripts; i++) {
		ret = run_one(o, o->action_scripts[i], stage, pid);
		if (ret)
			return ret;
	}
	return o->stage_notify ? o->stage_notify(stage, pid, o->stage_notify_arg) : 0;
}

int action_status_ready(const struct cr_options *o)
{
	int ret = run_action_scripts(o, "status-ready", 0);

	if (ret || o->status_fd < 0)
		return ret;
	if (write(o->status_fd, "", 1) != 1)
		pr_perror("Can't write to --status-fd %d", o->status_fd);
	close(o->status_fd);
	return 0;
}
