/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timens00: the tree's own time namespace keeps its clock offsets (the pidns flavour makes
 * it with CLOCK_MONOTONIC 10 days and CLOCK_BOOTTIME 5 days ahead of the host's, through
 * ZDTM_TIMENS). Its clocks go on from where they were: after the restore CLOCK_MONOTONIC
 * and CLOCK_BOOTTIME are not behind what they read before the dump (restored in a
 * namespace without the offsets they would be days behind), nor far ahead; and
 * /proc/self/timens_offsets reads as before.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MAX_GAP 600 /* seconds a dump and restore may take */

static char offsets[256];
static double mono, boot;

static int read_offsets(char *buf, size_t len)
{
	int fd = open("/proc/self/timens_offsets", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, len - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return 0;
}

static double now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int setup(void)
{
	long long m = 0, b = 0;

	if (read_offsets(offsets, sizeof(offsets)) ||
	    sscanf(offsets, "monotonic %lld %*d boottime %lld", &m, &b) != 2 || m != 864000 ||
	    b != 432000) {
		fail("not in a time namespace with the flavour's offsets: '%s'", offsets);
		return -1;
	}
	mono = now(CLOCK_MONOTONIC);
	boot = now(CLOCK_BOOTTIME);
	return 0;
}

static void check_clock(const char *name, clockid_t clk, double before)
{
	double t = now(clk);

	if (t < before || t > before + MAX_GAP)
		fail("%s reads %.3f s, was %.3f s before the dump", name, t, before);
}

static void check(void)
{
	char cur[256];

	if (read_offsets(cur, sizeof(cur)) || strcmp(cur, offsets))
		fail("timens_offsets read '%s', was '%s'", cur, offsets);
	check_clock("CLOCK_MONOTONIC", CLOCK_MONOTONIC, mono);
	check_clock("CLOCK_BOOTTIME", CLOCK_BOOTTIME, boot);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
