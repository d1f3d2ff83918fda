/* SPDX-License-Identifier: GPL-2.0 */
/*
 * integrity/imgset-dump.c - the dump's side of the image set: sums collected while images
 * are written, and the commit that makes the directory a complete set. The order of the
 * commit is what makes a crash at any instant safe: every image is already fsync'ed (at its
 * close), then checksums.img is written and fsync'ed, then inventory.img (fsync'ed under
 * its temporary name) is renamed into place and the directory fsync'ed. A directory with an
 * inventory.img is complete and summed; one without is refused by restore.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "fault.h"
#include "imgset.h"
#include "log.h"

static struct sum_set *wset;
static int wset_dfd = -1;
static bool wset_sums; /* false: --skip-checksums, no sums and no checksums.img */

static int fsync_dir(int dfd)
{
	if (fsync(dfd)) {
		pr_perror("Can't fsync the images directory");
		return -errno;
	}
	return 0;
}

static int unlink_stale(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) && errno != ENOENT) {
		pr_perror("%s: can't remove the one of an earlier dump", name);
		return -errno;
	}
	return 0;
}

int imgset_begin(int dfd, bool sums)
{
	uint8_t id[SUMSET_ID_LEN];
	int ret;

	if (getrandom(id, sizeof(id), 0) != sizeof(id)) {
		pr_perror("Can't draw the image set's identity");
		return -EIO;
	}
	/* an earlier dump's inventory.img would make this one look complete if it fails */
	ret = unlink_stale(dfd, "inventory.img");
	ret = ret ?: unlink_stale(dfd, INVENTORY_TMP);
	ret = ret ?: unlink_stale(dfd, SUMSET_IMG);
	ret = ret ?: fsync_dir(dfd);
	if (ret)
		return ret;
	wset = sumset_new(id);
	if (!wset)
		return -ENOMEM;
	wset_dfd = dfd;
	wset_sums = sums;
	if (!sums)
		pr_warn("--skip-checksums: the images get no checksums.img, a restore can't "
			"verify them\n");
	return 0;
}

void imgset_end(void)
{
	sumset_free(wset);
	wset = NULL;
	wset_dfd = -1;
}

uint64_t imgset_seed(void)
{
	return wset ? wset->seed : 0;
}

bool imgset_writing(int dfd)
{
	return wset && dfd == wset_dfd;
}

struct sum_file *imgset_opened(int dfd, const char *name)
{
	struct sum_file *f;

	if (!imgset_writing(dfd) || !wset_sums || !strcmp(name, SUMSET_IMG))
		return NULL;
	f = sumset_file(wset, name);
	if (!f) {
		pr_err("%s: no memory to keep its checksums\n", name);
		return NULL;
	}
	f->open = true;
	return f;
}

int imgset_feed(struct sum_file *f, const void *p, size_t len)
{
	int ret = sumset_feed(wset, f, p, len);

	if (ret)
		pr_err("%s: no memory to keep its checksums\n", f->name);
	return ret;
}

/* "core-42.img" -> "core", "pagemap-shmem-3.img" -> "pagemap-shmem", "stats-dump" as is. */
static void kind_of(const char *name, char *kind, size_t len)
{
	size_t n = 0;

	while (name[n] && n + 1 < len) {
		if (name[n] == '.' || (name[n] == '-' && name[n + 1] >= '0' && name[n + 1] <= '9'))
			break;
		kind[n] = name[n];
		n++;
	}
	kind[n] = '\0';
}

int imgset_closed(struct sum_file *f, uint64_t size)
{
	char point[SUMSET_NAME_MAX + 16], kind[SUMSET_NAME_MAX];
	int ret;

	f->open = false;
	ret = sumset_file_done(f, size);
	if (ret) {
		pr_err("%s: its checksums cover %llu of its %llu bytes (a write went around the "
		       "image writer)\n",
		       f->name, (unsigned long long)f->size, (unsigned long long)size);
		return ret;
	}
	kind_of(f->name, kind, sizeof(kind));
	snprintf(point, sizeof(point), "after-image:%s", kind);
	return fault_injected(point) ? -EIO : 0;
}

static int all_closed(void)
{
	bool inventory = false;
	size_t i;

	for (i = 0; i < wset->nr_files; i++) {
		if (wset->files[i]->open) {
			pr_err("%s: still open when the dump ends: its content is not final\n",
			       wset->files[i]->name);
			return -EIO;
		}
		inventory |= !strcmp(wset->files[i]->name, "inventory.img");
	}
	if (!inventory) {
		pr_err("inventory.img was not written: the set can't be completed\n");
		return -EIO;
	}
	return 0;
}

static int write_file(int dfd, const char *name, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	int fd, ret = 0;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_perror("%s: can't create it", name);
		return -errno;
	}
	while (!ret && done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			errno = -ret;
			pr_perror("%s: can't write it (disk full?)", name);
		}
		done += n > 0 ? n : 0;
	}
	if (!ret && fsync(fd)) {
		ret = -errno;
		pr_perror("%s: can't fsync it", name);
	}
	if (close(fd) && !ret) {
		ret = -errno;
		pr_perror("%s: can't close it", name);
	}
	return ret;
}

static int write_sums(int dfd)
{
	uint8_t *buf;
	size_t len;
	int ret;

	ret = sumset_encode(wset, &buf, &len);
	if (ret) {
		pr_err("%s: no memory to encode it\n", SUMSET_IMG);
		return ret;
	}
	ret = write_file(dfd, SUMSET_IMG, buf, len);
	free(buf);
	if (!ret && fault_injected("after-image:checksums"))
		ret = -EIO;
	return ret;
}

int imgset_commit(int dfd)
{
	int ret;

	if (!imgset_writing(dfd)) {
		pr_err("No image set is being written to this directory\n");
		return -EINVAL;
	}
	if (wset_sums) {
		ret = all_closed();
		ret = ret ?: write_sums(dfd);
	} else {
		ret = fault_injected("after-image:checksums") ? -EIO : 0;
	}
	/* every image and checksums.img are on disk before inventory.img names them complete */
	ret = ret ?: fsync_dir(dfd);
	if (ret)
		return ret;
	if (renameat(dfd, INVENTORY_TMP, dfd, "inventory.img")) {
		pr_perror("Can't rename %s to inventory.img", INVENTORY_TMP);
		return -errno;
	}
	ret = fsync_dir(dfd);
	if (!ret)
		pr_info("Image set complete: %zu files summed, inventory.img in place\n",
			wset->nr_files);
	return ret;
}

void imgset_uncommit(int dfd)
{
	static const char *const names[] = { "inventory.img", INVENTORY_TMP, SUMSET_IMG };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (unlinkat(dfd, names[i], 0) && errno != ENOENT)
			pr_perror("%s: can't remove it from the failed dump's directory", names[i]);
	if (fsync(dfd))
		pr_perror("Can't fsync the images directory");
}
