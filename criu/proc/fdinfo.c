/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/fdinfo.c - /proc/PID/fdinfo/N (see proc-fdinfo.h): the common lines and each kind's
 * own. Keys end with ':'; a value runs to the end of its line, which must be complete.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "proc-fdinfo.h"

/* The value of the first complete line starting with "key:", or NULL; *l gets the line. */
static const char *find_key(const char *buf, const char *key, struct proc_line *l)
{
	const char *pos = buf, *v;

	while (proc_next_line(&pos, l))
		if ((v = proc_key(l->s, key)))
			return l->complete ? v : NULL;
	return NULL;
}

static int bad_line(const char *name, const char *what, const struct proc_line *l)
{
	pr_err("%s: malformed %s line '%.*s'\n", name, what, (int)l->len, l->s);
	return -EINVAL;
}

static int no_line(const char *name, const char *key)
{
	pr_err("%s has no complete %s: line\n", name, key);
	return -EINVAL;
}

/* A line "key:<blanks>NUMBER" of one number in base (unsigned) or decimal (signed). */
static int key_u64(const char *buf, const char *name, const char *key, unsigned int base,
		   uint64_t max, uint64_t *out)
{
	struct proc_line l;
	const char *v = find_key(buf, key, &l);

	if (!v)
		return no_line(name, key);
	v = proc_skip_blanks(v);
	if (proc_get_u64(&v, base, max, out) || !proc_at_eol(v))
		return bad_line(name, key, &l);
	return 0;
}

static int key_s64(const char *buf, const char *name, const char *key, int64_t min, int64_t max,
		   int64_t *out)
{
	struct proc_line l;
	const char *v = find_key(buf, key, &l);

	if (!v)
		return no_line(name, key);
	v = proc_skip_blanks(v);
	if (proc_get_s64(&v, min, max, out) || !proc_at_eol(v))
		return bad_line(name, key, &l);
	return 0;
}

int parse_fdinfo_common(const char *buf, const char *name, struct fdinfo_common *c)
{
	uint64_t flags;
	int64_t mnt_id;
	int ret;

	ret = key_s64(buf, name, "pos", INT64_MIN, INT64_MAX, &c->pos);
	ret = ret ?: key_u64(buf, name, "flags", 8, UINT32_MAX, &flags);
	ret = ret ?: key_s64(buf, name, "mnt_id", 0, INT32_MAX, &mnt_id);
	if (ret)
		return ret;
	c->flags = flags;
	c->mnt_id = mnt_id;
	return 0;
}

int parse_fdinfo_eventfd(const char *buf, const char *name, struct fdinfo_eventfd *e)
{
	struct proc_line l;
	uint64_t sem = 0;
	int ret;

	ret = key_u64(buf, name, "eventfd-count", 16, UINT64_MAX, &e->count);
	if (!ret && find_key(buf, "eventfd-semaphore", &l))
		ret = key_u64(buf, name, "eventfd-semaphore", 10, 1, &sem);
	e->semaphore = sem;
	return ret;
}

int parse_fdinfo_signalfd(const char *buf, const char *name, uint64_t *sigmask)
{
	return key_u64(buf, name, "sigmask", 16, UINT64_MAX, sigmask);
}

/* "it_value: (SEC, NSEC)" */
static int key_pair(const char *buf, const char *name, const char *key, uint64_t *sec,
		    uint64_t *nsec)
{
	struct proc_line l;
	const char *v = find_key(buf, key, &l);

	if (!v)
		return no_line(name, key);
	v = proc_skip_blanks(v);
	if (*v++ != '(' || proc_get_u64(&v, 10, UINT64_MAX, sec) || *v++ != ',' || *v++ != ' ' ||
	    proc_get_u64(&v, 10, 999999999, nsec) || *v++ != ')' || !proc_at_eol(v))
		return bad_line(name, key, &l);
	return 0;
}

