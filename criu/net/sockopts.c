// SPDX-License-Identifier: GPL-2.0
/*
 * net/sockopts.c - SOL_SOCKET options to and from SkOptsEntry, for every socket family.
 *
 * The plain integer options go through one table (option, has_ field, value field); the
 * others (timeouts, buffer sizes, linger, bound device, filter) have a function each.
 * Buffer sizes: getsockopt tells twice what the program asked for (the kernel doubles it);
 * with SO_BUF_LOCK saved, only the sizes the program set are set again, so the others keep
 * growing by themselves as they did; an image without it sets both, as CRIU does.
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <net/if.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "files.h"
#include "ns.h"
#include "log.h"
#include "sockopts.h"

#ifndef SO_BUF_LOCK
#define SO_BUF_LOCK 72
#endif
#define BUF_LOCK_SND 1 /* SOCK_SNDBUF_LOCK */
#define BUF_LOCK_RCV 2 /* SOCK_RCVBUF_LOCK */

struct int_opt {
	int opt;
	const char *name;
	size_t has; /* offset of has_X in SkOptsEntry */
	size_t val; /* offset of X (a uint32 or a protobuf-c boolean, both 32 bits) */
	bool bind;  /* set before bind() */
};

#define INT_OPT(o, f, b)                                                           \
	{                                                                          \
		o, #o, offsetof(SkOptsEntry, has_##f), offsetof(SkOptsEntry, f), b \
	}

static const struct int_opt int_opts[] = {
	INT_OPT(SO_REUSEADDR, reuseaddr, true),	    INT_OPT(SO_REUSEPORT, so_reuseport, true),
	INT_OPT(SO_PRIORITY, so_priority, false),   INT_OPT(SO_RCVLOWAT, so_rcvlowat, false),
	INT_OPT(SO_MARK, so_mark, false),	    INT_OPT(SO_PASSCRED, so_passcred, false),
	INT_OPT(SO_PASSSEC, so_passsec, false),	    INT_OPT(SO_DONTROUTE, so_dontroute, false),
	INT_OPT(SO_NO_CHECK, so_no_check, false),   INT_OPT(SO_BROADCAST, so_broadcast, false),
	INT_OPT(SO_KEEPALIVE, so_keepalive, false), INT_OPT(SO_OOBINLINE, so_oobinline, false),
};

#define NR_INT_OPTS (sizeof(int_opts) / sizeof(int_opts[0]))

static uint32_t *opt_field(SkOptsEntry *o, size_t off)
{
	return (uint32_t *)((char *)o + off);
}

static const uint32_t *opt_cfield(const SkOptsEntry *o, size_t off)
{
	return (const uint32_t *)((const char *)o + off);
}

static int get_opt(int sk, int opt, const char *name, void *v, socklen_t len, uint32_t ino)
{
	socklen_t got = len;

	if (getsockopt(sk, SOL_SOCKET, opt, v, &got)) {
		pr_perror("Can't read %s of socket:[%u]", name, ino);
		return -errno;
	}
	return 0;
}

static int set_opt(int sk, int opt, const char *name, const void *v, socklen_t len, uint32_t ino)
{
	if (setsockopt(sk, SOL_SOCKET, opt, v, len)) {
		pr_perror("Can't set %s of socket:[%u]", name, ino);
		return -errno;
	}
	return 0;
}

static int dump_tmo(int sk, int opt, const char *name, uint64_t *sec, uint64_t *usec, uint32_t ino)
{
	struct timeval tv = {};
	int ret = get_opt(sk, opt, name, &tv, sizeof(tv), ino);

	*sec = tv.tv_sec;
	*usec = tv.tv_usec;
	return ret;
}

static int dump_linger(int sk, SkOptsEntry *o, uint32_t ino)
{
	struct linger l = {};
	int ret = get_opt(sk, SO_LINGER, "SO_LINGER", &l, sizeof(l), ino);

	if (!ret && l.l_onoff) {
		o->has_so_linger = 1;
		o->so_linger = l.l_linger;
	}
	return ret;
}

static int dump_bound_dev(int sk, SkOptsEntry *o, uint32_t ino)
{
	char dev[IFNAMSIZ + 1] = "";
	socklen_t len = IFNAMSIZ;

	if (getsockopt(sk, SOL_SOCKET, SO_BINDTODEVICE, dev, &len)) {
		pr_perror("Can't read SO_BINDTODEVICE of socket:[%u]", ino);
		return -errno;
	}
	dev[len < IFNAMSIZ ? len : IFNAMSIZ] = 0;
	if (!dev[0])
		return 0;
	o->so_bound_dev = strdup(dev);
	return o->so_bound_dev ? 0 : -ENOMEM;
}

