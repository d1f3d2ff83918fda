/* SPDX-License-Identifier: GPL-2.0 */
/*
 * integrity/sumset.c - an image set's sums in memory, and checksums.img's encoding:
 * IMG_COMMON_MAGIC, CHECKSUMS_MAGIC, then length-prefixed protobuf entries (a head, then one
 * entry per file). The head carries a sum of every byte after it, so a change anywhere in
 * checksums.img is caught as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "magic.h"
#include "sumset.h"

#include "checksums.pb-c.h"

/* A sane bound for a file that lists sums only: 16M units. */
#define SUMSET_IMG_MAX (256u << 20)

struct sum_set *sumset_new(const uint8_t id[SUMSET_ID_LEN])
{
	struct sum_set *set = calloc(1, sizeof(*set));
	uint64_t lo, hi;

	if (!set)
		return NULL;
	memcpy(set->id, id, SUMSET_ID_LEN);
	memcpy(&lo, id, 8);
	memcpy(&hi, id + 8, 8);
	set->seed = lo ^ hi;
	return set;
}

static void file_free(struct sum_file *f)
{
	free(f->unit_len);
	free(f->unit_sum);
	free(f);
}

void sumset_free(struct sum_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->nr_files; i++)
		file_free(set->files[i]);
	free(set->files);
	free(set);
}

const struct sum_file *sumset_find(const struct sum_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->nr_files; i++)
		if (!strcmp(set->files[i]->name, name))
			return set->files[i];
	return NULL;
}

struct sum_file *sumset_file(struct sum_set *set, const char *name)
{
	struct sum_file *f = (struct sum_file *)sumset_find(set, name);

	if (f) {
		/* written again from the start: its arrays start again too */
		free(f->unit_len);
		free(f->unit_sum);
		f->unit_len = f->unit_sum = NULL;
		f->nr_units = 0;
		f->size = f->block_fill = 0;
		f->raw = false;
		return f;
	}
	if (strlen(name) >= SUMSET_NAME_MAX)
		return NULL;
	if (ARRAY_ADD_ROOM(set->files, set->nr_files))
		return NULL;
	/* the hash state inside wants its 64-byte alignment */
	f = aligned_alloc(_Alignof(struct sum_file), (sizeof(*f) + _Alignof(struct sum_file) - 1) &
							     ~(_Alignof(struct sum_file) - 1));
	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	strcpy(f->name, name);
	set->files[set->nr_files++] = f;
	return f;
}

int sumset_add_unit(struct sum_file *f, uint64_t len, uint64_t sum)
{
	if (ARRAY_ADD_ROOM(f->unit_len, f->nr_units) || ARRAY_ADD_ROOM(f->unit_sum, f->nr_units))
		return -ENOMEM;
	f->unit_len[f->nr_units] = len;
	f->unit_sum[f->nr_units] = sum;
	f->nr_units++;
	f->size += len;
	return 0;
}

static int close_block(struct sum_file *f)
{
	int ret;

	if (!f->block_fill)
		return 0;
	ret = sumset_add_unit(f, f->block_fill, sum_stream_digest(&f->block));
	f->block_fill = 0;
	return ret;
}

