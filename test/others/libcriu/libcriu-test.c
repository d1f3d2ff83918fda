/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libcriu-test.c - a C program built against the installed libcriu (criu.h, criu.pc): the
 * version and the features of the criu binary, a refused option that leaves the task
 * running, a dump and a restore of a task that then proves its memory and pid, and the
 * notify callbacks in CRIU's order with the restored pid.
 * Usage: libcriu-test CRIU_BINARY WORK_DIR. Prints "N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criu.h>

#define PATTERN_WORDS (256 * 1024)

static int passed, failed;
static char stages[512];
static int post_restore_pid, refuse_stage_hit;
static const char *refuse_stage;

static void check(int ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "FAIL", what);
	if (ok)
		passed++;
	else
		failed++;
}

static int notify(char *action, criu_notify_arg_t na)
{
	if (strlen(stages) + strlen(action) + 2 < sizeof(stages)) {
		strcat(stages, action);
		strcat(stages, " ");
	}
	if (!strcmp(action, "post-restore"))
		post_restore_pid = criu_notify_pid(na);
	if (refuse_stage && !strcmp(action, refuse_stage)) {
		refuse_stage_hit = 1;
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t go;

static void on_usr1(int sig)
{
	go = 1;
}

/* The dumped task: fills memory from its pid, counts, and checks both when told. */
static void __attribute__((noreturn)) task(void)
{
	unsigned long *words = malloc(PATTERN_WORDS * sizeof(*words));
	unsigned long i, seed = getpid(), counter = 0;
	pid_t me = getpid();
	int null = open("/dev/null", O_RDWR);

	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	setsid();
	signal(SIGUSR1, on_usr1);
	for (i = 0; i < PATTERN_WORDS; i++)
		words[i] = seed * 2654435761UL + i;
	while (!go) {
		counter++;
		usleep(1000);
	}
	for (i = 0; i < PATTERN_WORDS; i++)
		if (words[i] != seed * 2654435761UL + i)
			_exit(3);
	_exit(getpid() == me && counter > 0 ? 42 : 4);
}

static pid_t start_task(void)
{
	pid_t pid = fork();

	if (pid == 0)
		task();
	usleep(100000);
	return pid;
}

static int running(pid_t pid)
{
	char path[64], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%*d %*s %c", &state) != 1)
		state = 0;
	fclose(f);
	return state == 'S' || state == 'R';
}

static int open_dir(const char *base, const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", base, name);
	mkdir(path, 0700);
	return open(path, O_RDONLY | O_DIRECTORY);
}

/* criu tracks memory with userfaultfd WP_ASYNC and PAGEMAP_SCAN, both of Linux 6.7 */
static bool uffd_wp_kernel(void)
{
	struct utsname u;
	int major, minor;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 7);
}

static void test_version(void)
{
	struct criu_feature_check f = { .mem_track = true, .lazy_pages = true };

	check(criu_get_version() == 40200, "criu_get_version() is 40200 (4.2)");
	check(criu_check_version(31100) == 1, "criu_check_version(31100): new enough");
	check(criu_check_version(40300) == 0, "criu_check_version(40300): too old");
	f.pidfd_store = true;
	check(criu_feature_check(&f, sizeof(f)) == 0 && f.mem_track == uffd_wp_kernel() &&
		      !f.lazy_pages && !f.pidfd_store,
	      "criu_feature_check answers: mem_track where Linux has userfaultfd WP_ASYNC "
	      "(6.7+); no lazy_pages, pidfd_store yet");
	check(criu_check() == 0, "criu_check()");
}

/* A refusal by criu, and a refusal by the callback: the task runs on as before. */
static void test_refusals(int dfd, pid_t pid)
{
	int ret;

	criu_set_pid(pid);
	criu_set_images_dir_fd(dfd);
	criu_set_weak_sysctls(true);
	ret = criu_dump();
	check(ret == -EBADE && running(pid), "weak_sysctls refused (-EBADE), task runs");
	criu_set_weak_sysctls(false);

	refuse_stage = "post-dump";
	ret = criu_dump();
	check(ret == -EBADE && refuse_stage_hit && running(pid),
	      "callback refusing post-dump fails the dump, task runs");
	refuse_stage = NULL;
	check(faccessat(dfd, "inventory.img", F_OK, 0) != 0, "no inventory.img after it");
}

static void test_dump_restore(int dfd, pid_t pid)
{
	int status = 0, ret;
	pid_t rpid;

	stages[0] = 0;
	criu_set_log_file("dump.log");
	criu_set_log_level(4);
	ret = criu_dump();
	check(ret == 0, "criu_dump()");
	if (ret) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return;
	}
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status), "dumped task killed");
	check(!strcmp(stages, "pre-dump post-dump "), "dump notifications: pre-dump post-dump");

	stages[0] = 0;
	criu_set_log_file("restore.log");
	rpid = criu_restore_child();
	check(rpid == pid, "criu_restore_child() gives the task's pid");
	check(!strcmp(stages, "pre-restore post-restore pre-resume post-resume "),
	      "restore notifications in CRIU's order");
	check(post_restore_pid == pid, "post-restore carries the restored pid");
	if (rpid <= 0)
		return;
	kill(rpid, SIGUSR1);
	check(waitpid(rpid, &status, 0) == rpid && WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "restored task is our child and finds its memory and pid as they were");
}

int main(int argc, char **argv)
{
	int dfd;
	pid_t pid;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: %s CRIU WORK_DIR\n", argv[0]);
		return 2;
	}
	if (criu_init_opts() || criu_set_service_binary(argv[1]))
		return 2;
	criu_set_notify_cb(notify);
	test_version();
	dfd = open_dir(argv[2], "images");
	pid = start_task();
	if (dfd < 0 || pid < 0)
		return 2;
	test_refusals(dfd, pid);
	test_dump_restore(dfd, pid);
	if (running(pid))
		kill(pid, SIGKILL);
	criu_free_opts();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
