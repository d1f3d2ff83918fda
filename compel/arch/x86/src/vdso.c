/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdso.c - find a syscall instruction compel can run in the task without writing to its
 * memory: the task's [vdso] is the same kernel image as ours, so an instruction found by
 * scanning our own vdso sits at the same offset in the task's. A task that unmapped its
 * vdso runs them at a syscall of its own code that the guard found (task-code.c), and
 * only a task without any lends compel the first word of a private executable mapping,
 * for the time of each unguarded remote syscall (compel/src/syscall.c puts its bytes back).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ptrace.h>

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

/* The start of the private executable mapping holding ip, else of the first one. */
static unsigned long find_private_code(pid_t pid, unsigned long ip)
{
	unsigned long start, end, first = 0, found = 0;
	char path[64], line[512], perms[5];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f) {
		pr_perror("Can't open %s", path);
		return 0;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3 || perms[2] != 'x' ||
		    perms[3] != 'p')
			continue;
		if (!first)
			first = start;
		if (ip >= start && ip < end)
			found = start;
	}
	fclose(f);
	return found ? found : first;
}

/* x86: "syscall" (0f 05) in the first two bytes of the word. */
static int borrow_code(struct compel_ctl *ctl)
{
	unsigned long addr = find_private_code(ctl->pid, ctl->orig_regs.rip);
	long word;

	if (!addr) {
		pr_err("Task %d has neither a [vdso] nor a private executable mapping for "
		       "compel's syscall instruction\n",
		       ctl->pid);
		return -ENOENT;
	}
	errno = 0;
	word = ptrace(PTRACE_PEEKDATA, ctl->pid, (void *)addr, NULL);
	if (errno) {
		pr_perror("Can't read the code of task %d at %#lx", ctl->pid, addr);
		return -errno;
	}
	ctl->patch_addr = addr;
	ctl->patch_orig = word;
	ctl->patch_word = ((unsigned long)word & ~0xffffUL) | 0x050fUL;
	ctl->syscall_ip = addr;
	pr_debug("task %d: no syscall instruction of its own, one borrowed at %lx\n", ctl->pid,
		 addr);
	return 0;
}

int arch_syscall_insn_without_vdso(struct compel_ctl *ctl)
{
	if (ctl->guard.unmap_insn)
		ctl->syscall_ip = ctl->guard.unmap_insn;
	else if (ctl->guard.sigreturn_insn) /* mov $15, %rax (7 bytes); syscall */
		ctl->syscall_ip = ctl->guard.sigreturn_insn + 7;
	else
		return borrow_code(ctl);
	pr_debug("task %d has no vdso: syscall instruction of its own at %lx\n", ctl->pid,
		 ctl->syscall_ip);
	return 0;
}

/*
 * criu's own vdso and the offset of its syscall instruction: they never move, so they are
 * looked up once (under a lock: drain threads may not, but a library user could prepare
 * tasks from several threads).
 */
static struct {
	pthread_mutex_t lock;
	int ret; /* 1: not looked up yet */
	unsigned long start, end;
	long off;
} own_vdso = { PTHREAD_MUTEX_INITIALIZER, 1, 0, 0, -1 };

static int lookup_own_vdso(void)
{
	unsigned long own = getauxval(AT_SYSINFO_EHDR);
	int ret;

	pthread_mutex_lock(&own_vdso.lock);
	if (own_vdso.ret == 1) {
		if (!own || find_vdso(0, &own_vdso.start, &own_vdso.end) || own_vdso.start != own)
			own_vdso.ret = -ENOENT;
		else
			own_vdso.ret = 0;
		if (!own_vdso.ret)
			own_vdso.off = scan_syscall((const unsigned char *)own_vdso.start,
						    own_vdso.end - own_vdso.start);
	}
	ret = own_vdso.ret;
	pthread_mutex_unlock(&own_vdso.lock);
	return ret;
}

int arch_find_syscall_insn(struct compel_ctl *ctl)
{
	unsigned long own_start, own_end, start, end;
	long off;
	int ret;

	ret = find_vdso(ctl->pid, &start, &end);
	if (ret == -ENOENT) {
		pr_debug("task %d has no [vdso]: its own code must do\n", ctl->pid);
		return 0; /* arch_syscall_insn_without_vdso(), once the guard looked */
	}
	if (ret)
		return ret;
	if (lookup_own_vdso()) {
		pr_err("criu itself has no [vdso] mapping to look for a syscall instruction in\n");
		return -ENOENT;
	}
	own_start = own_vdso.start;
	own_end = own_vdso.end;
	if (end - start != own_end - own_start) {
		pr_err("The vdso of task %d (%lu bytes) differs from criu's (%lu bytes): it was "
		       "not "
		       "mapped by this kernel, compel can't find a syscall instruction in it\n",
		       ctl->pid, end - start, own_end - own_start);
		return -ENOEXEC;
	}
	off = own_vdso.off;
	if (off < 0) {
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
