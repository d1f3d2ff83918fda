/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check/proc.c - probes of task-level interfaces: fdinfo fields, pidfds, ptrace requests,
 * clone3 with set_tid, and the helpers every probe file uses to run a child.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probes.h"

#ifndef PTRACE_O_SUSPEND_SECCOMP
#define PTRACE_O_SUSPEND_SECCOMP (1 << 21)
#endif
#define PTRACE_SECCOMP_GET_FILTER_REQ	  0x420c
#define PTRACE_GET_RSEQ_CONFIGURATION_REQ 0x420f
#define PR_TIMER_CREATE_RESTORE_IDS	  77
#define PR_TIMER_CREATE_RESTORE_IDS_GET	  2
#ifndef MFD_HUGETLB
#define MFD_HUGETLB 4U
#endif

int probe_in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn() ? 1 : 0);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int probe_spawn_paused(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

void probe_reap(int pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
}

/* The text of /proc/self/fdinfo/FD, NUL-terminated, in buf. */
static int read_fdinfo(int fd, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int info;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	info = open(path, O_RDONLY | O_CLOEXEC);
	if (info < 0)
		return -1;
	n = read(info, buf, len - 1);
	close(info);
	buf[n > 0 ? n : 0] = 0;
	return n > 0 ? 0 : -1;
}

const char *probe_mnt_id(void)
{
	char buf[512];
	int fd = open("/", O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return "can't open /";
	ret = read_fdinfo(fd, buf, sizeof(buf));
	close(fd);
	return !ret && strstr(buf, "mnt_id:") ? NULL : "fdinfo doesn't contain the mnt_id field";
}

const char *probe_fdinfo_lock(void)
{
	char path[] = "/tmp/.criu-check-lock.XXXXXX", buf[1024];
	int fd = mkstemp(path), ret = -1;

	if (fd < 0)
		return "can't create a file to lock in /tmp";
	unlink(path);
	if (!flock(fd, LOCK_SH))
		ret = read_fdinfo(fd, buf, sizeof(buf));
	close(fd);
	return !ret && strstr(buf, "lock:") ? NULL : "fdinfo doesn't contain the lock field";
}

/* Dump reads a timerfd's clock, ticks and times from its fdinfo. */
const char *probe_timerfd(void)
{
	struct itimerspec its = { .it_value = { .tv_sec = 1000 } };
	char buf[512];
	int fd, ret = -1;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0)
		return "timerfd_create failed";
	if (!timerfd_settime(fd, 0, &its, NULL))
		ret = read_fdinfo(fd, buf, sizeof(buf));
	close(fd);
	if (ret || !strstr(buf, "it_value:") || !strstr(buf, "ticks:"))
		return "timerfd's fdinfo lacks its ticks and times";
	return NULL;
}

/* kcmp(KCMP_EPOLL_TFD) tells which open file an epoll watch refers to. */
const char *probe_kcmp_epoll(void)
{
	struct {
		int32_t efd, tfd;
		uint32_t toff;
	} slot;
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, fds[2], ret = -1;

	if (pipe2(fds, O_CLOEXEC))
		return "can't create a pipe";
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev)) {
		slot.efd = ep;
		slot.tfd = fds[0];
		slot.toff = 0;
		ret = syscall(SYS_kcmp, getpid(), getpid(), 7 /* KCMP_EPOLL_TFD */, fds[0],
			      (unsigned long)&slot);
	}
	if (ep >= 0)
		close(ep);
	close(fds[0]);
	close(fds[1]);
	return ret ? "kcmp(KCMP_EPOLL_TFD) is not supported" : NULL;
}

const char *probe_ns_pid(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	return strstr(buf, "\nNSpid:") ? NULL : "/proc/PID/status has no NSpid field";
}

static int write_loginuid(const char *val)
{
	int fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, val, strlen(val));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* As CRIU finds out: unset the login uid and set it back, in a child. */
