/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kfd-sys.c - the seam (kfd-seam.h) on the kernel: open(2), drmIoctl() and libdrm_amdgpu's
 * buffer import and CPU mapping for the contents of buffer objects, mmap of a render node
 * for those of its GEM BOs.
 */
#include <amdgpu.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xf86drm.h>

#include "kfd-seam.h"

static int sys_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int sys_close(int fd)
{
	return close(fd) ? -errno : 0;
}

static int sys_dup(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return nfd < 0 ? -errno : nfd;
}

static int sys_ioctl(int fd, unsigned long request, void *arg)
{
	return drmIoctl(fd, request, arg) ? -errno : 0;
}

static ssize_t sys_read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	else
		buf[n] = 0;
	close(fd);
	return n;
}

static bool is_dmabuf(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = 0;
	return !strncmp(target, "/dmabuf:", 8) || !strcmp(target, "anon_inode:dmabuf");
}

static int sys_fd_info(int fd, struct kfd_fd_info *info)
{
	struct stat st, kfd;

	memset(info, 0, sizeof(*info));
	if (fstat(fd, &st))
		return -errno;
	if (S_ISCHR(st.st_mode) && !stat(KFD_DEV_PATH, &kfd) && st.st_rdev == kfd.st_rdev) {
		info->kind = KFD_FD_KFD;
	} else if (S_ISCHR(st.st_mode) && major(st.st_rdev) == DRM_MAJOR_NR &&
		   minor(st.st_rdev) >= DRM_RENDER_BASE) {
		info->kind = KFD_FD_RENDER;
		info->render_minor = minor(st.st_rdev);
	} else if (is_dmabuf(fd)) {
		info->kind = KFD_FD_DMABUF;
		info->ino = st.st_ino;
	}
	return 0;
}

/* stat() through /proc/PID/fd: nothing of the task is opened. */
static int sys_task_has_kfd(pid_t pid)
{
	char dir[64], path[320];
	struct stat kfd, st;
	struct dirent *d;
	int found = 0;
	DIR *fds;

	if (stat(KFD_DEV_PATH, &kfd))
		return 0; /* no KFD here: no task holds it */
	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return -errno;
	while (!found && (d = readdir(fds))) {
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		found = d->d_name[0] != '.' && !stat(path, &st) && S_ISCHR(st.st_mode) &&
			st.st_rdev == kfd.st_rdev;
	}
	closedir(fds);
	return found;
}

static int sys_bo_copy(int drm_fd, int dmabuf_fd, void *buf, uint64_t size, bool to_bo)
{
	struct amdgpu_bo_import_result res;
	amdgpu_device_handle dev;
	uint32_t major, minor;
	void *cpu;
	int ret;

	ret = amdgpu_device_initialize(drm_fd, &major, &minor, &dev);
	if (ret)
		return ret;
	ret = amdgpu_bo_import(dev, amdgpu_bo_handle_type_dma_buf_fd, dmabuf_fd, &res);
	if (ret)
		goto out_dev;
	if (res.alloc_size < size) {
		ret = -EINVAL;
		goto out_bo;
	}
	ret = amdgpu_bo_cpu_map(res.buf_handle, &cpu);
	if (ret)
		goto out_bo;
	if (to_bo)
		memcpy(cpu, buf, size);
	else
		memcpy(buf, cpu, size);
	amdgpu_bo_cpu_unmap(res.buf_handle);
out_bo:
	amdgpu_bo_free(res.buf_handle);
out_dev:
	amdgpu_device_deinitialize(dev);
	return ret;
}

/* The render node's mmap of a GEM BO, as the program maps it (the kernel moves VRAM in view). */
static int sys_map_copy(int drm_fd, uint64_t offset, void *buf, uint64_t size, bool to_bo)
{
	void *cpu;

	if (!size)
		return 0;
	cpu = mmap(NULL, size, to_bo ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, drm_fd,
		   (off_t)offset);
	if (cpu == MAP_FAILED)
		return -errno;
	if (to_bo)
		memcpy(cpu, buf, size);
	else
		memcpy(buf, cpu, size);
	munmap(cpu, size);
	return 0;
}

const struct kfd_seam kfd_sys_seam = {
	.open = sys_open,
	.close = sys_close,
	.dup = sys_dup,
	.ioctl = sys_ioctl,
	.read_text = sys_read_text,
	.fd_info = sys_fd_info,
	.task_has_kfd = sys_task_has_kfd,
	.bo_copy = sys_bo_copy,
	.map_copy = sys_map_copy,
};

const struct kfd_seam *kfd_seam = &kfd_sys_seam;

void kfd_seam_set(const struct kfd_seam *seam)
{
	kfd_seam = seam ? seam : &kfd_sys_seam;
}
