/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check.c - "criu check": each probe exercises the kernel interface the way dump or restore
 * uses it, on criu itself or on a short-lived child, and says what is missing.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "proc-fdinfo.h"
#include "proc-parse.h"

#ifndef PR_SET_MM_MAP_SIZE
#define PR_SET_MM	   35
#define PR_SET_MM_MAP_SIZE 15
#endif
#ifndef PTRACE_O_SUSPEND_SECCOMP
#define PTRACE_O_SUSPEND_SECCOMP (1 << 21)
#endif

struct probe {
	const char *name;
	int (*fn)(void);
	const char *hint;
};

static int probe_mm_map(void)
{
	unsigned int size = 0;

	return prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, (unsigned long)&size, 0, 0) || !size;
}

static int probe_memfd(void)
{
	int fd = syscall(SYS_memfd_create, "criu-check", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* vmsplice of our own page into a pipe, the way the parasite moves memory. */
static int probe_vmsplice(void)
{
	static char page[4096] __attribute__((aligned(4096))) = "x";
	struct iovec iov = { page, sizeof(page) };
	int p[2], ret;

	if (pipe(p))
		return -1;
	ret = vmsplice(p[1], &iov, 1, 0) == (ssize_t)sizeof(page) ? 0 : -1;
	close(p[0]);
	close(p[1]);
	return ret;
}

static int probe_map_files(void)
{
	return access("/proc/self/map_files", R_OK);
}

static int probe_pagemap(void)
{
	uint64_t pme = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY), ret;
	static volatile char touched = 1;

	if (fd < 0)
		return -1;
	ret = pread(fd, &pme, 8, ((unsigned long)&touched / 4096) * 8) == 8 && (pme >> 63) ? 0 : -1;
	close(fd);
	return ret;
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int probe_ptrace_seize(void)
{
	pid_t pid = spawn_sleeper();
	int status, ret = -1;

	if (pid < 0)
		return -1;
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_SUSPEND_SECCOMP | PTRACE_O_TRACESYSGOOD))
		goto out;
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) || waitpid(pid, &status, __WALL) != pid)
		goto out;
	ret = WIFSTOPPED(status) ? 0 : -1;
out:
	reap(pid);
	return ret;
}

/* Dump reads each thread's rseq registration with PTRACE_GET_RSEQ_CONFIGURATION. */
static int probe_rseq_conf(void)
{
	struct {
		uint64_t area;
		uint32_t len, flags, sig;
	} conf;
	pid_t pid = spawn_sleeper();
	int status, ret = -1;

	if (pid < 0)
		return -1;
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) || ptrace(PTRACE_INTERRUPT, pid, 0, 0) ||
	    waitpid(pid, &status, __WALL) != pid)
		goto out;
	ret = ptrace(0x420f /* PTRACE_GET_RSEQ_CONFIGURATION */, pid, sizeof(conf), &conf) ==
			      sizeof(conf)
		      ? 0
		      : -1;
out:
	reap(pid);
	return ret;
}

/* clone3 with set_tid: a child at a chosen pid (the pid of a child we just reaped). */
static int probe_clone3_set_tid(void)
{
	struct clone_args args;
	pid_t want, got;

	want = spawn_sleeper();
	if (want < 0)
		return -1;
	reap(want);
	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (unsigned long)&want;
	args.set_tid_size = 1;
	got = syscall(SYS_clone3, &args, sizeof(args));
	if (got == 0)
		_exit(0);
	if (got < 0)
		return -1;
	waitpid(got, NULL, 0);
	return got == want ? 0 : -1;
}

static const struct probe probes[] = {
	{ "ptrace seize with PTRACE_O_SUSPEND_SECCOMP", probe_ptrace_seize,
	  "run as root on a kernel >= 4.3" },
	{ "clone3 with set_tid", probe_clone3_set_tid, "needs kernel >= 5.5 and root" },
	{ "prctl(PR_SET_MM_MAP)", probe_mm_map, "needs CONFIG_CHECKPOINT_RESTORE" },
	{ "memfd_create", probe_memfd, "needs kernel >= 3.17" },
	{ "vmsplice into a pipe", probe_vmsplice, "" },
	{ "/proc/PID/map_files", probe_map_files, "needs CONFIG_CHECKPOINT_RESTORE" },
	{ "/proc/PID/pagemap", probe_pagemap, "needs CONFIG_PROC_PAGE_MONITOR" },
};

/* Where [vdso] is now, by the one maps parser; false if it is not mapped. */
static bool find_own_vdso(uint64_t *start, uint64_t *end)
{
	struct proc_vma_list maps;
	bool found = false;
	size_t i;

	if (parse_proc_maps(0, &maps))
		return false;
	for (i = 0; !found && i < maps.nr; i++) {
		if (maps.vmas[i].path && !strcmp(maps.vmas[i].path, "[vdso]")) {
			*start = maps.vmas[i].start;
			*end = maps.vmas[i].end;
			found = true;
		}
	}
	free_proc_vma_list(&maps);
	return found;
}

