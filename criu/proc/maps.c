/* SPDX-License-Identifier: GPL-2.0 */
/*
 * proc/maps.c - /proc/PID/maps and /proc/PID/smaps: one line per mapping ("start-end perms
 * offset major:minor inode path"); smaps adds "Key: value" lines after each, of which only
 * VmFlags is read. The path is as the kernel prints it: only a newline in it is escaped (as
 * \012) and a backslash is not, so it is not decoded; map_files/ gives the true file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "internal.h"
#include "log.h"
#include "proc-parse.h"

#define DELETED_SUFFIX	   " (deleted)"
#define DELETED_SUFFIX_LEN (sizeof(DELETED_SUFFIX) - 1)

/* The kernel's VmFlags mnemonics (show_smap_vma_flags()), each one bit of proc_vma.vmflags. */
static const struct {
	char code[3];
	uint64_t bit;
} vmflag_codes[] = {
	{ "rd", PROC_VMF_READ },	 { "wr", PROC_VMF_WRITE },
	{ "ex", PROC_VMF_EXEC },	 { "sh", PROC_VMF_SHARED },
	{ "mr", PROC_VMF_MAYREAD },	 { "mw", PROC_VMF_MAYWRITE },
	{ "me", PROC_VMF_MAYEXEC },	 { "ms", PROC_VMF_MAYSHARE },
	{ "gd", PROC_VMF_GROWSDOWN },	 { "pf", PROC_VMF_PFNMAP },
	{ "io", PROC_VMF_IO },		 { "lo", PROC_VMF_LOCKED },
	{ "lf", PROC_VMF_LOCKONFAULT },	 { "sr", PROC_VMF_SEQ_READ },
	{ "rr", PROC_VMF_RAND_READ },	 { "dc", PROC_VMF_DONTFORK },
	{ "de", PROC_VMF_DONTEXPAND },	 { "ac", PROC_VMF_ACCOUNT },
	{ "nr", PROC_VMF_NORESERVE },	 { "ht", PROC_VMF_HUGETLB },
	{ "sf", PROC_VMF_SYNC },	 { "ar", PROC_VMF_ARCH_1 },
	{ "wf", PROC_VMF_WIPEONFORK },	 { "dd", PROC_VMF_DONTDUMP },
	{ "sd", PROC_VMF_SOFTDIRTY },	 { "mm", PROC_VMF_MIXEDMAP },
	{ "hg", PROC_VMF_HUGEPAGE },	 { "nh", PROC_VMF_NOHUGEPAGE },
	{ "mg", PROC_VMF_MERGEABLE },	 { "um", PROC_VMF_UFFD_MISSING },
	{ "uw", PROC_VMF_UFFD_WP },	 { "ui", PROC_VMF_UFFD_MINOR },
	{ "ss", PROC_VMF_SHADOW_STACK }, { "dp", PROC_VMF_DROPPABLE },
	{ "sl", PROC_VMF_SEALED },	 { "p0", PROC_VMF_PKEY_BIT0 },
	{ "p1", PROC_VMF_PKEY_BIT1 },	 { "p2", PROC_VMF_PKEY_BIT2 },
	{ "p3", PROC_VMF_PKEY_BIT3 },	 { "p4", PROC_VMF_PKEY_BIT4 },
};

