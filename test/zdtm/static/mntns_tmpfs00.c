/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mntns_tmpfs00 (ns flavour): a tmpfs of the test's mount namespace comes back with its
 * files. On a tmpfs (size=4m, mode=1751): a file of known bytes, owner 1000:1001 and mode
 * 0640; a sparse file (a byte at 1 MiB); a directory with a symlink and a second hard link
 * of the file; a fifo; a file under a directory another mount covers (a bind of the
 * directory's parent's sibling), and a bind of the tmpfs's "sub" directory elsewhere. An fd
 * open on the file at offset 3 must still be that file (same inode as its path) at that
 * offset. Checked before and after: bytes, modes, owners, link counts, the sparse size,
 * the symlink's target, the file under the covering mount (found through a bind of the
 * tmpfs made after the restore, without its submounts), and the tmpfs's mountinfo line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BYTES "tmpfs bytes 0123456789\n"

static char base[PATH_MAX - 64];
static char opts_before[1024];
static int fd;

static const char *at(const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int n;
	char *p = bufs[n++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", base, rel);
	return p;
}

static int put(const char *rel, const char *text, off_t where)
{
	int f = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ok = f >= 0 && pwrite(f, text, strlen(text), where) == (ssize_t)strlen(text);

	if (f >= 0)
		close(f);
	return ok ? 0 : -1;
}

/* The tmpfs's mountinfo line from the mount point on (ids and device left out). */
static int tmpfs_line(char *out, size_t len)
{
	char line[4096], mp[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *rest = line;
		int i;

		if (sscanf(line, "%*d %*d %*s %*s %4095s", mp) != 1 || strcmp(mp, at("t")))
			continue;
		for (i = 0; i < 4 && rest; i++)
			rest = strchr(rest + 1, ' ');
		snprintf(out, len, "%s", rest ? rest : "?");
		found = 0;
	}
	if (f)
		fclose(f);
	return found;
}

static int make(void)
{
	if (mkdir(base, 0755) || mkdir(at("t"), 0755) || mkdir(at("elsewhere"), 0755) ||
	    mount("zdtm-tmpfs", at("t"), "tmpfs", MS_NOSUID, "size=4m,mode=1751") ||
	    mkdir(at("t/sub"), 0700) || mkdir(at("t/covered"), 0755) || mkdir(at("t/cover"), 0755))
		return -1;
	if (put("t/file", BYTES, 0) || chown(at("t/file"), 1000, 1001) ||
	    chmod(at("t/file"), 0640) || put("t/sparse", "x", 1 << 20) ||
	    symlink("../file", at("t/sub/link")) || link(at("t/file"), at("t/sub/hard")) ||
	    mkfifo(at("t/sub/fifo"), 0600) || put("t/covered/hidden", "hidden\n", 0))
		return -1;
	/* the covering mount: a bind of t/cover over t/covered */
	if (mount(at("t/cover"), at("t/covered"), NULL, MS_BIND, NULL) ||
	    mount(at("t/sub"), at("elsewhere"), NULL, MS_BIND, NULL))
		return -1;
	fd = open(at("t/file"), O_RDWR);
	return fd < 0 || lseek(fd, 3, SEEK_SET) != 3 ? -1 : 0;
}

static int setup(void)
{
	snprintf(base, sizeof(base), "%s", test_path("mnt"));
	if (make()) {
		fail("making the tmpfs and its files: %s", strerror(errno));
		return -1;
	}
	if (tmpfs_line(opts_before, sizeof(opts_before))) {
		fail("no tmpfs at %s in mountinfo", at("t"));
		return -1;
	}
	return 0;
}

static int is_file(const char *rel, const char *bytes, mode_t mode, uid_t uid, nlink_t links)
{
	struct stat st;
	char buf[256];
	int f = open(at(rel), O_RDONLY);
	ssize_t n = f < 0 ? -1 : read(f, buf, sizeof(buf) - 1);

	if (f >= 0)
		close(f);
	if (n < 0 || stat(at(rel), &st))
		return 0;
	buf[n] = 0;
	return !strcmp(buf, bytes) && (st.st_mode & 07777) == mode && st.st_uid == uid &&
	       st.st_nlink == links;
}

/* The file under t/covered, through a bind of the tmpfs without the cover. */
static int hidden_is_there(void)
{
	int ok;

	if (mkdir(at("peek"), 0755) && errno != EEXIST)
		return 0;
	if (mount(at("t"), at("peek"), NULL, MS_BIND, NULL))
		return 0;
	ok = is_file("peek/covered/hidden", "hidden\n", 0644, 0, 1);
	umount2(at("peek"), MNT_DETACH);
	return ok;
}

static void check(void)
{
	char line[1024], link[64] = "";
	struct stat a, b, st;

	if (!is_file("t/file", BYTES, 0640, 1000, 2) ||
	    !is_file("t/sub/hard", BYTES, 0640, 1000, 2))
		fail("t/file or its hard link differ");
	if (!is_file("elsewhere/hard", BYTES, 0640, 1000, 2))
		fail("the bind of t/sub does not show the file");
	if (stat(at("t/sparse"), &st) || st.st_size != (1 << 20) + 1 || st.st_blocks > 64)
		fail("t/sparse is not a sparse file of 1 MiB and a byte");
	if (readlink(at("t/sub/link"), link, sizeof(link) - 1) < 0 || strcmp(link, "../file"))
		fail("t/sub/link points at '%s'", link);
	if (stat(at("t/sub/fifo"), &st) || !S_ISFIFO(st.st_mode) || (st.st_mode & 0777) != 0600)
		fail("t/sub/fifo is not a fifo of mode 0600");
	if (stat(at("t"), &st) || (st.st_mode & 07777) != 01751)
		fail("the tmpfs's root has mode %o, not 1751", st.st_mode & 07777);
	if (!hidden_is_there())
		fail("the file under the covering mount is gone");
	if (fstat(fd, &a) || stat(at("t/file"), &b) || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		fail("the fd is not on t/file");
	if (lseek(fd, 0, SEEK_CUR) != 3)
		fail("the fd's offset is %ld, not 3", (long)lseek(fd, 0, SEEK_CUR));
	if (tmpfs_line(line, sizeof(line)) || strcmp(line, opts_before))
		fail("the tmpfs's mountinfo is now '%s', was '%s'", line, opts_before);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	return test_check_across_dump(setup, check);
}
