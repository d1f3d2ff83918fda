/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refuse_uffd00: a userfaultfd cannot be saved; the dump must fail naming the fd and its
 * kind (refuse_uffd00.desc), and the fd must still answer UFFDIO_API afterwards.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd;

	test_init(argc, argv);
	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		fail_perror("userfaultfd");
		return 1;
	}

	test_daemon();
	test_waitsig();

	/* The handshake is allowed once: it succeeds only on the same, untouched object. */
	if (ioctl(fd, UFFDIO_API, &api)) {
		fail_perror("UFFDIO_API on the kept userfaultfd");
		return 1;
	}
	pass();
	return 0;
}
