/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/userns-inside.c - a tree restored inside its user namespace (ns.h).
 *
 * The kernel gives a new pid namespace to the user namespace of the task that makes it, so
 * a tree whose pid namespace must belong to its own user namespace (to mount a proc of it,
 * write its ns_last_pid, reboot() it, or let the user namespace's owner enter it) must be
 * forked from inside that user namespace: the root is cloned by a child of criu that has
 * entered it, with CLONE_PARENT (criu stays its parent and its session is criu's, as
 * before), and every other task is forked by its parent, inside. Those clones can set the
 * pids of the levels the tree's user namespace owns only; the pid at criu's level is steered
 * instead: a service child of criu writes criu's ns_last_pid to the pid - 1 just before each
 * clone, one clone at a time, and checks after it that the task got it. A process outside
 * the tree that forks in between takes it: the clone is made again. The service also does
 * for the tasks what needs a privilege over criu's user namespace (map_files, forced socket
 * buffers, owners of criu's view, the locked copy of the mount namespace).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "log.h"
#include "ns.h"
#include "restore-ctx.h"
#include "internal.h"
#include "userns.h"
#include "mnt-locks.h"
#include "threads.h"
#include "task-state.h"

#define LAST_PID     "/proc/sys/kernel/ns_last_pid"
#define FREE_WAIT_MS 1000
#define STEER_TRIES  8
#define STEER_LEVELS 32

struct steer_req {
	pid_t outer; /* the pid wanted at criu's level; for chown, the owner */
	pid_t inner; /* after the clone: the parent's pid of it, or -errno; the group */
	int flags;   /* for a file of /proc/self/map_files: open()'s */
	int sockopt; /* SO_SNDBUFFORCE or SO_RCVBUFFORCE of a socket sent after, to inner */
	int locker;  /* a locked copy of the mount namespace, root index inner (its fds after) */
	int chown;   /* a file sent after (O_PATH too): owner outer, group inner, then mode */
	int mode;    /* -1 for none */
	char map_file[48]; /* a file of /proc/self/map_files, by its name there */
	int nr_levels;	   /* a clone's pids below criu's level, innermost first */
	pid_t levels[STEER_LEVELS];
};

static struct {
	pid_t pid;
	int fd; /* the tasks' end of the service's socket, -1 without one */
} steer = { -1, -1 };

bool rst_ns_tree_inside(const struct rst_ctx *ctx)
{
	return ctx->ns && ctx->ns->user && rst_ns_own_pid(ctx);
}

int ns_last_pid_write(pid_t last)
{
	char buf[16];
	int fd, len, ret = 0;

	len = snprintf(buf, sizeof(buf), "%d", last);
	fd = open(LAST_PID, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, len) != len)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * criu's ns_last_pid is the whole host's: other instances of criu (and CRIU, which takes the
 * same lock) set it too, and each holds the file locked from its write to the clone.
 */
static int last_pid_lock_fd = -1;

void rst_ns_last_pid_lock(void)
{
	if (last_pid_lock_fd >= 0)
		return;
	last_pid_lock_fd = open(LAST_PID, O_RDONLY | O_CLOEXEC);
	if (last_pid_lock_fd >= 0 && flock(last_pid_lock_fd, LOCK_EX))
		pr_perror("Can't lock %s against other restores", LAST_PID);
}

void rst_ns_last_pid_unlock(void)
{
	if (last_pid_lock_fd < 0)
		return;
	close(last_pid_lock_fd); /* the lock goes with it */
	last_pid_lock_fd = -1;
}

/* criu's ns_last_pid before the service moved it back, or the highest pid it steered */
static pid_t high_last_pid;

static void note_high(pid_t pid)
{
	if (pid > high_last_pid)
		high_last_pid = pid;
}

pid_t ns_last_pid_read(void)
{
	char buf[16] = "";
	int fd = open(LAST_PID, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? atoi(buf) : 0;
}

/* The pids of pid at each level from criu's down (NSpid), into v: their number, or -1. */
static int read_nspid(pid_t pid, pid_t *v, int max)
{
	char path[64], line[512], *p, *end;
	int n = -1;
	long x;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (n < 0 && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		for (n = 0, p = line + 6; n < max; p = end, n++) {
			x = strtol(p, &end, 10);
			if (end == p)
				break;
			v[n] = x;
		}
	}
	fclose(f);
	return n;
}

/*
 * Is criu's pid outer the task with pids levels below it (innermost first, as clone3's
 * set_tid)? Its NSpid must be outer, then each of them, outermost first.
 */
static bool got_pid(pid_t outer, const pid_t *levels, int nr)
{
	pid_t v[STEER_LEVELS + 2];
	int k, n = read_nspid(outer, v, STEER_LEVELS + 2);

	if (n != nr + 1 || v[0] != outer)
		return false;
	for (k = 1; k < n; k++)
		if (v[k] != levels[nr - k])
			return false;
	return true;
}

/* A byte and an fd (SCM_RIGHTS) from sk: the fd, or -1 (errno set). */
static int recv_fd(int sk, char *c)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { c, 1 };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sk, &mh, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

static int send_fd(int sk, int fd, char c)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { &c, 1 };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	if (fd < 0) {
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	} else {
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	}
	return sendmsg(sk, &mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/*
 * A file of the asking task's map_files, which only a task with CAP_CHECKPOINT_RESTORE over
 * criu's user namespace opens: the task is the one that made the socket the request came on.
 */
static void serve_map_file(int reply, const struct steer_req *rq)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	char path[96], err;
	int fd = -1;

	if (!getsockopt(reply, SOL_SOCKET, SO_PEERCRED, &uc, &len) && uc.pid > 0 &&
	    !memchr(rq->map_file, '/', strnlen(rq->map_file, sizeof(rq->map_file)))) {
		snprintf(path, sizeof(path), "/proc/%d/map_files/%.*s", uc.pid,
			 (int)sizeof(rq->map_file), rq->map_file);
		fd = open(path, (rq->flags & O_ACCMODE) | O_CLOEXEC);
	} else
		errno = EINVAL;
	err = fd < 0 ? (char)errno : 0;
	send_fd(reply, fd, err);
	if (fd >= 0)
		close(fd);
}

/* A socket's buffer forced past the system's limit, which needs CAP_NET_ADMIN over criu's. */
static void serve_sockopt(int reply, const struct steer_req *rq)
{
	char c, err = 0;
	int sk = recv_fd(reply, &c);

	if (sk < 0 || (rq->sockopt != SO_SNDBUFFORCE && rq->sockopt != SO_RCVBUFFORCE))
		err = EINVAL;
	else if (setsockopt(sk, SOL_SOCKET, rq->sockopt, &rq->inner, sizeof(rq->inner)))
		err = (char)errno;
	if (sk >= 0)
		close(sk);
	send(reply, &err, 1, MSG_NOSIGNAL);
}

/* chmod of an fd that may be O_PATH (fchmod refuses those) */
static int chmod_fd(int fd, int mode)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return chmod(path, mode);
}

/*
 * An owner the task's user namespace may not map (a file of the host's, criu's view), then
 * the mode, which a task inside could not set on a file owned so.
 */
static void serve_chown(int reply, const struct steer_req *rq)
{
	char c, err = 0;
	int fd = recv_fd(reply, &c);

	if (fd < 0)
		err = EINVAL;
	else if (fchownat(fd, "", rq->outer, rq->inner, AT_EMPTY_PATH))
		err = (char)errno;
	else if (rq->mode >= 0 && chmod_fd(fd, rq->mode))
		err = (char)errno;
	if (fd >= 0)
		close(fd);
	send(reply, &err, 1, MSG_NOSIGNAL);
}

/*
 * The kernel locks the mounts of a namespace copied into another user namespace: the copy
 * that locks the tree's groups (mnt-locks-copy.c) is made by a child of the service, in
 * criu's, which enters the task's mount namespace with its staging area and tree root (sent
 * after the request), copies it and serves the clones on the request's socket.
 */
static void __attribute__((noreturn)) locker_main(int reply, pid_t task, int root)
{
	int ns, stage = -1, root_fd;
	char path[64], c;

	if (recv(reply, &c, 1, 0) != 1)
		_exit(1);
	if (c == 's')
		stage = recv_fd(reply, &c);
	root_fd = recv_fd(reply, &c);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", task);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (root_fd < 0 || ns < 0 || setns(ns, CLONE_NEWNS))
		_exit(1);
	_exit(mnt_locks_serve(stage, root_fd, root, reply));
}

static void serve_locker(int reply, const struct steer_req *rq)
{
	socklen_t len = sizeof(struct ucred);
	struct ucred uc;

	if (getsockopt(reply, SOL_SOCKET, SO_PEERCRED, &uc, &len) || uc.pid <= 0)
		return;
	if (fork() == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		locker_main(reply, uc.pid, rq->inner);
	}
}

/*
 * A pid taken at criu's level, by a short-lived process (a fork of the host, or a clone that
 * missed its pid and was killed), is waited for.
 */
static bool wait_pid_free(pid_t pid)
{
	int i;

	for (i = 0; i < FREE_WAIT_MS; i++) {
		if (kill(pid, 0) && errno == ESRCH)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * One clone: the task's request, criu's ns_last_pid moved, the task's answer, the check.
 * A request for pid 0 only holds the others back while the task makes a thread or child
 * that can have any pid.
 */
static void serve_one(int reply)
{
	socklen_t len = sizeof(struct ucred);
	struct steer_req rq;
	struct ucred uc;
	bool sent;
	char ok;

	if (recv(reply, &rq, sizeof(rq), 0) != sizeof(rq))
		return;
	if (rq.map_file[0]) {
		serve_map_file(reply, &rq);
		return;
	}
	if (rq.sockopt) {
		serve_sockopt(reply, &rq);
		return;
	}
	if (rq.locker) {
		serve_locker(reply, &rq);
		return;
	}
	if (rq.chown) {
		serve_chown(reply, &rq);
		return;
	}
	if (!rq.outer)
		ok = 'g';
	else if (!wait_pid_free(rq.outer))
		ok = 't';
	else {
		/* the asker runs first once answered, and the service till then (threads-wake.c) */
		if (!getsockopt(reply, SOL_SOCKET, SO_PEERCRED, &uc, &len) && uc.pid > 0)
			rst_clone_wake_raise(uc.pid);
		rst_ns_last_pid_lock();
		note_high(ns_last_pid_read());
		ok = ns_last_pid_write(rq.outer - 1) ? 'e' : 'g';
	}
	sent = send(reply, &ok, 1, MSG_NOSIGNAL) == 1;
	rst_clone_wake_criu_back();
	if (!sent || ok != 'g' || recv(reply, &rq, sizeof(rq), 0) != sizeof(rq)) {
		rst_clone_wake_leader_back();
		rst_ns_last_pid_unlock();
		return;
	}
	rst_clone_wake_leader_back();
	ok = !rq.outer || (rq.inner > 0 && rq.nr_levels <= STEER_LEVELS &&
			   got_pid(rq.outer, rq.levels, rq.nr_levels))
		     ? 'y'
		     : 'n';
	/* back above every pid of the tree: what criu and the tasks fork unsteered goes there */
	if (rq.outer) {
		note_high(rq.outer);
		ns_last_pid_write(high_last_pid);
		rst_ns_last_pid_unlock();
	}
	send(reply, &ok, 1, MSG_NOSIGNAL);
}

/*
 * The service keeps its socket and the log only: an end of the tasks' pipes to criu held
 * here would hide their death (criu's write to a root that died would not fail).
 */
static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 0)
		syscall(SYS_close_range, 0, lo - 1, 0);
	if (hi > lo + 1)
		syscall(SYS_close_range, lo + 1, hi - 1, 0);
	syscall(SYS_close_range, hi + 1, ~0U, 0);
}

static void __attribute__((noreturn)) steer_main(int sk)
{
	int reply;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_all_but(sk, log_get_fd() >= 0 ? log_get_fd() : sk);
	for (;;) {
		char c;

		reply = recv_fd(sk, &c);
		if (reply < 0 && errno == EINTR)
			continue;
		if (reply < 0)
			_exit(0);
		serve_one(reply);
		close(reply);
	}
}

int userns_rst_steer_start(const struct rst_ctx *ctx)
{
	int sk[2];

	if (!rst_ns_tree_inside(ctx))
		return 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk)) {
		pr_perror("Can't make the socket of the pid steering service");
		return -errno;
	}
	steer.pid = fork();
	if (steer.pid == 0) {
		close(sk[0]);
		steer_main(sk[1]);
	}
	close(sk[1]);
	if (steer.pid < 0) {
		pr_perror("Can't fork the pid steering service");
		close(sk[0]);
		return -EPERM;
	}
	pr_info("The pid steering service is %d\n", steer.pid);
	steer.fd = fcntl(sk[0], F_DUPFD_CLOEXEC, ctx->fd_top + 1);
	close(sk[0]);
	if (steer.fd < 0) {
		pr_perror("Can't move the pid steering socket above fd %d", ctx->fd_top);
		return -errno;
	}
	return 0;
}