/* A classic filter comes back as its instructions, 8 bytes each (one fixed64 apiece). */
static int dump_filter(int sk, SkOptsEntry *o, uint32_t ino)
{
	socklen_t nr = 0;
	int locked = 0;
	int ret;

	if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, NULL, &nr)) {
		pr_err("socket:[%u] has a socket filter that is not classic BPF (%s): not "
		       "supported\n",
		       ino, strerror(errno));
		return -EOPNOTSUPP;
	}
	if (!nr)
		return 0;
	ret = get_opt(sk, SO_LOCK_FILTER, "SO_LOCK_FILTER", &locked, sizeof(locked), ino);
	if (!ret && locked) {
		pr_err("socket:[%u] has a locked socket filter (SO_LOCK_FILTER): not supported\n",
		       ino);
		return -EOPNOTSUPP;
	}
	o->so_filter = calloc(nr, sizeof(struct sock_filter));
	if (!o->so_filter)
		return -ENOMEM;
	if (getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, o->so_filter, &nr)) {
		pr_perror("Can't read the socket filter of socket:[%u]", ino);
		return -errno;
	}
	o->n_so_filter = nr;
	return ret;
}

int sk_opts_dump(int sk, SkOptsEntry *o, uint32_t ino)
{
	uint32_t snd = 0, rcv = 0, lock = 0;
	size_t i;
	int ret;

	ret = get_opt(sk, SO_SNDBUF, "SO_SNDBUF", &snd, sizeof(snd), ino);
	ret = ret ?: get_opt(sk, SO_RCVBUF, "SO_RCVBUF", &rcv, sizeof(rcv), ino);
	o->so_sndbuf = snd;
	o->so_rcvbuf = rcv;
	/* SO_BUF_LOCK is Linux 5.14's: without it both sizes are set again, as CRIU does */
	if (!ret && !getsockopt(sk, SOL_SOCKET, SO_BUF_LOCK, &lock, &(socklen_t){ sizeof(lock) })) {
		o->has_so_buf_lock = 1;
		o->so_buf_lock = lock;
	} else if (!ret && errno != ENOPROTOOPT) {
		pr_perror("Can't read SO_BUF_LOCK of socket:[%u]", ino);
		ret = -errno;
	}
	ret = ret
		      ?: dump_tmo(sk, SO_SNDTIMEO, "SO_SNDTIMEO", &o->so_snd_tmo_sec,
				  &o->so_snd_tmo_usec, ino);
	ret = ret
		      ?: dump_tmo(sk, SO_RCVTIMEO, "SO_RCVTIMEO", &o->so_rcv_tmo_sec,
				  &o->so_rcv_tmo_usec, ino);
	for (i = 0; !ret && i < NR_INT_OPTS; i++) {
		socklen_t len = sizeof(int);
		int v = 0;

		if (getsockopt(sk, SOL_SOCKET, int_opts[i].opt, &v, &len)) {
			/* an option this family doesn't have (SO_PASSCRED of TCP on new kernels) */
			if (errno == EOPNOTSUPP || errno == ENOPROTOOPT)
				continue;
			pr_perror("Can't read %s of socket:[%u]", int_opts[i].name, ino);
			ret = -errno;
			break;
		}
		*opt_field(o, int_opts[i].has) = 1;
		*opt_field(o, int_opts[i].val) = v;
	}
	ret = ret ?: dump_linger(sk, o, ino);
	ret = ret ?: dump_bound_dev(sk, o, ino);
	ret = ret ?: dump_filter(sk, o, ino);
	return ret;
}

static int restore_int_opts(int sk, const SkOptsEntry *o, bool bind_only, uint32_t ino)
{
	size_t i;
	int ret;

	for (i = 0; i < NR_INT_OPTS; i++) {
		const struct int_opt *io = &int_opts[i];
		int want = *opt_cfield(o, io->val), cur = 0;

		if ((bind_only && !io->bind) || !*opt_cfield(o, io->has))
			continue;
		ret = get_opt(sk, io->opt, io->name, &cur, sizeof(cur), ino);
		if (!ret && cur != want)
			ret = set_opt(sk, io->opt, io->name, &want, sizeof(want), ino);
		if (ret)
			return ret;
	}
	return 0;
}

