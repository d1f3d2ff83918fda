/* SPDX-License-Identifier: GPL-2.0 */
/*
 * files/pidfd.c - pidfds (pidfd_open). A pidfd names a struct pid, not a number: only one
 * of a process in the dumped tree can name the same process after restore, where it is
 * opened again by that pid. A pidfd of a process outside the tree is refused, as CRIU does.
 * PIDFD_NONBLOCK is a file flag; PIDFD_THREAD (O_EXCL) is kept too.
 *
 * A pidfd outlives its process: once it is reaped, fdinfo says "Pid: -1" and the pidfd
 * polls readable, signals fail with ESRCH and PIDFD_GET_INFO tells the exit status. Such a
 * process comes back as a stand-in: a child of the restoring task, untraced, that exits
 * at once as the process did (the status, read at dump, goes to pidfd-extra.img, ours;
 * without it the stand-in dies by SIGKILL, as CRIU's does). Each pidfd of that process is
 * opened on the stand-in before it is reaped, so all of them share one struct pid; the
 * pidfds of one dead process are made in one task (tree/fork.c keys them by its inode).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "dump.h"
#include "files.h"
#include "image.h"
#include "log.h"
#include "ns.h"
#include "proc-fdinfo.h"
#include "restore-ctx.h"
#include "tree.h"

#include "pidfd-extra.pb-c.h"

#define PIDFD_OPEN_FLAGS (O_NONBLOCK | O_EXCL) /* PIDFD_NONBLOCK, PIDFD_THREAD */

/* linux/pidfd.h of 6.13 and later: PIDFD_GET_INFO's first version, and its exit bit */
struct pidfd_info_v0 {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
	uint32_t coredump_mask, spare;
};
#define PIDFD_GET_INFO_V0 _IOWR(0xFF, 11, struct pidfd_info_v0)
#define PIDFD_INFO_EXIT	  (1ULL << 3)

static bool pidfd_match(const struct fd_parms *p)
{
	return !strcmp(p->link, "anon_inode:[pidfd]");
}

/* ---- dump ---- */

/* The dump's: pidfd-extra.img, one entry per dead process, open once one is met. */
struct pidfd_dump {
	struct cr_img *img;
	uint64_t *seen;
	size_t nr;
};

static int pidfd_dump_close(struct files_dump_state *fs, void *priv)
{
	struct pidfd_dump *pd = priv;
	int ret = close_image(pd->img);

	pd->img = NULL;
	return ret;
}

static void pidfd_dump_fini(struct files_dump_state *fs, void *priv, bool failed)
{
	struct pidfd_dump *pd = priv;

	pidfd_dump_close(fs, pd);
	free(pd->seen);
}

static const struct files_dump_key pidfd_dump_key = {
	.name = "dead pidfds",
	.size = sizeof(struct pidfd_dump),
	.close = pidfd_dump_close,
	.fini = pidfd_dump_fini,
};

/* How the process died, from the kernel: 1 and *status, 0 if it does not tell, -errno. */
static int exit_status(const struct fd_parms *p, int *status)
{
	struct pidfd_info_v0 info = { .mask = PIDFD_INFO_EXIT };
	int pidfd, fd, ret = 0;

	pidfd = syscall(SYS_pidfd_open, p->pid, 0);
	fd = pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, p->fd, 0);
	if (fd < 0) {
		pr_perror("Can't copy fd %d of task %d", p->fd, p->pid);
		ret = -errno;
	} else if (!ioctl(fd, PIDFD_GET_INFO_V0, &info) && (info.mask & PIDFD_INFO_EXIT)) {
		*status = info.exit_code;
		ret = 1;
	}
	if (fd >= 0)
		close(fd);
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}

/* A reaped process: its exit status, once per process, to pidfd-extra.img. */
static int dump_dead(struct dump_ctx *dc, const struct fd_parms *p, uint64_t ino)
{
	struct pidfd_dump *pd = files_dump_priv(dc->fstate, &pidfd_dump_key);
	PidfdExtraEntry x = PIDFD_EXTRA_ENTRY__INIT;
	int status = 0, ret;
	size_t i;

	if (!pd)
		return -ENOMEM;
	for (i = 0; i < pd->nr; i++)
		if (pd->seen[i] == ino)
			return 0;
	ret = exit_status(p, &status);
	if (ret <= 0)
		return ret; /* a kernel that doesn't tell: nobody can see it, nothing to keep */
	if (!WIFEXITED(status) && !WIFSIGNALED(status)) {
		pr_err("fd %d of task %d is a pidfd of a process that ended with status %#x, "
		       "neither an exit nor a signal: not supported\n",
		       p->fd, p->pid, status);
		return -EOPNOTSUPP;
	}
	if (ARRAY_ADD_ROOM(pd->seen, pd->nr))
		return -ENOMEM;
	pd->seen[pd->nr++] = ino;
	if (!pd->img)
		pd->img = open_image_at(dc->dfd, CR_FD_PIDFD_EXTRA, O_DUMP, 0);
	if (!pd->img)
		return -EIO;
	x.ino = ino;
	x.exit_status = status;
	return pb_write_one(pd->img, &x.base);
}

