/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test-parasite.c - the tiny parasite compel's tests load into a victim: each command
 * exercises one part of the runtime (args area, relocations, fd passing, log, errors).
 */
#include <stdint.h>
#include <linux/errno.h>

#include "compel/rt/log.h"
#include "compel/rt/parasite.h"
#include "compel/rt/string.h"
#include "compel/rt/syscall.h"
#include "test-blob.h"

/* Exported: compel-hgen must list it as test_parasite_sym_test_magic. */
COMPEL_EXPORT const unsigned int __export_test_magic = 0x5a5a1234;

/* Pointers in data: only correct if compel applied the R_X86_64_RELATIVE relocations. */
static const char *const words[] = { "compel", "parasite", "relocs", "!" };

static int send_pipe(struct test_args *a)
{
	int p[2];
	long ret, len = std_strlen(a->msg);

	ret = sys_pipe2(p, 0);
	if (ret)
		return (int)ret;
	ret = sys_write(p[1], a->msg, len);
	if (ret == len)
		ret = parasite_send_fds(&p[0], 1);
	else if (ret >= 0)
		ret = -EIO;
	sys_close(p[0]);
	sys_close(p[1]);
	return (int)ret;
}

static int recv_fd(void)
{
	int fd;
	long ret;

	ret = parasite_recv_fds(&fd, 1);
	if (ret)
		return (int)ret;
	ret = sys_write(fd, "pong", 4);
	sys_close(fd);
	return ret == 4 ? 0 : -EIO;
}

int parasite_daemon_cmd(unsigned int cmd, void *args)
{
	struct test_args *a = args;
	unsigned int i;

	switch (cmd) {
	case TCMD_ECHO:
		a->out = a->in * 3 + 1;
		a->pid = sys_getpid();
		return 0;
	case TCMD_RELOC:
		a->out = 0;
		for (i = 0; i < RT_ARRAY_SIZE(words); i++)
			a->out += std_strlen(words[i]);
		return 0;
	case TCMD_SEND_PIPE:
		return send_pipe(a);
	case TCMD_RECV_FD:
		return recv_fd();
	case TCMD_LOG:
		rt_pr_err("test line %lu %s\n", (unsigned long)a->in, "ok");
		return 0;
	case TCMD_FAIL:
		return -EPERM;
	case TCMD_CRASH:
		*(volatile int *)(uintptr_t)a->out = 1;
		return 0;
	}
	return -EINVAL;
}

void parasite_daemon_cleanup(void *args)
{
}