int sk_opts_restore_bind(int sk, const SkOptsEntry *o, uint32_t ino)
{
	int ret = restore_int_opts(sk, o, true, ino);

	if (!ret && o->so_bound_dev)
		ret = set_opt(sk, SO_BINDTODEVICE, "SO_BINDTODEVICE", o->so_bound_dev,
			      strlen(o->so_bound_dev), ino);
	return ret;
}

static int restore_buf(int sk, int opt, int force, const char *name, uint32_t want, uint32_t ino)
{
	int cur = 0, val = want / 2; /* the kernel doubles what it is given */
	socklen_t len = sizeof(cur);

	if (!getsockopt(sk, SOL_SOCKET, opt, &cur, &len) && (uint32_t)cur == want)
		return 0;
	/* FORCE passes the sysctl ceiling the program's own size may have been set under */
	if (rst_ns_force_sock_buf(sk, force, val))
		return set_opt(sk, opt, name, &val, sizeof(val), ino);
	return 0;
}

static int restore_bufs(int sk, const SkOptsEntry *o, uint32_t ino)
{
	uint32_t lock = o->has_so_buf_lock ? o->so_buf_lock : BUF_LOCK_SND | BUF_LOCK_RCV;
	int ret = 0;

	if (lock & BUF_LOCK_SND)
		ret = restore_buf(sk, SO_SNDBUF, SO_SNDBUFFORCE, "SO_SNDBUF", o->so_sndbuf, ino);
	if (!ret && (lock & BUF_LOCK_RCV))
		ret = restore_buf(sk, SO_RCVBUF, SO_RCVBUFFORCE, "SO_RCVBUF", o->so_rcvbuf, ino);
	/* the locks exactly as they were: setting a size above took its lock */
	if (!ret && o->has_so_buf_lock)
		ret = set_opt(sk, SO_BUF_LOCK, "SO_BUF_LOCK", &o->so_buf_lock,
			      sizeof(o->so_buf_lock), ino);
	return ret;
}

static int restore_filter(int sk, const SkOptsEntry *o, uint32_t ino)
{
	struct sock_fprog prog = {
		.len = o->n_so_filter,
		.filter = (struct sock_filter *)o->so_filter,
	};

	if (!o->n_so_filter)
		return 0;
	if (o->n_so_filter > BPF_MAXINSNS) {
		pr_err("socket:[%u] has a socket filter of %zu instructions in the image, more "
		       "than the kernel takes (%d)\n",
		       ino, o->n_so_filter, BPF_MAXINSNS);
		return -EINVAL;
	}
	return set_opt(sk, SO_ATTACH_FILTER, "SO_ATTACH_FILTER", &prog, sizeof(prog), ino);
}

int sk_opts_restore(int sk, const SkOptsEntry *o, uint32_t ino)
{
	struct timeval snd = { o->so_snd_tmo_sec, o->so_snd_tmo_usec };
	struct timeval rcv = { o->so_rcv_tmo_sec, o->so_rcv_tmo_usec };
	struct linger l = { 1, o->so_linger };
	int ret;

	ret = sk_opts_restore_bind(sk, o, ino);
	ret = ret ?: restore_int_opts(sk, o, false, ino);
	ret = ret ?: restore_bufs(sk, o, ino);
	if (!ret && (snd.tv_sec || snd.tv_usec))
		ret = set_opt(sk, SO_SNDTIMEO, "SO_SNDTIMEO", &snd, sizeof(snd), ino);
	if (!ret && (rcv.tv_sec || rcv.tv_usec))
		ret = set_opt(sk, SO_RCVTIMEO, "SO_RCVTIMEO", &rcv, sizeof(rcv), ino);
	if (!ret && o->has_so_linger)
		ret = set_opt(sk, SO_LINGER, "SO_LINGER", &l, sizeof(l), ino);
	ret = ret ?: restore_filter(sk, o, ino);
	return ret;
}

int sk_opt_int(int sk, int level, int opt, int *v)
{
	socklen_t len = sizeof(*v);

	*v = 0;
	return getsockopt(sk, level, opt, v, &len) ? -errno : 0;
}

int task_sk_family(const struct fd_parms *p)
{
	int sk, family = 0;

	if (!S_ISSOCK(p->st.st_mode))
		return 0;
	sk = task_fd_take(p->pid, p->fd);
	if (sk < 0)
		return 0;
	if (sk_opt_int(sk, SOL_SOCKET, SO_DOMAIN, &family))
		family = 0;
	close(sk);
	return family;
}
