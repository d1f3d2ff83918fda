// SPDX-License-Identifier: GPL-2.0
/*
 * tree/pids-free.c - before the first fork of a restore: every pid and tid of the image is
 * free, or held only by a task that is already dead. A dump that killed its tree leaves
 * zombies whose reaper may be slow (an orphan waits for init, which can take over a second):
 * a restore started right after the dump waits for them instead of failing half-way with
 * part of the tree created. A pid held by a live task fails the restore at once, by name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "restore-ctx.h"

#define DEAD_WAIT_MS 5000 /* how long a dead holder may take to be reaped */
#define DEAD_POLL_US 5000

struct pid_holder {
	char state; /* 0: the pid is free */
	char comm[32];
};

/* State and name of whoever holds pid now, from /proc/PID/stat ("pid (comm) S ..."). */
static void read_holder(pid_t pid, struct pid_holder *h)
{
	char path[64], buf[256], *open_paren, *close_paren;
	ssize_t n;
	int fd;

	h->state = 0;
	h->comm[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren || !close_paren[1]) {
		h->state = '?';
		return;
	}
	snprintf(h->comm, sizeof(h->comm), "%.*s", (int)(close_paren - open_paren - 1),
		 open_paren + 1);
	h->state = close_paren[2];
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool holder_alive(const struct pid_holder *h)
{
	return h->state && h->state != 'Z' && h->state != 'X';
}

bool rst_pid_held_live(pid_t pid, char *comm, size_t len)
{
	struct pid_holder h;

	read_holder(pid, &h);
	snprintf(comm, len, "%s", h.comm);
	return holder_alive(&h);
}

/*
 * 0 once pid is free; -EEXIST if a live task holds it or a dead one outlives the wait.
 * what: "pid" for a task, "thread" for one of its other threads.
 */
static int wait_pid_free(const char *what, pid_t pid, long deadline_ms)
{
	struct pid_holder h;
	bool said = false;

	for (;;) {
		read_holder(pid, &h);
		if (!h.state)
			return 0;
		if (holder_alive(&h)) {
			pr_err("%s %d%s is taken by a running task (%s, state %c): the restore "
			       "needs it free; stop that task, or restore into a new pid "
			       "namespace\n",
			       what, pid, *what == 't' ? ": its tid" : "", h.comm, h.state);
			return -EEXIST;
		}
		if (now_ms() >= deadline_ms) {
			pr_err("%s %d is still held by a dead task (%s) that nobody reaped in "
			       "%d ms: the restore needs it free; its parent must wait() for it\n",
			       what, pid, h.comm, DEAD_WAIT_MS);
			return -EEXIST;
		}
		if (!said)
			pr_info("%s %d is held by a dead task (%s): waiting for its reaper\n", what,
				pid, h.comm);
		said = true;
		usleep(DEAD_POLL_US);
	}
}

int rst_wait_pids_free(const struct rst_ctx *ctx)
{
	long deadline = now_ms() + DEAD_WAIT_MS;
	size_t i, j;
	int ret;

	for (i = 0; i < ctx->nr_tasks; i++) {
		const struct rst_task *t = &ctx->tasks[i];

		ret = wait_pid_free("pid", t->pid, deadline);
		for (j = 0; !ret && j < t->nr_threads; j++)
			ret = wait_pid_free("thread", t->tids[j], deadline);
		if (ret)
			return ret;
	}
	return 0;
}
