/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sumset-test - unit test of an image set's sums (criu/integrity/, image.c's hooks), no root.
 *
 * Writes a small set the way a dump does (imgset_begin, images through image.c, commit),
 * then checks that it verifies, that checksums.img decodes to what was written, and that each
 * kind of damage is found and named: a flipped bit (with the bytes it lies in), a truncated
 * file, a file of another set with the same name, a missing file, a damaged checksums.img.
 * Also: a failed set has no inventory.img, and a verified set refuses an unlisted image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "imgset.h"
#include "log.h"
#include "sumset.h"

#include "core.pb-c.h"
#include "inventory.pb-c.h"

static int passed, failed;
static char problems[4096];
static int nr_problems;

/* Stub of criu/log.c: keep the error lines, they are what the user would read. */
void log_vprint(int level, const char *file, int line, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (level == LOG_ERROR && strlen(problems) + strlen(msg) < sizeof(problems) - 1)
		strcat(problems, msg);
	if (getenv("SUMSET_TEST_VERBOSE"))
		fprintf(stderr, "  log: %s", msg);
}

void log_print(int level, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(level, file, line, fmt, ap);
	va_end(ap);
}

static void check(bool ok, const char *what)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: %s\n", what);
	if (problems[0])
		printf("  errors: %s", problems);
}

static void collect(void *arg, const char *msg)
{
	nr_problems++;
	if (strlen(problems) + strlen(msg) < sizeof(problems) - 2) {
		strcat(problems, msg);
		strcat(problems, "\n");
	}
}

static void reset(void)
{
	problems[0] = '\0';
	nr_problems = 0;
}

/* A core image with a comm and a buffer of raw bytes: enough to span several sum blocks. */
static int write_set(int dfd, const char *comm, size_t raw)
{
	CoreEntry core = CORE_ENTRY__INIT;
	TaskCoreEntry tc = TASK_CORE_ENTRY__INIT;
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	struct cr_img *img;
	char *buf = malloc(raw);
	size_t i;
	int ret;

	if (imgset_begin(dfd, true) || !buf)
		return -1;
	for (i = 0; i < raw; i++)
		buf[i] = (char)(i * 7 + comm[0]);
	tc.comm = (char *)comm;
	core.tc = &tc;
	img = open_image_at(dfd, CR_FD_CORE, O_DUMP, 42);
	ret = img ? pb_write_one(img, &core.base) : -1;
	ret = ret ?: img_write_buf(img, buf, raw);
	ret = close_image(img) ?: ret;
	inv.img_version = 2;
	img = open_image_at(dfd, CR_FD_INVENTORY, O_DUMP, 0);
	ret = ret ?: (img ? pb_write_one(img, &inv.base) : -1);
	ret = close_image(img) ?: ret;
	ret = ret ?: imgset_commit(dfd);
	imgset_end();
	free(buf);
	return ret;
}

static int verify(int dfd)
{
	struct sum_set *set;
	int ret;

	reset();
	ret = sumset_load(dfd, &set, collect, NULL);
	if (ret)
		return ret < 0 ? ret : -1;
	ret = sumset_verify(dfd, set, collect, NULL);
	sumset_free(set);
	return ret;
}

static void flip(int dfd, const char *name, off_t off)
{
	int fd = openat(dfd, name, O_RDWR);
	char c;

	if (fd < 0 || pread(fd, &c, 1, off) != 1)
		abort();
	c ^= 0x10;
	if (pwrite(fd, &c, 1, off) != 1)
		abort();
	close(fd);
}

static void copy_file(int from_dfd, int to_dfd, const char *name)
{
	char buf[1 << 16];
	int in = openat(from_dfd, name, O_RDONLY), out;
	ssize_t n;

	out = openat(to_dfd, name, O_WRONLY | O_TRUNC);
	if (in < 0 || out < 0)
		abort();
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			abort();
	close(in);
	close(out);
}

