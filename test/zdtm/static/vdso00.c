/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdso00: the vdso still works after restore and time has moved on.
 *
 * libc looked up the vdso's functions at start-up and keeps calling them at the old
 * addresses, so restore must put this kernel's vdso (and its vvar data) there, or leave
 * a trampoline. Calls through libc (vdso) and through raw syscalls must agree.
 */
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static int64_t ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* vdso and syscall readings of one clock, taken back to back, must be close and ordered. */
static void compare_with_syscall(clockid_t clk, const char *name)
{
	struct timespec v1, s, v2;

	if (clock_gettime(clk, &v1) || syscall(SYS_clock_gettime, clk, &s) ||
	    clock_gettime(clk, &v2)) {
		fail_perror("clock_gettime(%s)", name);
		return;
	}
	if (ns(&v1) > ns(&s) || ns(&s) > ns(&v2))
		fail("%s: vdso %lld, syscall %lld, vdso %lld are out of order", name,
		     (long long)ns(&v1), (long long)ns(&s), (long long)ns(&v2));
	if (ns(&v2) - ns(&v1) > 1000000000LL)
		fail("%s: two vdso reads 1 s apart around one syscall", name);
}

int main(int argc, char **argv)
{
	struct timespec mono0, mono1, real0, real1;
	struct timeval tv0, tv1;
	int64_t last, now;
	int i;

	test_init(argc, argv);

	if (clock_gettime(CLOCK_MONOTONIC, &mono0) || clock_gettime(CLOCK_REALTIME, &real0) ||
	    gettimeofday(&tv0, NULL)) {
		fail_perror("time before the checkpoint");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (clock_gettime(CLOCK_MONOTONIC, &mono1) || clock_gettime(CLOCK_REALTIME, &real1) ||
	    gettimeofday(&tv1, NULL)) {
		fail_perror("time after restore");
		return 1;
	}
	if (ns(&mono1) <= ns(&mono0))
		fail("CLOCK_MONOTONIC went from %lld to %lld", (long long)ns(&mono0),
		     (long long)ns(&mono1));
	if (ns(&mono1) - ns(&mono0) > 3600LL * 1000000000)
		fail("CLOCK_MONOTONIC jumped by more than an hour");
	if (ns(&real1) < ns(&real0))
		fail("CLOCK_REALTIME went back");
	if (tv1.tv_sec < tv0.tv_sec || (tv1.tv_sec == tv0.tv_sec && tv1.tv_usec < tv0.tv_usec))
		fail("gettimeofday went back");

	compare_with_syscall(CLOCK_MONOTONIC, "CLOCK_MONOTONIC");
	compare_with_syscall(CLOCK_REALTIME, "CLOCK_REALTIME");

	/* Many calls: a half-fixed vdso tends to fail only now and then. */
	last = ns(&mono1);
	for (i = 0; i < 100000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &mono1);
		now = ns(&mono1);
		if (now < last) {
			fail("CLOCK_MONOTONIC went back at call %d", i);
			break;
		}
		last = now;
	}
	if (time(NULL) < real0.tv_sec)
		fail("time() went back");

	if (test_failed())
		return 1;
	pass();
	return 0;
}
