/* SPDX-License-Identifier: GPL-2.0 */
/*
 * refuse_anon00: an anon_inode file of a kind criu does not know (a filesystem context from
 * fsopen) makes the dump fail naming the fd and the kind (refuse_anon00.desc); the context
 * must still accept configuration afterwards.
 */
#include <linux/mount.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int fd;

	test_init(argc, argv);
	fd = syscall(__NR_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fd < 0) {
		fail_perror("fsopen(tmpfs)");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (syscall(__NR_fsconfig, fd, FSCONFIG_SET_STRING, "size", "1m", 0)) {
		fail_perror("fsconfig on the kept context");
		return 1;
	}
	pass();
	return 0;
}
