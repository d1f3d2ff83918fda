/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refuse_iouring00: an io_uring instance cannot be saved; the dump must fail naming the fd
 * and its kind (refuse_iouring00.desc), and the ring must still work afterwards.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct io_uring_params par;
	int fd;

	test_init(argc, argv);
	memset(&par, 0, sizeof(par));
	fd = syscall(__NR_io_uring_setup, 4, &par);
	if (fd < 0) {
		fail_perror("io_uring_setup");
		return 1;
	}

	test_daemon();
	test_waitsig();

	/* Registering nothing is still a round trip through the ring's own file. */
	if (syscall(__NR_io_uring_register, fd, IORING_UNREGISTER_BUFFERS, NULL, 0) != -1 ||
	    errno != ENXIO) {
		fail_perror("the io_uring fd no longer answers as a ring");
		return 1;
	}
	pass();
	return 0;
}
