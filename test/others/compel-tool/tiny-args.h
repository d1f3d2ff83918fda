/* SPDX-License-Identifier: GPL-2.0 */
/* tiny-args.h - the args area the tiny parasite and its host share. */
#ifndef TINY_ARGS_H
#define TINY_ARGS_H

#define TINY_CMD 64 /* the daemon's own commands are below */

struct tiny_args {
	long in, out, pid;
};

#endif
