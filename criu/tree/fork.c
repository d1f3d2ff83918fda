/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree/fork.c - restoring a tree: each task forks its own children (with their dumped
 * pids) once it has what they inherit, zombies die again as they died, and process groups
 * are joined once their leaders exist. A child whose session was recreated by a helper is
 * forked by that helper instead (tree/helpers.c).
 *
 * Files used by more than one task must come back as one open file description. The owner
 * of such a file is the lowest common ancestor of its users: it opens the file before it
 * forks and keeps it on a "transit" fd, a number above every task's own fds and the same in
 * every task; the users dup it from there to their own numbers, and every task closes the
 * transit fds once its children are forked. Pipe ends and connected unix sockets are opened
 * in pairs, so all ends of one pipe or socket pair have the same owner; so do a listening
 * unix socket, the pairs it accepted and the clients it has not accepted yet, which the
 * listener's task makes in one go (net/unix/group.c).
 *
 * A child that shared its parent's fd table (CLONE_FILES) is forked with CLONE_FILES after
 * the parent installed its fds: the parent's table is the child's, which opens none itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "cgroup.h"
#include "files.h"
#include "fdstore.h"
#include "log.h"
#include "netns.h"
#include "ns.h"
#include "restore-ctx.h"
#include "task-state-image.h"
#include "tree.h"

#define JOIN_GROUP_TRIES 5000 /* 1ms apart: the leader is being forked elsewhere */

bool rst_task_is_zombie(const struct rst_task *t)
{
	return t->core && t->core->tc && t->core->tc->task_state == TASK_ZOMBIE;
}

bool rst_task_has_restorer(const struct rst_task *t)
{
	return !t->helper && !rst_task_is_zombie(t);
}

/*
 * Files with the same key must be opened in the same task: the ends of one object, or a
 * listening socket and the connections it accepted or queues.
 */
static uint64_t object_key(const struct rst_ctx *ctx, const FileEntry *fe)
{
	const uint64_t tag = 1ULL << 32;
	uint32_t anchor;

	if (fe->type == FD_TYPES__PIPE && fe->pipe)
		return 2 * tag + fe->pipe->pipe_id;
	if (fe->type == FD_TYPES__FIFO && fe->fifo)
		return 3 * tag + fe->fifo->pipe_id;
	if (fe->type == FD_TYPES__UNIXSK && fe->usk && (anchor = unix_anchor(ctx, fe->usk)))
		return 4 * tag + anchor;
	/* the pidfds of one dead process are opened on one stand-in */
	if (pidfd_dead_key(fe))
		return 6 * tag + (uint32_t)pidfd_dead_key(fe);
	/* both sides of a pty are made together, by opening its master */
	if (tty_file_pty(fe) >= 0)
		return 5 * tag + tty_file_pty(fe);
	return fe->id;
}

/* Is a an ancestor of b, or b itself? */
static bool is_ancestor(const struct rst_ctx *ctx, pid_t a, pid_t b)
{
	const struct rst_task *t = rst_task_by_pid(ctx, b);

	while (t) {
		if (t->pid == a)
			return true;
		t = rst_task_by_pid(ctx, t->pstree->ppid);
	}
	return false;
}

pid_t rst_common_ancestor(const struct rst_ctx *ctx, pid_t a, pid_t b)
{
	if (!a)
		return b;
	while (a && !is_ancestor(ctx, a, b))
		a = rst_task_by_pid(ctx, a)->pstree->ppid;
	return a;
}

static pid_t add_user(const struct rst_ctx *ctx, pid_t lca, pid_t user, int *nr_users)
{
	(*nr_users)++;
	return *nr_users == 1 ? user : rst_common_ancestor(ctx, lca, user);
}

