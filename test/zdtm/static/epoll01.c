/* SPDX-License-Identifier: GPL-2.0 */
/*
 * epoll01: an epoll set keeps watching files whose fd changed since they were added. A
 * pipe was added as fd A, dup'ed to fd 50 and A was closed, then A was reused by another
 * file; an eventfd was added as fd B, dup'ed to 60 and B closed. The kernel keys a watch
 * by (file, fd number at add time): after restore fdinfo must still list the watches under
 * A and B with their data, events on both files must be reported, and the watches must
 * not be reachable through 50 or 60 (EPOLL_CTL_DEL there fails with ENOENT), as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PIPE_DATA 0x1111222233334444ULL
#define EFD_DATA  0x5555666677778888ULL

static int ep, pa, eb, other, p[2];

static int watch(int fd, uint64_t data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int setup(void)
{
	ep = epoll_create1(0);
	eb = eventfd(0, EFD_NONBLOCK);
	if (ep < 0 || eb < 0 || pipe2(p, O_NONBLOCK))
		return -1;
	pa = p[0];
	if (watch(pa, PIPE_DATA) || watch(eb, EFD_DATA))
		return -1;
	if (dup2(pa, 50) != 50 || dup2(eb, 60) != 60 || close(pa) || close(eb))
		return -1;
	other = open("/dev/null", O_RDONLY); /* takes the lowest free number: A or B */
	return other < 0 ? -1 : 0;
}

/* fdinfo of ep lists tfd with data */
static int listed(int tfd, uint64_t data)
{
	char path[64], line[256];
	unsigned long long d;
	int fd, found = 0;
	unsigned int ev;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ep);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "tfd: %d events: %x data: %llx", &fd, &ev, &d) == 3)
			found = fd == tfd && d == data;
	fclose(f);
	return found;
}

static void check(void)
{
	struct epoll_event ev[4];
	uint64_t one = 1;
	int n, i, seen = 0;

	if (!listed(pa, PIPE_DATA) || !listed(eb, EFD_DATA)) {
		fail("fdinfo does not list the watches under fds %d and %d", pa, eb);
		return;
	}
	if (write(p[1], "x", 1) != 1 || write(60, &one, sizeof(one)) != sizeof(one)) {
		fail_perror("can't make the files ready");
		return;
	}
	n = epoll_wait(ep, ev, 4, 1000);
	for (i = 0; i < n; i++)
		seen |= (ev[i].data.u64 == PIPE_DATA) | (ev[i].data.u64 == EFD_DATA) << 1;
	if (seen != 3) {
		fail("epoll_wait reported %d events (%#x), not both files", n, seen);
		return;
	}
	if (read(50, &one, 1) != 1 || read(60, &one, sizeof(one)) != sizeof(one)) {
		fail_perror("can't drain the files");
		return;
	}
	if (epoll_ctl(ep, EPOLL_CTL_DEL, 50, NULL) == 0 || errno != ENOENT ||
	    epoll_ctl(ep, EPOLL_CTL_DEL, 60, NULL) == 0 || errno != ENOENT)
		fail("a watch is reachable through the new fd number");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
