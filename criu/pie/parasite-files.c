/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pie/parasite-files.c - fd questions only the task can answer: the owner of each open file
 * (F_GETOWN_EX) and the signal it gets (F_GETSIG), for SIGIO delivery after restore.
 */
#include <stdint.h>

#include "compel/rt/log.h"
#include "compel/rt/syscall.h"
#include "parasite-files.h"

#define EBADF	    9
#define F_GETSIG    11
#define F_GETOWN_EX 16

struct f_owner_ex {
	int32_t type;
	int32_t pid;
};

int parasite_dump_fown(struct parasite_fown_args *args)
{
	struct f_owner_ex owner;
	uint32_t i;
	long ret;

	if (args->nr > PARASITE_FOWN_BATCH)
		return -22; /* EINVAL */
	args->uid = sys_getuid();
	args->euid = sys_geteuid();
	for (i = 0; i < args->nr; i++) {
		args->out[i] = (struct parasite_fown){ 0, 0, 0 };
		ret = sys_fcntl(args->fds[i], F_GETOWN_EX, (unsigned long)&owner);
		if (ret == -EBADF)
			continue; /* O_PATH fds: no owner to have */
		if (ret < 0) {
			rt_pr_err("F_GETOWN_EX on fd %d failed: %ld\n", args->fds[i], ret);
			return ret;
		}
		args->out[i].pid_type = owner.type;
		args->out[i].pid = owner.pid;
		ret = sys_fcntl(args->fds[i], F_GETSIG, 0);
		if (ret < 0) {
			rt_pr_err("F_GETSIG on fd %d failed: %ld\n", args->fds[i], ret);
			return ret;
		}
		args->out[i].signum = ret;
	}
	return 0;
}
