/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tiny-host.c - a program built with an installed compel's includes and libs: it seizes a
 * child of its own, infects it with the tiny parasite, asks it once, cures and releases it,
 * and checks that the answer came from inside the child.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <compel/infect.h>

#include "tiny-args.h"
#include "tiny-blob.h"

int main(void)
{
	struct compel_infect_opts opts = { sizeof(struct tiny_args), -1, COMPEL_LOG_ERROR };
	struct compel_ctl *ctl = NULL;
	struct tiny_args *a;
	bool ok = false;
	int st, ret = -1;
	pid_t pid;

	pid = fork();
	if (pid == 0)
		for (;;)
			pause();
	usleep(100000);
	st = compel_seize_task(pid);
	if (st >= 0)
		ctl = compel_prepare(pid);
	if (ctl && !compel_infect(ctl, &tiny_blob_desc, &opts)) {
		a = compel_parasite_args(ctl);
		a->in = 20;
		ret = compel_rpc_call_sync(ctl, TINY_CMD);
		ok = ret == 0 && a->out == 41 && a->pid == pid;
		printf("command: %d, out %ld, pid %ld (the child is %d)\n", ret, a->out, a->pid,
		       pid);
	}
	if (ctl) {
		ok = !compel_cure(ctl) && ok;
		compel_free(ctl);
	}
	if (st >= 0)
		ok = !compel_release_task(pid, st, COMPEL_RELEASE_RUN) && ok;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("%s\n", ok ? "ok" : "failed");
	return ok ? 0 : 1;
}
