/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crun-sequence.c - libcriu called as crun 1.x calls it (src/libcrun/criu.c: the same
 * functions in the same order, with crun's values) on a small container of its own:
 * - a "pod" holder in uts, ipc and network namespaces of its own (host name crunpod);
 * - the container's init, in its own pid namespace, sharing the pod's uts, ipc and network
 *   namespaces, in a cgroup of its own, writing a count to its stdout, a pipe of ours.
 * Checkpoint: crun's --pre-dump (criu_feature_check mem_track, criu_set_track_mem,
 * criu_pre_dump) where the kernel tracks memory, then the final dump with the parent
 * images, criu_set_root, criu_add_external net[INODE]:extRootNetNS, the freezer cgroup,
 * crun's booleans, soft cgroup mode. Restore: the stdout pipe by criu_add_inherit_fd with
 * its pipe:[INODE] key, the pod's network namespace by criu_add_inherit_fd extRootNetNS,
 * its uts and ipc ones by criu_join_ns_add, criu_add_cg_root, criu_restore_child.
 * Every call must succeed, and the restored init must be in the pod's namespaces, in its
 * cgroup, counting on into the new pipe.
 * Usage: crun-sequence CRIU_BINARY WORK_DIR. Prints "N passed, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criu.h>

#define CRUN_MIN_VERSION 31500 /* crun's LIBCRIU_MIN_VERSION */

static int passed, failed;
static char cgroup[256], cgroup_path[300], work[4096];

static void check(int ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "FAIL", what);
	if (ok)
		passed++;
	else
		failed++;
}

/* The pod: its own uts, ipc and network namespaces, held open by a pause()d task. */
static pid_t start_pod(void)
{
	int sync[2];
	pid_t pid;
	char c;

	if (pipe(sync))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sync[0]);
		if (unshare(CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) ||
		    sethostname("crunpod", 7))
			_exit(1);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(sync[1]);
	if (read(sync[0], &c, 1) != 1)
		pid = -1;
	close(sync[0]);
	return pid;
}

static int enter(pid_t pid, const char *kind, int flag)
{
	char path[64];
	int fd, ret;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, kind);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ret = setns(fd, flag);
	close(fd);
	return ret;
}

/* The container's init: pid 1 of its pid namespace, counting on its stdout. */
static int container_init(void *arg __attribute__((unused)))
{
	unsigned long n = 0;
	char line[32];
	int len;

	/* a container has its stdio only, nothing of its runtime's */
	syscall(SYS_close_range, 3, ~0U, 0);
	setsid();
	for (;;) {
		len = snprintf(line, sizeof(line), "%lu\n", ++n);
		if (write(1, line, len) != len)
			return 1;
		usleep(20000);
	}
}

