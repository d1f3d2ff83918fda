/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pie/parasite.c - runs inside the dumped task (no libc): answers what only the task can tell
 * (signal actions, sigaltstack, umask, tid address) and pushes its pages into criu's pipes
 * with vmsplice, so memory leaves the task without a copy through user space.
 */
#include <stddef.h>
#include <stdint.h>

#include "compel/rt/log.h"
#include "compel/rt/parasite.h"
#include "compel/rt/string.h"
#include "compel/rt/syscall.h"
#include "parasite-proto.h"
#include "parasite-sum.h"

#define PR_GET_TID_ADDRESS 40
#define SIGKILL		   9
#define SIGSTOP		   19
#define PROT_READ	   0x1
#define SPLICE_F_NONBLOCK  0x2

struct kernel_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct kernel_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

static int pipes[PARASITE_NR_PIPES] = { -1, -1, -1, -1, -1, -1, -1, -1 };

static int dump_sigactions(struct parasite_task_state *st)
{
	struct kernel_sigaction ksa;
	int sig;
	long ret;

	for (sig = 1; sig <= PARASITE_NSIG; sig++) {
		struct parasite_sigaction *out = &st->sigacts[sig - 1];

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		ret = sys_rt_sigaction(sig, NULL, &ksa, sizeof(ksa.mask));
		if (ret < 0) {
			rt_pr_err("rt_sigaction(%d) failed: %ld\n", sig, ret);
			return (int)ret;
		}
		out->handler = ksa.handler;
		out->flags = ksa.flags;
		out->restorer = ksa.restorer;
		out->mask = ksa.mask;
	}
	return 0;
}

static int dump_task_state(struct parasite_task_state *st)
{
	struct kernel_stack ss;
	uint64_t tid_addr = 0;
	long ret, mask;

	std_memset(st, 0, sizeof(*st));
	ret = dump_sigactions(st);
	if (ret)
		return ret;

	ret = sys_sigaltstack(NULL, &ss);
	if (ret < 0) {
		rt_pr_err("sigaltstack failed: %ld\n", ret);
		return ret;
	}
	st->sas_sp = ss.ss_sp;
	st->sas_size = ss.ss_size;
	st->sas_flags = ss.ss_flags;

	/* umask can only be read by setting it; put the old value straight back. */
	mask = sys_umask(0);
	sys_umask(mask);
	st->umask = mask;

	ret = sys_prctl(PR_GET_TID_ADDRESS, (unsigned long)&tid_addr, 0, 0, 0);
	if (ret < 0) {
		rt_pr_err("PR_GET_TID_ADDRESS failed: %ld\n", ret);
		return ret;
	}
	st->clear_tid_addr = tid_addr;

	ret = sys_get_robust_list(0, &st->robust_list, &st->robust_list_len);
	if (ret < 0)
		st->robust_list = st->robust_list_len = 0;

	st->personality = sys_personality(0xffffffff);
	st->brk = sys_brk(0);
	return 0;
}

static int init_pipes(void)
{
	return parasite_recv_fds(pipes, PARASITE_NR_PIPES);
}

static int fini_pipes(void)
{
	int i;

	for (i = 0; i < PARASITE_NR_PIPES; i++) {
		if (pipes[i] >= 0)
			sys_close(pipes[i]);
		pipes[i] = -1;
	}
	return 0;
}

static int set_unprot(const struct parasite_dump_pages *dp, int open_up)
{
	uint32_t i;
	long ret;

	for (i = 0; i < dp->nr_unprot; i++) {
		const struct parasite_unprot *u = &dp->unprot[i];
		uint32_t prot = open_up ? (u->prot | PROT_READ) : u->prot;

		ret = sys_mprotect(u->start, u->len, prot);
		if (ret < 0) {
			rt_pr_err("mprotect(%lx, %lx, %x) failed: %ld\n", (unsigned long)u->start,
				  (unsigned long)u->len, prot, ret);
			return ret;
		}
	}
	return 0;
}

/* Push consecutive iovs that share a pipe with one vmsplice call each. */
static int splice_iovs(const struct parasite_dump_pages *dp)
{
	uint32_t i = 0, j;
	long ret;

	while (i < dp->nr_iovs) {
		uint64_t want = 0;
		int p = dp->pipe_of[i];

		if (p >= PARASITE_NR_PIPES || pipes[p] < 0)
			return -22; /* EINVAL */
		for (j = i; j < dp->nr_iovs && dp->pipe_of[j] == p && j - i < 512; j++)
			want += dp->iovs[j].len;
		/* criu sized the batch to fit: never block, criu may be stopped or gone */
		ret = sys_vmsplice(pipes[p], &dp->iovs[i], j - i, SPLICE_F_NONBLOCK);
		if (ret < 0) {
			rt_pr_err("vmsplice into pipe %d failed: %ld\n", p, ret);
			return ret;
		}
		if ((uint64_t)ret != want) {
			rt_pr_err("vmsplice moved %ld of %lu bytes\n", ret, (unsigned long)want);
			return -5; /* EIO: criu sized the batch to fit, so this is a bug */
		}
		i = j;
	}
	return 0;
}

/*
 * The pages are summed here, where they are mapped already: criu would have to map or copy
 * back every byte it wrote to sum it, which cost a third of a dump's CPU time. The task is
 * stopped: what is summed is what vmsplice hands over.
 */
static void sum_iovs(struct parasite_dump_pages *dp)
{
	uint32_t i;

	for (i = 0; i < dp->nr_iovs; i++) {
		const void *p = (const void *)(unsigned long)dp->iovs[i].base;

		if (dp->sum_mode == PARASITE_SUM_AVX2)
			dp->iov_sums[i] = parasite_sum_avx2(dp->sum_seed, p, dp->iovs[i].len);
		else
			dp->iov_sums[i] = parasite_sum_sse2(dp->sum_seed, p, dp->iovs[i].len);
	}
}

static int dump_pages(struct parasite_dump_pages *dp)
{
	int ret, ret2;

	if (dp->nr_iovs > PARASITE_MAX_IOVS || dp->nr_unprot > PARASITE_MAX_UNPROT)
		return -22;
	ret = set_unprot(dp, 1);
	if (!ret && dp->sum_mode != PARASITE_SUM_NONE)
		sum_iovs(dp);
	if (!ret)
		ret = splice_iovs(dp);
	ret2 = set_unprot(dp, 0);
	return ret ? ret : ret2;
}

int parasite_daemon_cmd(unsigned int cmd, void *args)
{
	switch (cmd) {
	case PARASITE_CMD_DUMP_TASK_STATE:
		return dump_task_state(args);
	case PARASITE_CMD_PIPES_INIT:
		return init_pipes();
	case PARASITE_CMD_DUMP_PAGES:
		return dump_pages(args);
	case PARASITE_CMD_PIPES_FINI:
		return fini_pipes();
	case PARASITE_CMD_DUMP_TASK_EXTRA:
		return parasite_dump_task_extra(args);
	case PARASITE_CMD_DUMP_FOWN:
		return parasite_dump_fown(args);
	case PARASITE_CMD_VMA_POLICIES:
		return parasite_vma_policies(args);
	}
	rt_pr_err("unknown command %u\n", cmd);
	return -22;
}

/* Every command undoes its own changes before it answers; only the pipes outlive one. */
void parasite_daemon_cleanup(void *args)
{
	fini_pipes();
}