static int maps_fields(const char **s, struct proc_vma *v)
{
	const char *p = *s, *perms;
	uint32_t maj, min;
	uint64_t ino;

	if (proc_get_u64(&p, 16, UINT64_MAX, &v->start) || *p++ != '-' ||
	    proc_get_u64(&p, 16, UINT64_MAX, &v->end) || *p++ != ' ')
		return -EINVAL;
	perms = p;
	if (!perms[0] || !perms[1] || !perms[2] || !perms[3] || perms[4] != ' ')
		return -EINVAL;
	if ((perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
	    (perms[2] != 'x' && perms[2] != '-') || (perms[3] != 's' && perms[3] != 'p'))
		return -EINVAL;
	v->prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
		  (perms[2] == 'x' ? PROT_EXEC : 0);
	v->shared = perms[3] == 's';
	p += 5;
	if (proc_get_u64(&p, 16, UINT64_MAX, &v->pgoff) || *p++ != ' ' ||
	    proc_get_u32(&p, 16, &maj) || *p++ != ':' || proc_get_u32(&p, 16, &min) ||
	    *p++ != ' ' || proc_get_u64(&p, 10, UINT64_MAX, &ino))
		return -EINVAL;
	v->dev_major = maj;
	v->dev_minor = min;
	v->ino = ino;
	if (v->start >= v->end || (v->start | v->end) & 0xfff)
		return -EINVAL;
	*s = p;
	return 0;
}

int parse_maps_line(const char *line, struct proc_vma *v)
{
	const char *p = line, *path;
	size_t len;

	memset(v, 0, sizeof(*v));
	if (maps_fields(&p, v) || (*p != ' ' && *p != '\n'))
		goto bad;
	path = proc_skip_blanks(p);
	len = strcspn(path, "\n");
	if (!path[len]) /* the line was cut short */
		goto bad;
	if (!len)
		return 0;
	if (len > DELETED_SUFFIX_LEN &&
	    !memcmp(path + len - DELETED_SUFFIX_LEN, DELETED_SUFFIX, DELETED_SUFFIX_LEN)) {
		v->deleted = true;
		len -= DELETED_SUFFIX_LEN;
	}
	v->path = strndup(path, len);
	return v->path ? 0 : -ENOMEM;
bad:
	pr_err("Malformed /proc/PID/maps line: '%.*s'\n", (int)strcspn(line, "\n"), line);
	return -EINVAL;
}

void free_proc_vma_list(struct proc_vma_list *list)
{
	size_t i;

	for (i = 0; i < list->nr; i++)
		free(list->vmas[i].path);
	free(list->vmas);
	list->vmas = NULL;
	list->nr = 0;
}

/*
 * "VmFlags: rd wr mr mw me ac sd": two lowercase letters or digits each, a space after each.
 * A code not in the table is kept in v->unknown_vmflag (the first one): the caller decides.
 */
static int parse_vmflags(const char *p, struct proc_vma *v)
{
	size_t i, n = sizeof(vmflag_codes) / sizeof(vmflag_codes[0]);

	v->vmflags = 0;
	v->unknown_vmflag[0] = '\0';
	for (p = proc_skip_blanks(p); *p != '\n'; p = proc_skip_blanks(p + 2)) {
		if (!isalnum((unsigned char)p[0]) || !isalnum((unsigned char)p[1]) ||
		    (p[2] != ' ' && p[2] != '\n'))
			return -EINVAL;
		for (i = 0; i < n; i++)
			if (p[0] == vmflag_codes[i].code[0] && p[1] == vmflag_codes[i].code[1])
				break;
		if (i < n)
			v->vmflags |= vmflag_codes[i].bit;
		else if (!v->unknown_vmflag[0])
			snprintf(v->unknown_vmflag, sizeof(v->unknown_vmflag), "%.2s", p);
	}
	return 0;
}

static int add_vma(struct proc_vma_list *list, const char *line)
{
	struct proc_vma *v;
	int ret;

	if (ARRAY_ADD_ROOM(list->vmas, list->nr))
		return -ENOMEM;
	v = &list->vmas[list->nr];
	ret = parse_maps_line(line, v);
	if (ret)
		return ret;
	list->nr++;
	if (list->nr > 1 && v->start < v[-1].end) {
		pr_err("/proc/PID/maps is not sorted at %llx\n", (unsigned long long)v->start);
		return -EINVAL;
	}
	return 0;
}

/*
 * smaps: a line starting with a (lowercase hex) digit opens a mapping; the others are
 * "Key: value" lines (keys start with an uppercase letter), and every mapping must have its
 * VmFlags line: a text cut short before one is refused.
 */
static int parse_maps_text(const char *buf, struct proc_vma_list *list, bool smaps)
{
	const char *pos = buf;
	struct proc_line l;
	bool need_flags = false;
	const char *v;
	int ret;

	while (proc_next_line(&pos, &l)) {
		bool header = (l.s[0] >= '0' && l.s[0] <= '9') || (l.s[0] >= 'a' && l.s[0] <= 'f');

		if (header) {
			if (need_flags)
				goto no_flags;
			ret = add_vma(list, l.s);
			if (ret)
				return ret;
			need_flags = smaps;
			continue;
		}
		if (!smaps || !list->nr || !l.complete)
			goto bad;
		v = proc_key(l.s, "VmFlags");
		if (!v)
			continue;
		if (!need_flags || parse_vmflags(v, &list->vmas[list->nr - 1]))
			goto bad;
		need_flags = false;
	}
	if (need_flags)
		goto no_flags;
	return 0;
no_flags:
	pr_err("/proc/PID/smaps: mapping %llx has no VmFlags line\n",
	       (unsigned long long)list->vmas[list->nr - 1].start);
	return -EINVAL;
bad:
	pr_err("Malformed /proc/PID/%s line: '%.*s'\n", smaps ? "smaps" : "maps", (int)l.len, l.s);
	return -EINVAL;
}

static int parse_maps_list(const char *buf, struct proc_vma_list *list, bool smaps)
{
	int ret;

	list->vmas = NULL;
	list->nr = 0;
	ret = parse_maps_text(buf, list, smaps);
	if (ret)
		free_proc_vma_list(list);
	return ret;
}

int parse_proc_maps_buf(const char *buf, struct proc_vma_list *list)
{
	return parse_maps_list(buf, list, false);
}

int parse_proc_smaps_buf(const char *buf, struct proc_vma_list *list)
{
	return parse_maps_list(buf, list, true);
}

static int parse_maps_file(pid_t pid, struct proc_vma_list *list, bool smaps)
{
	const char *name = smaps ? "smaps" : "maps";
	char path[64];
	char *buf;
	int ret;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	else
		snprintf(path, sizeof(path), "/proc/self/%s", name);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -ENOENT;
	ret = parse_maps_list(buf, list, smaps);
	free(buf);
	return ret;
}

int parse_proc_maps(pid_t pid, struct proc_vma_list *list)
{
	return parse_maps_file(pid, list, false);
}

int parse_proc_smaps(pid_t pid, struct proc_vma_list *list)
{
	return parse_maps_file(pid, list, true);
}
