/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sumset.h - the sums of an image set, as checksums.img holds them: the set's random 128-bit
 * identity and, for each image file, its name, size and a list of units (byte ranges, back
 * to back from offset 0) with one XXH3-64 sum each, seeded with the set's identity. A file
 * swapped in from another dump, changed or truncated does not match, and the unit that
 * differs names the bytes.
 * Shared by criu (dump writes it, restore checks it) and crit (crit verify): libc, xxhash and
 * protobuf-c only. Problems are handed to a report callback as text; nothing is logged here.
 * Functions return 0 or -errno unless said otherwise.
 */
#ifndef CRIU_SUMSET_H
#define CRIU_SUMSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sum.h"

#define SUMSET_IMG	 "checksums.img"
#define SUMSET_ID_LEN	 16
#define SUMSET_ALGO_XXH3 1
#define SUMSET_NAME_MAX	 64
/* Files written through the image buffer are summed in blocks of this many bytes. */
#define SUMSET_BLOCK (64u << 10)

struct sum_file {
	char name[SUMSET_NAME_MAX];
	uint64_t size;
	size_t nr_units; /* unit_len and unit_sum grow with array_reserve() */
	uint64_t *unit_len, *unit_sum;
	/* while written: the open block of a buffered file */
	struct sum_stream block;
	uint64_t block_fill;
	bool open, raw;
};

struct sum_set {
	uint8_t id[SUMSET_ID_LEN];
	uint64_t seed;
	struct sum_file **files;
	size_t nr_files; /* files grows with array_reserve() */
};

typedef void (*sum_report_fn)(void *arg, const char *msg);

/* Format a problem and hand it to report. */
void sumset_say(sum_report_fn report, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct sum_set *sumset_new(const uint8_t id[SUMSET_ID_LEN]);
void sumset_free(struct sum_set *set);
/* The file's entry, made empty (a file written again starts over). NULL: out of memory. */
struct sum_file *sumset_file(struct sum_set *set, const char *name);
const struct sum_file *sumset_find(const struct sum_set *set, const char *name);

/* Writer side: bytes in file order (buffered files), or whole units (raw writers). */
int sumset_feed(const struct sum_set *set, struct sum_file *f, const void *p, size_t len);
int sumset_add_unit(struct sum_file *f, uint64_t len, uint64_t sum);
/* Close the open block; the units must now add up to size. */
int sumset_file_done(struct sum_file *f, uint64_t size);

/* checksums.img's bytes, magics included, into a malloc'ed buffer. */
int sumset_encode(const struct sum_set *set, uint8_t **buf, size_t *len);
/* Parse checksums.img's bytes; problems go to report. -EINVAL when it is not valid. */
int sumset_decode(const uint8_t *buf, size_t len, struct sum_set **out, sum_report_fn report,
		  void *arg);
/* Read and parse dfd/checksums.img; -ENOENT (nothing reported) when there is none. */
int sumset_load(int dfd, struct sum_set **out, sum_report_fn report, void *arg);

/*
 * Read every file of the set under dfd and compare sizes and sums (threads share the work).
 * Returns the number of files that differ (each reported once, naming the bytes), or -errno.
 */
int sumset_verify(int dfd, const struct sum_set *set, sum_report_fn report, void *arg);

#endif /* CRIU_SUMSET_H */
