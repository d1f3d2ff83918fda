/* SPDX-License-Identifier: GPL-2.0 */
/*
 * infect.c - the life of an infection: save the task's state (prepare), load and start a
 * parasite blob in a shared area (infect), and put everything back (cure) from whatever
 * stage was reached.
 */
#include <errno.h>
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

static int save_state(struct compel_ctl *ctl)
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
	return arch_find_syscall_insn(ctl);
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
	ctl->remote_memfd = ctl->listen_fd = ctl->sock = -1;
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

static struct compel_ctl_hdr *ctl_hdr(const struct compel_ctl *ctl)
{
	return (struct compel_ctl_hdr *)((char *)ctl->local + ctl->hdr_off);
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

static int start_parasite(struct compel_ctl *ctl, const struct compel_blob_desc *blob)
{
	struct user_regs_struct regs = ctl->orig_regs;
	/* Only SIGTRAP gets through: a blocked forced SIGTRAP would reset its handler. */
	uint64_t mask = ~(1ull << (SIGTRAP - 1));
	int ret;

	arch_prep_parasite(&regs, ctl->remote_base + blob->entry,
			   ctl->remote_base + ctl->stack_off + COMPEL_STACK_SIZE,
			   ctl->remote_base + ctl->hdr_off);
	ctl->regs_dirty = true;
	ret = arch_set_regs(ctl->pid, &regs);
	if (ret)
		return ret;
	if (ptrace(PTRACE_SETSIGMASK, ctl->pid, (void *)sizeof(mask), &mask)) {
		pr_perror("Can't block signals in task %d", ctl->pid);
		return -errno;
	}
	ctl->fpu_dirty = true;
	if (ptrace(PTRACE_CONT, ctl->pid, NULL, NULL)) {
		pr_perror("Can't start the parasite in task %d", ctl->pid);
		return -errno;
	}
	ctl->parasite_running = true;
	return 0;
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
	ctl->hdr_off = COMPEL_ROUND_UP(compel_blob_mem_size(blob), COMPEL_PAGE_SIZE);
	ctl->stack_off =
		ctl->hdr_off + COMPEL_ROUND_UP(hdr_size + opts->args_size, COMPEL_PAGE_SIZE);
	ret = compel_shmem_create(ctl, ctl->stack_off + COMPEL_STACK_SIZE);
	if (ret)
		return ret;
	/* First of all: cure reads the parasite's fds from here. */
	hdr = ctl_hdr(ctl);
	hdr->parasite_sock = hdr->parasite_log_fd = -1;
	hdr->magic = COMPEL_CTL_MAGIC;
	hdr->log_level = opts->log_level;
	hdr->args_off = hdr_size;
	hdr->args_size = opts->args_size;
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
	return 0;
}

/* Bring the parasite to a stop: FINI and its int3 if it listens, PTRACE_INTERRUPT if not. */
static int stop_parasite(struct compel_ctl *ctl)
{
	struct timespec ms = { 0, 1000000 };
	int ret = 0, i, status;

	if (ctl->connected) {
		ret = compel_ctl_fini(ctl);
		if (ret)
			pr_warn("Parasite in task %d did not finish cleanly (%d); stopping it\n",
				ctl->pid, ret);
	}
	for (i = 0; i < ctl->timeout_ms && ctl->parasite_running; i++) {
		if (compel_check_parasite(ctl) < 0)
			return -ESRCH;
		if (ctl->parasite_running)
			nanosleep(&ms, NULL);
	}
	if (!ctl->parasite_running)
		return 0;
	pr_warn("Parasite in task %d did not return; interrupting it\n", ctl->pid);
	if (ptrace(PTRACE_INTERRUPT, ctl->pid, NULL, NULL)) {
		pr_perror("Can't interrupt the parasite in task %d", ctl->pid);
		return -errno;
	}
	for (;;) {
		ret = compel_wait(ctl, &status, 0);
		if (ret < 0)
			return ret;
		if ((status >> 16) == PTRACE_EVENT_STOP)
			break;
		/* A signal stop before the interrupt one: a parasite fault ends here too. */
		if (WSTOPSIG(status) != SIGSTOP)
			break;
		compel_note_signal(ctl);
		ptrace(PTRACE_CONT, ctl->pid, NULL, NULL);
	}
	ctl->parasite_running = false;
	ctl->parasite_stopped = true;
	return 0;
}

static int remote_close_fd(struct compel_ctl *ctl, int fd)
{
	long res;
	int ret;

	if (fd < 0)
		return 0;
	ret = compel_syscall(ctl, SYS_close, &res, fd, 0, 0, 0, 0, 0);
	return ret ? ret : (int)res;
}

/* Remove everything infect put into the task: leftover fds, the memfd, the mapping. */
static int remove_area(struct compel_ctl *ctl)
{
	int ret = 0, err;
	long res;

	if (ctl->local) {
		/* Left open only if the parasite died before its own cleanup. */
		err = remote_close_fd(ctl, ctl_hdr(ctl)->parasite_sock);
		err = err ? err : remote_close_fd(ctl, ctl_hdr(ctl)->parasite_log_fd);
		if (err)
			ret = err;
		ctl_hdr(ctl)->parasite_sock = ctl_hdr(ctl)->parasite_log_fd = -1;
	}
	if (ctl->remote_memfd >= 0) {
		err = remote_close_fd(ctl, ctl->remote_memfd);
		if (err)
			ret = err;
		ctl->remote_memfd = -1;
	}
	if (ctl->remote_base) {
		err = compel_syscall(ctl, SYS_munmap, &res, ctl->remote_base, ctl->map_size, 0, 0,
				     0, 0);
		if (err || res) {
			pr_err("Can't unmap the parasite area at %#lx from task %d (%ld)\n",
			       ctl->remote_base, ctl->pid, err ? (long)err : res);
			ret = err ? err : (int)res;
		}
		ctl->remote_base = 0;
	}
	compel_shmem_local_unmap(ctl);
	return ret;
}

static int restore_state(struct compel_ctl *ctl)
{
	struct user_regs_struct regs = ctl->orig_regs;
	int ret = 0;

	if (ctl->regs_dirty) {
		/* We may resume from a syscall stop, where the kernel would not restart. */
		arch_fixup_restart(&regs);
		ret = arch_set_regs(ctl->pid, &regs);
	}
	if (!ret && ctl->fpu_dirty)
		ret = arch_restore_fpu(ctl);
	if (!ret &&
	    ptrace(PTRACE_SETSIGMASK, ctl->pid, (void *)sizeof(ctl->sigmask), &ctl->sigmask)) {
		pr_perror("Can't restore the signal mask of task %d", ctl->pid);
		ret = -errno;
	}
	if (!ret)
		ctl->regs_dirty = ctl->fpu_dirty = false;
	return ret;
}

int compel_cure(struct compel_ctl *ctl)
{
	int ret = 0, err;

	if (ctl->parasite_running)
		ret = stop_parasite(ctl);
	compel_ctl_close(ctl);
	if (ctl->task_dead) {
		pr_err("Task %d is gone; nothing to cure\n", ctl->pid);
		compel_shmem_local_unmap(ctl);
		return -ESRCH;
	}
	if (ret)
		return ret;
	err = remove_area(ctl);
	ret = restore_state(ctl);
	ctl->parasite_stopped = false;
	compel_requeue_signals(ctl);
	if (err || ret)
		pr_err("Task %d was not fully cured\n", ctl->pid);
	return err ? err : ret;
}
