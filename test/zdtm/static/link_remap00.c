/* SPDX-License-Identifier: GPL-2.0 */
/*
 * link_remap00: a file unlinked from the path it was opened by, but still linked under
 * another name, comes back with --link-remap: the same inode as the other link, its data
 * and position, the old name still gone, and no link_remap.N file left behind. Without
 * the option (link_remap01.desc) the dump is refused naming the option.
 */
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

static const char data[] = "a file with two names, one of them gone";

static int leftover_links(const char *path)
{
	char dir[4096];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", path);
	d = opendir(dirname(dir));
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += !strncmp(de->d_name, "link_remap.", 11);
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	char gone[4096], other[4096], buf[sizeof(data)];
	struct stat st, ost;
	int fd;

	test_init(argc, argv);
	snprintf(gone, sizeof(gone), "%s", test_path("gone"));
	snprintf(other, sizeof(other), "%s", test_path("other"));
	fd = open(gone, O_RDWR | O_CREAT | O_TRUNC, 0640);
	if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data) || link(gone, other) ||
	    unlink(gone) || lseek(fd, 7, SEEK_SET) != 7) {
		fail_perror("can't set up the unlinked file");
		return 1;
	}

	test_daemon();
	test_waitsig();

	if (fstat(fd, &st) || stat(other, &ost) || st.st_ino != ost.st_ino || st.st_nlink != 1) {
		fail("the fd is not the file still linked as %s (nlink %lu)", other,
		     (unsigned long)st.st_nlink);
		return 1;
	}
	if (access(gone, F_OK) == 0) {
		fail("the unlinked name %s exists again", gone);
		return 1;
	}
	if (lseek(fd, 0, SEEK_CUR) != 7 || pread(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
	    memcmp(buf, data, sizeof(data))) {
		fail("the position or data changed");
		return 1;
	}
	if (leftover_links(other)) {
		fail("link_remap files were left in the directory");
		return 1;
	}
	unlink(other);
	pass();
	return 0;
}
