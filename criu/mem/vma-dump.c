/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/vma-dump.c - the task's address space as an MmEntry: mm bounds from /proc/PID/stat, auxv,
 * and one VmaEntry per mapping from /proc/PID/smaps (VmFlags gives growsdown and the
 * madvise state). Mappings we cannot restore yet fail the dump here, before any change.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "image.h"
#include "log.h"
#include "mem.h"
#include "vma-status.h"

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08 /* Linux 6.11: a map type, like MAP_PRIVATE */
#endif

/* VmFlags two-letter codes -> madvise numbers kept in VmaEntry.madv */
static const struct {
	char code[3];
	int madv;
} vmflag_madv[] = {
	{ "dc", MADV_DONTFORK },   { "dd", MADV_DONTDUMP },   { "hg", MADV_HUGEPAGE },
	{ "nh", MADV_NOHUGEPAGE }, { "wf", MADV_WIPEONFORK }, { "mg", MADV_MERGEABLE },
};

static bool vmflags_has(const char *flags, const char *code)
{
	const char *p;

	for (p = flags; p && *p; p += 3)
		if (p[0] == code[0] && p[1] == code[1])
			return true;
	return false;
}

/* The VmFlags value of every mapping, in smaps order (same order as maps). */
static int read_vmflags(pid_t pid, size_t nr, char ***out)
{
	char path[64], *buf, *line, **flags;
	size_t i = 0;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	buf = read_proc_file(path, NULL);
	if (!buf)
		return -EIO;
	flags = calloc(nr ? nr : 1, sizeof(*flags));
	if (!flags) {
		free(buf);
		return -ENOMEM;
	}
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "VmFlags:", 8))
			continue;
		if (i == nr) {
			pr_err("%s has more mappings than maps showed; the task changed\n", path);
			goto err;
		}
		flags[i] = strdup(line + 8 + strspn(line + 8, " "));
		if (!flags[i++])
			goto err;
	}
	free(buf);
	if (i != nr) {
		pr_err("%s lists %zu mappings, maps listed %zu\n", path, i, nr);
		goto err_nobuf;
	}
	*out = flags;
	return 0;
err:
	free(buf);
err_nobuf:
	while (i--)
		free(flags[i]);
	free(flags);
	return -EIO;
}

static int add_file_vma(struct dump_ctx *dc, const struct proc_vma *pv, VmaEntry *v)
{
	char link[96];
	struct stat st;
	uint32_t flags;
	int ret;

	snprintf(link, sizeof(link), "/proc/%d/map_files/%llx-%llx", dc->pid,
		 (unsigned long long)pv->start, (unsigned long long)pv->end);
	if (stat(link, &st)) {
		pr_perror("Can't stat the file behind mapping %s", link);
		return -errno;
	}
	if ((pv->deleted && st.st_nlink && strncmp(pv->path, "/memfd:", 7)) ||
	    !strncmp(pv->path, "/SYSV", 5)) {
		pr_err("Mapping %llx-%llx of %s (unlinked file or SysV shm) is not "
		       "supported yet\n",
		       (unsigned long long)pv->start, (unsigned long long)pv->end, pv->path);
		return -EOPNOTSUPP;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_err("Mapping %llx-%llx of %s: only regular files can be mapped for now\n",
		       (unsigned long long)pv->start, (unsigned long long)pv->end, pv->path);
		return -EOPNOTSUPP;
	}
	flags = (pv->shared && (pv->prot & PROT_WRITE)) ? O_RDWR : O_RDONLY;
	v->fdflags = flags;
	v->has_fdflags = 1;
	v->status |= pv->shared ? VMA_FILE_SHARED : VMA_FILE_PRIVATE;
	v->flags = pv->shared ? MAP_SHARED : MAP_PRIVATE;
	if (pv->deleted && !strncmp(pv->path, "/memfd:", 7)) {
		v->status |= VMA_AREA_MEMFD;
		return dump_memfd_mapping(dc, link, pv->path, &st, flags, (uint32_t *)&v->shmid);
	}
	ret = files_add(dc->files, pv->path, flags, 0, &st, (uint32_t *)&v->shmid);
	/* a deleted file's content is saved as a ghost, read through map_files */
	if (!ret && pv->deleted)
		ret = dump_ghost_file(dc, link, &st, pv->path, v->shmid);
	return ret;
}

static int classify_special(const struct proc_vma *pv, VmaEntry *v)
{
	if (!strcmp(pv->path, "[vdso]")) {
		v->status |= VMA_AREA_VDSO;
	} else if (!strcmp(pv->path, "[vvar]") || !strcmp(pv->path, "[vvar_vclock]")) {
		v->status |= VMA_AREA_VVAR;
	} else if (!strcmp(pv->path, "[heap]")) {
		v->status |= VMA_ANON_PRIVATE | VMA_AREA_HEAP;
	} else if (!strcmp(pv->path, "[stack]")) {
		v->status |= VMA_ANON_PRIVATE | VMA_AREA_STACK;
	} else {
		pr_err("Mapping %llx-%llx %s is not supported yet\n", (unsigned long long)pv->start,
		       (unsigned long long)pv->end, pv->path);
		return -EOPNOTSUPP;
	}
	v->flags = MAP_PRIVATE | MAP_ANONYMOUS;
	return 0;
}

