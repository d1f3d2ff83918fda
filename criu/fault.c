/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fault.c - named fault-injection points for tests: CRIU_FAULT=name[,name...] in the
 * environment makes those steps fail, so tests can prove a failed dump leaves the task as it
 * was. The names: seize, parasite, page-transfer, image-write, after-image:KIND (once an
 * image of that kind, e.g. core, pages, inventory, checksums, is written and closed),
 * before-kill (the set is committed, the tasks not yet killed), restore-fork,
 * restore-premap, restorer, restore-root-gone (the root task dies before criu tells it
 * to start), thread-pid-taken (in a user namespace, each thread's first clone finds its
 * pid at criu's level taken, as if another process forked: task/threads-lastpid.c) and
 * thread-pid-held (the same, the pid held by a process of criu's for 200 ms meanwhile).
 * die-NAME and stop-NAME make criu kill or stop itself at the instant NAME (fault_point()):
 * compel's points (compel/infect.h: infect-frames, infect-mmap-entry, infect-mmap,
 * parasite-start, parasite-running, syscall, cure-fini, cure-unmap, put-back), seized,
 * pages, restore-seized, restore-stopped, restore-detach.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "log.h"

static int fault_named(const char *name)
{
	const char *list = getenv("CRIU_FAULT"), *p;
	size_t len = strlen(name);

	for (p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len]))
			return 1;
	return 0;
}

int fault_injected(const char *name)
{
	if (!fault_named(name))
		return 0;
	pr_err("Fault injected at '%s' (CRIU_FAULT)\n", name);
	return 1;
}

void fault_point(const char *name)
{
	char die[64], stop[64];

	snprintf(die, sizeof(die), "die-%s", name);
	snprintf(stop, sizeof(stop), "stop-%s", name);
	if (getenv("CRIU_FAULT") && fault_named(die)) {
		pr_info("criu dies at '%s' (CRIU_FAULT)\n", name);
		kill(getpid(), SIGKILL);
	}
	if (getenv("CRIU_FAULT") && fault_named(stop)) {
		pr_info("criu stops at '%s' (CRIU_FAULT)\n", name);
		kill(getpid(), SIGSTOP);
	}
}