/* The container's init, through an intermediate child that enters the pod and exits. */
static pid_t start_container(pid_t pod, int out)
{
	static char stack[64 * 1024];
	int null = open("/dev/null", O_RDWR);
	int saved[3] = { dup(0), dup(1), dup(2) };
	pid_t mid, pid = -1;
	int i, report[2];

	if (pipe(report))
		return -1;
	/* the container's stdio: /dev/null in, our pipe out */
	dup2(null, 0);
	dup2(out, 1);
	dup2(null, 2);
	mid = fork();
	if (mid == 0) {
		close(report[0]);
		if (!enter(pod, "uts", CLONE_NEWUTS) && !enter(pod, "ipc", CLONE_NEWIPC) &&
		    !enter(pod, "net", CLONE_NEWNET))
			pid = clone(container_init, stack + sizeof(stack), CLONE_NEWPID | SIGCHLD,
				    NULL);
		_exit(write(report[1], &pid, sizeof(pid)) == sizeof(pid) ? 0 : 1);
	}
	for (i = 0; i < 3; i++) {
		dup2(saved[i], i);
		close(saved[i]);
	}
	close(null);
	close(report[1]);
	if (mid < 0 || read(report[0], &pid, sizeof(pid)) != sizeof(pid))
		pid = -1;
	close(report[0]);
	if (mid > 0)
		waitpid(mid, NULL, 0);
	return pid;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/* crun's freezer: the unified hierarchy's cgroup, or on cgroup v1 the freezer's */
static int move_to_cgroup(pid_t pid)
{
	bool unified = !access("/sys/fs/cgroup/cgroup.controllers", F_OK);
	char path[512], num[16];

	snprintf(cgroup, sizeof(cgroup), "/criu-crun-seq-%d", getpid());
	snprintf(cgroup_path, sizeof(cgroup_path), "/sys/fs/cgroup%s%s", unified ? "" : "/freezer",
		 cgroup);
	if (mkdir(cgroup_path, 0755) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup_path);
	snprintf(num, sizeof(num), "%d", pid);
	return write_file(path, num);
}

/* The last number the container wrote to fd within `ms`, or -1 (fd is non-blocking). */
static long last_count(int fd, int ms)
{
	char buf[4096];
	long last = -1;
	ssize_t n;
	int i;

	for (i = 0; i < ms / 10; i++) {
		while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
			char *end;

			buf[n] = 0;
			end = buf + n - 1;
			while (end > buf && *end == '\n')
				*end-- = 0;
			while (end > buf && end[-1] != '\n')
				end--;
			last = strtol(end, NULL, 10);
		}
		usleep(10000);
	}
	return last;
}

static int open_dir(const char *name)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", work, name);
	mkdir(path, 0700);
	return open(path, O_DIRECTORY | O_CLOEXEC);
}

static bool same_ns(pid_t a, pid_t b, const char *kind)
{
	char pa[64], pb[64];
	struct stat sa, sb;

	snprintf(pa, sizeof(pa), "/proc/%d/ns/%s", a, kind);
	snprintf(pb, sizeof(pb), "/proc/%d/ns/%s", b, kind);
	return !stat(pa, &sa) && !stat(pb, &sb) && sa.st_ino == sb.st_ino;
}

/* crun's options common to checkpoint and restore, in its order */
static void crun_common(int images, int work_fd, const char *log)
{
	check(criu_init_opts() == 0, "criu_init_opts()");
	check(criu_check_version(CRUN_MIN_VERSION) == 1, "criu_check_version(31500)");
	criu_set_images_dir_fd(images);
	criu_set_log_level(4);
	check(criu_set_log_file(log) == 0, "criu_set_log_file()");
	check(criu_set_config_file("/etc/criu/runc.conf") == 0,
	      "criu_set_config_file(/etc/criu/runc.conf), which need not exist");
	criu_set_work_dir_fd(work_fd);
}

/* crun checkpoint --pre-dump: memory tracking checked, then a pre-dump into "pre" */
static void crun_pre_dump(pid_t pid, int images, int work_fd)
{
	struct criu_feature_check features = { .mem_track = true };

	crun_common(images, work_fd, "dump.log");
	criu_set_pid(pid);
	check(criu_feature_check(&features, sizeof(features)) == 0 && features.mem_track,
	      "criu_feature_check(): mem_track");
	criu_set_track_mem(true);
	check(criu_pre_dump() == 0, "criu_pre_dump()");
}

/* crun checkpoint: the final dump, on top of the pre-dump when there was one */
static int crun_checkpoint(pid_t pid, int images, int work_fd, bool parent)
{
	char external[64];
	struct stat st;
	int ret;

	crun_common(images, work_fd, "dump.log");
	criu_set_pid(pid);
	if (parent) {
		criu_set_track_mem(true);
		check(criu_set_parent_images("../pre") == 0, "criu_set_parent_images(../pre)");
	}
	check(criu_set_root("/") == 0, "criu_set_root()");
	/* the pod's network namespace is a path in config.json: external */
	snprintf(external, sizeof(external), "/proc/%d/ns/net", pid);
	stat(external, &st);
	snprintf(external, sizeof(external), "net[%lu]:extRootNetNS", (unsigned long)st.st_ino);
	check(criu_add_external(external) == 0, "criu_add_external(net[INODE]:extRootNetNS)");
	check(criu_set_freeze_cgroup(cgroup_path) == 0, "criu_set_freeze_cgroup()");
	criu_set_leave_running(false);
	criu_set_ext_unix_sk(false);
	criu_set_shell_job(false);
	criu_set_tcp_established(false);
	criu_set_file_locks(false);
	criu_set_orphan_pts_master(true);
	criu_set_manage_cgroups_mode(CRIU_CG_MODE_SOFT);
	criu_set_manage_cgroups(true);
	ret = criu_dump();
	check(ret == 0, "criu_dump()");
	return ret;
}

