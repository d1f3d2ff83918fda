/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test side of the ZDTM protocol: option parsing, daemonizing with a readiness pipe,
 * the pidfile, waiting for SIGTERM and writing the verdict. See zdtmtst.h.
 */
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

volatile sig_atomic_t test_sig_received;
int test_keep_session;
const char *test_name = "zdtm";

static const char *opt_pidfile;
static const char *opt_outfile;
static int ready_fd = -1; /* write end of the readiness pipe, in the test process */
static int verdict_given;
static int failed;

static void usage(const char *prog, int status)
{
	fprintf(status ? stderr : stdout,
		"Usage: %s [--pidfile=FILE] [--outfile=FILE] [-h]\n"
		"  --pidfile=FILE  daemonize; FILE gets the test's pid once it is ready\n"
		"  --outfile=FILE  write PASS or FAIL there; log to FILE.log\n"
		"Without --pidfile the test runs in the foreground: send it SIGTERM to finish.\n",
		prog);
	exit(status);
}

static void parse_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pidfile", required_argument, NULL, 'p' },
		{ "outfile", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			opt_pidfile = optarg;
			break;
		case 'o':
			opt_outfile = optarg;
			break;
		case 'h':
			usage(argv[0], 0);
			break;
		default:
			usage(argv[0], 2);
		}
	}
	if (optind != argc)
		usage(argv[0], 2);
}

static void sigterm_handler(int sig)
{
	(void)sig;
	test_sig_received = 1;
}

/* No SA_RESTART: a test sleeping in a syscall must see EINTR when SIGTERM comes. */
static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = sigterm_handler };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL)) {
		perror("zdtm: sigaction(SIGTERM)");
		exit(1);
	}
}

/* stdin from /dev/null, stdout and stderr to OUTFILE.log, so the test holds few fds. */
static void redirect_stdio(void)
{
	char log[PATH_MAX];
	int fd;

	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0) {
		perror("zdtm: /dev/null");
		exit(1);
	}
	if (fd != 0)
		close(fd);
	if (!opt_outfile)
		return;

	snprintf(log, sizeof(log), "%s.log", opt_outfile);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0) {
		fprintf(stderr, "zdtm: can't open %s: %m\n", log);
		exit(1);
	}
	if (dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
		perror("zdtm: dup2");
		exit(1);
	}
	if (fd > 2)
		close(fd);
	setvbuf(stdout, NULL, _IONBF, 0);
	unlink(opt_outfile); /* a stale verdict must not count */
}

/* Written to a temporary name and renamed: the runner never reads a half-written pidfile. */
static int write_pidfile(pid_t pid)
{
	char tmp[PATH_MAX], buf[32];
	int fd, len, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", opt_pidfile);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", pid);
	ok = write(fd, buf, len) == len;
	if (close(fd) || !ok || rename(tmp, opt_pidfile))
		return -EIO;
	return 0;
}

