/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_ext00 (ns flavour, ZDTM_EXT_MNT): /mnt of the test's root is a bind of a directory
 * of the host's (on the host's /dev/shm: a file system no other mount of the namespace
 * has), an external mount. The test writes a file there with bytes of this run; after the
 * restore, /mnt must be that same directory of the host's again (the file and its bytes,
 * the directory's device and inode) with the same mountinfo line. Its .desc variants give
 * the mount with --external mnt[]:, --ext-mount-map KEY:VAL or auto, or none (refused). With
 * ZDTM_EXT_SKIPPED=1 (--skip-mnt /mnt), /mnt must come back as the plain directory of the
 * root's file system instead, without the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FILE_AT "/mnt/zdtm-ext-file"

static char bytes[64], line_before[1024];
static struct stat dir_before;

/* /mnt's mountinfo line from the mount point on, "" if nothing is mounted there. */
static void mnt_line(char *out, size_t len)
{
	char line[4096], mp[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	*out = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *rest = line;
		int i;

		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1 || strcmp(mp, "/mnt"))
			continue;
		for (i = 0; i < 4 && rest; i++)
			rest = strchr(rest + 1, ' ');
		snprintf(out, len, "%s", rest ? rest : "?");
	}
	if (f)
		fclose(f);
}

static int setup(void)
{
	int fd;

	snprintf(bytes, sizeof(bytes), "external %ld\n", (long)time(NULL));
	fd = open(FILE_AT, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, bytes, strlen(bytes)) != (ssize_t)strlen(bytes) || close(fd)) {
		fail("writing %s: %s", FILE_AT, strerror(errno));
		return -1;
	}
	mnt_line(line_before, sizeof(line_before));
	if (!*line_before || stat("/mnt", &dir_before)) {
		fail("nothing is mounted on /mnt: run with ZDTM_EXT_MNT");
		return -1;
	}
	return 0;
}

static void check(void)
{
	static int after;
	int skipped = after++ && getenv("ZDTM_EXT_SKIPPED");
	char buf[64] = "", line[1024];
	struct stat st;
	int fd = open(FILE_AT, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	mnt_line(line, sizeof(line));
	if (skipped) {
		if (*line || n >= 0)
			fail("/mnt was to be left out of the dump, and is '%s' with the file",
			     line);
		return;
	}
	if (strcmp(buf, bytes))
		fail("%s holds '%s', not '%s'", FILE_AT, buf, bytes);
	if (stat("/mnt", &st) || st.st_dev != dir_before.st_dev || st.st_ino != dir_before.st_ino)
		fail("/mnt is not the host's directory it was");
	if (strcmp(line, line_before))
		fail("/mnt's mountinfo is now '%s', was '%s'", line, line_before);
}

int main(int argc, char **argv)
{
	int ret;

	test_init(argc, argv);
	ret = test_check_across_dump(setup, check);
	unlink(FILE_AT);
	return ret;
}
