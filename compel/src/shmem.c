/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shmem.c - the memory criu and the parasite share: shared anonymous memory mapped by the
 * task at an address chosen here (so that its removal is known before it exists), mapped
 * here through /proc/PID/map_files, and the blob copied and relocated into it for the
 * address the task sees.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

#define AREA_GAP    (16ul << 20) /* keep this far from the stack and its guard gap */
#define AREA_TOP    0x7ff000000000ul
#define AREA_BOTTOM 0x10000000ul

/*
 * A free range for the area: the highest hole below the task's other mappings that leaves
 * a page on each side, as the kernel's own top-down search would pick. The task and all of
 * its threads are stopped, so the hole stays free until our mmap.
 */
static unsigned long find_hole(struct compel_ctl *ctl, size_t size)
{
	unsigned long start, end, prev_end = AREA_BOTTOM, best = 0;
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", ctl->pid);
	f = fopen(path, "re");
	if (!f) {
		pr_perror("Can't open %s", path);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		bool stack = strstr(line, "[stack") != NULL;
		unsigned long limit;

		if (sscanf(line, "%lx-%lx", &start, &end) != 2)
			break;
		limit = stack ? start - AREA_GAP : start;
		if (start > AREA_TOP)
			limit = AREA_TOP;
		if (limit > prev_end && limit - prev_end >= size + 2 * COMPEL_PAGE_SIZE)
			best = limit - COMPEL_PAGE_SIZE - size;
		if (end > prev_end)
			prev_end = end;
		if (start > AREA_TOP)
			break;
	}
	fclose(f);
	if (!best)
		pr_err("No free range of %zu bytes in the address space of task %d\n", size,
		       ctl->pid);
	return best;
}

/* Our view of the task's shared anonymous area, through /proc/PID/map_files. */
static int map_local(struct compel_ctl *ctl)
{
	char path[96];
	void *local;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", ctl->pid, ctl->remote_base,
		 ctl->remote_base + ctl->map_size);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		pr_perror("Can't open %s (needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE)", path);
		return -errno;
	}
	local = mmap(NULL, ctl->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (local == MAP_FAILED) {
		pr_perror("Can't map the shared area of task %d (%zu bytes)", ctl->pid,
			  ctl->map_size);
		return -errno;
	}
	ctl->local = local;
	return 0;
}

/*
 * One remote mmap, of shared anonymous memory (no fd in the task), at a hole chosen here:
 * should criu die before the parasite runs, the mmap returns through the frame that unmaps
 * exactly that range. The task is left at the mmap's exit stop, every signal blocked.
 */
int compel_shmem_create(struct compel_ctl *ctl, size_t size)
{
	unsigned long args[6] = { 0,
				  size,
				  PROT_READ | PROT_WRITE | PROT_EXEC,
				  MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
				  -1ul,
				  0 };
	long addr;
	int ret;

	args[0] = find_hole(ctl, size);
	if (!args[0])
		return -ENOMEM;
	ctl->map_size = size;
	ctl->guard.unmap_start = args[0];
	ctl->guard.unmap_len = ctl->tail_off ? ctl->tail_off : size;
	ret = compel_guard_arm(ctl);
	if (ret)
		return ret;
	compel_point("infect-frames");
	ret = compel_syscall_begin(ctl, SYS_mmap, &addr, args, ctl->guard.unmap_sp,
				   "infect-mmap-entry");
	if (ret)
		return ret;
	compel_point("infect-mmap");
	if ((unsigned long)addr != args[0]) {
		errno = (unsigned long)addr >= -4095ul ? (int)-addr : EEXIST;
		pr_perror("mmap of the shared area at %#lx in task %d failed", args[0], ctl->pid);
		/* nothing new is mapped at the hole: putting the task back is all to do */
		return compel_put_back(ctl) ?: -errno;
	}
	ctl->remote_base = addr;
	ret = map_local(ctl);
	if (ret || !ctl->tail_off)
		return ret;
	/* The tail page brings the two instructions the task lacks; arm again with them. */
	arch_tail_code((char *)ctl->local + ctl->tail_off, addr + ctl->tail_off,
		       &ctl->guard.unmap_insn, &ctl->guard.sigreturn_insn);
	return compel_guard_arm(ctl);
}

void compel_shmem_local_unmap(struct compel_ctl *ctl)
{
	if (ctl->local)
		munmap(ctl->local, ctl->map_size);
	ctl->local = NULL;
}

int compel_blob_load(struct compel_ctl *ctl, const struct compel_blob_desc *blob)
{
	uint8_t *dst = ctl->local;
	size_t i;

	if (compel_blob_mem_size(blob) > ctl->hdr_off || blob->entry >= blob->image_size) {
		pr_err("Blob does not fit its own description (image %zu, bss %zu, entry %zu)\n",
		       blob->image_size, blob->bss_size, blob->entry);
		return -EINVAL;
	}
	memcpy(dst, blob->image, blob->image_size);
	memset(dst + blob->image_size, 0, blob->bss_size);
	for (i = 0; i < blob->nr_relocs; i++) {
		uint32_t off = blob->relocs[i];
		uint64_t v;

		if (off > blob->image_size || blob->image_size - off < sizeof(v)) {
			pr_err("Blob relocation %zu at %#x lies outside its image\n", i, off);
			return -EINVAL;
		}
		memcpy(&v, dst + off, sizeof(v));
		v += ctl->remote_base;
		memcpy(dst + off, &v, sizeof(v));
	}
	return 0;
}
