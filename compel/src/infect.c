/* SPDX-License-Identifier: GPL-2.0 */
/*
 * infect.c - the start of an infection: save the task's state (prepare), load and start a
 * parasite blob in a shared area (infect). cure.c puts everything back from whatever stage
 * was reached; guard.c makes sure the task gets back by itself if criu dies meanwhile.
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

static pid_t read_tgid(pid_t pid)
{
	char path[64], line[256];
	pid_t tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

static int save_regs(struct compel_ctl *ctl)
{
	int ret;

	ret = arch_get_regs(ctl->pid, &ctl->orig_regs);
	if (ret)
		return ret;
	ret = arch_save_fpu(ctl);
	if (ret)
		return ret;
	if (ptrace(PTRACE_GETSIGMASK, ctl->pid, (void *)sizeof(ctl->sigmask), &ctl->sigmask)) {
		pr_perror("Can't read the signal mask of task %d", ctl->pid);
		return -errno;
	}
	return 0;
}

static int save_state(struct compel_ctl *ctl)
{
	int ret;

	ret = save_regs(ctl);
	if (ret)
		return ret;
	ret = arch_find_syscall_insn(ctl);
	ret = ret ?: compel_guard_prepare(ctl);
	if (!ret && !ctl->syscall_ip)
		ret = arch_syscall_insn_without_vdso(ctl);
	return ret;
}

struct compel_ctl *compel_prepare(pid_t pid)
{
	struct compel_ctl *ctl = calloc(1, sizeof(*ctl));

	if (!ctl) {
		pr_err("Can't allocate the infection context for task %d\n", pid);
		return NULL;
	}
	ctl->pid = pid;
	ctl->timeout_ms = COMPEL_DEFAULT_TIMEOUT_MS;
	ctl->listen_fd = ctl->sock = -1;
	ctl->tgid = read_tgid(pid);
	if (ctl->tgid <= 0) {
		pr_err("Can't read the thread group of task %d\n", pid);
		goto out_free;
	}
	if (save_state(ctl))
		goto out_free;
	return ctl;
out_free:
	compel_free(ctl);
	return NULL;
}

/* Shadow stacks are enabled per thread: that check is the thread's own. */
struct compel_ctl *compel_prepare_thread(pid_t tid, const struct compel_ctl *sibling)
{
	struct compel_ctl *ctl = calloc(1, sizeof(*ctl));

	if (!ctl) {
		pr_err("Can't allocate the infection context for task %d\n", tid);
		return NULL;
	}
	ctl->pid = tid;
	ctl->tgid = sibling->tgid;
	ctl->timeout_ms = sibling->timeout_ms;
	ctl->listen_fd = ctl->sock = -1;
	ctl->syscall_ip = sibling->syscall_ip;
	ctl->vdso_start = sibling->vdso_start;
	ctl->vdso_size = sibling->vdso_size;
	ctl->patch_addr = sibling->patch_addr;
	ctl->patch_orig = sibling->patch_orig;
	ctl->patch_word = sibling->patch_word;
	ctl->guard.unmap_insn = sibling->guard.unmap_insn;
	ctl->guard.sigreturn_insn = sibling->guard.sigreturn_insn;
	if (save_regs(ctl) || compel_guard_check_thread(ctl))
		goto out_free;
	return ctl;
out_free:
	compel_free(ctl);
	return NULL;
}

void compel_free(struct compel_ctl *ctl)
{
	if (!ctl)
		return;
	compel_ctl_close(ctl);
	compel_shmem_local_unmap(ctl);
	free(ctl->xsave);
	free(ctl);
}

pid_t compel_pid(const struct compel_ctl *ctl)
{
	return ctl->pid;
}

const struct user_regs_struct *compel_orig_regs(const struct compel_ctl *ctl)
{
	return &ctl->orig_regs;
}

const void *compel_orig_xsave(const struct compel_ctl *ctl, size_t *size)
{
	if (size)
		*size = ctl->xsave_size;
	return ctl->xsave;
}

uint64_t compel_orig_sigmask(const struct compel_ctl *ctl)
{
	return ctl->sigmask;
}

void compel_set_timeout(struct compel_ctl *ctl, int ms)
{
	ctl->timeout_ms = ms > 0 ? ms : COMPEL_DEFAULT_TIMEOUT_MS;
}

void *compel_parasite_args(struct compel_ctl *ctl)
{
	if (!ctl->local)
		return NULL;
	return (char *)ctl_hdr(ctl) + ctl_hdr(ctl)->args_off;
}

unsigned long compel_parasite_args_remote(const struct compel_ctl *ctl)
{
	if (!ctl->remote_base)
		return 0;
	return ctl->remote_base + ctl->hdr_off + ctl_hdr(ctl)->args_off;
}

int compel_parasite_fds(const struct compel_ctl *ctl, int *sock, int *log_fd)
{
	if (!ctl->local || !ctl->connected)
		return -ENOTCONN;
	*sock = ctl_hdr(ctl)->parasite_sock;
	*log_fd = ctl_hdr(ctl)->parasite_log_fd;
	return 0;
}

