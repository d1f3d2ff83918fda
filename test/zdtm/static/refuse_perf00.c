/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refuse_perf00: a perf_event fd cannot be saved; the dump must fail naming the fd and its
 * kind (refuse_perf00.desc), and the counter must still be readable afterwards.
 */
#include <linux/perf_event.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct perf_event_attr pa;
	uint64_t count;
	int fd;

	test_init(argc, argv);
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.config = PERF_COUNT_SW_TASK_CLOCK;
	pa.exclude_kernel = 1;
	fd = syscall(__NR_perf_event_open, &pa, 0, -1, -1, 0);
	if (fd < 0) {
		fail_perror("perf_event_open");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (read(fd, &count, sizeof(count)) != sizeof(count)) {
		fail_perror("can't read the counter after the refused dump");
		return 1;
	}
	pass();
	return 0;
}
