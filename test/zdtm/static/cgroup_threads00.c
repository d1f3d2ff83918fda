/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup_threads00: a thread in other cgroups than its leader's comes back there. The
 * leader lives in BASE (zdtm.cgroup_threads00.PID), a second thread in BASE/thr: in the
 * v1 pids hierarchy (the thread moved by its tid in "tasks") and, where cgroup2 is mounted,
 * in a threaded cgroup2 subtree (BASE a domain, BASE/thr of type "threaded", the thread
 * moved through cgroup.threads). After the restore each thread must be where it was.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

struct hier {
	const char *type, *ctl; /* mount type; v1 controller */
	const char *move_file;	/* where a thread is moved by its tid */
	char mnt[512], start[512], base[1100], thr[1200];
	char leader_at[1024], thread_at[1024]; /* paths as /proc shows them */
};

static struct hier hiers[] = {
	{ .type = "cgroup", .ctl = "pids", .move_file = "tasks" },
	{ .type = "cgroup2", .ctl = "", .move_file = "cgroup.threads" },
};
#define NR_HIERS 2

static pid_t thread_tid;
static int thread_ready[2];

/* Where task (a tid of ours) is in h, as /proc/self/task/TID/cgroup says */
static int where(const struct hier *h, pid_t tid, char *out, size_t len)
{
	char path[64];

	/* in the pidns flavour /proc is the host's */
	snprintf(path, sizeof(path), "/proc/self/task/%d/cgroup", test_proc_pid(tid));
	return test_cgroup_of(path, h->ctl, out, len);
}

static void *thread_main(void *arg __attribute__((unused)))
{
	thread_tid = syscall(SYS_gettid);
	if (write(thread_ready[1], "r", 1) != 1)
		return NULL;
	while (!test_sig_received)
		pause();
	return NULL;
}

static void remove_cgroups(void)
{
	char path[1400];
	int i;

	for (i = 0; i < NR_HIERS; i++) {
		struct hier *h = &hiers[i];

		if (!h->base[0])
			continue;
		snprintf(path, sizeof(path), "%s%s/cgroup.procs", h->mnt, h->start);
		test_write_text(path, "0");
		rmdir(h->thr);
		rmdir(h->base);
	}
}

static int set_up(struct hier *h)
{
	char path[1400], num[16];

	if (where(h, getpid(), h->start, sizeof(h->start)))
		return -1;
	snprintf(h->base, sizeof(h->base), "%s%s/zdtm.cgroup_threads00.%d", h->mnt,
		 strcmp(h->start, "/") ? h->start : "", getpid());
	snprintf(h->thr, sizeof(h->thr), "%s/thr", h->base);
	test_note_leftover("rmdir %s", h->base);
	test_note_leftover("rmdir %s", h->thr);
	snprintf(path, sizeof(path), "%s/cgroup.procs", h->base);
	if (mkdir(h->base, 0755) || mkdir(h->thr, 0755) || test_write_text(path, "0")) {
		fail_perror("make %s and move in", h->thr);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/cgroup.type", h->thr);
	if (!h->ctl[0] && test_write_text(path, "threaded")) {
		fail_perror("make %s threaded", h->thr);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", h->thr, h->move_file);
	snprintf(num, sizeof(num), "%d", thread_tid);
	if (test_write_text(path, num)) {
		fail_perror("move thread %d into %s", thread_tid, h->thr);
		return -1;
	}
	snprintf(h->leader_at, sizeof(h->leader_at), "%s", h->base + strlen(h->mnt));
	snprintf(h->thread_at, sizeof(h->thread_at), "%s", h->thr + strlen(h->mnt));
	return 0;
}

static int setup(void)
{
	pthread_t th;
	char c;
	int i, used = 0;

	for (i = 0; i < NR_HIERS; i++)
		test_cgroup_mount(hiers[i].type, hiers[i].ctl, hiers[i].mnt, sizeof(hiers[i].mnt));
	if (!hiers[0].mnt[0])
		test_skip("no cgroup v1 pids hierarchy is mounted");
	atexit(remove_cgroups);
	if (pipe(thread_ready) || pthread_create(&th, NULL, thread_main, NULL) ||
	    read(thread_ready[0], &c, 1) != 1)
		return -1;
	for (i = 0; i < NR_HIERS; i++) {
		if (!hiers[i].mnt[0])
			continue;
		if (set_up(&hiers[i]))
			return -1;
		used++;
	}
	return used ? 0 : -1;
}

static void check(void)
{
	char now[1024];
	int i;

	for (i = 0; i < NR_HIERS; i++) {
		const struct hier *h = &hiers[i];
		const char *name = h->ctl[0] ? h->ctl : "cgroup2";

		if (!h->base[0])
			continue;
		if (where(h, getpid(), now, sizeof(now)) || strcmp(now, h->leader_at))
			fail("%s: the leader is in %s, was in %s", name, now, h->leader_at);
		if (where(h, thread_tid, now, sizeof(now)) || strcmp(now, h->thread_at))
			fail("%s: the thread is in %s, was in %s", name, now, h->thread_at);
	}
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
