/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test-syscall.c - compel's seize/release and remote syscalls on real child processes:
 * results come from the victim (its pid, its maps), and after cure and release the victim
 * has its registers and maps back and keeps running correctly.
 */
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compel/infect.h"
#include "victim.h"

static bool regs_equal(const struct user_regs_struct *a, const struct user_regs_struct *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static void test_remote_syscalls(enum victim_kind kind, const char *name)
{
	struct user_regs_struct before, after;
	struct compel_ctl *ctl;
	struct victim v;
	char *maps0, *maps1;
	long ret, addr;
	int st;

	if (victim_start(&v, kind)) {
		CHECK(0, "%s: start victim", name);
		return;
	}
	st = compel_seize_task(v.pid);
	CHECK(st == COMPEL_TASK_ALIVE, "%s: seize a running task -> ALIVE (%d)", name, st);
	get_regs(v.pid, &before);
	maps0 = read_maps(v.pid);
	ctl = compel_prepare(v.pid);
	CHECK(ctl != NULL, "%s: prepare", name);
	if (!ctl)
		goto out_kill;
	CHECK(regs_equal(compel_orig_regs(ctl), &before), "%s: saved regs match PTRACE_GETREGS",
	      name);

	CHECK(!compel_syscall(ctl, SYS_getpid, &ret, 0, 0, 0, 0, 0, 0) && ret == v.pid,
	      "%s: remote getpid = %ld (pid %d)", name, ret, v.pid);
	CHECK(!compel_syscall(ctl, SYS_close, &ret, 12345, 0, 0, 0, 0, 0) && ret == -EBADF,
	      "%s: remote close(12345) = %ld (-EBADF)", name, ret);

	CHECK(!compel_syscall(ctl, SYS_mmap, &addr, 0, 2 * 4096, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) &&
		      addr > 0 && addr % 4096 == 0,
	      "%s: remote mmap = %#lx", name, addr);
	CHECK(maps_has_addr(v.pid, addr), "%s: new mapping shows in /proc/PID/maps", name);
	CHECK(!compel_syscall(ctl, SYS_munmap, &ret, addr, 2 * 4096, 0, 0, 0, 0) && ret == 0,
	      "%s: remote munmap = %ld", name, ret);
	CHECK(!maps_has_addr(v.pid, addr), "%s: mapping is gone after munmap", name);

	CHECK(compel_cure(ctl) == 0, "%s: cure without infection", name);
	get_regs(v.pid, &after);
	/* A task stopped in a syscall gets the restart applied; anything else is identical. */
	if (kind == VICTIM_BUSY)
		CHECK(regs_equal(&before, &after), "%s: registers restored", name);
	maps1 = read_maps(v.pid);
	CHECK(!strcmp(maps0, maps1), "%s: maps identical after cure", name);
	free(maps1);
	compel_free(ctl);
	CHECK(compel_release_task(v.pid, st, COMPEL_RELEASE_RUN) == 0, "%s: release", name);
	CHECK(victim_runs(&v), "%s: victim runs on correctly", name);
out_kill:
	free(maps0);
	victim_kill(&v);
}

static void test_stopped_and_signals(void)
{
	struct compel_ctl *ctl;
	struct victim v;
	long ret;
	int st;

	if (victim_start(&v, VICTIM_SLEEP)) {
		CHECK(0, "start victim");
		return;
	}
	/* A task in group stop stays stopped after release. */
	kill(v.pid, SIGSTOP);
	CHECK(victim_wait_state(v.pid, 'T'), "victim is in group stop");
	st = compel_seize_task(v.pid);
	CHECK(st == COMPEL_TASK_STOPPED, "seize a stopped task -> STOPPED (%d)", st);
	ctl = compel_prepare(v.pid);
	CHECK(ctl && !compel_syscall(ctl, SYS_getpid, &ret, 0, 0, 0, 0, 0, 0) && ret == v.pid,
	      "remote getpid in a stopped task");
	/* A signal that arrives while compel drives the task must not be lost. */
	kill(v.pid, SIGUSR1);
	CHECK(ctl && !compel_syscall(ctl, SYS_getppid, &ret, 0, 0, 0, 0, 0, 0) && ret == getpid(),
	      "remote getppid with a signal pending");
	CHECK(ctl && compel_cure(ctl) == 0, "cure");
	compel_free(ctl);
	CHECK(compel_release_task(v.pid, st, COMPEL_RELEASE_RUN) == 0, "release");
	usleep(50000);
	CHECK(victim_proc_state(v.pid) == 'T', "stopped victim is still stopped after release");
	kill(v.pid, SIGCONT);
	CHECK(victim_runs(&v), "victim runs after SIGCONT");
	CHECK(v.st->usr1 == 1, "SIGUSR1 sent during remote syscalls was delivered (%lu)",
	      (unsigned long)v.st->usr1);

	/* RELEASE_STOP leaves a running task stopped. */
	st = compel_seize_task(v.pid);
	CHECK(st == COMPEL_TASK_ALIVE, "seize again -> ALIVE (%d)", st);
	CHECK(compel_release_task(v.pid, st, COMPEL_RELEASE_STOP) == 0, "release STOP");
	CHECK(victim_wait_state(v.pid, 'T'), "victim stopped after RELEASE_STOP");
	kill(v.pid, SIGCONT);
	CHECK(victim_runs(&v), "victim runs after SIGCONT");

	/* RELEASE_KILL kills it. */
	st = compel_seize_task(v.pid);
	CHECK(compel_release_task(v.pid, st, COMPEL_RELEASE_KILL) == 0 &&
		      victim_proc_state(v.pid) == 0,
	      "release KILL: the victim is gone");
	v.pid = -1;
	victim_kill(&v);
}

static void test_zombie(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(3);
	CHECK(victim_wait_state(pid, 'Z'), "child became a zombie");
	st = compel_seize_task(pid);
	CHECK(st == COMPEL_TASK_ZOMBIE, "seize a zombie -> ZOMBIE (%d)", st);
	CHECK(compel_release_task(pid, st, COMPEL_RELEASE_RUN) == 0, "release a zombie");
	waitpid(pid, NULL, 0);
	CHECK(compel_seize_task(pid) == -ESRCH, "seize a reaped pid -> -ESRCH");
}

/*
 * Without a vdso, compel runs remote syscalls at a syscall of the task's own C library (or
 * borrows a word of its code, see test-infect's no-libc case): the syscall must work, and
 * the code must be the task's own afterwards.
 */
static void test_no_vdso(void)
{
	struct compel_ctl *ctl;
	char *before, *after;
	struct victim v;
	long ret = -1;
	int st;

	if (victim_start(&v, VICTIM_BUSY)) {
		CHECK(0, "start victim");
		return;
	}
	st = compel_seize_task(v.pid);
	CHECK(victim_unmap_vdso(v.pid), "remote munmap of the victim's vdso");
	before = code_heads(v.pid);
	ctl = compel_prepare(v.pid);
	CHECK(ctl != NULL, "prepare takes a task without vdso");
	ret = -1;
	CHECK(ctl && !compel_syscall(ctl, SYS_getpid, &ret, 0, 0, 0, 0, 0, 0) && ret == v.pid,
	      "a remote getpid without vdso answers the victim's pid (%ld)", ret);
	after = code_heads(v.pid);
	CHECK(before && after && !memcmp(before, after, 4096),
	      "the victim's code is its own again after the syscall");
	free(before);
	free(after);
	if (ctl) {
		compel_cure(ctl);
		compel_free(ctl);
	}
	compel_release_task(v.pid, st, COMPEL_RELEASE_RUN);
	CHECK(victim_runs(&v), "victim without vdso runs on");
	victim_kill(&v);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	compel_set_log(test_log);
	test_remote_syscalls(VICTIM_BUSY, "busy");
	test_remote_syscalls(VICTIM_SLEEP, "sleeping");
	test_stopped_and_signals();
	test_zombie();
	test_no_vdso();
	return tests_report();
}
