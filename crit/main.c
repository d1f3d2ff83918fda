/* SPDX-License-Identifier: GPL-2.0 */
/*
 * main.c - crit's command line, as upstream crit's:
 *   crit decode [-i IMG] [-o JSON] [--pretty]   image to JSON (stdin/stdout by default)
 *   crit encode [-i JSON] [-o IMG]              JSON to image
 *   crit show IMG                               decode --pretty to stdout
 *   crit info IMG                               magic and entry count
 *   crit x DIR ps|fds|mems|rss                  explore an images directory
 *   crit verify DIR                             check a set against its checksums.img
 * Exit status 0 on success, 1 on any error (one "Error: ..." line on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crit.h"

void crit_err(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int write_out(const char *path, const void *p, size_t len)
{
	int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : STDOUT_FILENO;
	const char *c = p;

	if (fd < 0) {
		crit_err("%s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	while (len) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			crit_err("%s: cannot write: %s", path ? path : "stdout", strerror(errno));
			if (path)
				close(fd);
			return -1;
		}
		c += n;
		len -= n;
	}
	if (path && close(fd)) {
		crit_err("%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int do_decode(const char *in, const char *out, bool pretty)
{
	struct jbuf b = { 0 };
	struct json_object *img;
	uint8_t *buf;
	size_t len;
	int ret = -1;

	if (crit_read_file(in, &buf, &len))
		return -1;
	img = crit_image_to_json(buf, len, pretty, in ? in : "stdin");
	free(buf);
	if (!img)
		return -1;
	crit_json_write(&b, img, pretty);
	if (!out)
		jbuf_put(&b, "\n", 1); /* like upstream: a newline on stdout only */
	if (b.oom)
		crit_err("out of memory");
	else
		ret = write_out(out, b.p, b.len);
	json_object_put(img);
	free(b.p);
	return ret;
}

static int do_encode(const char *in, const char *out)
{
	struct jbuf b = { 0 };
	struct json_object *img;
	uint8_t *buf;
	size_t len;
	char err[128];
	int ret = -1;

	if (crit_read_file(in, &buf, &len))
		return -1;
	img = crit_json_parse((const char *)buf, len, err, sizeof(err));
	free(buf);
	if (!img) {
		crit_err("%s: not JSON (%s); encode expects what decode writes", in ? in : "stdin",
			 err);
		return -1;
	}
	if (!crit_json_to_image(img, &b, in ? in : "stdin"))
		ret = write_out(out, b.p, b.len);
	json_object_put(img);
	free(b.p);
	return ret;
}

static int do_info(const char *in)
{
	struct jbuf b = { 0 };
	struct json_object *info;
	uint8_t *buf;
	size_t len;
	int ret = -1;

	if (crit_read_file(in, &buf, &len))
		return -1;
	info = crit_image_info(buf, len, in);
	free(buf);
	if (!info)
		return -1;
	crit_json_write(&b, info, true);
	jbuf_put(&b, "\n", 1);
	if (!b.oom)
		ret = write_out(NULL, b.p, b.len);
	json_object_put(info);
	free(b.p);
	return ret;
}

static void usage(FILE *f)
{
	fputs("usage: crit decode [-i IMG] [-o JSON] [--pretty]\n"
	      "       crit encode [-i JSON] [-o IMG]\n"
	      "       crit show IMG\n"
	      "       crit info IMG\n"
	      "       crit x DIR {ps,fds,mems,rss}\n"
	      "       crit verify DIR\n"
	      "Converts CRIU images to JSON and back, and explores an images directory.\n",
	      f);
}

/* -i/--in, -o/--out, --pretty of decode and encode. Returns 0 or -1. */
static int parse_io(int argc, char **argv, const char **in, const char **out, bool *pretty)
{
	int i;

	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (pretty && !strcmp(a, "--pretty")) {
			*pretty = true;
		} else if ((!strcmp(a, "-i") || !strcmp(a, "--in")) && i + 1 < argc) {
			*in = argv[++i];
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--out")) && i + 1 < argc) {
			*out = argv[++i];
		} else if (!strncmp(a, "--in=", 5)) {
			*in = a + 5;
		} else if (!strncmp(a, "--out=", 6)) {
			*out = a + 6;
		} else {
			crit_err("%s: unknown or incomplete option \"%s\"", argv[1], a);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	bool pretty = false;
	int ret;

	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "decode") || !strcmp(argv[1], "encode")) {
		bool dec = !strcmp(argv[1], "decode");

		if (parse_io(argc, argv, &in, &out, dec ? &pretty : NULL))
			return 1;
		ret = dec ? do_decode(in, out, pretty) : do_encode(in, out);
	} else if (!strcmp(argv[1], "show") && argc == 3) {
		ret = do_decode(argv[2], NULL, true);
	} else if (!strcmp(argv[1], "info") && argc == 3) {
		ret = do_info(argv[2]);
	} else if (!strcmp(argv[1], "verify") && argc == 3) {
		ret = crit_verify(argv[2]);
	} else if (!strcmp(argv[1], "x") && argc == 4) {
		ret = crit_explore(argv[2], argv[3]);
	} else {
		usage(stderr);
		return 1;
	}
	return ret ? 1 : 0;
}
