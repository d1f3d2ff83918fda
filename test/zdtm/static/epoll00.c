/* SPDX-License-Identifier: GPL-2.0 */
/*
 * epoll00: an epoll instance keeps every watch with its events and data: a pipe (ready
 * with data), an eventfd (edge-triggered, made ready after restore) and a nested epoll.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PIPE_DATA  0x1122334455667788ULL
#define EFD_DATA   0xdeadbeefULL
#define INNER_DATA 0x42ULL

static int wait_one(int ep, uint64_t *data, uint32_t *events)
{
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, 0);

	if (n != 1)
		return n < 0 ? -1 : n;
	*data = ev[0].data.u64;
	*events = ev[0].events;
	return 1;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = {};
	int ep, inner, p[2], efd, n;
	uint32_t events;
	uint64_t data, one = 1;

	test_init(argc, argv);
	ep = epoll_create1(0);
	inner = epoll_create1(EPOLL_CLOEXEC);
	efd = eventfd(0, EFD_NONBLOCK);
	if (ep < 0 || inner < 0 || efd < 0 || pipe(p)) {
		fail_perror("can't create the fds");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = PIPE_DATA;
	if (epoll_ctl(inner, EPOLL_CTL_ADD, p[0], &ev))
		goto err;
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = EFD_DATA;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev))
		goto err;
	ev.events = EPOLLIN;
	ev.data.u64 = INNER_DATA;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, inner, &ev))
		goto err;

	test_daemon();
	test_waitsig();

	if (epoll_wait(ep, &ev, 1, 0) != 0) {
		fail("something is ready before anything happened");
		return 1;
	}
	if (write(p[1], "x", 1) != 1 || wait_one(ep, &data, &events) != 1 || data != INNER_DATA ||
	    wait_one(inner, &data, &events) != 1 || data != PIPE_DATA) {
		fail("the pipe's data did not wake the nested epoll with its data");
		return 1;
	}
	if (read(p[0], &data, 1) != 1 || write(efd, &one, sizeof(one)) != sizeof(one)) {
		fail_perror("can't drain the pipe or poke the eventfd");
		return 1;
	}
	n = wait_one(ep, &data, &events);
	if (n != 1 || data != EFD_DATA || !(events & EPOLLIN)) {
		fail("the eventfd watch is lost (%d events)", n);
		return 1;
	}
	/* edge-triggered: no second report without a new event */
	if (epoll_wait(ep, &ev, 1, 0) != 0) {
		fail("the eventfd watch lost EPOLLET");
		return 1;
	}
	pass();
	return 0;
err:
	fail_perror("epoll_ctl");
	return 1;
}