int parse_fdinfo_timerfd(const char *buf, const char *name, struct fdinfo_timerfd *t)
{
	uint64_t clk, sflags;
	int ret;

	ret = key_u64(buf, name, "clockid", 10, INT32_MAX, &clk);
	ret = ret ?: key_u64(buf, name, "ticks", 10, UINT64_MAX, &t->ticks);
	ret = ret ?: key_u64(buf, name, "settime flags", 8, UINT32_MAX, &sflags);
	ret = ret ?: key_pair(buf, name, "it_value", &t->value_sec, &t->value_nsec);
	ret = ret ?: key_pair(buf, name, "it_interval", &t->interval_sec, &t->interval_nsec);
	if (ret)
		return ret;
	t->clockid = clk;
	t->settime_flags = sflags;
	return 0;
}

/* "WORD:VALUE" where WORD is expected next, VALUE a number in base; blanks first. */
static int word_u64(const char **p, const char *word, unsigned int base, uint64_t max,
		    uint64_t *out)
{
	const char *v = proc_key(proc_skip_blanks(*p), word);

	if (!v)
		return -EINVAL;
	v = proc_skip_blanks(v);
	if (proc_get_u64(&v, base, max, out))
		return -EINVAL;
	*p = v;
	return 0;
}

static int word_u32(const char **p, const char *word, uint32_t *out)
{
	uint64_t v;

	if (word_u64(p, word, 16, UINT32_MAX, &v))
		return -EINVAL;
	*out = v;
	return 0;
}

/* "tfd:        4 events: 80000019 data:                7  pos:0 ino:40e sdev:10" */
static int epoll_line(const char *v, struct fdinfo_epoll_tfd *t)
{
	int64_t pos;
	uint64_t tfd;

	if (word_u64(&v, "tfd", 10, INT32_MAX, &tfd) || word_u32(&v, "events", &t->events) ||
	    word_u64(&v, "data", 16, UINT64_MAX, &t->data))
		return -EINVAL;
	v = proc_key(proc_skip_blanks(v), "pos");
	if (!v || proc_get_s64(&v, INT64_MIN, INT64_MAX, &pos) ||
	    word_u64(&v, "ino", 16, UINT64_MAX, &t->ino) || word_u32(&v, "sdev", &t->sdev) ||
	    !proc_at_eol(v))
		return -EINVAL;
	t->tfd = tfd;
	t->pos = pos;
	return 0;
}

/*
 * The lines that start with prefix, each parsed by one() into the next element of a list
 * of size elem (one() returns 1 for a line that is not an element); *nr counts them.
 */
static int parse_list(const char *buf, const char *name, const char *prefix, void **list,
		      size_t *nr, size_t elem, int (*one)(const char *line, void *out))
{
	size_t plen = strlen(prefix);
	const char *pos = buf;
	struct proc_line l;
	int ret;

	*list = NULL;
	*nr = 0;
	while (proc_next_line(&pos, &l)) {
		if (strncmp(l.s, prefix, plen))
			continue;
		ret = array_reserve(list, *nr, 1, elem);
		if (ret)
			goto out_free;
		memset((char *)*list + *nr * elem, 0, elem);
		ret = l.complete ? one(l.s, (char *)*list + *nr * elem) : -EINVAL;
		if (ret < 0) {
			ret = bad_line(name, prefix, &l);
			goto out_free;
		}
		if (ret == 0)
			(*nr)++;
	}
	return 0;
out_free:
	free(*list);
	*list = NULL;
	*nr = 0;
	return ret;
}

static int epoll_one(const char *line, void *out)
{
	return epoll_line(line, out);
}

int parse_fdinfo_epoll(const char *buf, const char *name, struct fdinfo_epoll_tfd **tfds,
		       size_t *nr)
{
	return parse_list(buf, name, "tfd:", (void **)tfds, nr, sizeof(**tfds), epoll_one);
}