int sumset_feed(const struct sum_set *set, struct sum_file *f, const void *p, size_t len)
{
	const char *c = p;
	int ret;

	while (len) {
		size_t n = SUMSET_BLOCK - f->block_fill;

		if (n > len)
			n = len;
		if (!f->block_fill)
			sum_stream_reset(&f->block, set->seed);
		sum_stream_update(&f->block, c, n);
		f->block_fill += n;
		c += n;
		len -= n;
		if (f->block_fill == SUMSET_BLOCK) {
			ret = close_block(f);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int sumset_file_done(struct sum_file *f, uint64_t size)
{
	int ret = close_block(f);

	if (ret)
		return ret;
	return f->size == size ? 0 : -EIO;
}

static size_t put_entry(uint8_t *out, const ProtobufCMessage *msg)
{
	uint32_t len = protobuf_c_message_get_packed_size(msg);

	memcpy(out, &len, sizeof(len));
	protobuf_c_message_pack(msg, out + sizeof(len));
	return sizeof(len) + len;
}

static void fill_file_entry(ChecksumsFileEntry *e, const struct sum_file *f)
{
	checksums_file_entry__init(e);
	e->name = (char *)f->name;
	e->size = f->size;
	e->n_unit_len = e->n_unit_sum = f->nr_units;
	e->unit_len = f->unit_len;
	e->unit_sum = f->unit_sum;
}

static int pack_files(const struct sum_set *set, uint8_t **buf, size_t *len)
{
	ChecksumsFileEntry e;
	size_t i, off = 0;
	uint8_t *out;

	*len = 0;
	for (i = 0; i < set->nr_files; i++) {
		fill_file_entry(&e, set->files[i]);
		*len += sizeof(uint32_t) + protobuf_c_message_get_packed_size(&e.base);
	}
	out = malloc(*len ? *len : 1);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < set->nr_files; i++) {
		fill_file_entry(&e, set->files[i]);
		off += put_entry(out + off, &e.base);
	}
	*buf = out;
	return 0;
}

int sumset_encode(const struct sum_set *set, uint8_t **buf, size_t *len)
{
	ChecksumsHeadEntry head = CHECKSUMS_HEAD_ENTRY__INIT;
	uint32_t magic[2] = { IMG_COMMON_MAGIC, CHECKSUMS_MAGIC };
	uint8_t *files, *out;
	size_t files_len, off;
	int ret;

	ret = pack_files(set, &files, &files_len);
	if (ret)
		return ret;
	head.set_id.data = (uint8_t *)set->id;
	head.set_id.len = SUMSET_ID_LEN;
	head.algo = SUMSET_ALGO_XXH3;
	head.set_seed = set->seed;
	head.nr_files = set->nr_files;
	head.files_sum = sum_buf(set->seed, files, files_len);
	out = malloc(sizeof(magic) + sizeof(uint32_t) +
		     protobuf_c_message_get_packed_size(&head.base) + files_len);
	if (!out) {
		free(files);
		return -ENOMEM;
	}
	memcpy(out, magic, sizeof(magic));
	off = sizeof(magic);
	off += put_entry(out + off, &head.base);
	memcpy(out + off, files, files_len);
	free(files);
	*buf = out;
	*len = off + files_len;
	return 0;
}

void sumset_say(sum_report_fn report, void *arg, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(arg, msg);
}

/* The next length-prefixed entry's bytes: 1, 0 at the end, -EINVAL if it is cut short. */
static int next_entry(const uint8_t *buf, size_t len, size_t *off, const uint8_t **data,
		      uint32_t *dlen)
{
	if (*off == len)
		return 0;
	if (len - *off < sizeof(*dlen))
		return -EINVAL;
	memcpy(dlen, buf + *off, sizeof(*dlen));
	*off += sizeof(*dlen);
	if (*dlen > len - *off)
		return -EINVAL;
	*data = buf + *off;
	*off += *dlen;
	return 1;
}

static bool name_ok(const char *name)
{
	size_t n = strlen(name);

	return n && n < SUMSET_NAME_MAX && !strchr(name, '/') && strcmp(name, ".") &&
	       strcmp(name, "..");
}

static int check_file_entry(const ChecksumsFileEntry *e, const struct sum_set *set,
			    sum_report_fn report, void *arg)
{
	uint64_t total = 0;
	size_t i;

	if (!name_ok(e->name) || sumset_find(set, e->name)) {
		sumset_say(report, arg, "%s: a bad or repeated file name in it", SUMSET_IMG);
		return -EINVAL;
	}
	if (e->n_unit_len != e->n_unit_sum) {
		sumset_say(report, arg, "%s: %s has %zu unit lengths but %zu sums", SUMSET_IMG,
			   e->name, e->n_unit_len, e->n_unit_sum);
		return -EINVAL;
	}
	for (i = 0; i < e->n_unit_len; i++) {
		if (!e->unit_len[i] || e->unit_len[i] > e->size - total) {
			sumset_say(report, arg,
				   "%s: the units of %s do not add up to its %llu bytes",
				   SUMSET_IMG, e->name, (unsigned long long)e->size);
			return -EINVAL;
		}
		total += e->unit_len[i];
	}
	if (total != e->size) {
		sumset_say(report, arg, "%s: the units of %s cover %llu of its %llu bytes",
			   SUMSET_IMG, e->name, (unsigned long long)total,
			   (unsigned long long)e->size);
		return -EINVAL;
	}
	return 0;
}

static int add_file_entry(struct sum_set *set, const ChecksumsFileEntry *e)
{
	struct sum_file *f = sumset_file(set, e->name);
	size_t i;
	int ret;

	if (!f)
		return -ENOMEM;
	for (i = 0; i < e->n_unit_len; i++) {
		ret = sumset_add_unit(f, e->unit_len[i], e->unit_sum[i]);
		if (ret)
			return ret;
	}
	return 0;
}

static int decode_files(const uint8_t *buf, size_t len, size_t off, uint32_t nr,
			struct sum_set *set, sum_report_fn report, void *arg)
{
	ChecksumsFileEntry *e;
	const uint8_t *data;
	uint32_t dlen, i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = next_entry(buf, len, &off, &data, &dlen);
		if (ret <= 0) {
			sumset_say(report, arg, "%s: it ends after %u of its %u file entries",
				   SUMSET_IMG, i, nr);
			return -EINVAL;
		}
		e = checksums_file_entry__unpack(NULL, dlen, data);
		if (!e) {
			sumset_say(report, arg, "%s: file entry %u does not decode", SUMSET_IMG, i);
			return -EINVAL;
		}
		ret = check_file_entry(e, set, report, arg);
		ret = ret ?: add_file_entry(set, e);
		checksums_file_entry__free_unpacked(e, NULL);
		if (ret)
			return ret;
	}
	if (off != len) {
		sumset_say(report, arg, "%s: %zu bytes after its last entry", SUMSET_IMG,
			   len - off);
		return -EINVAL;
	}
	return 0;
}

static int check_head(const ChecksumsHeadEntry *h, const uint8_t *rest, size_t rest_len,
		      sum_report_fn report, void *arg)
{
	uint64_t lo, hi;

	if (h->algo != SUMSET_ALGO_XXH3) {
		sumset_say(report, arg, "%s: unknown checksum algorithm %u", SUMSET_IMG, h->algo);
		return -EINVAL;
	}
	if (h->set_id.len != SUMSET_ID_LEN) {
		sumset_say(report, arg, "%s: a set id of %zu bytes, %d expected", SUMSET_IMG,
			   h->set_id.len, SUMSET_ID_LEN);
		return -EINVAL;
	}
	memcpy(&lo, h->set_id.data, 8);
	memcpy(&hi, h->set_id.data + 8, 8);
	if (h->set_seed != (lo ^ hi) || sum_buf(h->set_seed, rest, rest_len) != h->files_sum) {
		sumset_say(report, arg, "%s: its own sum does not match: it is damaged",
			   SUMSET_IMG);
		return -EINVAL;
	}
	return 0;
}

int sumset_decode(const uint8_t *buf, size_t len, struct sum_set **out, sum_report_fn report,
		  void *arg)
{
	uint32_t magic[2], dlen;
	ChecksumsHeadEntry *h;
	const uint8_t *data;
	size_t off = sizeof(magic);
	struct sum_set *set = NULL;
	int ret;

	*out = NULL;
	if (len < sizeof(magic))
		goto out_bad;
	memcpy(magic, buf, sizeof(magic));
	if (magic[0] != IMG_COMMON_MAGIC || magic[1] != CHECKSUMS_MAGIC)
		goto out_bad;
	if (next_entry(buf, len, &off, &data, &dlen) <= 0)
		goto out_bad;
	h = checksums_head_entry__unpack(NULL, dlen, data);
	if (!h)
		goto out_bad;
	ret = check_head(h, buf + off, len - off, report, arg);
	if (!ret) {
		set = sumset_new(h->set_id.data);
		ret = set ? decode_files(buf, len, off, h->nr_files, set, report, arg) : -ENOMEM;
	}
	checksums_head_entry__free_unpacked(h, NULL);
	if (ret) {
		sumset_free(set);
		return ret;
	}
	*out = set;
	return 0;
out_bad:
	sumset_say(report, arg, "%s: not a checksums image (bad magic or head): it is damaged",
		   SUMSET_IMG);
	return -EINVAL;
}

static int read_whole(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += n;
	}
	return 0;
}

int sumset_load(int dfd, struct sum_set **out, sum_report_fn report, void *arg)
{
	struct stat st;
	uint8_t *buf;
	int fd, ret;

	*out = NULL;
	fd = openat(dfd, SUMSET_IMG, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > SUMSET_IMG_MAX) {
		sumset_say(report, arg, "%s: not a regular file of a sane size", SUMSET_IMG);
		close(fd);
		return -EINVAL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	ret = read_whole(fd, buf, st.st_size);
	close(fd);
	if (ret)
		sumset_say(report, arg, "%s: can't read it: %s", SUMSET_IMG, strerror(-ret));
	else
		ret = sumset_decode(buf, st.st_size, out, report, arg);
	free(buf);
	return ret;
}
