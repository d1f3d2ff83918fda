/* SPDX-License-Identifier: GPL-2.0 */
/*
 * plugin/dump-hooks.c - where the dump calls the plugins' device hooks, in CRIU's order:
 * PAUSE_DEVICES for each task once the tree is seized, CHECKPOINT_DEVICES for each task
 * before any task's memory is read, DUMP_DEVICES_LATE once every task is dumped, and
 * DUMP_FINISH when the dump is over, before the tree is let go.
 */
#include "compel/infect.h"
#include "dump.h"
#include "log.h"
#include "plugin.h"

/* -ENOTSUP (no plugin took the task) is no failure. */
static int each_live_task(struct dump_tree *dt, int hook)
{
	size_t i;
	int ret = 0;

	if (!cr_plugin_has_hook(hook))
		return 0;
	for (i = 0; !ret && i < dt->nr_tasks; i++) {
		const struct dump_ctx *dc = dt->tasks[i];

		if (dc->seize_state == COMPEL_TASK_ZOMBIE)
			continue;
		if (hook == CR_PLUGIN_HOOK__PAUSE_DEVICES)
			ret = run_plugins(PAUSE_DEVICES, dc->pid);
		else
			ret = run_plugins(CHECKPOINT_DEVICES, dc->pid);
		if (ret == -ENOTSUP)
			ret = 0;
	}
	return ret;
}

int plugins_dump_devices(struct dump_tree *dt)
{
	return each_live_task(dt, CR_PLUGIN_HOOK__PAUSE_DEVICES)
		       ?: each_live_task(dt, CR_PLUGIN_HOOK__CHECKPOINT_DEVICES);
}

int plugins_dump_devices_late(struct dump_tree *dt)
{
	int ret = run_plugins(DUMP_DEVICES_LATE, dt->tasks[0]->pid);

	return ret == -ENOTSUP ? 0 : ret;
}

int plugins_dump_finish(int failed)
{
	int ret = run_plugins(DUMP_FINISH, failed);

	return ret == -ENOTSUP ? 0 : ret;
}
