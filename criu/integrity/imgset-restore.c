/* SPDX-License-Identifier: GPL-2.0 */
/*
 * integrity/imgset-restore.c - the restore's side of the image set: every file is checked
 * against checksums.img before anything is created, and afterwards only files the set
 * lists may be opened, so no image of another dump can slip in by its name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "imgset.h"
#include "log.h"

static struct sum_set *rset;
static int rset_dfd = -1;

static void report_err(void *arg, const char *msg)
{
	pr_err("%s\n", msg);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ull + ts.tv_nsec / 1000;
}

static void set_id_text(const struct sum_set *set, char *buf)
{
	int i;

	for (i = 0; i < SUMSET_ID_LEN; i++)
		sprintf(buf + 2 * i, "%02x", set->id[i]);
}

/* The pages files keep their sizes in the check, not their contents (imgset.h). */
static void leave_pages_to_lazy(struct sum_set *set)
{
	size_t i, n = 0;

	for (i = 0; i < set->nr_files; i++)
		if (!strncmp(set->files[i]->name, "pages-", 6)) {
			set->files[i]->nr_units = 0;
			n++;
		}
	if (n)
		pr_warn("--lazy-pages: the contents of %zu pages file(s) are not checked against "
			"%s (criu lazy-pages reads them as the tasks need them)\n",
			n, SUMSET_IMG);
}

int imgset_verify(int dfd, bool skip_checksums, bool lazy_pages)
{
	char id[2 * SUMSET_ID_LEN + 1];
	struct sum_set *set;
	uint64_t start;
	int ret;

	imgset_forget();
	if (skip_checksums) {
		pr_warn("--skip-checksums: the images are restored without checking their sums\n");
		return 0;
	}
	ret = sumset_load(dfd, &set, report_err, NULL);
	if (ret == -ENOENT) {
		pr_warn("No %s: the images are unverified (written by CRIU or an older criu)\n",
			SUMSET_IMG);
		return 0;
	}
	if (ret) {
		pr_err("%s can't be used: the set can't be verified (--skip-checksums restores "
		       "anyway)\n",
		       SUMSET_IMG);
		return ret;
	}
	if (lazy_pages)
		leave_pages_to_lazy(set);
	start = now_us();
	ret = sumset_verify(dfd, set, report_err, NULL);
	if (ret) {
		if (ret > 0)
			pr_err("%d image file(s) differ from what the dump wrote: nothing restored "
			       "(--skip-checksums restores anyway)\n",
			       ret);
		sumset_free(set);
		return ret > 0 ? -EINVAL : ret;
	}
	set_id_text(set, id);
	pr_info("Image set %s: %zu files verified in %llu us\n", id, set->nr_files,
		(unsigned long long)(now_us() - start));
	rset = set;
	rset_dfd = dfd;
	return 0;
}

void imgset_forget(void)
{
	sumset_free(rset);
	rset = NULL;
	rset_dfd = -1;
}

int imgset_check_member(int dfd, const char *name)
{
	/* the restore's own stats are not part of the dump's set */
	if (!rset || dfd != rset_dfd || sumset_find(rset, name) || !strcmp(name, "stats-restore"))
		return 0;
	pr_err("%s: not part of this image set (%s does not list it): from another dump?\n", name,
	       SUMSET_IMG);
	return -EINVAL;
}
