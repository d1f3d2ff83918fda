/* SPDX-License-Identifier: GPL-2.0 */
/*
 * verify.c - crit verify DIR: check an images directory offline, as restore does before it
 * creates anything: inventory.img is there (the dump completed), checksums.img is intact,
 * and every file it lists has its size and sums. Prints one "Error: ..." line per problem
 * and a summary line on stdout when all is well. Exit status 0 only for a verified set.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crit.h"
#include "sumset.h"

static void report(void *arg, const char *msg)
{
	(*(int *)arg)++;
	crit_err("%s", msg);
}

/* Image files the set does not list are not read by a restore: say so, it is not an error. */
static void note_unlisted(int dfd, const struct sum_set *set)
{
	struct dirent *de;
	DIR *d = fdopendir(dup(dfd));

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > 4 && !strcmp(de->d_name + n - 4, ".img") &&
		    strcmp(de->d_name, SUMSET_IMG) && !sumset_find(set, de->d_name))
			printf("note: %s is not part of the set (a restore won't read it)\n",
			       de->d_name);
	}
	closedir(d);
}

static int verify_dir(int dfd, const char *dir)
{
	struct sum_set *set;
	int problems = 0, ret, i;
	char id[2 * SUMSET_ID_LEN + 1];

	if (faccessat(dfd, "inventory.img", F_OK, 0)) {
		crit_err("%s: no inventory.img: the dump did not complete, not a set to restore",
			 dir);
		return -1;
	}
	ret = sumset_load(dfd, &set, report, &problems);
	if (ret == -ENOENT) {
		crit_err("%s: no %s: the set has no sums to verify (written by CRIU?)", dir,
			 SUMSET_IMG);
		return -1;
	}
	if (ret)
		return -1;
	ret = sumset_verify(dfd, set, report, &problems);
	if (ret < 0)
		crit_err("%s: can't verify: %s", dir, strerror(-ret));
	if (ret == 0) {
		for (i = 0; i < SUMSET_ID_LEN; i++)
			sprintf(id + 2 * i, "%02x", set->id[i]);
		note_unlisted(dfd, set);
		printf("%s: %zu files verified, set %s\n", dir, set->nr_files, id);
	}
	sumset_free(set);
	return ret ? -1 : 0;
}

int crit_verify(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (dfd < 0) {
		crit_err("%s: cannot open: %s", dir, strerror(errno));
		return -1;
	}
	ret = verify_dir(dfd, dir);
	close(dfd);
	return ret;
}