/* The entry stub reads these fields by offset (parasite-head.S). */
_Static_assert(offsetof(struct compel_ctl_hdr, unmap_insn) == COMPEL_HDR_UNMAP_INSN, "hdr");
_Static_assert(offsetof(struct compel_ctl_hdr, unmap_start) == COMPEL_HDR_UNMAP_START, "hdr");
_Static_assert(offsetof(struct compel_ctl_hdr, unmap_len) == COMPEL_HDR_UNMAP_LEN, "hdr");
_Static_assert(offsetof(struct compel_ctl_hdr, cure_sp) == COMPEL_HDR_CURE_SP, "hdr");

/* What the parasite needs to leave by itself: the guard's frames and instructions. */
static void fill_cure_fields(struct compel_ctl *ctl, struct compel_ctl_hdr *hdr)
{
	hdr->unmap_insn = ctl->guard.unmap_insn;
	hdr->unmap_start = ctl->guard.unmap_start;
	hdr->unmap_len = ctl->guard.unmap_len;
	hdr->cure_sp = ctl->guard.frame_sp;
	hdr->timeout_ms = ctl->timeout_ms;
	hdr->state = COMPEL_PARASITE_RUNNING;
}

/*
 * The registers first, then every signal blocked (no signal is taken while the parasite
 * runs: a signal that came meanwhile waits for the task): a death of criu in between
 * starts a parasite that finds no criu and leaves.
 */
static int start_parasite(struct compel_ctl *ctl, const struct compel_blob_desc *blob)
{
	struct user_regs_struct regs = ctl->orig_regs;
	int ret;

	arch_prep_parasite(&regs, ctl->remote_base + blob->entry,
			   ctl->remote_base + ctl->stack_off + COMPEL_STACK_SIZE,
			   ctl->remote_base + ctl->hdr_off);
	ctl->regs_dirty = true;
	ret = arch_set_regs(ctl->pid, &regs);
	ret = ret ?: compel_block_signals(ctl);
	if (ret)
		return ret;
	ctl->fpu_dirty = true;
	compel_point("parasite-start");
	if (ptrace(PTRACE_CONT, ctl->pid, NULL, NULL)) {
		pr_perror("Can't start the parasite in task %d", ctl->pid);
		return -errno;
	}
	ctl->parasite_started = ctl->parasite_running = true;
	return 0;
}

static void plan_area(struct compel_ctl *ctl, const struct compel_blob_desc *blob,
		      const struct compel_infect_opts *opts, size_t hdr_size)
{
	ctl->hdr_off = COMPEL_ROUND_UP(compel_blob_mem_size(blob), COMPEL_PAGE_SIZE);
	ctl->stack_off =
		ctl->hdr_off + COMPEL_ROUND_UP(hdr_size + opts->args_size, COMPEL_PAGE_SIZE);
	ctl->tail_off = 0;
	if (!ctl->guard.unmap_insn || !ctl->guard.sigreturn_insn)
		ctl->tail_off = ctl->stack_off + COMPEL_STACK_SIZE;
}

int compel_infect(struct compel_ctl *ctl, const struct compel_blob_desc *blob,
		  const struct compel_infect_opts *opts)
{
	size_t hdr_size = COMPEL_ROUND_UP(sizeof(struct compel_ctl_hdr), 64ul);
	struct compel_ctl_hdr *hdr;
	int ret;

	if (ctl->local || ctl->parasite_running || ctl->parasite_stopped) {
		pr_err("Task %d is infected already; cure it first\n", ctl->pid);
		return -EBUSY;
	}
	plan_area(ctl, blob, opts, hdr_size);
	ret = compel_shmem_create(ctl, ctl->stack_off + COMPEL_STACK_SIZE +
					       (ctl->tail_off ? COMPEL_PAGE_SIZE : 0));
	if (ret)
		return ret;
	/* First of all: cure reads the parasite's fds from here. */
	hdr = ctl_hdr(ctl);
	hdr->parasite_sock = hdr->parasite_log_fd = -1;
	hdr->magic = COMPEL_CTL_MAGIC;
	hdr->log_level = opts->log_level;
	hdr->args_off = hdr_size;
	hdr->args_size = opts->args_size;
	fill_cure_fields(ctl, hdr);
	ret = compel_blob_load(ctl, blob);
	if (ret)
		return ret;
	ret = compel_ctl_listen(ctl, hdr);
	if (ret)
		return ret;
	ret = start_parasite(ctl, blob);
	if (ret)
		return ret;
	/* each step logs its own failure: the parasite's start is said once */
	ret = compel_ctl_accept(ctl, opts->log_fd);
	if (ret)
		return ret;
	pr_debug("task %d: parasite running at %#lx (%zu bytes shared)\n", ctl->pid,
		 ctl->remote_base, ctl->map_size);
	compel_point("parasite-running");
	return 0;
}