static int pidfd_dump(struct dump_ctx *dc, const struct fd_parms *p, FileEntry *fe)
{
	PidfdEntry *e = malloc(sizeof(*e));
	struct fdinfo_pidfd info;
	int pid, ret;

	if (!e)
		return -ENOMEM;
	pidfd_entry__init(e);
	fe->pidfd = e;
	e->id = fe->id;
	e->fown = p->fown;
	e->flags = p->flags;
	e->ino = p->st.st_ino;
	ret = parse_fdinfo_pidfd(p->fdinfo, p->fdinfo_path, &info);
	if (ret)
		return ret;
	pid = info.pid;
	if (pid <= 0) {
		e->nspid = -1;
		return dump_dead(dc, p, e->ino);
	}
	/* One task is dumped: the tree is the task itself. */
	if (pid != p->pid) {
		pr_err("fd %d of task %d is a pidfd of process %d, which is not in the dumped "
		       "tree: it could not name the same process after restore\n",
		       p->fd, p->pid, pid);
		return -EOPNOTSUPP;
	}
	e->nspid = info.nspid;
	return 0;
}

static int pidfd_check(const FileEntry *fe)
{
	if (!fe->pidfd || fe->pidfd->id != fe->id || !fe->pidfd->fown ||
	    (fe->pidfd->nspid <= 0 && fe->pidfd->nspid != -1)) {
		pr_err("files.img: file id %u has a bad pidfd entry\n", fe->id);
		return -EINVAL;
	}
	return 0;
}

/* ---- restore ---- */

/*
 * A stand-in made for a dead process, reaped once the task's fds are in place. Its own
 * pidfd, made with it, is kept meanwhile: the kernel keeps the exit status of a process
 * only where a pidfd of it exists when it is reaped.
 */
struct stand_in {
	uint64_t ino;
	pid_t pid;
	int pidfd;
};

/* pidfd-extra.img, read on first use, and the stand-ins of this task. */
struct pidfd_rst {
	PidfdExtraEntry **extras;
	size_t nr_extras;
	struct stand_in *v;
	size_t nr;
	bool loaded;
	int err;
};

static void pidfd_rst_fini(struct rst_fds *rf, void *priv, bool failed)
{
	struct pidfd_rst *pr = priv;
	bool any = false;
	size_t i;

	for (i = 0; i < pr->nr; i++) {
		while (waitpid(pr->v[i].pid, NULL, __WALL) < 0 && errno == EINTR)
			;
		close(pr->v[i].pidfd);
		any = true;
	}
	if (any)
		rst_drop_sigchld();
	for (i = 0; i < pr->nr_extras; i++)
		protobuf_c_message_free_unpacked(&pr->extras[i]->base, NULL);
	free(pr->extras);
	free(pr->v);
}

static const struct rst_fds_key pidfd_rst_key = {
	.name = "dead pidfds",
	.size = sizeof(struct pidfd_rst),
	.fini = pidfd_rst_fini,
};

static int load_extras(struct pidfd_rst *pr, int dfd)
{
	struct cr_img *img = open_image_optional(dfd, CR_FD_PIDFD_EXTRA, 0);
	PidfdExtraEntry *x;
	int ret;

	if (!img)
		return errno == ENOENT ? 0 : -EIO;
	while ((ret = pb_read_one_eof(img, &pidfd_extra_entry__descriptor,
				      (ProtobufCMessage **)&x)) > 0) {
		if (ARRAY_ADD_ROOM(pr->extras, pr->nr_extras)) {
			protobuf_c_message_free_unpacked(&x->base, NULL);
			ret = -ENOMEM;
			break;
		}
		pr->extras[pr->nr_extras++] = x;
		if (!WIFEXITED(x->exit_status) && !WIFSIGNALED(x->exit_status)) {
			pr_err("pidfd-extra.img: exit status %#x is neither an exit nor a signal\n",
			       x->exit_status);
			ret = -EINVAL;
			break;
		}
	}
	close_image(img);
	return ret;
}

