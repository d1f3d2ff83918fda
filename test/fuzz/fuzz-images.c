/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz-images.c - libFuzzer target over everything that reads images.
 *
 * The first input byte picks an image of a real checkpoint (FUZZ_IMAGES, default
 * build/test/dumps/env00, copied once into a private directory); the rest replaces that
 * file. Then the restore reader checks the whole directory exactly as `criu restore` does
 * before it creates anything (cr_check_images), and crit decodes the bytes, prints them as
 * JSON, parses that JSON again and encodes it. With a first byte past the list the input
 * goes to crit's JSON parser and encoder instead. The file is put back after each run.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crit.h"
#include "log.h"
#include "restore.h"

#define MAX_FILES 64

struct seed_file {
	char name[64];
	uint8_t *data;
	size_t len;
};

static struct seed_file files[MAX_FILES];
static size_t nr_files;
static char dir[] = "/tmp/fuzz-images.XXXXXX";
static int dfd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

void crit_err(const char *fmt, ...)
{
	(void)fmt; /* errors are expected by the thousand: stay quiet */
}

static int write_file(const char *name, const uint8_t *data, size_t len)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int ret = 0;

	if (fd < 0)
		return -1;
	if (len && write(fd, data, len) != (ssize_t)len)
		ret = -1;
	close(fd);
	return ret;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct seed_file *)a)->name, ((const struct seed_file *)b)->name);
}

/* Image files of src, sorted by name: the first input byte indexes this list. */
static void load_seeds(const char *src)
{
	DIR *d = opendir(src);
	struct dirent *de;
	char path[4096];

	if (!d) {
		fprintf(stderr, "fuzz-images: no images in %s (set FUZZ_IMAGES)\n", src);
		exit(1);
	}
	while ((de = readdir(d)) && nr_files < MAX_FILES) {
		struct seed_file *f = &files[nr_files];
		size_t n = strlen(de->d_name);

		if (n < 5 || n >= sizeof(f->name) || strcmp(de->d_name + n - 4, ".img"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", src, de->d_name);
		if (crit_read_file(path, &f->data, &f->len))
			continue;
		strcpy(f->name, de->d_name);
		if (write_file(f->name, f->data, f->len))
			exit(1);
		nr_files++;
	}
	closedir(d);
	qsort(files, nr_files, sizeof(files[0]), by_name);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *src = getenv("FUZZ_IMAGES");

	if (!mkdtemp(dir))
		exit(1);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		exit(1);
	load_seeds(src ? src : "build/test/dumps/env00");
	/* criu's error lines go to a log nobody reads, never to stderr. */
	log_init(dfd, "fuzz.log", LOG_ERROR);
	log_move_fd(100);
	return 0;
}

static void restore_reader(void)
{
	struct restore_opts ro = { .images_dir = dir, .images_dfd = dfd };

	cr_check_images(&ro);
	ftruncate(log_get_fd(), 0);
}

static void crit_json(const uint8_t *data, size_t size)
{
	struct jbuf out = { 0 };
	char err[128];
	struct json_object *j;

	j = crit_json_parse((const char *)data, size, err, sizeof(err));
	if (j)
		crit_json_to_image(j, &out, "fuzz");
	json_object_put(j);
	free(out.p);
}

static void crit_decode(const uint8_t *data, size_t size, bool pretty)
{
	struct jbuf text = { 0 };
	struct json_object *j = crit_image_to_json(data, size, pretty, "fuzz");

	if (!j)
		return;
	crit_json_write(&text, j, pretty);
	json_object_put(j);
	if (!text.oom)
		crit_json((const uint8_t *)text.p, text.len);
	free(text.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seed_file *f;

	if (!size)
		return 0;
	if (data[0] >= nr_files) {
		crit_json(data + 1, size - 1);
		return 0;
	}
	f = &files[data[0]];
	crit_decode(data + 1, size - 1, data[0] & 1);
	if (write_file(f->name, data + 1, size - 1))
		abort();
	restore_reader();
	if (write_file(f->name, f->data, f->len))
		abort();
	return 0;
}