void userns_rst_steer_stop(void)
{
	if (steer.fd >= 0)
		close(steer.fd);
	steer.fd = -1;
	if (steer.pid <= 0)
		return;
	kill(steer.pid, SIGKILL);
	waitpid(steer.pid, NULL, 0);
	steer.pid = -1;
}

int rst_ns_steer_keep(int *fds)
{
	if (steer.fd < 0)
		return 0;
	fds[0] = steer.fd;
	return 1;
}

void rst_ns_steer_drop(void)
{
	if (steer.fd >= 0)
		close(steer.fd);
	steer.fd = -1;
}

static int send_reply_fd(int fd)
{
	return send_fd(steer.fd, fd, 'r');
}

static void kill_child(long pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, __WALL);
}

/* A request to the service: its answer after sending rq on a new socket (r), or 0. */
static char ask(int r[2], const struct steer_req *rq)
{
	char ok = 0;

	if (r[0] < 0 &&
	    (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r) || send_reply_fd(r[1])))
		return 0;
	if (send(r[0], rq, sizeof(*rq), MSG_NOSIGNAL) != sizeof(*rq) || recv(r[0], &ok, 1, 0) != 1)
		return 0;
	return ok;
}

static void close_pair(int r[2])
{
	if (r[0] >= 0)
		close(r[0]);
	if (r[1] >= 0)
		close(r[1]);
	r[0] = r[1] = -1;
}

