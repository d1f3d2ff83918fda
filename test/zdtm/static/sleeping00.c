/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sleeping00: a task asleep in nanosleep() across a checkpoint comes back asleep.
 *
 * The checkpoint interrupts the sleep; restore must make the syscall restart (or return
 * EINTR) as the kernel would. A leaked kernel-internal restart code (ERESTART_*) shows
 * up as an odd errno, an early return as a 0, a lost remainder as a bad rem.
 */
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SLEEP_SEC 3600

int main(int argc, char **argv)
{
	struct timespec req = { .tv_sec = SLEEP_SEC }, rem;
	int spurious = 0;

	test_init(argc, argv);
	test_daemon();

	while (!test_sig_received) {
		rem.tv_sec = -1;
		if (nanosleep(&req, &rem) == 0) {
			fail("nanosleep(%d s) returned 0 before SIGTERM", SLEEP_SEC);
			return 1;
		}
		if (errno != EINTR) {
			fail("nanosleep failed with errno %d (%s), expected EINTR", errno,
			     strerror(errno));
			return 1;
		}
		if (rem.tv_sec < 0 || rem.tv_sec > SLEEP_SEC ||
		    (rem.tv_sec == SLEEP_SEC && rem.tv_nsec) || rem.tv_nsec >= 1000000000L) {
			fail("nanosleep left rem = %ld.%09ld", (long)rem.tv_sec, rem.tv_nsec);
			return 1;
		}
		if (!test_sig_received)
			spurious++; /* EINTR is allowed after restore: sleep on */
		req = rem;
	}
	test_msg("%d EINTR without SIGTERM\n", spurious);
	pass();
	return 0;
}
