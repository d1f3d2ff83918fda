/* SPDX-License-Identifier: GPL-2.0 */
/*
 * epoll02: an epoll set watches a pipe the task closed, which a child still holds: the
 * watch lives on (the file does) but no fd of the task leads to it, so restore could not
 * add it again. The dump must refuse it, naming the epoll fd (epoll02.desc), and the watch
 * must still work afterwards.
 */
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static int ep, p[2];
static pid_t child;

static int setup(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 42 };

	ep = epoll_create1(0);
	if (ep < 0 || pipe(p) || epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev))
		return -1;
	child = fork();
	if (child == 0) {
		close(p[1]);
		pause();
		_exit(0);
	}
	return child < 0 ? -1 : close(p[0]);
}

static void check(void)
{
	struct epoll_event ev;

	if (write(p[1], "x", 1) != 1 || epoll_wait(ep, &ev, 1, 1000) != 1 || ev.data.u64 != 42)
		fail("the watch on the pipe the child holds is gone");
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	ret = test_check_across_dump(setup, check);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return ret;
}
