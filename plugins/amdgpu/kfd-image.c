/* SPDX-License-Identifier: GPL-2.0 */
/* kfd-image.c - the plugin's image files (kfd-image.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kfd-image.h"
#include "plugin-log.h"

FILE *kfd_image_create(const char *name, uint64_t size)
{
	FILE *f;
	int fd;

	fd = openat(criu_get_image_dir(), name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_err("Can't create image %s: %s\n", name, strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return NULL;
	}
	if (fwrite(&size, sizeof(size), 1, f) != 1) {
		pr_err("Can't write image %s\n", name);
		fclose(f);
		return NULL;
	}
	return f;
}

FILE *kfd_image_open(const char *name, uint64_t *size)
{
	struct stat st;
	FILE *f;
	int fd;

	fd = openat(criu_get_image_dir(), name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("Can't open image %s: %s\n", name, strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return NULL;
	}
	if (fstat(fd, &st) || fread(size, sizeof(*size), 1, f) != 1 ||
	    *size != (uint64_t)st.st_size - sizeof(*size)) {
		pr_err("Image %s is truncated or its size word is wrong\n", name);
		fclose(f);
		return NULL;
	}
	return f;
}

int kfd_image_close(FILE *f, const char *name)
{
	if (ferror(f) | fclose(f)) {
		pr_err("Can't write image %s\n", name);
		return -EIO;
	}
	return 0;
}

int kfd_image_write(const char *name, const void *buf, size_t len)
{
	FILE *f = kfd_image_create(name, len);

	if (!f)
		return -EIO;
	if (len && fwrite(buf, len, 1, f) != 1) {
		fclose(f);
		pr_err("Can't write image %s\n", name);
		return -EIO;
	}
	return kfd_image_close(f, name);
}

int kfd_image_read(const char *name, void **buf, size_t *len)
{
	uint64_t size;
	FILE *f = kfd_image_open(name, &size);
	int ret = 0;

	if (!f)
		return -EIO;
	if (size > KFD_IMAGE_MAX) {
		pr_err("Image %s claims %llu bytes, more than any KFD state\n", name,
		       (unsigned long long)size);
		fclose(f);
		return -EINVAL;
	}
	*buf = malloc(size ? size : 1);
	if (!*buf)
		ret = -ENOMEM;
	else if (size && fread(*buf, size, 1, f) != 1)
		ret = -EIO;
	fclose(f);
	if (ret) {
		free(*buf);
		*buf = NULL;
		return ret;
	}
	*len = size;
	return 0;
}