/* The lowest common ancestor of every task that uses a file with this key, or 0. */
static pid_t key_owner(const struct rst_ctx *ctx, uint64_t key, int *nr_users)
{
	pid_t lca = 0;
	size_t i, j;

	*nr_users = 0;
	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *t = &ctx->tasks[i];

		for (j = 0; j < t->nr_fds; j++)
			if (object_key(ctx, rst_find_file(ctx, t->fds[j]->id)) == key)
				break;
		if (j == t->nr_fds)
			continue;
		lca = add_user(ctx, lca, t->pid, nr_users);
	}
	/* so does the task a file's owner names: it sets the owner itself */
	for (i = 0; i < ctx->nr_fown_claims; i++) {
		const struct rst_fown_claim *c = &ctx->fown_claims[i];

		if (!rst_task_by_pid(ctx, c->task)->shares_files && object_key(ctx, c->fe) == key)
			lca = add_user(ctx, lca, c->task, nr_users);
	}
	/* a task that sends the file again on a socket's queue uses it too */
	for (i = 0; i < ctx->nr_scm_uses; i++) {
		const struct rst_scm_use *u = &ctx->scm_uses[i];

		if (u->sender && object_key(ctx, rst_find_file(ctx, u->file_id)) == key)
			lca = add_user(ctx, lca, u->sender, nr_users);
	}
	return lca;
}

static int add_transit(struct rst_ctx *ctx, uint32_t id, pid_t owner)
{
	size_t i;

	for (i = 0; i < ctx->nr_transit; i++)
		if (ctx->transit[i].id == id)
			return 0;
	if (ARRAY_ADD_ROOM(ctx->transit, ctx->nr_transit))
		return -ENOMEM;
	ctx->transit[ctx->nr_transit++] =
		(struct rst_transit){ .id = id, .owner = owner, .fd = -1 };
	return 0;
}

/* Every file used by a task other than its owner travels on a transit fd. */
static int plan_file(struct rst_ctx *ctx, const struct rst_task *t, uint32_t id)
{
	const FileEntry *fe = rst_find_file(ctx, id);
	int nr_users;
	pid_t owner;

	owner = key_owner(ctx, object_key(ctx, fe), &nr_users);
	if (nr_users < 2 || owner == t->pid)
		return 0;
	if (!owner) {
		pr_err("File id %u is used by tasks without a common ancestor\n", id);
		return -EINVAL;
	}
	return add_transit(ctx, id, owner);
}

/*
 * A file queued on a socket is sent again by the task that makes the socket: when others
 * use the file too, it must come from their common owner, like any shared file.
 */
static int plan_queued_files(struct rst_ctx *ctx)
{
	size_t i;
	int nr, ret;

	ret = scm_read_uses(ctx);
	for (i = 0; !ret && i < ctx->nr_scm_uses; i++) {
		struct rst_scm_use *u = &ctx->scm_uses[i];

		u->sender = key_owner(ctx, object_key(ctx, rst_find_file(ctx, u->sk_id)), &nr);
		if (!u->sender) {
			pr_err("Socket file id %u, with files queued on it, has no task to make "
			       "it\n",
			       u->sk_id);
			ret = -EINVAL;
		}
	}
	for (i = 0; !ret && i < ctx->nr_scm_uses; i++) {
		const struct rst_scm_use *u = &ctx->scm_uses[i];
		pid_t owner = key_owner(ctx, object_key(ctx, rst_find_file(ctx, u->file_id)), &nr);

		if (owner == u->sender)
			continue;
		if (!owner) {
			pr_err("File id %u, queued on socket file id %u, is used by tasks without "
			       "a common ancestor\n",
			       u->file_id, u->sk_id);
			ret = -EINVAL;
			break;
		}
		ret = add_transit(ctx, u->file_id, owner);
	}
	return ret;
}

/*
 * criu's own fds go above top, the highest fd number the tree needs: let criu use every
 * number its hard limit allows (the tasks' own limits are set by the restorer).
 */
static int raise_fd_limit(int top)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		pr_perror("Can't read RLIMIT_NOFILE");
		return -errno;
	}
	if ((rlim_t)top + 64 <= rl.rlim_cur || rl.rlim_cur == rl.rlim_max)
		return 0;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		pr_perror("Can't raise RLIMIT_NOFILE to %llu for fds up to %d",
			  (unsigned long long)rl.rlim_max, top);
		return -errno;
	}
	return 0;
}

