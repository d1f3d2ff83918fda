/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ns/mnt-opts.c - the command line's mount options (opts.h: struct mnt_opts): --external
 * mnt[A]:B, --ext-mount-map A:B or auto, --skip-mnt PATH. The values point into the
 * arguments, as every option's do; A is a length of its argument.
 */
#include <string.h>

#include "log.h"
#include "opts.h"

static int add_pair(struct mnt_opts *m, const char *a, size_t a_len, const char *b, const char *opt,
		    const char *arg)
{
	if (!a_len || !*b) {
		pr_err("%s %s: a key and a path are both needed\n", opt, arg);
		return -1;
	}
	if (m->nr_ext == MAX_MNT_OPTS) {
		pr_err("At most %d external mounts can be given\n", MAX_MNT_OPTS);
		return -1;
	}
	m->ext_a[m->nr_ext] = a;
	m->ext_a_len[m->nr_ext] = a_len;
	m->ext_b[m->nr_ext++] = b;
	return 0;
}

int opts_mnt_external(struct mnt_opts *m, const char *arg)
{
	const char *end;

	if (strncmp(arg, "mnt[", 4)) {
		pr_err("--external %s: only mnt[] (mounts) is supported yet\n", arg);
		return -1;
	}
	end = strstr(arg + 4, "]:");
	if (!end) {
		pr_err("--external %s: want mnt[MOUNTPOINT]:KEY at dump, mnt[KEY]:PATH at "
		       "restore\n",
		       arg);
		return -1;
	}
	return add_pair(m, arg + 4, end - (arg + 4), end + 2, "--external", arg);
}

int opts_mnt_map(struct mnt_opts *m, const char *arg)
{
	const char *colon = strchr(arg, ':');

	if (!strcmp(arg, "auto")) {
		m->ext_auto = true;
		return 0;
	}
	if (!colon) {
		pr_err("--ext-mount-map %s: want MOUNTPOINT:KEY at dump, KEY:PATH at restore, or "
		       "auto\n",
		       arg);
		return -1;
	}
	return add_pair(m, arg, colon - arg, colon + 1, "--ext-mount-map", arg);
}

int opts_mnt_skip(struct mnt_opts *m, const char *arg)
{
	if (m->nr_skip == MAX_MNT_OPTS) {
		pr_err("At most %d --skip-mnt can be given\n", MAX_MNT_OPTS);
		return -1;
	}
	m->skip[m->nr_skip++] = arg;
	return 0;
}