/*
 * One clone, between the service's move of ns_last_pid and its check: 1 done (*pid the
 * child's, 0 in it), 0 to try again (the child got another pid: killed), -1 failed.
 */
static int clone_steered_once(struct clone_args *args, pid_t outer, long *pid)
{
	struct steer_req rq = { .outer = outer, .nr_levels = args->set_tid_size };
	int r[2] = { -1, -1 }, ret = -1;
	char ok;

	if (args->set_tid_size > STEER_LEVELS) {
		pr_err("Pid %d is %llu pid namespaces below criu's: too deep\n", outer,
		       (unsigned long long)args->set_tid_size);
		return -1;
	}
	memcpy(rq.levels, (void *)(uintptr_t)args->set_tid, args->set_tid_size * sizeof(pid_t));

	ok = ask(r, &rq);
	if (ok != 'g') {
		if (ok == 't')
			pr_err("Pid %d at criu's level is taken by another process; restore needs "
			       "it free\n",
			       outer);
		else
			pr_err("The pid steering service did not set pid %d up (%c)\n", outer,
			       ok ? ok : '-');
		errno = EEXIST;
		goto out;
	}
	*pid = syscall(SYS_clone3, args, sizeof(*args));
	if (*pid == 0)
		return 1;
	rq.inner = *pid > 0 ? *pid : -errno;
	ok = ask(r, &rq);
	ret = *pid > 0 ? 1 : -1;
	if (*pid > 0 && ok != 'y') {
		/* criu saw it too, and lets it go (restore.c: a stray) */
		pr_warn("Pid %d at criu's level went to another process meanwhile: again\n", outer);
		kill_child(*pid);
		*pid = -1;
		ret = ok == 'n' ? 0 : -1;
	}
out:
	close_pair(r);
	return ret;
}

