/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run.h - run a parsed dump or restore on its open images and work directories, with the
 * action scripts, the status fd and the stats: criu's command line (main.c) and each RPC
 * request (rpc/) go through the same path.
 */
#ifndef CRIU_RUN_H
#define CRIU_RUN_H

#include "opts.h"

/* The exit status criu's command line gives: 0 on success, 1 on failure (logged). */
int cr_run_command(const struct cr_options *o, int images_dfd, int work_dfd);

#endif /* CRIU_RUN_H */
