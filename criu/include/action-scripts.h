/* SPDX-License-Identifier: GPL-2.0 */
/*
 * action-scripts.h - --action-script: user scripts run at named stages of dump and restore
 * with CRTOOLS_SCRIPT_ACTION set to the stage, as CRIU does (Documentation/criu.8.txt lists
 * them in their order).
 */
#ifndef CRIU_ACTION_SCRIPTS_H
#define CRIU_ACTION_SCRIPTS_H

#include <sys/types.h>

#include "opts.h"

/* Run every script for this stage; pid > 0 is passed as CRTOOLS_INIT_PID. 0 or -errno
 * (-ECANCELED: a script failed), logged. */
int run_action_scripts(const struct cr_options *o, const char *stage, pid_t pid);

/*
 * As CRIU once a page server or lazy-pages daemon listens: the "status-ready" stage, then a
 * zero byte on --status-fd, which is closed. 0 or the stage's -errno.
 */
int action_status_ready(const struct cr_options *o);

#endif /* CRIU_ACTION_SCRIPTS_H */