int rst_plan_transit(struct rst_ctx *ctx)
{
	int max_fd = -1, ret = 0;
	size_t i, j;

	ctx->shell_pgid = getpgid(0);
	ret = unix_index_groups(ctx);
	if (ret)
		return ret;
	for (i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i].max_fd > max_fd)
			max_fd = ctx->tasks[i].max_fd;
	if (ctx->nr_tasks > 1) {
		ret = rst_plan_fown_claims(ctx);
		ret = ret ?: plan_queued_files(ctx);
		for (i = 0; !ret && i < ctx->nr_tasks; i++)
			for (j = 0; !ret && j < ctx->tasks[i].nr_fds; j++)
				ret = plan_file(ctx, &ctx->tasks[i], ctx->tasks[i].fds[j]->id);
		for (i = 0; !ret && i < ctx->nr_fown_claims; i++)
			ret = plan_file(ctx, rst_task_by_pid(ctx, ctx->fown_claims[i].task),
					ctx->fown_claims[i].fe->id);
	}
	if (ret)
		return ret;
	ret = raise_fd_limit(max_fd + ctx->nr_transit);
	if (ret)
		return ret;
	ctx->transit_base = max_fd + 1;
	for (i = 0; i < ctx->nr_transit; i++)
		ctx->transit[i].fd = ctx->transit_base + i;
	ctx->fd_top = max_fd + ctx->nr_transit;
	if (ctx->nr_transit)
		pr_info("%zu file(s) shared between tasks, transit fds %d-%d\n", ctx->nr_transit,
			ctx->transit_base, ctx->fd_top);
	return 0;
}

int rst_transit_fd(const struct rst_ctx *ctx, const struct rst_task *t, uint32_t id)
{
	size_t i;

	for (i = 0; i < ctx->nr_transit; i++)
		if (ctx->transit[i].id == id && ctx->transit[i].owner != t->pid)
			return ctx->transit[i].fd;
	return -ENOENT;
}

/* The owner's copy of a shared file: its own fd if it uses it, else a fresh open. */
static int open_for_transit(struct rst_fds *rf, const struct rst_transit *tr)
{
	size_t i;
	int fd;

	for (i = 0; i < rf->t->nr_fds; i++)
		if (rf->t->fds[i]->id == tr->id)
			return dup(rf->t->fds[i]->fd);
	fd = rst_take_ahead(rf, tr->id);
	if (fd != -ENOENT)
		return fd;
	return rst_open_file(rf, rst_find_file(rf->ctx, tr->id));
}

int rst_open_transit(struct rst_fds *rf)
{
	size_t i;
	int fd;

	for (i = 0; i < rf->ctx->nr_transit; i++) {
		const struct rst_transit *tr = &rf->ctx->transit[i];

		if (tr->owner != rf->t->pid)
			continue;
		fd = open_for_transit(rf, tr);
		if (fd < 0) {
			pr_err("Can't open file id %u for the tasks that share it\n", tr->id);
			return fd < -1 ? fd : -errno;
		}
		/* the fresh fd may already be the transit number: it is the lowest free one */
		if (fd != tr->fd && dup2(fd, tr->fd) < 0) {
			pr_perror("Can't put file id %u on transit fd %d", tr->id, tr->fd);
			close(fd);
			return -errno;
		}
		if (fd != tr->fd)
			close(fd);
		pr_debug("file id %u on transit fd %d\n", tr->id, tr->fd);
	}
	return 0;
}

