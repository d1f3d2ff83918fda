/* SPDX-License-Identifier: GPL-2.0 */
/*
 * restore/unhook.c - criu's last step in each restored task: the restorer stopped itself
 * right before its rt_sigreturn; criu lets it run, unmaps the bootstrap area on that same
 * syscall instruction and puts the program's registers back (restore.c's finish_task()).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "internal.h"
#include "log.h"
#include "threads.h"
#include "task-state.h"

#define NR_MUNMAP	 11
#define NR_SIGRETURN	 15
#define SYSCALL_INSN_LEN 2

int rst_wait_task(pid_t pid, int *status)
{
	while (waitpid(pid, status, __WALL) < 0) {
		if (errno != EINTR) {
			pr_perror("Can't wait for task %d", pid);
			return -errno;
		}
	}
	return 0;
}

void rst_explain_status(pid_t pid, int status, const char *when)
{
	if (WIFEXITED(status))
		pr_err("Task %d exited with %d %s; see the \"pie:\" and task lines above\n", pid,
		       WEXITSTATUS(status), when);
	else if (WIFSIGNALED(status))
		pr_err("Task %d was killed by signal %d %s\n", pid, WTERMSIG(status), when);
	else if (WIFSTOPPED(status))
		pr_err("Task %d stopped unexpectedly (signal %d, event %d) %s\n", pid,
		       WSTOPSIG(status), status >> 16, when);
}

/* Resume to the next syscall stop and check which syscall it is. */
static int next_syscall_stop(pid_t pid, long nr, struct user_regs_struct *regs)
{
	int status, ret;

	if (ptrace(PTRACE_SYSCALL, pid, 0, 0)) {
		pr_perror("Can't resume task %d to its next syscall", pid);
		return -errno;
	}
	ret = rst_wait_task(pid, &status);
	if (ret)
		return ret;
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80)) {
		rst_explain_status(pid, status, "while the restorer finished");
		return -ECHILD;
	}
	if (ptrace(PTRACE_GETREGS, pid, 0, regs)) {
		pr_perror("Can't read task %d's registers", pid);
		return -errno;
	}
	if ((long)regs->orig_rax != nr) {
		pr_err("Task %d made syscall %ld where %ld was expected\n", pid,
		       (long)regs->orig_rax, nr);
		return -EPROTO;
	}
	return 0;
}

static int set_regs(pid_t pid, struct user_regs_struct *regs)
{
	if (ptrace(PTRACE_SETREGS, pid, 0, regs)) {
		pr_perror("Can't set task %d's registers", pid);
		return -errno;
	}
	return 0;
}

/*
 * The restorer stopped itself right before its rt_sigreturn. Let the sigreturn run, then
 * run munmap of the bootstrap area on that same syscall instruction (the one place we know
 * holds one), and put the program's registers back. The FPU state is not touched by this.
 */
int rst_remove_restorer(pid_t pid, const pid_t *tids, size_t nr, const struct rst_report *rep)
{
	struct user_regs_struct prog, regs;
	unsigned long long insn;
	bool into_syscall;
	uint64_t mask;
	int ret;

	/* every other thread leaves the area first; they stay stopped in program code */
	ret = rst_threads_sigreturn(tids, nr);
	if (ret)
		return ret;
	ret = next_syscall_stop(pid, NR_SIGRETURN, &regs);
	if (ret)
		return ret;
	into_syscall = regs.rdi == 1; /* see rst_resumes_into_syscall() */
	insn = regs.rip - SYSCALL_INSN_LEN;
	/* rt_sigreturn sets orig_ax to -1 so that nothing restarts */
	ret = next_syscall_stop(pid, -1, &prog);
	/* restored pending signals wait until the program runs: block them until then */
	if (!ret)
		ret = rst_hold_signals(pid, &mask);
	if (ret)
		return ret;

	regs = prog;
	regs.rip = insn;
	regs.rax = NR_MUNMAP;
	regs.rdi = rep->area_start;
	regs.rsi = rep->area_size;
	ret = set_regs(pid, &regs);
	if (!ret)
		ret = next_syscall_stop(pid, NR_MUNMAP, &regs);
	if (!ret)
		ret = next_syscall_stop(pid, NR_MUNMAP, &regs);
	if (ret)
		return ret;
	if (regs.rax) {
		pr_err("Can't unmap the restorer from task %d: %lld\n", pid, (long long)regs.rax);
		return -EIO;
	}
	ret = set_regs(pid, &prog);
	/* into the interrupted wait while signals are still held (rst_resumes_into_syscall()) */
	if (!ret && into_syscall)
		ret = next_syscall_stop(pid, (long)prog.rax, &regs);
	return rst_release_signals(pid, mask) ?: ret;
}