/* The stand-in: die at once, as the process did; no core, whatever the signal. */
static void __attribute__((noreturn)) die_as(int status)
{
	struct rlimit no_core = {};
	sigset_t one;

	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	setrlimit(RLIMIT_CORE, &no_core);
	signal(WTERMSIG(status), SIG_DFL);
	sigemptyset(&one);
	sigaddset(&one, WTERMSIG(status));
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	kill(getpid(), WTERMSIG(status));
	_exit(1);
}

/*
 * A child that exits at once with status. CLONE_UNTRACED: criu traces what the task forks
 * (PTRACE_O_TRACEFORK), and the stand-in is none of the tree's.
 */
static pid_t make_stand_in(const struct rst_fds *rf, int status, int *pidfd)
{
	struct clone_args args = { .flags = CLONE_UNTRACED | CLONE_PIDFD,
				   .pidfd = (uintptr_t)pidfd,
				   .exit_signal = SIGCHLD };
	pid_t pid = syscall(SYS_clone3, &args, sizeof(args));

	if (pid == 0)
		die_as(status);
	if (pid < 0) {
		pr_perror("Can't fork a stand-in for a dead process");
		return -errno;
	}
	*pidfd = rst_hold_fd(rf, *pidfd); /* out of the way of the task's fds */
	if (*pidfd < 0) {
		waitpid(pid, NULL, __WALL);
		rst_drop_sigchld();
		return *pidfd;
	}
	return pid;
}

/* The stand-in of the dead process ino in this task, made on first use. */
static pid_t stand_in_of(struct rst_fds *rf, uint64_t ino)
{
	struct pidfd_rst *pr = rst_fds_priv(rf, &pidfd_rst_key);
	int status = SIGKILL, pidfd = -1;
	size_t i;
	pid_t pid;

	if (!pr)
		return -ENOMEM;
	if (!pr->loaded) {
		pr->loaded = true;
		pr->err = load_extras(pr, rst_images_dfd(rf));
	}
	if (pr->err)
		return pr->err;
	for (i = 0; i < pr->nr; i++)
		if (pr->v[i].ino == ino)
			return pr->v[i].pid;
	for (i = 0; i < pr->nr_extras; i++)
		if (pr->extras[i]->ino == ino)
			status = pr->extras[i]->exit_status;
	if (ARRAY_ADD_ROOM(pr->v, pr->nr))
		return -ENOMEM;
	pid = make_stand_in(rf, status, &pidfd);
	if (pid < 0)
		return pid;
	pr->v[pr->nr++] = (struct stand_in){ ino, pid, pidfd };
	pr_info("dead process (pidfs inode %" PRIu64 ") stands in as %d, status %#x\n", ino, pid,
		status);
	return pid;
}

/* Runs in the restored task, whose pid is already the dumped one. */
static int pidfd_open_file(struct rst_fds *rf, const FileEntry *fe)
{
	const PidfdEntry *e = fe->pidfd;
	pid_t pid = e->nspid;
	int fd;

	if (pid == -1)
		pid = stand_in_of(rf, e->ino);
	else if (e->nspid != rst_pid_here(rf->ctx, rf->t->pid)) {
		pr_err("file id %u: pidfd of process %d, which is not task %d being restored\n",
		       fe->id, e->nspid, rf->t->pid);
		return -EINVAL;
	}
	if (pid < 0)
		return pid;
	/* a stand-in may have exited already: a zombie has its pidfd too, until reaped */
	fd = syscall(SYS_pidfd_open, pid, e->flags & PIDFD_OPEN_FLAGS);
	if (fd < 0) {
		pr_perror("Can't open a pidfd of process %d again", pid);
		return -errno;
	}
	if (rst_set_fl(fd, e->flags, "pidfd")) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static FownEntry *pidfd_fown(const FileEntry *fe)
{
	return fe->pidfd ? fe->pidfd->fown : NULL;
}

uint64_t pidfd_dead_key(const FileEntry *fe)
{
	return fe->type == FD_TYPES__PIDFD && fe->pidfd && fe->pidfd->nspid == -1 ? fe->pidfd->ino
										  : 0;
}

const struct fd_handler pidfd_handler = {
	.type = FD_TYPES__PIDFD,
	.name = "pidfd",
	.match = pidfd_match,
	.dump = pidfd_dump,
	.check = pidfd_check,
	.open = pidfd_open_file,
	.fown = pidfd_fown,
};