static void drop_ready_fd(void)
{
	if (ready_fd >= 0)
		close(ready_fd);
	ready_fd = -1;
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/*
 * ZDTM_USERNS="FIRST LOWER COUNT[,...]": the launcher goes into a new user namespace first,
 * whose uid and gid maps are these extents (setgroups "deny" with ZDTM_SETGROUPS=deny); the
 * namespaces below are then owned by it. A child of the launcher writes the maps: only a
 * process of the parent namespace may write several extents.
 */
static int write_ns_file(pid_t pid, const char *name, const char *text)
{
	char path[64];
	int fd, ok;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_WRONLY);
	ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (!ok)
		fprintf(stderr, "zdtm: writing %s to %s: %m\n", text, path);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

static void __attribute__((noreturn)) write_user_maps(pid_t pid, int rfd, const char *extents)
{
	const char *sg = getenv("ZDTM_SETGROUPS");
	char map[512], *p;
	char c;

	snprintf(map, sizeof(map), "%s\n", extents);
	for (p = map; *p; p++)
		if (*p == ',')
			*p = '\n';
	if (read(rfd, &c, 1) != 1)
		_exit(1);
	if (sg && !strcmp(sg, "deny") && write_ns_file(pid, "setgroups", "deny"))
		_exit(1);
	_exit(write_ns_file(pid, "uid_map", map) || write_ns_file(pid, "gid_map", map));
}

static int enter_user_namespace(void)
{
	const char *extents = getenv("ZDTM_USERNS");
	int go[2], status;
	pid_t writer;

	if (!extents)
		return 0;
	if (pipe(go))
		return -1;
	writer = fork();
	if (writer < 0)
		return -1;
	if (!writer)
		write_user_maps(getppid(), go[0], extents);
	close(go[0]);
	if (unshare(CLONE_NEWUSER) || write(go[1], "", 1) != 1 ||
	    waitpid(writer, &status, 0) != writer || !WIFEXITED(status) || WEXITSTATUS(status)) {
		perror("zdtm: making the user namespace of ZDTM_USERNS");
		return -1;
	}
	close(go[1]);
	return 0;
}

/* The test, in its user namespace: root there, as a container's init is. */
static int become_userns_root(void)
{
	const char *sg = getenv("ZDTM_SETGROUPS");

	int fd;

	if (!getenv("ZDTM_USERNS"))
		return 0;
	/* the verdict is written with ids that may not own the runner's directory */
	fd = opt_outfile ? open(opt_outfile, O_WRONLY | O_CREAT, 0644) : -1;
	if (fd >= 0) {
		fchmod(fd, 0666);
		close(fd);
	}
	/* the launcher's groups may have no id inside */
	if ((!sg || strcmp(sg, "deny")) && setgroups(0, NULL)) {
		perror("zdtm: setgroups in the user namespace");
		return -1;
	}
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0)) {
		perror("zdtm: becoming root of the user namespace");
		return -1;
	}
	/*
	 * A uid change makes the task undumpable, and its memory is still the host's (it was
	 * exec'd outside): its own /proc/PID/ns would be closed to it and its children. A
	 * container's init is exec'd inside, and so open to its namespace's root.
	 */
	if (prctl(PR_SET_DUMPABLE, 1)) {
		perror("zdtm: PR_SET_DUMPABLE in the user namespace");
		return -1;
	}
	return 0;
}

static bool new_net(void)
{
	const char *net = getenv("ZDTM_NEWNET");

	return net && !strcmp(net, "1");
}

static int loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = -1;

	if (s >= 0 && !ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (s >= 0)
		close(s);
	return ret;
}

static bool in_userns(void)
{
	return getenv("ZDTM_USERNS") && getenv("ZDTM_ROOT");
}

static int mount_in(const char *root, const char *dir, const char *type, unsigned long flags,
		    const char *data)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, dir);
	if (mount(type, path, type, flags, data)) {
		fprintf(stderr, "zdtm: mount %s on %s: %m\n", type, path);
		return -1;
	}
	return 0;
}

/*
 * A root for a test in a user namespace of its own (ZDTM_ROOT and ZDTM_USERNS: the uns
 * flavour, the userns tests in ns): made by the launcher while it is still the host's root,
 * in a private mount namespace of its own, as a rootful runtime prepares the root of a
 * rootless container before it makes the user namespace. The root of the user namespace
 * could not make it: its mount namespace is a copy of the host's, whose mounts are locked
 * together (a bind of "/" alone, without the host's mounts on it, is EINVAL there), and a
 * devtmpfs can't be mounted in a user namespace. So the host's root file system alone is
 * bound on $ZDTM_ROOT, with a devtmpfs on its /dev; the host's mounts stay around it for
 * now, so that the test may mount a proc and a sysfs of its own in the copy (the kernel
 * wants a fully visible one in the namespace first), and go with the pivot_root.
 */
static int prepare_root_as_host_root(void)
{
	const char *root = getenv("ZDTM_ROOT");

	if (!in_userns())
		return 0;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("/", root, NULL, MS_BIND, NULL)) {
		perror("zdtm: binding the root file system before the user namespace");
		return -1;
	}
	return mount_in(root, "dev", "devtmpfs", MS_NOSUID, NULL);
}

/*
 * The "pidns" flavour (ZDTM_NEWNS=1 in the environment): the test is pid 1 of new pid, uts,
 * ipc and time namespaces, made by the launcher before it forks. /proc and the mounts stay
 * the host's, unless ZDTM_ROOT names a directory (the "ns" flavour): then the launcher makes
 * a mount namespace too, and the test its root there (enter_test_root()). The time namespace is
 * made with offsets ZDTM_TIMENS (seconds of CLOCK_MONOTONIC and CLOCK_BOOTTIME, "a b"), 0 0 by
 * default, written before the test enters it.
 */