/* In a child: move [vdso] and check the kernel follows it (maps names the new place). */
static int __attribute__((noreturn)) move_own_vdso(void)
{
	uint64_t start, end, now, now_end;
	void *to;

	if (!find_own_vdso(&start, &end))
		_exit(1);
	to = mmap(NULL, end - start + (2 << 20), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (to == MAP_FAILED || mremap((void *)start, end - start, end - start,
				       MREMAP_MAYMOVE | MREMAP_FIXED, to) == MAP_FAILED)
		_exit(1);
	_exit(find_own_vdso(&now, &now_end) && now == (uint64_t)(uintptr_t)to ? 0 : 1);
}

/* Moving the vdso is how restore puts it where the dumped one was. */
static int probe_map_vdso(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		move_own_vdso();
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Restore writes loginuid through /proc only when it differs; the file must be there. */
static int probe_loginuid(void)
{
	return access("/proc/self/loginuid", R_OK | W_OK);
}

/* Dump reads a timerfd's clock, ticks and times from its fdinfo, with its parser. */
static int probe_timerfd(void)
{
	struct itimerspec its = { .it_value = { .tv_sec = 1000 } };
	struct fdinfo_timerfd t;
	char path[64], *buf;
	int fd, ret = -1;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	buf = timerfd_settime(fd, 0, &its, NULL) ? NULL : read_proc_file(path, NULL);
	if (buf && !parse_fdinfo_timerfd(buf, path, &t) && t.clockid == CLOCK_MONOTONIC &&
	    t.value_sec > 0 && t.value_sec <= 1000)
		ret = 0;
	free(buf);
	close(fd);
	return ret;
}

/* kcmp(KCMP_EPOLL_TFD) tells which open file an epoll watch refers to. */
static int probe_kcmp_epoll(void)
{
	struct {
		int32_t efd, tfd;
		uint32_t toff;
	} slot;
	struct epoll_event ev = { .events = EPOLLIN };
	int ep, fds[2], ret = -1;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep >= 0 && !epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev)) {
		slot = (typeof(slot)){ ep, fds[0], 0 };
		ret = syscall(SYS_kcmp, getpid(), getpid(), 7 /* KCMP_EPOLL_TFD */, fds[0],
			      (unsigned long)&slot)
			      ? -1
			      : 0;
	}
	if (ep >= 0)
		close(ep);
	close(fds[0]);
	close(fds[1]);
	return ret;
}

/* CRIU's feature names. A NULL probe: a feature criu does not implement yet. */
static const struct probe features[] = {
	{ "clone3_set_tid", probe_clone3_set_tid, "" },
	{ "seccomp_suspend", probe_ptrace_seize, "" },
	{ "can_map_vdso", probe_map_vdso, "" },
	{ "mem_dirty_track", NULL, "pre-dump and --track-mem are not implemented yet" },
	{ "uffd", NULL, "lazy pages are not implemented yet" },
	{ "uffd-noncoop", NULL, "lazy pages are not implemented yet" },
	{ "timens", NULL, "time namespaces are not implemented yet" },
	{ "pidfd_store", NULL, "the pidfd store is not implemented yet" },
	{ "tun", NULL, "tun devices are not implemented yet" },
	{ "userns", NULL, "user namespaces are not implemented yet" },
	{ "loginuid", probe_loginuid, "" },
	{ "cgroupns", NULL, "cgroup namespaces are not implemented yet" },
	{ "network_lock_nftables", NULL, "network locking is not implemented yet" },
	{ "kcmp_epoll", probe_kcmp_epoll, "" },
	{ "timerfd", probe_timerfd, "" },
	{ "get_rseq_conf", probe_rseq_conf, "" },
};

static int check_feature(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		if (strcmp(name, features[i].name))
			continue;
		if (features[i].fn && features[i].fn() == 0) {
			pr_msg("%s is supported\n", name);
			return 0;
		}
		pr_msg("%s is NOT supported%s%s\n", name, features[i].fn ? "" : ": ",
		       features[i].hint);
		return -1;
	}
	pr_err("Unknown feature %s\n", name);
	return -1;
}

int cr_check(const char *feature)
{
	size_t i;
	int bad = 0;

	if (feature)
		return check_feature(feature);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (probes[i].fn() == 0) {
			pr_info("%s: ok\n", probes[i].name);
			continue;
		}
		pr_msg("Missing: %s (%s)\n", probes[i].name, probes[i].hint);
		bad++;
	}
	if (bad) {
		pr_err("%d kernel feature(s) missing; dump or restore will fail\n", bad);
		return -1;
	}
	pr_msg("Looks good.\n");
	return 0;
}