/* " fhandle-bytes:c fhandle-type:1 f_handle:2daf94050100000000000000" to the line's end */
static int fhandle(const char *v, struct fdinfo_fhandle *fh)
{
	uint64_t type;
	uint32_t i;
	int hi, lo;

	if (word_u32(&v, "fhandle-bytes", &fh->bytes) || fh->bytes > FDINFO_FHANDLE_MAX ||
	    word_u64(&v, "fhandle-type", 16, UINT32_MAX, &type))
		return -EINVAL;
	v = proc_key(proc_skip_blanks(v), "f_handle");
	if (!v)
		return -EINVAL;
	for (i = 0; i < fh->bytes; i++, v += 2) {
		hi = proc_hex_digit(v[0]);
		lo = hi < 0 ? -1 : proc_hex_digit(v[1]);
		if (lo < 0)
			return -EINVAL;
		fh->handle[i] = hi << 4 | lo;
	}
	fh->type = (int)(uint32_t)type;
	return proc_at_eol(v) ? 0 : -EINVAL;
}

/* The part after ignored_mask: a file handle, or nothing if the kernel could not make one. */
static int optional_fhandle(const char *v, struct fdinfo_fhandle *fh)
{
	if (proc_at_eol(v)) {
		fh->bytes = 0;
		return 0;
	}
	return fhandle(v, fh);
}

/* "inotify wd:2 ino:1 sdev:28 mask:2 ignored_mask:0 fhandle-bytes:c fhandle-type:1 f_handle:.." */
static int inotify_one(const char *v, void *out)
{
	struct fdinfo_inotify_wd *w = out;

	v += strlen("inotify");
	if (word_u32(&v, "wd", &w->wd) || word_u64(&v, "ino", 16, UINT64_MAX, &w->ino) ||
	    word_u32(&v, "sdev", &w->sdev) || word_u32(&v, "mask", &w->mask) ||
	    word_u32(&v, "ignored_mask", &w->ignored_mask))
		return -EINVAL;
	return optional_fhandle(v, &w->fh);
}

int parse_fdinfo_inotify(const char *buf, const char *name, struct fdinfo_inotify_wd **wds,
			 size_t *nr)
{
	return parse_list(buf, name, "inotify wd:", (void **)wds, nr, sizeof(**wds), inotify_one);
}

static int fan_masks(const char **v, struct fdinfo_fanotify_mark *m)
{
	if (word_u32(v, "mflags", &m->mflags) || word_u32(v, "mask", &m->mask) ||
	    word_u32(v, "ignored_mask", &m->ignored_mask))
		return -EINVAL;
	return 0;
}

/* "fanotify ino:..", "fanotify mnt_id:..", "fanotify sdev:.." (not "fanotify flags:") */
static int fanotify_one(const char *v, void *out)
{
	struct fdinfo_fanotify_mark *m = out;

	v = proc_skip_blanks(v + strlen("fanotify"));
	if (proc_key(v, "flags"))
		return 1; /* the group's line, not a mark */
	if (proc_key(v, "ino")) {
		m->kind = FDINFO_FAN_INODE;
		if (word_u64(&v, "ino", 16, UINT64_MAX, &m->ino) ||
		    word_u32(&v, "sdev", &m->sdev) || fan_masks(&v, m))
			return -EINVAL;
		return optional_fhandle(v, &m->fh);
	}
	if (proc_key(v, "mnt_id")) {
		m->kind = FDINFO_FAN_MOUNT;
		if (word_u32(&v, "mnt_id", &m->mnt_id))
			return -EINVAL;
	} else {
		m->kind = FDINFO_FAN_SB;
		if (word_u32(&v, "sdev", &m->sdev))
			return -EINVAL;
	}
	return fan_masks(&v, m) || !proc_at_eol(v) ? -EINVAL : 0;
}

int parse_fdinfo_fanotify(const char *buf, const char *name, struct fdinfo_fanotify *f)
{
	struct proc_line l;
	const char *v = find_key(buf, "fanotify flags", &l);
	int ret;

	if (!v)
		return no_line(name, "fanotify flags");
	v = proc_skip_blanks(v);
	if (proc_get_u32(&v, 16, &f->flags) || word_u32(&v, "event-flags", &f->event_flags) ||
	    !proc_at_eol(v))
		return bad_line(name, "fanotify flags", &l);
	/* marks: every "fanotify " line but the flags one */
	ret = parse_list(buf, name, "fanotify ", (void **)&f->marks, &f->nr, sizeof(*f->marks),
			 fanotify_one);
	return ret;
}