static int enter_test_namespaces(void)
{
	const char *ns = getenv("ZDTM_NEWNS"), *offs = getenv("ZDTM_TIMENS");
	long long mono = 0, boot = 0;
	char buf[96];
	int fd, len;

	if (ns && !strcmp(ns, "1") && prepare_root_as_host_root())
		return -1;
	if (enter_user_namespace())
		return -1;
	if (!ns || strcmp(ns, "1"))
		return 0;
	if (offs && sscanf(offs, "%lld %lld", &mono, &boot) != 2) {
		fprintf(stderr, "zdtm: ZDTM_TIMENS wants two numbers of seconds\n");
		return -1;
	}
	/* ZDTM_NEWNET=1: a network namespace too, its lo up as a container runtime leaves it */
	if (unshare(CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWTIME |
		    (getenv("ZDTM_ROOT") ? CLONE_NEWNS : 0) | (new_net() ? CLONE_NEWNET : 0)) ||
	    (new_net() && loopback_up())) {
		perror("zdtm: unshare for the ns flavour");
		return -1;
	}
	/* nothing the test mounts may reach the host's namespace */
	if (getenv("ZDTM_ROOT") && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		perror("zdtm: making the test's mounts private");
		return -1;
	}
	len = snprintf(buf, sizeof(buf), "%d %lld 0\n%d %lld 0\n", CLOCK_MONOTONIC, mono,
		       CLOCK_BOOTTIME, boot);
	fd = open("/proc/self/timens_offsets", O_WRONLY);
	if (fd < 0 || write(fd, buf, len) != len) {
		perror("zdtm: timens_offsets");
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * ZDTM_EXT_MNT=DIR: a directory of the host's (made if need be) bound on /mnt of the root,
 * before the host's mounts are gone: an external mount of the test's namespace.
 */
static int bind_external(const char *root)
{
	const char *dir = getenv("ZDTM_EXT_MNT");
	char path[PATH_MAX];

	if (!dir)
		return 0;
	snprintf(path, sizeof(path), "%s/mnt", root);
	if ((mkdir(dir, 0755) && errno != EEXIST) || mount(dir, path, NULL, MS_BIND, NULL)) {
		fprintf(stderr, "zdtm: binding %s on %s: %m\n", dir, path);
		return -1;
	}
	return 0;
}

/*
 * The root file system's mount: the host's bound here, without the mounts on it; in a user
 * namespace, the launcher's (prepare_root_as_host_root()) bound on itself with its devtmpfs:
 * pivot_root wants a mount that is not locked to its parent, as the copy's are.
 */
static int bind_root(const char *root)
{
	int ret;

	if (in_userns())
		ret = mount(root, root, NULL, MS_BIND | MS_REC, NULL);
	else
		ret = mount("/", root, NULL, MS_BIND, NULL);
	if (ret) {
		perror("zdtm: binding the root file system for the test's root");
		return -1;
	}
	return in_userns() ? 0 : mount_in(root, "dev", "devtmpfs", MS_NOSUID, NULL);
}

/*
 * The "ns" and "uns" flavours' root, made by the test (pid 1: its proc is the namespace's):
 * the host's root file system bound on $ZDTM_ROOT without the mounts on it (the test tree and
 * the libraries are there, at the same paths), a devtmpfs, a proc, a sysfs and a devpts of
 * its own (its ptys: /dev/ptmx finds the devpts on /dev/pts next to it), then pivoted into.
 * The working directory stays the same path. In a user namespace a sysfs needs a network
 * namespace of the user namespace's own (ZDTM_NEWNET=1): without one there is no /sys.
 */
static int enter_test_root(void)
{
	const char *root = getenv("ZDTM_ROOT");
	bool sysfs = !in_userns() || new_net();
	char cwd[PATH_MAX];

	if (!root)
		return 0;
	if (!getcwd(cwd, sizeof(cwd))) {
		perror("zdtm: getcwd");
		return -1;
	}
	if (bind_root(root) ||
	    mount_in(root, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) ||
	    (sysfs && mount_in(root, "sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) ||
	    mount_in(root, "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620") ||
	    bind_external(root))
		return -1;
	if (chdir(root) || syscall(SYS_pivot_root, ".", ".") || umount2(".", MNT_DETACH) ||
	    chdir(cwd)) {
		perror("zdtm: pivot_root into the test's root");
		return -1;
	}
	return 0;
}

/* The launcher half: wait until the test is ready, publish its pid, go away. */
static void __attribute__((noreturn)) launcher(pid_t child, int rfd)
{
	char c;
	ssize_t ret;
	int status;

	do
		ret = read(rfd, &c, 1);
	while (ret < 0 && errno == EINTR);

	if (ret == 1) {
		/*
		 * Wait for EOF too: the test has closed its end by then, so the runner's
		 * snapshot of its fds never catches the pipe.
		 */
		do
			ret = read(rfd, &c, 1);
		while (ret > 0 || (ret < 0 && errno == EINTR));
		if (write_pidfile(child)) {
			fprintf(stderr, "zdtm: can't write pidfile %s\n", opt_pidfile);
			kill(child, SIGKILL);
			_exit(1);
		}
		_exit(0);
	}
	/* The test died before it was ready: pass its status on. */
	fprintf(stderr, "zdtm: %s exited before it was ready\n", test_name);
	if (waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status))
		_exit(WEXITSTATUS(status));
	_exit(1);
}

void test_init(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	int pfd[2];
	pid_t pid;

	test_name = slash ? slash + 1 : argv[0];
	parse_options(argc, argv);
	redirect_stdio();
	install_handler();

	if (!opt_pidfile)
		return;

	if (pipe2(pfd, O_CLOEXEC)) {
		perror("zdtm: pipe");
		exit(1);
	}
	if (enter_test_namespaces())
		exit(1);
	pid = fork();
	if (pid < 0) {
		perror("zdtm: fork");
		exit(1);
	}
	if (pid > 0) {
		close(pfd[1]);
		launcher(pid, pfd[0]);
	}
	close(pfd[0]);
	if (enter_test_root() || become_userns_root())
		exit(1);
	/* a session of its own, as a daemon: the whole session is in the dumped tree */
	if (!test_keep_session && setsid() < 0) {
		perror("zdtm: setsid");
		exit(1);
	}
	ready_fd = pfd[1];
	/* children forked before test_daemon() must not hold the readiness pipe open */
	pthread_atfork(NULL, NULL, drop_ready_fd);
}

void test_daemon(void)
{
	ssize_t ret;

	if (ready_fd < 0) {
		test_msg("ready, pid %d: send SIGTERM to finish\n", getpid());
		return;
	}
	do
		ret = write(ready_fd, "R", 1);
	while (ret < 0 && errno == EINTR);
	if (ret != 1) {
		perror("zdtm: readiness pipe");
		exit(1);
	}
	close(ready_fd);
	ready_fd = -1;
}

void test_waitsig(void)
{
	sigset_t block, old, wait_set;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	wait_set = old;
	sigdelset(&wait_set, SIGTERM);

	/* sigsuspend() returns after any handled signal; only SIGTERM ends the wait. */
	while (!test_sig_received)
		sigsuspend(&wait_set);

	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void write_verdict(const char *text)
{
	size_t len = strlen(text);
	int fd = 1;

	if (opt_outfile) {
		fd = open(opt_outfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			fprintf(stderr, "zdtm: can't open %s: %m\n", opt_outfile);
			return;
		}
	}
	if (write(fd, text, len) != (ssize_t)len)
		fprintf(stderr, "zdtm: can't write the verdict: %m\n");
	if (fd != 1)
		close(fd);
}

void pass(void)
{
	if (failed) {
		test_msg("pass() after a failure: the failure stands\n");
		return;
	}
	test_msg("PASS\n");
	if (!verdict_given)
		write_verdict("PASS\n");
	verdict_given = 1;
}

void fail(const char *fmt, ...)
{
	char msg[1024];
	char line[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	test_msg("FAIL: %s\n", msg);
	if (failed)
		return; /* the first failure is the reason; it replaces a PASS too */
	failed = 1;
	snprintf(line, sizeof(line), "FAIL: %s\n", msg);
	write_verdict(line);
	verdict_given = 1;
}

void test_skip(const char *fmt, ...)
{
	char msg[1024], line[1100];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	test_msg("SKIP: %s\n", msg);
	snprintf(line, sizeof(line), "SKIP: %s\n", msg);
	write_verdict(line);
	exit(TEST_SKIP_STATUS);
}

int test_failed(void)
{
	return failed;
}

int test_check_across_dump(int (*setup)(void), void (*check)(void))
{
	/* ready only once the state is set up: the dump must see all of it */
	if (setup()) {
		fail("setup failed: %s", strerror(errno));
		return 1;
	}
	check();
	if (failed)
		return 1;
	test_daemon();
	test_waitsig();
	check();
	if (!failed)
		pass();
	return failed;
}

void test_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[%s %d] ", test_name, getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

const char *test_path(const char *tag)
{
	static char path[PATH_MAX];

	if (opt_outfile)
		snprintf(path, sizeof(path), "%s.%s", opt_outfile, tag);
	else
		snprintf(path, sizeof(path), "/tmp/zdtm-%s-%d.%s", test_name, getpid(), tag);
	return path;
}

static char leftovers_path[PATH_MAX];

static void clear_leftovers(void)
{
	unlink(leftovers_path);
}

void test_note_leftover(const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	if (!leftovers_path[0]) {
		snprintf(leftovers_path, sizeof(leftovers_path), "%s", test_path("leftovers"));
		atexit(clear_leftovers); /* first registered: runs after every undo at exit */
	}
	f = fopen(leftovers_path, "a");
	if (!f) {
		test_msg("can't note a leftover in %s: %m\n", leftovers_path);
		return;
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
}

int test_wait_child(pid_t pid, const char *what)
{
	int status = 0;

	if (waitpid(pid, &status, 0) != pid) {
		fail_perror("can't wait for %s %d", what, pid);
		return -1;
	}
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	if (WIFEXITED(status))
		fail("%s failed check %d", what, WEXITSTATUS(status));
	else
		fail("%s ended with status %#x", what, status);
	return -1;
}

int test_read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/*
 * The pid of ours that names pid in /proc: in the pidns and uns flavours /proc is the host's
 * and names a task by its pid there. A pidfd's fdinfo gives it ("Pid:" is in the pid
 * namespace of the /proc that shows the fdinfo). A thread's tid too. -1 for a pid that is gone.
 */
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
pid_t test_proc_pid(pid_t pid)
{
	char path[64], buf[1024], *line;
	int pidfd, fd;
	ssize_t n;

	/* a thread's tid needs PIDFD_THREAD (6.9); a process's works without it too */
	pidfd = syscall(SYS_pidfd_open, pid, PIDFD_THREAD);
	if (pidfd < 0 && errno == EINVAL)
		pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	close(pidfd);
	buf[n > 0 ? n : 0] = '\0';
	line = strstr(buf, "\nPid:\t");
	return line ? atoi(line + 6) : -1;
}

int test_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st)
		test_msg("'%s' failed: %d\n", cmd, st);
	return st ? -1 : 0;
}

int test_sh_all(const char *const *cmds)
{
	for (; *cmds; cmds++)
		if (test_sh("%s", *cmds))
			return -1;
	return 0;
}

int test_sh_out(const char *cmd, char *buf, size_t len)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	return pclose(f) ? -1 : 0;
}

void test_fail_diff(const char *what, const char *before, const char *after)
{
	size_t i = 0, start = 0;

	for (; before[i] && before[i] == after[i]; i++)
		if (before[i] == '\n')
			start = i + 1;
	fail("%s differ after the restore, before:\n%.*s\nafter:\n%.*s", what,
	     (int)strcspn(before + start, "\n"), before + start, (int)strcspn(after + start, "\n"),
	     after + start);
}

int test_own_netns(const char *const *cmds)
{
	if (unshare(CLONE_NEWNET)) {
		fail_perror("unshare(CLONE_NEWNET)");
		return -1;
	}
	if (test_sh_all(cmds)) {
		fail("the setup's commands failed");
		return -1;
	}
	return 0;
}

bool test_ns_owned_by_own_user(const char *link)
{
	struct stat user, owner;
	char path[64];
	int ns, fd;
	bool ok;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", link);
	ns = open(path, O_RDONLY);
	fd = ns < 0 ? -1 : ioctl(ns, NS_GET_USERNS);
	ok = fd >= 0 && !fstat(fd, &owner) && !stat("/proc/self/ns/user", &user) &&
	     owner.st_ino == user.st_ino && owner.st_dev == user.st_dev;
	if (fd >= 0)
		close(fd);
	if (ns >= 0)
		close(ns);
	return ok;
}
