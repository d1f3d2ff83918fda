// SPDX-License-Identifier: GPL-2.0
/* For tests of the kernel's mount locks: which flags of a mount can't be changed. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

int test_mount_setattr(const char *path, unsigned long long set, unsigned long long clr)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };

	return syscall(SYS_mount_setattr, AT_FDCWD, path, 0, &a, sizeof(a)) ? errno : 0;
}

int test_mount_flag_locks(const char *path)
{
	static const struct {
		unsigned long vfs;
		unsigned long long attr;
		int bit;
	} f[] = {
		{ ST_RDONLY, MOUNT_ATTR_RDONLY, TEST_RDONLY_LOCKED },
		{ ST_NOSUID, MOUNT_ATTR_NOSUID, TEST_NOSUID_LOCKED },
		{ ST_NODEV, MOUNT_ATTR_NODEV, TEST_NODEV_LOCKED },
		{ ST_NOEXEC, MOUNT_ATTR_NOEXEC, TEST_NOEXEC_LOCKED },
	};
	struct statvfs sv;
	int bits = 0;
	size_t i;

	if (statvfs(path, &sv))
		return -1;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if ((sv.f_flag & f[i].vfs) && test_mount_setattr(path, 0, f[i].attr) == EPERM)
			bits |= f[i].bit;
	if (test_mount_setattr(path,
			       sv.f_flag & ST_NOATIME ? MOUNT_ATTR_RELATIME : MOUNT_ATTR_NOATIME,
			       MOUNT_ATTR__ATIME) == EPERM)
		bits |= TEST_ATIME_LOCKED;
	return bits;
}