static char stages[512];
#define RESTORE_STAGES                                                                \
	"pre-restore setup-namespaces post-setup-namespaces post-restore pre-resume " \
	"post-resume "

static int crun_notify(char *action, criu_notify_arg_t na __attribute__((unused)))
{
	if (strlen(stages) + strlen(action) + 2 < sizeof(stages)) {
		strcat(stages, action);
		strcat(stages, " ");
	}
	/* crun answers orphan-pts-master with criu_get_orphan_pts_master_fd(): no pty here */
	if (!strcmp(action, "orphan-pts-master"))
		return criu_get_orphan_pts_master_fd() < 0 ? -1 : 0;
	return 0;
}

/* crun restore: stdout pipe, the pod's namespaces, the cgroup; the restored init's pid */
static pid_t crun_restore(pid_t pod, int images, int work_fd, int out, const char *out_key)
{
	char path[64];
	int netns;
	pid_t pid;

	crun_common(images, work_fd, "restore.log");
	check(criu_add_inherit_fd(out, out_key) == 0, "criu_add_inherit_fd(1, pipe:[INODE])");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pod);
	netns = open(path, O_RDONLY); /* crun's: not O_CLOEXEC, criu swrk inherits it */
	check(criu_add_inherit_fd(netns, "extRootNetNS") == 0,
	      "criu_add_inherit_fd(netns, extRootNetNS)");
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", pod);
	check(criu_join_ns_add("ipc", path, NULL) == 0, "criu_join_ns_add(ipc, PATH)");
	snprintf(path, sizeof(path), "/proc/%d/ns/uts", pod);
	check(criu_join_ns_add("uts", path, NULL) == 0, "criu_join_ns_add(uts, PATH)");
	check(criu_set_root("/") == 0, "criu_set_root()");
	criu_set_notify_cb(crun_notify);
	criu_set_ext_unix_sk(false);
	criu_set_shell_job(false);
	criu_set_tcp_established(false);
	criu_set_tcp_close(false);
	criu_set_file_locks(false);
	criu_set_orphan_pts_master(true);
	check(criu_add_cg_root(NULL, cgroup) == 0, "criu_add_cg_root(NULL, PATH)");
	criu_set_manage_cgroups_mode(CRIU_CG_MODE_SOFT);
	criu_set_manage_cgroups(true);
	pid = criu_restore_child();
	check(pid > 0, "criu_restore_child()");
	/* its own pid namespace: the namespace stages too; the network one is the pod's */
	check(!strcmp(stages, RESTORE_STAGES),
	      "notifications in CRIU's order, setup-namespaces and post-setup-namespaces with");
	if (strcmp(stages, RESTORE_STAGES))
		printf("# got: %s\n", stages);
	close(netns);
	return pid;
}

/* its line of /proc/PID/cgroup for the freezer's hierarchy names our cgroup */
static bool in_cgroup(pid_t pid)
{
	char path[64], line[512];
	size_t n = strlen(cgroup);
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *dir = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!dir || strncmp(dir + 1, cgroup, n) || dir[1 + n] != '\n')
			continue;
		ok |= strstr(cgroup_path, "/freezer/") ? !strncmp(ctl, ":freezer:", 9)
						       : !strncmp(ctl, "::", 2);
	}
	if (f)
		fclose(f);
	return ok;
}