static int fill_vma(struct dump_ctx *dc, const struct proc_vma *pv, const char *vmflags,
		    VmaEntry *v)
{
	size_t i;
	int ret;

	vma_entry__init(v);
	v->start = pv->start;
	v->end = pv->end;
	v->pgoff = pv->pgoff;
	v->prot = pv->prot;
	v->fd = -1;
	v->status = VMA_AREA_REGULAR;

	if (!pv->path) {
		if (pv->shared) {
			pr_err("Shared anonymous mapping %llx-%llx is not supported yet\n",
			       (unsigned long long)pv->start, (unsigned long long)pv->end);
			return -EOPNOTSUPP;
		}
		v->status |= VMA_ANON_PRIVATE;
		/* the kernel may drop its pages, and a fork wipes it: what is there is saved */
		v->flags =
			(vmflags_has(vmflags, "dp") ? MAP_DROPPABLE : MAP_PRIVATE) | MAP_ANONYMOUS;
		v->pgoff = 0;
	} else if (vma_is_aio_ring(pv)) {
		ret = dump_aio_vma(pv, v);
		if (ret)
			return ret;
	} else if (vma_is_anon_shared(pv)) {
		ret = dump_anon_shared_vma(dc, pv, v);
		if (ret)
			return ret;
	} else if (vma_is_sysv_shm(pv)) {
		ret = dump_sysv_vma(dc, pv, v);
		if (ret)
			return ret;
	} else if (pv->path[0] == '[') {
		ret = classify_special(pv, v);
		if (ret)
			return ret;
	} else {
		ret = add_file_vma(dc, pv, v);
		if (ret)
			return ret;
	}
	if (vmflags_has(vmflags, "gd"))
		v->flags |= MAP_GROWSDOWN;
	if ((vmflags_has(vmflags, "io") || vmflags_has(vmflags, "pf")) &&
	    !(v->status & (VMA_AREA_VVAR | VMA_AREA_VDSO))) {
		pr_err("Mapping %llx-%llx is a device (I/O or PFN) mapping: not supported yet\n",
		       (unsigned long long)pv->start, (unsigned long long)pv->end);
		return -EOPNOTSUPP;
	}
	for (i = 0; i < sizeof(vmflag_madv) / sizeof(vmflag_madv[0]); i++)
		if (vmflags_has(vmflags, vmflag_madv[i].code))
			v->madv |= 1ull << vmflag_madv[i].madv;
	v->has_madv = v->madv != 0;
	return 0;
}

static int collect_vmas(struct dump_ctx *dc)
{
	char **vmflags = NULL;
	size_t i, nr = 0;
	int ret;

	ret = read_vmflags(dc->pid, dc->maps.nr, &vmflags);
	if (ret)
		return ret;
	dc->vmas = calloc(dc->maps.nr + 1, sizeof(*dc->vmas));
	dc->vma_ptrs = calloc(dc->maps.nr + 1, sizeof(*dc->vma_ptrs));
	if (!dc->vmas || !dc->vma_ptrs) {
		ret = -ENOMEM;
		goto out_free;
	}
	for (i = 0; i < dc->maps.nr; i++) {
		const struct proc_vma *pv = &dc->maps.vmas[i];

		if (pv->path && !strcmp(pv->path, "[vsyscall]"))
			continue; /* the kernel provides it at a fixed address */
		ret = fill_vma(dc, pv, vmflags[i], &dc->vmas[nr]);
		if (ret)
			goto out_free;
		dc->vma_ptrs[nr] = &dc->vmas[nr];
		nr++;
	}
	dc->mm.n_vmas = nr;
	dc->mm.vmas = dc->vma_ptrs;
out_free:
	for (i = 0; i < dc->maps.nr; i++)
		free(vmflags[i]);
	free(vmflags);
	return ret;
}

static int collect_auxv(struct dump_ctx *dc)
{
	char path[64];
	size_t len;
	char *buf;

	snprintf(path, sizeof(path), "/proc/%d/auxv", dc->pid);
	buf = read_proc_file(path, &len);
	if (!buf)
		return -EIO;
	if (len % 16) {
		pr_err("%s has %zu bytes, not a whole number of pairs\n", path, len);
		free(buf);
		return -EINVAL;
	}
	dc->auxv = (uint64_t *)buf;
	dc->mm.n_mm_saved_auxv = len / 8;
	dc->mm.mm_saved_auxv = dc->auxv;
	return 0;
}

int collect_task_mm(struct dump_ctx *dc)
{
	const struct proc_stat *st = &dc->stat;
	MmEntry *mm = &dc->mm;

	mm_entry__init(mm);
	mm->mm_start_code = st->start_code;
	mm->mm_end_code = st->end_code;
	mm->mm_start_data = st->start_data;
	mm->mm_end_data = st->end_data;
	mm->mm_start_stack = st->start_stack;
	mm->mm_start_brk = st->start_brk;
	mm->mm_arg_start = st->arg_start;
	mm->mm_arg_end = st->arg_end;
	mm->mm_env_start = st->env_start;
	mm->mm_env_end = st->env_end;
	mm->exe_file_id = dc->exe_id;
	return collect_vmas(dc) ?: dump_aio_rings(mm) ?: collect_auxv(dc);
}

int write_mm_image(struct dump_ctx *dc)
{
	struct cr_img *img;
	int ret;

	dc->mm.mm_brk = dc->brk;
	img = open_image_at(dc->dfd, CR_FD_MM, O_DUMP, dc->pid);
	if (!img)
		return -EIO;
	ret = pb_write_one(img, &dc->mm.base);
	return close_image(img) ?: ret;
}

void free_task_mm(struct dump_ctx *dc)
{
	free(dc->vmas);
	free(dc->vma_ptrs);
	free(dc->auxv);
	free(dc->mm.aios);
	dc->mm.aios = NULL;
	dc->vmas = NULL;
	dc->vma_ptrs = NULL;
	dc->auxv = NULL;
}