static int close_range_checked(unsigned int from, unsigned int to)
{
	if (from > to)
		return 0;
	if (syscall(SYS_close_range, from, to, 0)) {
		pr_perror("Can't close inherited fds %u-%u", from, to);
		return -errno;
	}
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int rst_close_inherited(const struct rst_ctx *ctx, const int *keep, int nr_keep)
{
	/* the root inherits nothing in the transit range: only criu's own fds */
	bool root = !ctx->nr_transit || rst_own_pid() == ctx->tasks[0].pid;
	unsigned int from = root ? 0 : ctx->fd_top + 1;
	int sorted[9 + FDSTORE_NR_KEEP + RST_MAX_INHERIT + TTY_PREMADE_MAX + RST_CG_MAX_DIRS +
		   NETNS_MAX_OTHERS + 1 + NS_USER_MAX_NESTED + 1];
	int i, n = nr_keep, ret;
	size_t j;

	if (nr_keep > 8)
		return -EINVAL;
	ret = root ? 0 : close_range_checked(0, ctx->transit_base - 1);
	if (ret)
		return ret;
	memcpy(sorted, keep, nr_keep * sizeof(int));
	/* --inherit-fd's files: the task and its children still open theirs from them */
	for (j = 0; j < ctx->nr_inherit; j++)
		sorted[n++] = ctx->inherit[j].fd;
	sorted[n++] = ctx->orphan_sk[1];	  /* a new pty's master goes to criu on it */
	n += fdstore_keep_fds(sorted + n);	  /* plugins hand files between tasks through it */
	n += rst_cgroup_dir_fds(ctx, sorted + n); /* the children move into their cgroups by them */
	n += netns_rst_fds(sorted + n);		  /* and enter their network namespaces */
	n += rst_ns_nested_user_keep(sorted + n); /* and their user namespaces */
	n += rst_ns_steer_keep(sorted + n);	  /* and are forked with their pids */
	ret = tty_premade_keep(ctx->fd_top + 1, sorted + n, TTY_PREMADE_MAX);
	if (ret < 0)
		return ret;
	n += ret;
	qsort(sorted, n, sizeof(int), cmp_int);
	for (i = 0; i < n; i++) {
		if (sorted[i] < 0 || (unsigned int)sorted[i] < from)
			continue;
		ret = close_range_checked(from, sorted[i] - 1);
		if (ret)
			return ret;
		from = sorted[i] + 1;
	}
	return close_range_checked(from, ~0U);
}

/*
 * A zombie or helper child exited while its parent still blocks every signal: take back
 * the SIGCHLD it left, which the dumped parent did not have pending (that set comes later).
 */
void rst_drop_sigchld(void)
{
	struct timespec zero = {};
	sigset_t chld;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	while (sigtimedwait(&chld, NULL, &zero) > 0)
		;
}

/* Helpers exit once their group or session is complete; whoever forked one reaps it. */
static int reap_helpers(const struct rst_ctx *ctx, const struct rst_task *t)
{
	bool any = false;
	int status;
	size_t i;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *c = &ctx->tasks[i];

		if (!c->helper || rst_forker(ctx, c) != t->pid)
			continue;
		any = true;
		while (waitpid(rst_pid_here(ctx, c->pid), &status, 0) < 0) {
			if (errno != EINTR) {
				pr_perror("Can't reap helper task %d", c->pid);
				return -errno;
			}
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			pr_err("Helper task %d failed (status %#x)\n", c->pid, status);
			return -ECHILD;
		}
	}
	if (any)
		rst_drop_sigchld();
	return 0;
}

static int let_zombies_die(const struct rst_ctx *ctx, const struct rst_task *t)
{
	bool any = false;
	siginfo_t si;
	size_t i;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *c = &ctx->tasks[i];

		if (!rst_task_is_zombie(c) || rst_forker(ctx, c) != t->pid)
			continue;
		any = true;
		while (waitid(P_PID, rst_pid_here(ctx, c->pid), &si, WEXITED | WNOWAIT)) {
			if (errno != EINTR) {
				pr_perror("Can't wait for zombie %d to exit", c->pid);
				return -errno;
			}
		}
	}
	if (any)
		rst_drop_sigchld();
	return 0;
}

static int fork_pass(const struct rst_ctx *ctx, const struct rst_task *t,
		     const struct rst_channel *ch, bool leaders, int forked_fd)
{
	size_t i;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *c = &ctx->tasks[i];

		if (rst_forker(ctx, c) != t->pid)
			continue;
		if (((pid_t)c->pstree->pgid == c->pid) != leaders)
			continue;
		if (rst_fork_with_pid(ctx, c, ch, c->shares_files ? forked_fd : -1) < 0)
			return -ECHILD;
	}
	return 0;
}

static int nr_sharing_children(const struct rst_ctx *ctx, const struct rst_task *t)
{
	int nr = 0;
	size_t i;

	for (i = 0; i < ctx->nr_tasks; i++)
		nr += rst_forker(ctx, &ctx->tasks[i]) == t->pid && ctx->tasks[i].shares_files;
	return nr;
}

/* The pipe children sharing t's fd table report on; above every fd the tasks will use. */
static int open_forked_pipe(const struct rst_ctx *ctx, int p[2])
{
	int i, fd;

	if (pipe2(p, O_CLOEXEC)) {
		pr_perror("Can't create a pipe for the children sharing our fd table");
		return -errno;
	}
	for (i = 0; i < 2; i++) {
		if (p[i] > ctx->fd_top)
			continue;
		fd = fcntl(p[i], F_DUPFD_CLOEXEC, ctx->fd_top + 1);
		if (fd < 0) {
			pr_perror("Can't move fd %d above %d", p[i], ctx->fd_top);
			return -errno;
		}
		close(p[i]);
		p[i] = fd;
	}
	return 0;
}

