/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tree: the "tree of N processes" bench workload. Process k forks processes 4k+1..4k+4
 * (those below N), each fills 256 KiB with a pattern of its own and runs T threads (T-1
 * extra ones that just wait). The root writes the pidfile once the whole tree is ready. On
 * SIGTERM every process passes it to its children, waits for them, checks its memory and
 * exits 0 only if its memory and its whole subtree were intact.
 * Usage: tree NPROC NTHREADS PIDFILE
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define FANOUT 4
#define MEM    (256 << 10)

static volatile sig_atomic_t stop;
static int nproc, nthreads;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static unsigned char pattern(int k, size_t i)
{
	return (unsigned char)(k * 37 + i * 11 + (i >> 12));
}

static int node(int k, int ready_fd)
{
	pid_t kids[FANOUT];
	unsigned char *mem = malloc(MEM);
	int i, nkids = 0, ok = 1, status, p[2];
	sigset_t term, unblocked;
	pthread_t th;
	size_t j;
	char c;

	if (!mem || pipe(p))
		return 1;
	for (j = 0; j < MEM; j++)
		mem[j] = pattern(k, j);
	for (i = 1; i <= FANOUT && FANOUT * k + i < nproc; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			close(p[0]);
			_exit(node(FANOUT * k + i, p[1]));
		}
		kids[nkids++] = pid;
	}
	close(p[1]);
	for (i = 0; i < nkids; i++)
		if (read(p[0], &c, 1) != 1)
			return 1;
	/*
	 * SIGTERM blocked in the idle threads (they inherit the mask), so that the main thread
	 * takes it, and blocked in the main thread too but while it sleeps: a SIGTERM between
	 * the test of stop and the sleep would be missed by a plain pause().
	 */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &unblocked);
	for (i = 1; i < nthreads; i++)
		pthread_create(&th, NULL, idle, NULL);
	if (write(ready_fd, "r", 1) != 1)
		return 1;
	close(ready_fd);
	sigdelset(&unblocked, SIGTERM);
	while (!stop)
		sigsuspend(&unblocked);
	for (i = 0; i < nkids; i++)
		kill(kids[i], SIGTERM);
	for (i = 0; i < nkids; i++)
		if (waitpid(kids[i], &status, 0) != kids[i] || status)
			ok = 0;
	for (j = 0; j < MEM; j++)
		if (mem[j] != pattern(k, j))
			ok = 0;
	return !ok;
}

int main(int argc, char **argv)
{
	int p[2];
	pid_t root;
	FILE *f;
	char c;

	if (argc != 4)
		return 2;
	nproc = atoi(argv[1]);
	nthreads = atoi(argv[2]);
	signal(SIGTERM, on_term);
	if (pipe(p))
		return 1;
	root = fork();
	if (root == 0) {
		close(p[0]);
		setsid(); /* the tree's session is its own: no --shell-job */
		_exit(node(0, p[1]));
	}
	/* the launcher: publish the root's pid once the tree is ready, then go */
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		return 1;
	f = fopen(argv[3], "w");
	if (!f)
		return 1;
	fprintf(f, "%d\n", (int)root);
	fclose(f);
	return 0;
}
