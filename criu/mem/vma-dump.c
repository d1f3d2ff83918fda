/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/vma-dump.c - the task's address space as an MmEntry: mm bounds from /proc/PID/stat, auxv,
 * and one VmaEntry per mapping of dc->maps, read from /proc/PID/smaps (VmFlags gives
 * growsdown and the madvise state). Mappings we cannot restore yet fail the dump here, before any
 * change.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dump.h"
#include "hugetlb.h"
#include "image.h"
#include "log.h"
#include "ns.h"
#include "mem.h"
#include "packet-ring.h"
#include "plugin.h"
#include "vma-status.h"

#define CRIU_AUXV_WORDS 44 /* CRIU's AT_VECTOR_SIZE on x86_64: what its mm_entry holds */

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08 /* Linux 6.11: a map type, like MAP_PRIVATE */
#endif

/* VmFlags (PROC_VMF_*) -> madvise numbers kept in VmaEntry.madv */
static const struct {
	uint64_t vmf;
	int madv;
} vmflag_madv[] = {
	{ PROC_VMF_DONTFORK, MADV_DONTFORK },	  { PROC_VMF_DONTDUMP, MADV_DONTDUMP },
	{ PROC_VMF_HUGEPAGE, MADV_HUGEPAGE },	  { PROC_VMF_NOHUGEPAGE, MADV_NOHUGEPAGE },
	{ PROC_VMF_WIPEONFORK, MADV_WIPEONFORK }, { PROC_VMF_MERGEABLE, MADV_MERGEABLE },
	{ PROC_VMF_RAND_READ, MADV_RANDOM },	  { PROC_VMF_SEQ_READ, MADV_SEQUENTIAL },
};

/*
 * The VmFlags this criu cannot save yet, and why. Every other code the kernel shows is saved,
 * restates what maps tells, is the kernel's own bookkeeping or is refused elsewhere (io, pf);
 * a code the proc parser does not know at all fails the dump too: it could be state we
 * would drop.
 */
static const struct {
	uint64_t vmf;
	const char *why;
} vmflag_refused[] = {
	{ PROC_VMF_UFFD_MISSING, "registered with a userfaultfd (missing faults)" },
	{ PROC_VMF_UFFD_WP, "registered with a userfaultfd (write protection)" },
	{ PROC_VMF_UFFD_MINOR, "registered with a userfaultfd (minor faults)" },
	{ PROC_VMF_SHADOW_STACK, "a shadow stack" },
	{ PROC_VMF_MIXEDMAP, "a mixed (device) mapping" },
	{ PROC_VMF_SYNC, "a synchronous-fault (DAX) mapping" },
	{ PROC_VMF_PKEY_BIT0 | PROC_VMF_PKEY_BIT1 | PROC_VMF_PKEY_BIT2 | PROC_VMF_PKEY_BIT3 |
		  PROC_VMF_PKEY_BIT4,
	  "tagged with a memory protection key (pkey_mprotect)" },
};

/*
 * Refuse a VmFlags code we do not know or cannot save yet. ours: flags criu itself set
 * (the write tracker of a pre-dump registers the VMAs for write protection: mem/track.c).
 */
