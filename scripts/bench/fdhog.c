/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fdhog.c - a workload for bench: holds N fds of mixed kinds (regular files opened from a
 * few paths, dups of them, pipes with a byte in flight, eventfds, unix socket pairs with a
 * queued byte, /dev/null), writes its pid to a file once ready, and on SIGTERM checks every
 * fd is still of its kind with its data, exiting 0 only if all are.
 * usage: fdhog N DIR PIDFILE
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* 0 is "no fd here" */
enum kind { K_NONE, K_FILE, K_DUP, K_PIPE_R, K_PIPE_W, K_EVENTFD, K_SK_A, K_SK_B, K_NULL };

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* Open one group of fds of kind k; returns how many fds were made, or -1. */
static int open_group(enum kind k, const char *dir, int i, int *fds)
{
	char path[4096];
	int p[2];

	switch (k) {
	case K_FILE:
		snprintf(path, sizeof(path), "%s/f%d", dir, i % 64);
		fds[0] = open(path, O_RDWR | O_CREAT, 0600);
		return fds[0] < 0 ? -1 : 1;
	case K_DUP:
		return -1; /* made with K_FILE's fd, see main */
	case K_PIPE_R:
		if (pipe(p) || write(p[1], "p", 1) != 1)
			return -1;
		fds[0] = p[0];
		fds[1] = p[1];
		return 2;
	case K_EVENTFD: {
		uint64_t v;

		fds[0] = eventfd(0, 0);
		v = fds[0]; /* its counter holds its own fd number */
		return fds[0] < 0 || write(fds[0], &v, sizeof(v)) != sizeof(v) ? -1 : 1;
	}
	case K_SK_A:
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) || write(p[0], "s", 1) != 1)
			return -1;
		fds[0] = p[0];
		fds[1] = p[1];
		return 2;
	case K_NULL:
		fds[0] = open("/dev/null", O_RDWR);
		return fds[0] < 0 ? -1 : 1;
	default:
		return -1;
	}
}

static int check_fd(int fd, enum kind k)
{
	struct stat st;
	uint64_t v;
	char c;

	if (k == K_NONE)
		return fcntl(fd, F_GETFD) < 0 ? 0 : -1; /* no fd expected here */
	if (fstat(fd, &st))
		return -1;
	switch (k) {
	case K_FILE:
	case K_DUP:
		return S_ISREG(st.st_mode) ? 0 : -1;
	case K_PIPE_R:
		return S_ISFIFO(st.st_mode) && read(fd, &c, 1) == 1 && c == 'p' ? 0 : -1;
	case K_PIPE_W:
		return S_ISFIFO(st.st_mode) ? 0 : -1;
	case K_EVENTFD:
		return read(fd, &v, sizeof(v)) == sizeof(v) && v == (uint64_t)fd ? 0 : -1;
	case K_SK_A:
		return S_ISSOCK(st.st_mode) ? 0 : -1;
	case K_SK_B:
		return S_ISSOCK(st.st_mode) && read(fd, &c, 1) == 1 && c == 's' ? 0 : -1;
	case K_NULL:
		return S_ISCHR(st.st_mode) ? 0 : -1;
	default:
		return -1;
	}
}

int main(int argc, char **argv)
{
	static const enum kind order[] = { K_FILE, K_PIPE_R, K_EVENTFD, K_SK_A, K_NULL };
	struct rlimit rl;
	enum kind *kinds;
	int n, nr = 0, i, j, made, fds[2];
	sigset_t none, term;
	FILE *f;

	if (argc != 4)
		return 2;
	syscall(SYS_close_range, 3, ~0U, 0); /* only our own fds from here on */
	n = atoi(argv[1]);
	kinds = calloc(n + 8, sizeof(*kinds)); /* fds are 3.. n + 4 at most */
	if (!kinds || getrlimit(RLIMIT_NOFILE, &rl))
		return 2;
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	for (i = 0; nr < n; i++) {
		enum kind k = order[i % 5];

		made = open_group(k, argv[2], i, fds);
		if (made < 0)
			return 3;
		for (j = 0; j < made; j++) {
			kinds[fds[j]] = (enum kind)(k + j);
			nr++;
		}
		if (k == K_FILE) { /* every file fd gets a dup */
			fds[1] = dup(fds[0]);
			if (fds[1] < 0)
				return 3;
			kinds[fds[1]] = K_DUP;
			nr++;
		}
	}
	signal(SIGTERM, on_term);
	/*
	 * SIGTERM stays blocked outside sigsuspend(), as in memhog.c: one that came between the
	 * check of got_term and the call (the restored task re-enters the call) would be lost.
	 */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	f = fopen(argv[3], "w");
	if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f))
		return 2;
	sigemptyset(&none);
	while (!got_term)
		sigsuspend(&none);
	for (i = 3; i < n + 8; i++)
		if (check_fd(i, kinds[i]))
			return 1;
	return 0;
}
