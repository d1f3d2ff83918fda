/* SPDX-License-Identifier: GPL-2.0 */
/*
 * attrs02: the audit login uid (/proc/self/loginuid) survives a checkpoint. The test sets
 * its own (criu and the runner keep theirs unset), so a restore that forgot it would read
 * back 4294967295.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "zdtmtst.h"

#define TEST_LOGINUID 4242u

static long read_loginuid(void)
{
	char buf[32] = {};
	int fd = open("/proc/self/loginuid", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

static int setup(void)
{
	char buf[32];
	int fd = open("/proc/self/loginuid", O_WRONLY);
	int len = snprintf(buf, sizeof(buf), "%u", TEST_LOGINUID);

	if (fd < 0 || write(fd, buf, len) != len) {
		fail_perror("can't set loginuid %u", TEST_LOGINUID);
		return -1;
	}
	close(fd);
	return 0;
}

static void check(void)
{
	long uid = read_loginuid();

	if (uid != TEST_LOGINUID)
		fail("loginuid is %ld, want %u", uid, TEST_LOGINUID);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