/*
 * A child forked inside: a process of the host that forks between the service's write and
 * the clone takes the pid, and the child that got another is killed and made again.
 */
long rst_ns_clone_steered(struct clone_args *args, pid_t outer)
{
	long pid = -1;
	int i, ret = 0;

	if (steer.fd < 0) {
		errno = EBADF;
		return -1;
	}
	for (i = 0; i < STEER_TRIES && !ret; i++)
		ret = clone_steered_once(args, outer, &pid);
	if (!ret) {
		pr_err("Pid %d at criu's level went to other processes %d times: run the restore "
		       "again\n",
		       outer, STEER_TRIES);
		errno = EEXIST;
	}
	return ret > 0 ? pid : -1;
}

/*
 * In criu, at a task's first event: is it a child that got a pid of criu's level not its
 * own (its parent kills it and clones again)? Its innermost pid tells: want_inner.
 */
bool rst_ns_is_stray(pid_t pid, pid_t want_inner)
{
	pid_t v[STEER_LEVELS + 2];
	int n = read_nspid(pid, v, STEER_LEVELS + 2);

	/* one level: criu's own namespace, none of the tree's */
	return n > 1 && v[n - 1] != want_inner;
}

int rst_ns_pid_lock(void)
{
	struct steer_req rq = {};
	int r[2] = { -1, -1 };

	if (steer.fd < 0)
		return -1;
	if (ask(r, &rq) != 'g') {
		close_pair(r);
		return -1;
	}
	close(r[1]);
	return r[0];
}