int parse_fdinfo_pidfd(const char *buf, const char *name, struct fdinfo_pidfd *p)
{
	struct proc_line l;
	const char *v;
	int64_t pid;
	int ret;

	ret = key_s64(buf, name, "Pid", -1, INT32_MAX, &pid);
	if (ret)
		return ret;
	p->pid = p->nspid = pid;
	v = find_key(buf, "NSpid", &l);
	if (!v)
		return 0;
	while (!proc_at_eol(v))
		if (proc_get_int(&v, &p->nspid) || p->nspid <= 0)
			return bad_line(name, "NSpid", &l);
	return 0;
}

int parse_fdinfo_tty_index(const char *buf, const char *name, uint32_t *index)
{
	struct proc_line l;
	uint64_t v;
	int ret;

	if (!find_key(buf, "tty-index", &l))
		return -ENOENT;
	ret = key_u64(buf, name, "tty-index", 10, UINT32_MAX, &v);
	if (!ret)
		*index = v;
	return ret;
}

/* The next blank-separated word of the line, at most cap - 1 bytes, into w; -EINVAL if none. */
static int next_word(const char **p, char *w, size_t cap)
{
	const char *s = proc_skip_blanks(*p);
	size_t len = 0;

	while (s[len] && s[len] != ' ' && s[len] != '\t' && s[len] != '\n')
		len++;
	if (!len || len >= cap)
		return -EINVAL;
	memcpy(w, s, len);
	w[len] = 0;
	*p = s + len;
	return 0;
}

static int word_index(const char *w, const char *const *words, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (!strcmp(w, words[i]))
			return i;
	return nr; /* the OTHER value of each enum */
}

/* "1: POSIX  ADVISORY  WRITE 29176 fe:00:10954096 10 29" (after "lock:") */
static int lock_one(const char *line, void *out)
{
	static const char *const kinds[] = { "POSIX", "FLOCK", "OFDLCK", "LEASE" };
	static const char *const modes[] = { "ADVISORY", "ACTIVE" };
	static const char *const types[] = { "READ", "WRITE" };
	struct fdinfo_lock *k = out;
	const char *v = proc_key(line, "lock");
	char w[16];
	uint64_t id;

	k->text = v;
	k->len = strcspn(v, "\n");
	v = proc_skip_blanks(v);
	if (proc_get_u64(&v, 10, UINT64_MAX, &id) || *v++ != ':' || next_word(&v, w, sizeof(w)))
		return -EINVAL;
	k->kind = word_index(w, kinds, 4);
	/* "ACCESS" (a lock tested by the kernel itself) is followed by the mode, as POSIX */
	if (next_word(&v, w, sizeof(w)))
		return -EINVAL;
	k->mode = word_index(w, modes, 2);
	if (next_word(&v, w, sizeof(w)))
		return -EINVAL;
	k->type = word_index(w, types, 2);
	/* the pid (-1 for an OFD lock), then dev:ino ("<none>:0" without an inode) */
	if (proc_get_int(&v, &k->pid) || next_word(&v, w, sizeof(w)))
		return -EINVAL;
	v = proc_skip_blanks(v);
	if (proc_get_s64(&v, 0, INT64_MAX, &k->start))
		return -EINVAL;
	v = proc_skip_blanks(v);
	if (!strncmp(v, "EOF", 3)) {
		k->end = -1;
		v += 3;
	} else if (proc_get_s64(&v, k->start, INT64_MAX, &k->end)) {
		return -EINVAL;
	}
	return proc_at_eol(v) ? 0 : -EINVAL;
}

int parse_fdinfo_locks(const char *buf, const char *name, struct fdinfo_lock **locks, size_t *nr)
{
	return parse_list(buf, name, "lock:", (void **)locks, nr, sizeof(**locks), lock_one);
}

bool fdinfo_has_locks(const char *buf)
{
	struct proc_line l;
	const char *pos = buf;

	while (proc_next_line(&pos, &l))
		if (proc_key(l.s, "lock"))
			return true;
	return false;
}