/* One byte from each child sharing our table: it has forked all of its own children. */
static int wait_sharing_children(int fd, int nr)
{
	char c;

	for (; nr > 0; nr--) {
		if (read(fd, &c, 1) != 1) {
			pr_perror(
				"A child sharing our fd table did not say it forked its children");
			return -EPIPE;
		}
	}
	return 0;
}

/*
 * The transit fds go once the children that inherit them are forked. In a table shared
 * with CLONE_FILES, closing them would take them from the other sharers too: a sharer
 * tells its parent instead, and the topmost task of the table closes them once all did.
 */
static int drop_transit(const struct rst_ctx *ctx, const struct rst_task *t, int up_fd)
{
	if (t->shares_files) {
		if (write(up_fd, "f", 1) != 1) {
			pr_perror("Can't tell the parent sharing our fd table that we forked");
			return -EPIPE;
		}
		return 0;
	}
	rst_inherit_close(ctx);
	rst_cgroup_drop_dirs(ctx);
	netns_rst_drop_fds();
	if (ctx->orphan_sk[1] >= 0)
		close(ctx->orphan_sk[1]);
	fdstore_close();
	tty_premade_drop();
	if (ctx->nr_transit)
		return close_range_checked(ctx->transit_base, ctx->fd_top);
	return 0;
}

/* Children sharing t's fd table (CLONE_FILES) are waited for before transit fds close. */
int rst_fork_children(const struct rst_ctx *ctx, const struct rst_task *t,
		      const struct rst_channel *ch, int up_fd)
{
	int forked[2] = { -1, -1 }, nr_sharing = nr_sharing_children(ctx, t), ret = 0;

	ret = rst_become_reaper(ctx, t);
	if (!ret && nr_sharing)
		ret = open_forked_pipe(ctx, forked);
	/* group leaders first: their siblings may join their groups */
	ret = ret ?: fork_pass(ctx, t, ch, true, forked[1]);
	ret = ret ?: fork_pass(ctx, t, ch, false, forked[1]);
	ret = ret ?: rst_pid_children_ns(ctx, t);
	ret = ret ?: let_zombies_die(ctx, t);
	ret = ret ?: wait_sharing_children(forked[0], nr_sharing);
	if (nr_sharing) {
		close(forked[0]);
		close(forked[1]);
	}
	ret = ret ?: drop_transit(ctx, t, up_fd);
	ret = ret ?: rst_join_group(ctx, t);
	/* last: a helper waits for every member of its group, this task maybe among them */
	return ret ?: reap_helpers(ctx, t);
}

int rst_join_group(const struct rst_ctx *ctx, const struct rst_task *t)
{
	pid_t pgid = t->pstree->pgid, target = pgid;
	int i;

	if (!rst_task_by_pid(ctx, pgid)) {
		/* the shell job's group, criu's now: inside the tree's pid namespace it shows as
		 * 0, where the task is already, by fork */
		if (getpgid(0) == 0)
			return 0;
		target = ctx->shell_pgid;
	} else if (!rst_pid_visible(ctx, pgid))
		target = 0; /* led from above a nested pid namespace: inherited, seen as 0 */
	else
		target = rst_pid_here(ctx, pgid); /* in a pid namespace: its pid there */
	if (getpgid(0) == target)
		return 0;
	for (i = 0; i < JOIN_GROUP_TRIES; i++) {
		if (!setpgid(0, target))
			return 0;
		if (errno != EPERM)
			break;
		usleep(1000);
	}
	pr_perror("Task %d can't join process group %d", t->pid, target);
	return -errno;
}

void rst_become_zombie(const struct rst_ctx *ctx, const struct rst_task *t)
{
	struct rlimit no_core = {};
	int status;
	sigset_t one;

	status = t->core->tc->exit_code;
	if (rst_join_group(ctx, t))
		_exit(1);
	pr_info("Zombie %d dies again with status %#x\n", t->pid, status);
	if (WIFSIGNALED(status)) {
		setrlimit(RLIMIT_CORE, &no_core);
		signal(WTERMSIG(status), SIG_DFL);
		sigemptyset(&one);
		sigaddset(&one, WTERMSIG(status));
		sigprocmask(SIG_UNBLOCK, &one, NULL);
		kill(getpid(), WTERMSIG(status));
	}
	_exit(WEXITSTATUS(status));
}