void rst_ns_pid_unlock(int held)
{
	struct steer_req rq = { .inner = 1 };
	char ok;

	if (held < 0)
		return;
	if (send(held, &rq, sizeof(rq), MSG_NOSIGNAL) == sizeof(rq))
		(void)!recv(held, &ok, 1, 0);
	close(held);
}

/*
 * A child sharing criu's memory (vfork) has no rseq area, and the root it clones inherits
 * none; the restore unregisters glibc's as criu's (blob.c): the root registers it again.
 */
static void rseq_register_again(void)
{
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;

	/* glibc's area is 32 bytes where __rseq_size tells less */
	if (__rseq_size)
		syscall(SYS_rseq, area, __rseq_size < 32 ? 32 : __rseq_size, 0, RSEQ_SIG);
}

/*
 * The child of criu that clones the root: it moves criu's ns_last_pid, enters the tree's
 * user namespace (with the root's groups and loginuid, which it can't set inside) and clones
 * at once, so that little can fork in between; the root's pid at criu's level, which it sees
 * (its pid namespace is criu's), goes to criu on pipe_w. It is a vfork() of criu: no copy of
 * criu's memory for a child that lives a moment (it never returns from clone_root_once()).
 */
static long clone_root_child(const struct rst_ctx *ctx, const struct rst_task *t,
			     struct clone_args *args, pid_t outer, int pipe_w)
{
	long pid;

