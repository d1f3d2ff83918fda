/* SPDX-License-Identifier: GPL-2.0 */
/*
 * threads03: threads that differ in credentials keep their own after a checkpoint.
 *
 * One thread changes its uids and gids with raw syscalls (glibc's setresuid() would change
 * every thread), so that it alone runs as 1000/1001 with no capabilities; the main thread
 * and another thread stay root. Each thread also has a nice value of its own. After
 * restore each thread checks its own ids, its effective capabilities, its nice value and
 * its policy (SCHED_OTHER, without SCHED_RESET_ON_FORK: criu's restore may run a leader
 * SCHED_FIFO for a moment, Documentation/namespaces.md).
 */
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define USER_UID 1000
#define USER_GID 1001

static volatile int go;
static pthread_barrier_t ready;

static uint64_t effective_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return ~0ULL;
	return d[0].effective | ((uint64_t)d[1].effective << 32);
}

/* setpriority() with who 0 acts on the calling thread only */
static void set_nice(int nice)
{
	if (setpriority(PRIO_PROCESS, 0, nice))
		fail_perror("can't set a thread's nice value");
}

static void check_nice(const char *who, int want)
{
	int nice;

	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if (nice != want || errno)
		fail("%s: nice value %d, expected %d", who, nice, want);
	/* with pid 0, the calling thread's; SCHED_RESET_ON_FORK shows as a flag of it */
	if (sched_getscheduler(0) != SCHED_OTHER)
		fail("%s: policy %#x, expected SCHED_OTHER", who, sched_getscheduler(0));
}

static void check_ids(const char *who, uid_t want_uid, gid_t want_gid, int want_caps)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	uint64_t caps = effective_caps();

	syscall(SYS_getresuid, &r, &e, &s);
	syscall(SYS_getresgid, &rg, &eg, &sg);
	if (r != want_uid || e != want_uid || s != want_uid)
		fail("%s: uids %u/%u/%u, expected %u", who, r, e, s, want_uid);
	if (rg != want_gid || eg != want_gid || sg != want_gid)
		fail("%s: gids %u/%u/%u, expected %u", who, rg, eg, sg, want_gid);
	if (want_caps ? caps == 0 : caps != 0)
		fail("%s: effective capabilities %#llx, expected %s", who, (unsigned long long)caps,
		     want_caps ? "some" : "none");
}

static void *user_main(void *arg)
{
	(void)arg;
	set_nice(7);
	if (syscall(SYS_setresgid, USER_GID, USER_GID, USER_GID) ||
	    syscall(SYS_setresuid, USER_UID, USER_UID, USER_UID))
		fail_perror("user: can't change this thread's ids");
	pthread_barrier_wait(&ready);
	while (!go)
		usleep(10000);
	check_ids("user thread", USER_UID, USER_GID, 0);
	check_nice("user thread", 7);
	return NULL;
}

static void *root_main(void *arg)
{
	(void)arg;
	set_nice(3);
	pthread_barrier_wait(&ready);
	while (!go)
		usleep(10000);
	check_ids("root thread", 0, 0, 1);
	check_nice("root thread", 3);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t user, root;
	sigset_t blk;

	test_init(argc, argv);
	if (getuid() != 0) {
		fail("needs root to change a thread's ids");
		return 1;
	}
	sigemptyset(&blk);
	sigaddset(&blk, SIGTERM);
	sigprocmask(SIG_BLOCK, &blk, NULL); /* SIGTERM is for the main thread */
	pthread_barrier_init(&ready, NULL, 3);
	if (pthread_create(&user, NULL, user_main, NULL) ||
	    pthread_create(&root, NULL, root_main, NULL)) {
		fail("can't create threads");
		return 1;
	}
	pthread_barrier_wait(&ready);

	test_daemon();
	test_waitsig();

	check_ids("main thread", 0, 0, 1);
	check_nice("main thread", 0);
	go = 1;
	pthread_join(user, NULL);
	pthread_join(root, NULL);
	if (!test_failed())
		pass();
	return test_failed() ? 1 : 0;
}
