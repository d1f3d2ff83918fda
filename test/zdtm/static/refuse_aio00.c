/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refuse_aio00: an AIO context (io_setup) cannot be saved yet; the dump must fail naming
 * its ring mapping (refuse_aio00.desc), and the context must still be usable afterwards.
 */
#include <linux/aio_abi.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	aio_context_t ctx = 0;
	struct io_event ev;
	struct timespec zero = { 0, 0 };

	test_init(argc, argv);
	if (syscall(__NR_io_setup, 16, &ctx)) {
		fail_perror("io_setup");
		return 1;
	}

	test_daemon();
	test_waitsig();

	/* Nothing was submitted: a live context answers 0 events, a lost one EINVAL. */
	if (syscall(__NR_io_getevents, ctx, 0, 1, &ev, &zero) != 0) {
		fail_perror("io_getevents on the kept AIO context");
		return 1;
	}
	if (syscall(__NR_io_destroy, ctx)) {
		fail_perror("io_destroy");
		return 1;
	}
	pass();
	return 0;
}