static int check_vmflags(const struct proc_vma *pv, uint64_t ours)
{
	const char *path = pv->path ? pv->path : "(anonymous)";
	size_t i;

	if (pv->unknown_vmflag[0]) {
		pr_err("Mapping %llx-%llx %s has VmFlags \"%s\", unknown to this criu: not "
		       "supported yet\n",
		       (unsigned long long)pv->start, (unsigned long long)pv->end, path,
		       pv->unknown_vmflag);
		return -EOPNOTSUPP;
	}
	for (i = 0; i < sizeof(vmflag_refused) / sizeof(vmflag_refused[0]); i++) {
		if (!(pv->vmflags & vmflag_refused[i].vmf & ~ours))
			continue;
		pr_err("Mapping %llx-%llx %s is %s: not supported yet\n",
		       (unsigned long long)pv->start, (unsigned long long)pv->end, path,
		       vmflag_refused[i].why);
		return -EOPNOTSUPP;
	}
	return 0;
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
	/* a device's mapping only a plugin can save */
	ret = S_ISCHR(st.st_mode) ? plugin_claim_device_vma(link, pv->path, &st) : 0;
	if (ret < 0)
		return ret;
	if (ret)
		v->status |= VMA_EXT_PLUGIN;
	else if (S_ISSOCK(st.st_mode))
		return packet_ring_vma(dc, pv->path, &st, v); /* a packet socket's rings */
	else if (!S_ISREG(st.st_mode)) {
		pr_err("Mapping %llx-%llx of %s: only regular files can be mapped for now\n",
		       (unsigned long long)pv->start, (unsigned long long)pv->end, pv->path);
		return -EOPNOTSUPP;
	}
	/*
	 * A shared mapping of a file opened for writing may be mprotect'ed writable later
	 * (smaps "mw", VM_MAYWRITE, even while it is read-only): reopen it for writing too.
	 */
	flags = pv->shared && ((pv->prot & PROT_WRITE) || (pv->vmflags & PROC_VMF_MAYWRITE))
			? O_RDWR
			: O_RDONLY;
	v->fdflags = flags;
	v->has_fdflags = 1;
	v->status |= pv->shared ? VMA_FILE_SHARED : VMA_FILE_PRIVATE;
	v->flags = pv->shared ? MAP_SHARED : MAP_PRIVATE;
	if (pv->deleted && !strncmp(pv->path, "/memfd:", 7)) {
		v->status |= VMA_AREA_MEMFD;
		return dump_memfd_mapping(dc, link, pv->path, &st, flags, (uint32_t *)&v->shmid);
	}
	ret = pv->deleted ? 0 : mntns_dump_check_path(dc, "a file mapping", pv->path, &st);
	ret = ret ?: files_add(dc->files, pv->path, flags, 0, &st, (uint32_t *)&v->shmid);
	/* a deleted file's content is saved as a ghost, read through map_files */
	if (!ret && pv->deleted)
		ret = dump_ghost_file(dc, link, &st, pv->path, v->shmid);
	return ret;
}