static int truncate_at(int dfd, const char *name, off_t len)
{
	int fd = openat(dfd, name, O_WRONLY), ret;

	ret = fd < 0 ? -1 : ftruncate(fd, len);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int remove_dir(const char *path)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

static int make_dir(char *tmpl)
{
	if (!mkdtemp(tmpl))
		abort();
	return open(tmpl, O_RDONLY | O_DIRECTORY);
}

static void test_good_and_damaged(void)
{
	char a[] = "/tmp/sumset-test.XXXXXX", b[] = "/tmp/sumset-test.XXXXXX";
	int da = make_dir(a), db = make_dir(b);
	struct sum_set *set;

	check(write_set(da, "alpha", 300000) == 0, "a set is written and committed");
	check(faccessat(da, "inventory.img", F_OK, 0) == 0, "inventory.img in place");
	check(faccessat(da, INVENTORY_TMP, F_OK, 0) != 0, "no temporary inventory left");
	check(verify(da) == 0, "the set verifies");
	reset();
	check(sumset_load(da, &set, collect, NULL) == 0 && set->nr_files == 2 &&
		      sumset_find(set, "core-42.img") && sumset_find(set, "inventory.img") &&
		      sumset_find(set, "core-42.img")->nr_units == 5,
	      "checksums.img lists core-42.img in 5 blocks, and inventory.img");
	sumset_free(set);

	flip(da, "core-42.img", 200000);
	check(verify(da) == 1 &&
		      strstr(problems, "core-42.img: checksum mismatch in bytes 196608..262143"),
	      "a flipped bit is found and its block named");
	flip(da, "core-42.img", 200000);
	check(verify(da) == 0, "flipped back, the set verifies again");

	check(write_set(db, "bravo", 300000) == 0, "a second set is written");
	copy_file(db, da, "core-42.img");
	check(verify(da) == 1 && strstr(problems, "core-42.img: checksum mismatch"),
	      "core-42.img of another dump is refused by name");
	copy_file(db, da, "checksums.img");
	check(verify(da) == 0, "with its checksums.img too, the files are that other set");
	check(write_set(da, "alpha", 300000) == 0, "the first set is written again");
	copy_file(db, da, "checksums.img");
	check(verify(da) == 1 && strstr(problems, "core-42.img: checksum mismatch"),
	      "checksums.img of another dump does not fit this set's files");

	check(truncate_at(db, "core-42.img", 1000) == 0, "truncate core");
	check(verify(db) == 1 && strstr(problems, "core-42.img: 1000 bytes"),
	      "a truncated file is named with its size");
	unlinkat(db, "core-42.img", 0);
	check(verify(db) == 1 && strstr(problems, "core-42.img: missing"),
	      "a missing file is named");
	flip(db, "checksums.img", 30);
	check(verify(db) < 0 && strstr(problems, "checksums.img"),
	      "a damaged checksums.img is refused");
	close(da);
	close(db);
	check(remove_dir(a) == 0 && remove_dir(b) == 0, "cleanup");
}

static void test_failed_set_and_members(void)
{
	char a[] = "/tmp/sumset-test.XXXXXX";
	int da = make_dir(a);
	struct cr_img *img;

	check(write_set(da, "alpha", 1000) == 0, "a set is written");
	/* a new dump into the same directory that fails before its commit */
	check(imgset_begin(da, true) == 0, "a second dump begins");
	check(faccessat(da, "inventory.img", F_OK, 0) != 0,
	      "the earlier inventory.img is gone as soon as a new dump begins");
	imgset_uncommit(da);
	imgset_end();
	check(faccessat(da, SUMSET_IMG, F_OK, 0) != 0, "a failed dump leaves no checksums.img");

	check(write_set(da, "alpha", 1000) == 0, "written again");
	reset();
	check(imgset_verify(da, false, false) == 0, "imgset_verify accepts the set");
	img = open_image_at(da, CR_FD_CORE, O_RSTR, 42);
	check(img != NULL, "a listed image opens");
	close_image(img);
	close(openat(da, "core-7.img", O_WRONLY | O_CREAT, 0600));
	img = open_image_at(da, CR_FD_CORE, O_RSTR, 7);
	check(!img && strstr(problems, "core-7.img: not part of this image set"),
	      "an image the set does not list is refused");
	imgset_forget();
	close(da);
	check(remove_dir(a) == 0, "cleanup");
}

/* A set with a pages file, as a lazy restore checks it: its size, not its contents. */
static void test_lazy_pages(void)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	char a[] = "/tmp/sumset-test.XXXXXX";
	int da = make_dir(a), ret;
	char page[4096];
	struct cr_img *img;

	reset();
	memset(page, 0x5a, sizeof(page));
	inv.img_version = 2;
	ret = imgset_begin(da, true);
	img = ret ? NULL : open_image_at(da, CR_FD_PAGES, O_DUMP, 1);
	ret = img ? img_write_buf(img, page, sizeof(page)) : -1;
	ret = close_image(img) ?: ret;
	img = ret ? NULL : open_image_at(da, CR_FD_INVENTORY, O_DUMP, 0);
	ret = ret ?: (img ? pb_write_one(img, &inv.base) : -1);
	ret = close_image(img) ?: ret;
	ret = ret ?: imgset_commit(da);
	imgset_end();
	check(ret == 0, "a set with pages-1.img is written");
	flip(da, "pages-1.img", 100);
	reset();
	check(imgset_verify(da, false, false) < 0 && strstr(problems, "pages-1.img"),
	      "a changed pages file is refused by a restore");
	imgset_forget();
	reset();
	check(imgset_verify(da, false, true) == 0,
	      "a lazy restore leaves the pages file's contents to criu lazy-pages");
	imgset_forget();
	check(truncate_at(da, "pages-1.img", 1000) == 0, "truncate pages");
	reset();
	check(imgset_verify(da, false, true) < 0 && strstr(problems, "pages-1.img: 1000 bytes"),
	      "a lazy restore still refuses a pages file of another size");
	imgset_forget();
	close(da);
	check(remove_dir(a) == 0, "cleanup");
}

int main(void)
{
	test_good_and_damaged();
	test_failed_set_and_members();
	test_lazy_pages();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
