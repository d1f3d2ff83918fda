/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pidfd_outside00: a pidfd of a process outside the dumped tree (init) could not name the
 * same process after restore; the dump must refuse it naming the fd and the process
 * (pidfd_outside00.desc), and the pidfd must still name init afterwards.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int fd;

	test_init(argc, argv);
	fd = syscall(SYS_pidfd_open, 1, 0);
	if (fd < 0) {
		fail_perror("pidfd_open(1)");
		return 1;
	}

	test_daemon();
	test_waitsig();

	/* Signal 0 only checks that the process behind the pidfd is still there. */
	if (syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0)) {
		fail_perror("the pidfd of init no longer works");
		return 1;
	}
	pass();
	return 0;
}
