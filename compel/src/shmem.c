/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmem.c - the memory criu and the parasite share: a memfd created inside the task (so
 * the task's mapping is its own), fetched here with pidfd_getfd, mapped in both, and the
 * blob copied and relocated into it for the address the task sees.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static bool remote_err(long v)
{
	return (unsigned long)v >= (unsigned long)-4095L;
}

static int remote_call(struct compel_ctl *ctl, const char *what, long nr, long *res,
		       unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
		       unsigned long a5, unsigned long a6)
{
	int ret = compel_syscall(ctl, nr, res, a1, a2, a3, a4, a5, a6);

	if (ret)
		return ret;
	if (remote_err(*res)) {
		errno = (int)-*res;
		pr_perror("%s in task %d failed", what, ctl->pid);
		return (int)*res;
	}
	return 0;
}

/* A local fd for the task's memfd: pidfd_getfd, or /proc/PID/fd/N where that is missing. */
static int grab_remote_fd(struct compel_ctl *ctl, int rfd)
{
	char path[64];
	int pidfd, fd;

	pidfd = (int)syscall(SYS_pidfd_open, ctl->tgid, 0);
	if (pidfd >= 0) {
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, rfd, 0);
		close(pidfd);
		if (fd >= 0)
			return fd;
	}
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", ctl->pid, rfd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		pr_perror("Can't get the shared memfd of task %d (pidfd_getfd and %s failed)",
			  ctl->pid, path);
	return fd < 0 ? -errno : fd;
}

/* memfd_create("") in the task; the name is a zero byte found by arch_find_syscall_insn(). */
static int remote_memfd(struct compel_ctl *ctl)
{
	long fd;
	int ret;

	ret = compel_syscall(ctl, SYS_memfd_create, &fd, ctl->empty_str, MFD_CLOEXEC | MFD_EXEC, 0,
			     0, 0, 0);
	if (!ret && fd == -EINVAL) /* kernels before 6.3 lack MFD_EXEC */
		ret = compel_syscall(ctl, SYS_memfd_create, &fd, ctl->empty_str, MFD_CLOEXEC, 0, 0,
				     0, 0);
	if (ret)
		return ret;
	if (fd < 0) {
		errno = (int)-fd;
		pr_perror("memfd_create in task %d failed", ctl->pid);
		return (int)fd;
	}
	ctl->remote_memfd = (int)fd;
	return 0;
}

int compel_shmem_create(struct compel_ctl *ctl, size_t size)
{
	long addr, res;
	void *local;
	int fd, ret;

	ret = remote_memfd(ctl);
	if (ret)
		return ret;
	fd = grab_remote_fd(ctl, ctl->remote_memfd);
	if (fd < 0)
		return fd;
	if (ftruncate(fd, size)) {
		ret = -errno;
		pr_perror("Can't size the shared memfd to %zu bytes", size);
		goto out_close;
	}
	local = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (local == MAP_FAILED) {
		ret = -errno;
		pr_perror("Can't map the shared memfd (%zu bytes)", size);
		goto out_close;
	}
	ctl->local = local;
	ctl->map_size = size;
	ret = remote_call(ctl, "mmap of the shared area", SYS_mmap, &addr, 0, size,
			  PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED, ctl->remote_memfd, 0);
	if (ret)
		goto out_close;
	ctl->remote_base = addr;
	ret = remote_call(ctl, "close of the memfd", SYS_close, &res, ctl->remote_memfd, 0, 0, 0, 0,
			  0);
	if (!ret)
		ctl->remote_memfd = -1;
out_close:
	close(fd);
	return ret;
}

void compel_shmem_local_unmap(struct compel_ctl *ctl)
{
	if (ctl->local)
		munmap(ctl->local, ctl->map_size);
	ctl->local = NULL;
}

int compel_blob_load(struct compel_ctl *ctl, const struct compel_blob_desc *blob)
{
	uint8_t *dst = ctl->local;
	size_t i;

	if (compel_blob_mem_size(blob) > ctl->hdr_off || blob->entry >= blob->image_size) {
		pr_err("Blob does not fit its own description (image %zu, bss %zu, entry %zu)\n",
		       blob->image_size, blob->bss_size, blob->entry);
		return -EINVAL;
	}
	memcpy(dst, blob->image, blob->image_size);
	memset(dst + blob->image_size, 0, blob->bss_size);
	for (i = 0; i < blob->nr_relocs; i++) {
		uint32_t off = blob->relocs[i];
		uint64_t v;

		if (off > blob->image_size || blob->image_size - off < sizeof(v)) {
			pr_err("Blob relocation %zu at %#x lies outside its image\n", i, off);
			return -EINVAL;
		}
		memcpy(&v, dst + off, sizeof(v));
		v += ctl->remote_base;
		memcpy(dst + off, &v, sizeof(v));
	}
	return 0;
}
