/* SPDX-License-Identifier: GPL-2.0 */
/*
 * eventfd00: eventfds keep their counter (also above 32 bits), their flags and the
 * semaphore mode.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BIG_COUNT 0x123456789aULL

int main(int argc, char **argv)
{
	uint64_t v = BIG_COUNT;
	int e1, e2, e3;

	test_init(argc, argv);
	e1 = eventfd(0, EFD_NONBLOCK);
	e2 = eventfd(3, EFD_SEMAPHORE);
	e3 = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e1 < 0 || e2 < 0 || e3 < 0 || write(e1, &v, sizeof(v)) != sizeof(v)) {
		fail_perror("can't set up the eventfds");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (!(fcntl(e1, F_GETFL) & O_NONBLOCK) || (fcntl(e2, F_GETFL) & O_NONBLOCK) ||
	    !(fcntl(e3, F_GETFD) & FD_CLOEXEC)) {
		fail("eventfd flags changed");
		return 1;
	}
	if (read(e1, &v, sizeof(v)) != sizeof(v) || v != BIG_COUNT) {
		fail("eventfd counter is %#llx, expected %#llx", (unsigned long long)v, BIG_COUNT);
		return 1;
	}
	/* a semaphore eventfd hands out 1 per read */
	if (read(e2, &v, sizeof(v)) != sizeof(v) || v != 1) {
		fail("the semaphore eventfd read %llu, expected 1", (unsigned long long)v);
		return 1;
	}
	if (read(e2, &v, sizeof(v)) != sizeof(v) || read(e2, &v, sizeof(v)) != sizeof(v)) {
		fail("the semaphore eventfd lost its count");
		return 1;
	}
	if (read(e3, &v, sizeof(v)) != -1 || errno != EAGAIN) {
		fail("an empty eventfd is not empty");
		return 1;
	}
	pass();
	return 0;
}