static int change_loginuid(void)
{
	char saved[32];
	int fd = open("/proc/self/loginuid", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, saved, sizeof(saved) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	saved[n] = 0;
	return write_loginuid("4294967295") || write_loginuid(saved);
}

const char *probe_loginuid(void)
{
	if (access("/proc/self/loginuid", R_OK))
		return "no /proc/PID/loginuid (CONFIG_AUDITSYSCALL)";
	return probe_in_child(change_loginuid) ? "the login uid can't be restored" : NULL;
}

const char *probe_pidfd_store(void)
{
	int pidfd = syscall(SYS_pidfd_open, getpid(), 0), fd = -1;

	if (pidfd < 0)
		return "pidfd_open is not supported";
	fd = syscall(SYS_pidfd_getfd, pidfd, pidfd, 0);
	close(pidfd);
	if (fd < 0)
		return "pidfd_getfd is not supported";
	close(fd);
	return NULL;
}

const char *probe_openat2(void)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC };
	int fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd < 0)
		return "openat2 is not supported";
	close(fd);
	return NULL;
}

const char *probe_timer_cr_ids(void)
{
	if (prctl(PR_TIMER_CREATE_RESTORE_IDS, PR_TIMER_CREATE_RESTORE_IDS_GET, 0, 0, 0) < 0)
		return "prctl(PR_TIMER_CREATE_RESTORE_IDS) is not supported";
	return NULL;
}

const char *probe_memfd_hugetlb(void)
{
	int fd = syscall(SYS_memfd_create, "criu-check", MFD_CLOEXEC | MFD_HUGETLB);

	if (fd < 0)
		return "memfd_create(MFD_HUGETLB) is not supported";
	close(fd);
	return NULL;
}

/* Seize and interrupt a child; 0 with it in a ptrace stop. */
static int seize_stopped(pid_t pid, unsigned long options)
{
	int status;

	if (ptrace(PTRACE_SEIZE, pid, 0, options) || ptrace(PTRACE_INTERRUPT, pid, 0, 0))
		return -1;
	if (waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status))
		return -1;
	return 0;
}

const char *probe_seccomp_suspend(void)
{
	pid_t pid = probe_spawn_paused();
	int ret;

	if (pid < 0)
		return "can't fork";
	ret = seize_stopped(pid, PTRACE_O_SUSPEND_SECCOMP | PTRACE_O_TRACESYSGOOD);
	probe_reap(pid);
	return ret ? "PTRACE_O_SUSPEND_SECCOMP is not supported" : NULL;
}

/* A child with a seccomp filter that allows everything, paused once it is in place. */
static pid_t spawn_filtered(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
			_exit(1);
		c = 0;
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		probe_reap(pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

const char *probe_seccomp_filters(void)
{
	pid_t pid = spawn_filtered();
	long len = -1;

	if (pid < 0)
		return "can't start a child with a seccomp filter";
	if (!seize_stopped(pid, 0))
		len = ptrace(PTRACE_SECCOMP_GET_FILTER_REQ, pid, 0, NULL);
	probe_reap(pid);
	return len > 0 ? NULL : "dumping seccomp filters (PTRACE_SECCOMP_GET_FILTER) not supported";
}

/* Dump reads each thread's rseq registration with PTRACE_GET_RSEQ_CONFIGURATION. */
const char *probe_get_rseq_conf(void)
{
	struct {
		uint64_t area;
		uint32_t len, flags, sig;
	} conf;
	pid_t pid = probe_spawn_paused();
	long ret = -1;

	if (pid < 0)
		return "can't fork";
	if (!seize_stopped(pid, 0))
		ret = ptrace(PTRACE_GET_RSEQ_CONFIGURATION_REQ, pid, sizeof(conf), &conf);
	probe_reap(pid);
	return ret == sizeof(conf) ? NULL : "PTRACE_GET_RSEQ_CONFIGURATION is not supported";
}

/* clone3 with set_tid: a child at a chosen pid (the pid of a child just reaped). */
const char *probe_clone3_set_tid(void)
{
	struct clone_args args;
	pid_t want, got;

	want = probe_spawn_paused();
	if (want < 0)
		return "can't fork";
	probe_reap(want);
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (unsigned long)&want;
	args.set_tid_size = 1;
	got = syscall(SYS_clone3, &args, sizeof(args));
	if (got == 0)
		_exit(0);
	if (got < 0)
		return "clone3 with set_tid is not supported (needs kernel 5.5 and root)";
	waitpid(got, NULL, 0);
	return got == want ? NULL : "clone3 ignored set_tid";
}
