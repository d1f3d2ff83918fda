/* SPDX-License-Identifier: GPL-2.0 */
/*
 * integrity/sumset-verify.c - check an image directory against its sums: every listed file
 * is there with its size, and every unit of it hashes to its sum. The reading is shared by a
 * few threads (jobs of up to JOB_BYTES of one file), since the pages are most of a set; each
 * file that differs is reported once, at its first bad unit.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sumset.h"

#define JOB_BYTES   (64ull << 20)
#define READ_CHUNK  (256u << 10) /* stays in L2 while it is hashed */
#define MAX_THREADS 4

struct verify_job {
	const struct sum_file *f;
	size_t first, nr; /* units */
	uint64_t off;	  /* of the first unit */
	long bad;	  /* first unit that differs, or -1 */
	int err;	  /* -errno when the file could not be read */
};

struct verify_work {
	int dfd;
	uint64_t seed;
	struct verify_job *jobs;
	size_t nr_jobs, next;
};

static int read_at(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int unit_sum(int fd, uint8_t *buf, uint64_t seed, uint64_t off, uint64_t len, uint64_t *sum)
{
	struct sum_stream s;
	int ret;

	if (len <= READ_CHUNK) {
		ret = read_at(fd, buf, len, off);
		*sum = ret ? 0 : sum_buf(seed, buf, len);
		return ret;
	}
	sum_stream_reset(&s, seed);
	while (len) {
		size_t n = len < READ_CHUNK ? len : READ_CHUNK;

		ret = read_at(fd, buf, n, off);
		if (ret)
			return ret;
		sum_stream_update(&s, buf, n);
		off += n;
		len -= n;
	}
	*sum = sum_stream_digest(&s);
	return 0;
}

static void run_job(const struct verify_work *w, struct verify_job *j, uint8_t *buf)
{
	uint64_t off = j->off, sum;
	size_t i;
	int fd;

	fd = openat(w->dfd, j->f->name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		j->err = -errno;
		return;
	}
	for (i = j->first; i < j->first + j->nr; i++) {
		j->err = unit_sum(fd, buf, w->seed, off, j->f->unit_len[i], &sum);
		if (j->err)
			break;
		if (sum != j->f->unit_sum[i]) {
			j->bad = i;
			break;
		}
		off += j->f->unit_len[i];
	}
	close(fd);
}

static void *verifier(void *arg)
{
	struct verify_work *w = arg;
	uint8_t *buf = malloc(READ_CHUNK);
	size_t i;

	while ((i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED)) < w->nr_jobs) {
		if (buf)
			run_job(w, &w->jobs[i], buf);
		else
			w->jobs[i].err = -ENOMEM;
	}
	free(buf);
	return NULL;
}

static int add_jobs(struct verify_work *w, size_t *cap, const struct sum_file *f)
{
	size_t u = 0;
	uint64_t off = 0;

	while (u < f->nr_units) {
		struct verify_job *j;
		uint64_t bytes = 0;

		if (w->nr_jobs == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			struct verify_job *n = realloc(w->jobs, ncap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			w->jobs = n;
			*cap = ncap;
		}
		j = &w->jobs[w->nr_jobs++];
		*j = (struct verify_job){ .f = f, .first = u, .off = off, .bad = -1 };
		while (u < f->nr_units && (!bytes || bytes + f->unit_len[u] <= JOB_BYTES)) {
			bytes += f->unit_len[u++];
			j->nr++;
		}
		off += bytes;
	}
	return 0;
}

/* Present and of the size recorded: 1; 0 after reporting why not. */
static int file_there(int dfd, const struct sum_file *f, sum_report_fn report, void *arg)
{
	struct stat st;

	if (fstatat(dfd, f->name, &st, 0)) {
		sumset_say(report, arg, "%s: %s (the set lists it with %llu bytes)", f->name,
			   errno == ENOENT ? "missing" : strerror(errno),
			   (unsigned long long)f->size);
		return 0;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != f->size) {
		sumset_say(
			report, arg,
			"%s: %llu bytes, the set lists %llu (truncated, extended or from another "
			"dump)",
			f->name, (unsigned long long)st.st_size, (unsigned long long)f->size);
		return 0;
	}
	return 1;
}

static int run_all(struct verify_work *w)
{
	pthread_t th[MAX_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int i, nr = 0, want = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : cpus;

	for (i = 1; i < want && (size_t)i < w->nr_jobs; i++)
		if (!pthread_create(&th[nr], NULL, verifier, w))
			nr++;
	verifier(w);
	for (i = 0; i < nr; i++)
		pthread_join(th[i], NULL);
	return 0;
}

static int report_jobs(const struct verify_work *w, sum_report_fn report, void *arg)
{
	const struct sum_file *last_bad = NULL;
	int bad = 0;
	size_t i;

	for (i = 0; i < w->nr_jobs; i++) {
		const struct verify_job *j = &w->jobs[i];
		uint64_t off = j->off;
		long u;

		if ((j->bad < 0 && !j->err) || j->f == last_bad)
			continue;
		last_bad = j->f;
		bad++;
		if (j->err) {
			sumset_say(report, arg, "%s: can't read it: %s", j->f->name,
				   strerror(-j->err));
			continue;
		}
		for (u = j->first; u < j->bad; u++)
			off += j->f->unit_len[u];
		sumset_say(report, arg,
			   "%s: checksum mismatch in bytes %llu..%llu (unit %ld of %zu): the file "
			   "changed "
			   "or comes from another dump",
			   j->f->name, (unsigned long long)off,
			   (unsigned long long)(off + j->f->unit_len[j->bad] - 1), j->bad + 1,
			   j->f->nr_units);
	}
	return bad;
}

int sumset_verify(int dfd, const struct sum_set *set, sum_report_fn report, void *arg)
{
	struct verify_work w = { .dfd = dfd, .seed = set->seed };
	size_t i, cap = 0;
	int bad = 0, ret = 0;

	for (i = 0; !ret && i < set->nr_files; i++) {
		if (!file_there(dfd, set->files[i], report, arg))
			bad++;
		else
			ret = add_jobs(&w, &cap, set->files[i]);
	}
	if (!ret) {
		run_all(&w);
		bad += report_jobs(&w, report, arg);
	}
	free(w.jobs);
	return ret ? ret : bad;
}
