/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check/ns.c - probes of namespaces and mounts. The mount probes run in a child with its own
 * mount namespace and a tmpfs over /tmp there, so nothing is left mounted or created.
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "probes.h"

#ifndef MOVE_MOUNT_SET_GROUP
#define MOVE_MOUNT_SET_GROUP 0x100
#endif
#define PR_SET_MM_MAP_SIZE_ 15

const char *probe_userns(void)
{
	unsigned int size = 0;

	if (access("/proc/self/ns/user", F_OK))
		return "no user namespaces (/proc/self/ns/user)";
	if (prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE_, (unsigned long)&size, 0, 0))
		return "prctl: PR_SET_MM_MAP_SIZE is not supported";
	return NULL;
}

const char *probe_cgroupns(void)
{
	return access("/proc/self/ns/cgroup", F_OK) ? "cgroup namespaces are not supported" : NULL;
}

const char *probe_timens(void)
{
	return access("/proc/self/ns/time", F_OK) ? "Time namespaces are not supported" : NULL;
}

/* In a child: a private mount namespace with a fresh tmpfs on /tmp. */
static int private_tmp(void)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	return mount("criu-check", "/tmp", "tmpfs", 0, NULL);
}

static int set_group_child(void)
{
	if (private_tmp() || mkdir("/tmp/a", 0700) || mkdir("/tmp/b", 0700))
		return -1;
	/* the group moves between mounts of one superblock: b is a private bind of a */
	if (mount("a", "/tmp/a", "tmpfs", 0, NULL) ||
	    mount("/tmp/a", "/tmp/b", NULL, MS_BIND, NULL))
		return -1;
	if (mount(NULL, "/tmp/a", NULL, MS_SHARED, NULL))
		return -1;
	return syscall(SYS_move_mount, AT_FDCWD, "/tmp/a", AT_FDCWD, "/tmp/b",
		       MOVE_MOUNT_SET_GROUP);
}

const char *probe_move_mount_set_group(void)
{
	return probe_in_child(set_group_child) ? "move_mount(MOVE_MOUNT_SET_GROUP) doesn't work"
					       : NULL;
}

/* dev:ino of the mapping at addr in /proc/self/maps */
static int maps_dev_ino(void *addr, unsigned int *maj, unsigned int *min, unsigned long *ino)
{
	unsigned long start;
	char line[512];
	int ret = -1;
	FILE *f = fopen("/proc/self/maps", "re");

	while (ret && f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%*x %*s %*s %x:%x %lu", &start, maj, min, ino) == 4 &&
		    start == (unsigned long)addr)
			ret = 0;
	if (f)
		fclose(f);
	return ret;
}

/* In a child: a file of an overlay mount, mapped: /proc/PID/maps must name its real inode. */
static int overlay_child(void)
{
	unsigned int maj, min;
	unsigned long ino;
	struct stat st;
	void *p;
	int fd;

	if (private_tmp() || mkdir("/tmp/l", 0700) || mkdir("/tmp/u", 0700) ||
	    mkdir("/tmp/w", 0700) || mkdir("/tmp/m", 0700))
		return -1;
	if (mount("overlay", "/tmp/m", "overlay", 0,
		  "lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w"))
		return -1;
	fd = open("/tmp/m/f", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 4096) || fstat(fd, &st))
		return -1;
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || maps_dev_ino(p, &maj, &min, &ino))
		return -1;
	return maj == major(st.st_dev) && min == minor(st.st_dev) && ino == st.st_ino ? 0 : -1;
}

const char *probe_overlayfs_maps(void)
{
	return probe_in_child(overlay_child) ? "/proc/PID/maps doesn't show overlayfs files' "
					       "own device and inode"
					     : NULL;
}

/* In a child with its own user and mount namespaces: a binfmt_misc instance of its own. */
static int binfmt_child(void)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return -1;
	return mount("binfmt_misc", "/tmp", "binfmt_misc", 0, NULL);
}

const char *probe_binfmt_misc_sandboxing(void)
{
	return probe_in_child(binfmt_child) ? "binfmt_misc sandboxing isn't supported" : NULL;
}

/* In a child: mount an autofs and see its pipe in mountinfo (CRIU dumps it from there). */
static int autofs_child(void)
{
	char opts[128], buf[8192];
	int p[2], fd;
	ssize_t n;

	if (private_tmp() || mkdir("/tmp/a", 0700) || pipe(p))
		return -1;
	snprintf(opts, sizeof(opts), "fd=%d,pgrp=%d,minproto=5,maxproto=5,direct", p[1], getpgrp());
	if (mount("criu-check", "/tmp/a", "autofs", 0, opts))
		return -1;
	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	return strstr(buf, " autofs ") && strstr(buf, "pipe_ino=") ? 0 : -1;
}

const char *probe_autofs(void)
{
	return probe_in_child(autofs_child) ? "autofs not supported." : NULL;
}

const char *probe_apparmor_stacking(void)
{
	char buf[16] = "";
	int fd = open("/sys/kernel/security/apparmor/features/domain/stack", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return "AppArmor is not active here";
	buf[n > 0 ? n : 0] = 0;
	return strncmp(buf, "yes", 3) ? "AppArmor can't stack profiles" : NULL;
}
