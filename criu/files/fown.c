/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/fown.c - the owner of an open file (who gets SIGIO/SIGURG, and which signal):
 * read by the parasite with F_GETOWN_EX and F_GETSIG after infection, stored in the
 * file's fown_entry, and set again with F_SETOWN_EX and F_SETSIG at restore.
 */
#include <fcntl.h>
#include <string.h>

#include "compel/infect.h"
#include "dump.h"
#include "files.h"
#include "log.h"
#include "ns.h"
#include "abi/parasite-proto.h"

_Static_assert(sizeof(struct parasite_fown_args) <= PARASITE_ARGS_SIZE,
	       "the fown batch must fit in the parasite's args area");

static void store_fown(struct dump_ctx *dc, const struct parasite_fown_args *a, size_t first)
{
	uint32_t i;

	for (i = 0; i < a->nr; i++) {
		FownEntry *f = dump_fd_fown(dc, first + i);

		if (!f)
			continue;
		f->uid = a->uid;
		f->euid = a->euid;
		f->signum = a->out[i].signum;
		f->pid_type = a->out[i].pid_type;
		/* the parasite sees pids in the tree's pid namespace, as the images name them */
		f->pid = a->out[i].pid;
		if (f->pid || f->signum)
			pr_debug("fd %d: owner %d (type %d), signal %d\n", a->fds[i], f->pid,
				 f->pid_type, f->signum);
	}
}

int dump_task_fown(struct dump_ctx *dc)
{
	struct parasite_fown_args *a = compel_parasite_args(dc->ctl);
	size_t done = 0;
	int ret;

	while (done < dc->fdt.nr) {
		size_t i, n = dc->fdt.nr - done;

		if (n > PARASITE_FOWN_BATCH)
			n = PARASITE_FOWN_BATCH;
		a->nr = n;
		for (i = 0; i < n; i++)
			a->fds[i] = dc->fdt.fds[done + i].fd;
		ret = compel_rpc_call_sync(dc->ctl, PARASITE_CMD_DUMP_FOWN);
		if (ret) {
			pr_err("The parasite failed to read the owners of task %d's files: %d\n",
			       dc->pid, ret);
			return ret;
		}
		store_fown(dc, a, done);
		done += n;
	}
	return 0;
}

int rst_set_fown(const struct rst_ctx *ctx, int fd, const FownEntry *fown)
{
	/* the owner as the task sees it: in the tree's pid namespace, if it has one */
	struct f_owner_ex owner = { .type = fown->pid_type,
				    .pid = rst_pid_here(ctx, rst_pid_from_img(ctx, fown->pid)) };

	if (fown->pid && fcntl(fd, F_SETOWN_EX, &owner)) {
		pr_perror("fd %d: can't give its file to owner %u (type %u); is that process "
			  "restored?",
			  fd, fown->pid, fown->pid_type);
		return -errno;
	}
	if (fown->signum && fcntl(fd, F_SETSIG, fown->signum)) {
		pr_perror("fd %d: can't set its owner signal to %u", fd, fown->signum);
		return -errno;
	}
	return 0;
}