/* the host name in pid's uts namespace, as a child of ours entering it reads it */
static void check_hostname(pid_t pid, char *name, size_t len)
{
	struct utsname u;
	int link[2];
	pid_t child;

	if (pipe(link))
		return;
	child = fork();
	if (child == 0) {
		if (enter(pid, "uts", CLONE_NEWUTS) || uname(&u))
			_exit(1);
		_exit(write(link[1], u.nodename, strlen(u.nodename)) > 0 ? 0 : 1);
	}
	close(link[1]);
	if (read(link[0], name, len - 1) < 0)
		name[0] = 0;
	close(link[0]);
	waitpid(child, NULL, 0);
}

static void check_restored(pid_t pid, pid_t pod, int rd, long before)
{
	char name[65] = "";
	long after = last_count(rd, 300);

	check(after > before, "the restored init counts on into the new pipe");
	check(same_ns(pid, pod, "net") && same_ns(pid, pod, "uts") && same_ns(pid, pod, "ipc"),
	      "it is in the pod's network, uts and ipc namespaces");
	check(!same_ns(pid, getpid(), "pid"), "in a pid namespace of its own");
	check_hostname(pid, name, sizeof(name));
	check(!strcmp(name, "crunpod"), "the pod's host name is the one it sees");
	check(in_cgroup(pid), "it is in its cgroup again (criu_add_cg_root)");
}

static bool uffd_wp_kernel(void)
{
	struct utsname u;
	int major, minor;

	return !uname(&u) && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
	       (major > 6 || (major == 6 && minor >= 7));
}

static void run(pid_t pod)
{
	int pipe_out[2], images, work_fd, status;
	char key[64];
	pid_t pid, rpid;
	struct stat st;
	long before;
	bool pre = uffd_wp_kernel();

	if (pipe2(pipe_out, O_NONBLOCK))
		return;
	pid = start_container(pod, pipe_out[1]);
	close(pipe_out[1]);
	check(pid > 0 && move_to_cgroup(pid) == 0, "the container runs, in a cgroup of its own");
	fstat(pipe_out[0], &st);
	snprintf(key, sizeof(key), "pipe:[%lu]", (unsigned long)st.st_ino);
	work_fd = open_dir("work");
	if (pre) {
		images = open_dir("pre");
		crun_pre_dump(pid, images, work_fd);
		close(images);
	}
	images = open_dir("images");
	before = last_count(pipe_out[0], 100);
	if (crun_checkpoint(pid, images, work_fd, pre)) {
		kill(pid, SIGKILL);
		return;
	}
	/* the dump killed it: its pid is free again once we reap it (we are its subreaper) */
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status),
	      "the checkpointed container is gone");
	close(pipe_out[0]);
	if (pipe2(pipe_out, O_NONBLOCK))
		return;
	/* crun gives its own fd 1 for the container's stdout: criu swrk inherits it */
	fcntl(pipe_out[1], F_SETFD, 0);
	rpid = crun_restore(pod, images, work_fd, pipe_out[1], key);
	close(pipe_out[1]);
	if (rpid > 0) {
		check_restored(rpid, pod, pipe_out[0], before);
		kill(rpid, SIGKILL);
		waitpid(rpid, &status, 0);
	}
	rmdir(cgroup_path);
}

/* the container's init, orphaned by its intermediate parent, is ours to reap */
static void prctl_subreaper(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int main(int argc, char **argv)
{
	char path[4200], *slash;
	pid_t pod;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: %s CRIU WORK_DIR\n", argv[0]);
		return 2;
	}
	/* crun runs "criu" from PATH (libcriu's default service binary) */
	snprintf(path, sizeof(path), "%s", argv[1]);
	slash = strrchr(path, '/');
	if (!slash)
		return 2;
	*slash = 0;
	snprintf(path + strlen(path), sizeof(path) - strlen(path), ":%s", getenv("PATH") ?: "");
	setenv("PATH", path, 1);
	snprintf(work, sizeof(work), "%s", argv[2]);
	pod = start_pod();
	if (pod < 0)
		return 2;
	prctl_subreaper();
	run(pod);
	kill(pod, SIGKILL);
	waitpid(pod, NULL, 0);
	criu_free_opts();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
