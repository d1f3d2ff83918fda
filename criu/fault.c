/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fault.c - named fault-injection points for tests: CRIU_FAULT=name[,name...] in the
 * environment makes those steps fail, so tests can prove a failed dump leaves the task as it
 * was. The names: seize, parasite, page-transfer, image-write, after-image:KIND (once an
 * image of that kind, e.g. core, pages, inventory, checksums, is written and closed),
 * before-kill (the set is committed, the tasks not yet killed), restore-fork,
 * restore-premap, restorer, and restore-root-gone (the root task dies before criu tells it
 * to start).
 */
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "log.h"

int fault_injected(const char *name)
{
	const char *list = getenv("CRIU_FAULT"), *p;
	size_t len = strlen(name);

	for (p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		if (!strncmp(p, name, len) && (p[len] == ',' || !p[len])) {
			pr_err("Fault injected at '%s' (CRIU_FAULT)\n", name);
			return 1;
		}
	}
	return 0;
}