/* vdso and vvar carry CRIU's bits: private anonymous memory plus their own (0x209, 0x1201) */
static int classify_special(const struct proc_vma *pv, VmaEntry *v)
{
	if (!strcmp(pv->path, "[vdso]")) {
		v->status |= VMA_ANON_PRIVATE | VMA_AREA_VDSO;
	} else if (!strcmp(pv->path, "[vvar]") || !strcmp(pv->path, "[vvar_vclock]")) {
		v->status |= VMA_ANON_PRIVATE | VMA_AREA_VVAR;
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

static int fill_vma(struct dump_ctx *dc, const struct proc_vma *pv, VmaEntry *v)
{
	size_t i;
	int ret;

	/* a packet socket's rings are mixed (their pages inserted one by one): net/packet */
	ret = check_vmflags(
		pv,
		(dc->mt.uffd >= 0 || dc->mt.nr_strays ? PROC_VMF_UFFD_WP : 0) |
			(pv->path && !strncmp(pv->path, "socket:[", 8) ? PROC_VMF_MIXEDMAP : 0));
	if (!ret && (pv->vmflags & PROC_VMF_HUGETLB))
		ret = hugetlb_vma_check(pv);
	if (ret)
		return ret;
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
		v->flags = ((pv->vmflags & PROC_VMF_DROPPABLE) ? MAP_DROPPABLE : MAP_PRIVATE) |
			   MAP_ANONYMOUS;
		v->pgoff = 0;
	} else if (vma_is_anon_hugetlb(pv) && !pv->shared) {
		/*
		 * Private: its pages are the task's, as for any private anonymous memory. It has
		 * a file: the offset in it is kept, maps shows it.
		 */
		v->status |= VMA_ANON_PRIVATE;
		v->flags = MAP_PRIVATE | MAP_ANONYMOUS;
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
	if (pv->vmflags & PROC_VMF_HUGETLB)
		v->flags |= MAP_HUGETLB | hugetlb_size_flag(pv->page_size);
	if (pv->vmflags & PROC_VMF_GROWSDOWN)
		v->flags |= MAP_GROWSDOWN;
	/* mlock()ed: locked again by the restorer, while it still may (before creds) */
	if (pv->vmflags & PROC_VMF_LOCKED)
		v->flags |= MAP_LOCKED;
	if (pv->vmflags & PROC_VMF_LOCKONFAULT)
		v->madv |= VMA_MADV_LOCK_ONFAULT;
	if (pv->vmflags & PROC_VMF_NORESERVE)
		v->flags |= MAP_NORESERVE;
	/* mseal()ed: sealed again by the restorer once the mapping is final */
	if (pv->vmflags & PROC_VMF_SEALED)
		v->madv |= VMA_MADV_SEALED;
	if ((pv->vmflags & (PROC_VMF_IO | PROC_VMF_PFNMAP)) &&
	    !(v->status & (VMA_AREA_VVAR | VMA_AREA_VDSO | VMA_EXT_PLUGIN))) {
		pr_err("Mapping %llx-%llx is a device (I/O or PFN) mapping: not supported yet\n",
		       (unsigned long long)pv->start, (unsigned long long)pv->end);
		return -EOPNOTSUPP;
	}
	for (i = 0; i < sizeof(vmflag_madv) / sizeof(vmflag_madv[0]); i++)
		if (pv->vmflags & vmflag_madv[i].vmf)
			v->madv |= 1ull << vmflag_madv[i].madv;
	v->has_madv = v->madv != 0;
	return 0;
}

static int collect_vmas(struct dump_ctx *dc)
{
	size_t i, nr = 0;
	int ret;

	/* freed by free_task_mm(), on failure too */
	dc->vmas = calloc(dc->maps.nr + 1, sizeof(*dc->vmas));
	dc->vma_ptrs = calloc(dc->maps.nr + 1, sizeof(*dc->vma_ptrs));
	if (!dc->vmas || !dc->vma_ptrs)
		return -ENOMEM;
	for (i = 0; i < dc->maps.nr; i++) {
		const struct proc_vma *pv = &dc->maps.vmas[i];

		if (pv->path && !strcmp(pv->path, "[vsyscall]"))
			continue; /* the kernel provides it at a fixed address */
		ret = fill_vma(dc, pv, &dc->vmas[nr]);
		if (ret)
			return ret;
		dc->vma_ptrs[nr] = &dc->vmas[nr];
		nr++;
	}
	dc->mm.n_vmas = nr;
	dc->mm.vmas = dc->vma_ptrs;
	return 0;
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
	dc->nr_auxv = len / 8;
	/*
	 * CRIU 4.2 saves at most AT_VECTOR_SIZE (44) words and refuses more at restore; this
	 * kernel has more. mm_entry holds what CRIU would hold, task-extra-PID.img all of it.
	 */
	dc->mm.n_mm_saved_auxv = dc->nr_auxv < CRIU_AUXV_WORDS ? dc->nr_auxv : CRIU_AUXV_WORDS;
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
	size_t i;
	int ret;

	dc->mm.mm_brk = dc->brk;
	/* bits CRIU has no field for went to task-extra-PID.img, which is written first */
	for (i = 0; i < dc->mm.n_vmas; i++) {
		dc->mm.vmas[i]->madv &= ~VMA_MADV_OURS;
		dc->mm.vmas[i]->has_madv = dc->mm.vmas[i]->madv != 0;
	}
	img = open_image_at(dc->dfd, CR_FD_MM, O_DUMP, dc->img_pid);
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
	dc->nr_auxv = 0;
}