	if (userns_rst_set_groups(ctx, t) || rst_set_loginuid(t))
		_exit(1);
	if (ns_last_pid_write(outer - 1)) {
		pr_perror("Can't set criu's ns_last_pid to %d", outer - 1);
		_exit(1);
	}
	if (setns(rst_ns_user_fd(), CLONE_NEWUSER)) {
		pr_perror("Can't enter the tree's user namespace to clone the root");
		_exit(1);
	}
	/* clone3 wants exit_signal 0: the root takes ours, SIGCHLD, criu's fork's */
	args->flags |= CLONE_PARENT;
	args->exit_signal = 0;
	pid = syscall(SYS_clone3, args, sizeof(*args));
	if (pid == 0) {
		rst_ns_last_pid_unlock(); /* the root's copy of criu's lock */
		rseq_register_again();
		return 0;
	}
	if (pid < 0)
		pr_perror("Can't clone the root inside the tree's user namespace");
	_exit(pid < 0 || write(pipe_w, &pid, sizeof(pid)) != sizeof(pid) ? 2 : 0);
}

/* One try: criu's pid of the root, 0 in the root, -EAGAIN (another pid: gone), -1 failed. */
static long clone_root_once(const struct rst_ctx *ctx, const struct rst_task *t,
			    struct clone_args *args, pid_t outer)
{
	bool sibling = ctx->ro->restore_sibling;
	int status = -1, p[2];
	long pid = -1;
	pid_t x;

	if (pipe2(p, O_CLOEXEC)) {
		pr_perror("Can't make a pipe to clone the root");
		return -1;
	}
	/*
	 * --restore-sibling: the root is criu's parent's child, so is its cloner (a fork, which
	 * criu can't wait for: its pipe says when it is done, and the parent reaps it)
	 */
	if (sibling)
		x = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
	else
		x = vfork();
	if (x == 0) {
		close(p[0]);
		pid = clone_root_child(ctx, t, args, outer, p[1]);
		close(p[1]);
		return pid; /* the root */
	}
	close(p[1]);
	if (x < 0)
		pr_perror("Can't fork to clone the root inside its user namespace");
	else if (!sibling)
		waitpid(x, &status, 0);
	if (x > 0 && ((!sibling && (!WIFEXITED(status) || WEXITSTATUS(status))) ||
		      read(p[0], &pid, sizeof(pid)) != sizeof(pid)))
		pid = -1;
	close(p[0]);
	if (pid <= 0 || pid == outer)
		return pid;
	/* a fork of the host took it: this root goes, not seen by anyone yet */
	pr_warn("The root got pid %ld at criu's level, not %d (a process of the host forked "
		"meanwhile): again\n",
		pid, outer);
	kill(pid, SIGKILL);
	if (!sibling)
		waitpid(pid, NULL, 0);
	return -EAGAIN;
}

/* In criu: the root, parent criu. Returns criu's pid of it, 0 in the root, -1 on failure. */
long userns_rst_clone_root(const struct rst_ctx *ctx, const struct rst_task *t,
			   struct clone_args *args, pid_t outer)
{
	pid_t before = ns_last_pid_read();
	long pid = -EAGAIN;
	int i;

	rst_ns_last_pid_lock(); /* the child's copy of the fd holds it too */
	for (i = 0; i < STEER_TRIES && pid == -EAGAIN; i++) {
		if (i && !wait_pid_free(outer))
			break;
		pid = clone_root_once(ctx, t, args, outer);
	}
	if (pid == 0)
		return 0;
	/* back above the tree's pids: what is forked unsteered next must not take one */
	ns_last_pid_write(before > outer ? before : outer);
	rst_ns_last_pid_unlock();
	if (pid == -EAGAIN)
		pr_err("Pid %d at criu's level, the root's, went to other processes %d times or "
		       "is still taken: run the restore again\n",
		       outer, i);
	return pid < 0 ? -1 : pid;
}

