/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdso.c - find a syscall instruction compel can run in the task without writing to its
 * memory: the task's [vdso] is the same kernel image as ours, so an instruction found by
 * scanning our own vdso sits at the same offset in the task's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

#include "arch.h"
#include "internal.h"

/* Find [vdso] in /proc/PID/maps ("self" for pid 0). */
static int find_vdso(pid_t pid, unsigned long *start, unsigned long *end)
{
	char path[64], line[512];
	FILE *f;
	int ret = -ENOENT;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/maps");
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		pr_perror("Can't open %s", path);
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (n < 7 || strcmp(line + n - 7, "[vdso]\n"))
			continue;
		if (sscanf(line, "%lx-%lx", start, end) == 2)
			ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

/*
 * Prefer "mov $imm32, %eax; syscall" (b8 xx xx xx xx 0f 05): those bytes are an instruction
 * boundary for sure, while a lone 0f 05 could sit inside another instruction.
 */
static long scan_syscall(const unsigned char *p, size_t size)
{
	size_t i;

	for (i = 5; i + 2 <= size; i++)
		if (p[i] == 0x0f && p[i + 1] == 0x05 && p[i - 5] == 0xb8)
			return i;
	return -1;
}

int arch_find_syscall_insn(struct compel_ctl *ctl)
{
	unsigned long own = getauxval(AT_SYSINFO_EHDR), own_start, own_end, start, end;
	long off;
	int ret;

	if (!own || find_vdso(0, &own_start, &own_end) || own_start != own) {
		pr_err("criu itself has no [vdso] mapping to look for a syscall instruction in\n");
		return -ENOENT;
	}
	ret = find_vdso(ctl->pid, &start, &end);
	if (ret == -ENOENT)
		pr_err("Task %d has no [vdso] mapping: compel runs its syscalls through the vdso's "
		       "syscall instruction (was the task started with vdso disabled?)\n",
		       ctl->pid);
	if (ret)
		return ret;
	if (end - start != own_end - own_start) {
		pr_err("The vdso of task %d (%lu bytes) differs from criu's (%lu bytes): it was "
		       "not "
		       "mapped by this kernel, compel can't find a syscall instruction in it\n",
		       ctl->pid, end - start, own_end - own_start);
		return -ENOEXEC;
	}
	off = scan_syscall((const unsigned char *)own_start, own_end - own_start);
	/* The memfd name is the empty string at vdso + 8 (EI_ABIVERSION, zero). */
	if (off < 0 || ((const char *)own_start)[8] != 0) {
		pr_err("No usable syscall instruction in the vdso of this kernel\n");
		return -ENOEXEC;
	}
	ctl->syscall_ip = start + off;
	ctl->vdso_start = start;
	ctl->vdso_size = end - start;
	pr_debug("task %d: syscall instruction at %lx (vdso %lx + %lx)\n", ctl->pid,
		 ctl->syscall_ip, start, off);
	return 0;
}
