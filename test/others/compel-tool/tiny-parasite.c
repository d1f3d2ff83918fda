/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tiny-parasite.c - a parasite built only with what an installed compel prints (cflags,
 * ldflags, plugins, hgen): command 64 answers in*2+1 and the pid it runs in.
 */
#include <compel/rt/parasite.h>
#include <compel/rt/syscall.h>

#include "tiny-args.h"

int parasite_daemon_cmd(unsigned int cmd, void *args)
{
	struct tiny_args *a = args;

	if (cmd != TINY_CMD)
		return -22; /* EINVAL */
	a->out = a->in * 2 + 1;
	a->pid = sys_getpid();
	return 0;
}

void parasite_daemon_cleanup(void *args)
{
}