int rst_ns_open_map_file(const char *link, int flags)
{
	const char *self = "/proc/self/map_files/";
	struct steer_req rq = { .flags = flags };
	int r[2] = { -1, -1 }, fd = -1;
	char err = 0;

	if (steer.fd < 0 || strncmp(link, self, strlen(self)))
		return open(link, flags | O_CLOEXEC);
	snprintf(rq.map_file, sizeof(rq.map_file), "%s", link + strlen(self));
	if (!socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r) && !send_reply_fd(r[1]) &&
	    send(r[0], &rq, sizeof(rq), MSG_NOSIGNAL) == sizeof(rq)) {
		fd = recv_fd(r[0], &err);
		if (fd < 0 && err)
			errno = (unsigned char)err;
	}
	close_pair(r);
	return fd;
}

/* A request about a file sent after it, answered with an errno (0: done): 0 or -1. */
static int ask_with_fd(const struct steer_req *rq, int fd)
{
	int r[2] = { -1, -1 }, ret = -1;
	char err = EIO;

	if (!socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r) && !send_reply_fd(r[1]) &&
	    send(r[0], rq, sizeof(*rq), MSG_NOSIGNAL) == sizeof(*rq) && !send_fd(r[0], fd, 'f') &&
	    recv(r[0], &err, 1, 0) == 1 && !err)
		ret = 0;
	close_pair(r);
	if (ret)
		errno = (unsigned char)err;
	return ret;
}

int rst_ns_force_sock_buf(int sk, int opt, int val)
{
	struct steer_req rq = { .sockopt = opt, .inner = val };

	if (steer.fd < 0)
		return setsockopt(sk, SOL_SOCKET, opt, &val, sizeof(val));
	return ask_with_fd(&rq, sk);
}

int rst_ns_start_locker(int stage, int root_fd, int root)
{
	struct steer_req rq = { .locker = 1, .inner = root };
	int r[2] = { -1, -1 };
	char c = stage >= 0 ? 's' : '-';

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r) || send_reply_fd(r[1]) ||
	    send(r[0], &rq, sizeof(rq), MSG_NOSIGNAL) != sizeof(rq) ||
	    send(r[0], &c, 1, MSG_NOSIGNAL) != 1 || (stage >= 0 && send_fd(r[0], stage, 's')) ||
	    send_fd(r[0], root_fd, 'r')) {
		close_pair(r);
		return -1;
	}
	close(r[1]);
	return r[0];
}

bool rst_ns_steered(void)
{
	return steer.fd >= 0;
}

int userns_rst_last_pid_above_tree(const struct rst_ctx *ctx)
{
	pid_t top = 0, now;
	size_t i, j;
	int ret = 0;

	if (!rst_ns_tree_inside(ctx))
		return 0;
	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *t = &ctx->tasks[i];

		if (t->pid > top)
			top = t->pid;
		for (j = 0; j < t->nr_threads; j++)
			if (t->tids[j] > top)
				top = t->tids[j];
	}
	rst_ns_last_pid_lock();
	now = ns_last_pid_read();
	if (now < top)
		ret = ns_last_pid_write(top);
	rst_ns_last_pid_unlock();
	if (ret)
		pr_err("Can't move criu's ns_last_pid above the tree's pids (%d): %s\n", top,
		       strerror(-ret));
	return ret;
}

int rst_ns_fchown_mode(int fd, uid_t uid, gid_t gid, int mode)
{
	struct steer_req rq = { .chown = 1, .outer = uid, .inner = gid, .mode = mode };

	if (steer.fd < 0) {
		if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH))
			return -1;
		return mode >= 0 ? chmod_fd(fd, mode) : 0;
	}
	return ask_with_fd(&rq, fd);
}

int rst_ns_chown_mode(const char *path, uid_t uid, gid_t gid, int mode, bool follow)
{
	int fd, ret;

	fd = open(path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return -1;
	ret = rst_ns_fchown_mode(fd, uid, gid, mode);
	close(fd);
	return ret;
}
