/* SPDX-License-Identifier: GPL-2.0 */
/*
 * task-code.c - the two instructions the cure frames need (cure-frame.c), found where the
 * task already has them, so that nothing of ours must stay mapped if criu dies:
 * - a "mov $imm32, %eax; syscall" followed only by register clears and a ret (the unmap
 *   instruction): in the vdso, else in the task's executable file mappings (glibc's
 *   getpid and friends are such);
 * - "mov $15, %rax; syscall" (rt_sigreturn), as glibc, musl and Go write their signal
 *   restorers: in the task's executable file mappings, its C library first.
 * A file mapping is read from its file (through /proc/PID/map_files), and what is found
 * there is checked against the task's memory (process_vm_readv of a few bytes), which a
 * debugger or a code patcher may have changed. Each file is searched once per process
 * (criu runs one dump), by (device, inode, offset, length). A task lacking either
 * instruction gets both in the tail page of the parasite area (arch_tail_code()).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

#define MAX_SCAN      (8ul << 20)
#define MAX_SCANNED   64
#define MAX_UNMAP_SEQ 16 /* bytes of "syscall; xor...; ret" checked in the task's memory */

/* rt_sigreturn as glibc, musl and Go write their signal restorers: mov $15, %rax; syscall */
static const unsigned char sigreturn_code[] = {
	0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05
};
/* The tail page's "syscall; ret", when the task has none. */
static const unsigned char unmap_code[] = { 0x0f, 0x05, 0xc3 };

/* Length of "xor reg, reg" at p (32- or 64-bit, any of the 16 registers), or 0. */
static size_t xor_len(const unsigned char *p, const unsigned char *end)
{
	size_t pre = (p[0] & 0xf0) == 0x40 ? 1 : 0;

	if (p + pre + 2 > end || p[pre] != 0x31 || (p[pre + 1] & 0xc0) != 0xc0)
		return 0;
	return pre + 2;
}

/* Bytes from the syscall at p to its ret, if p is an unmap instruction; else 0. */
static size_t unmap_seq_len(const unsigned char *p, const unsigned char *end)
{
	const unsigned char *q = p + 2;
	size_t n;

	if (p + 2 > end || p[0] != 0x0f || p[1] != 0x05)
		return 0;
	while (q < end && (n = xor_len(q, end)))
		q += n;
	return q < end && *q == 0xc3 ? (size_t)(q + 1 - p) : 0;
}

/*
 * A "mov $imm32, %eax; syscall" followed only by register clears and a ret: from its
 * syscall on, nothing but %rsp decides where the task goes next. The offset of its syscall.
 */
static long scan_unmap_insn(const unsigned char *p, size_t size)
{
	const unsigned char *hit = p + 5, *end = p + size;

	while ((hit = memchr(hit, 0x0f, end - hit)) != NULL) {
		if (hit[-5] == 0xb8 && unmap_seq_len(hit, end))
			return hit - p;
		hit++;
	}
	return -1;
}

void arch_find_unmap_insn(struct compel_ctl *ctl)
{
	unsigned long own = getauxval(AT_SYSINFO_EHDR);
	long off;

	ctl->guard.unmap_insn = 0;
	if (!ctl->vdso_start)
		return; /* arch_find_sigreturn_insn() looks in the task's files */
	/* arch_find_syscall_insn() checked that the task's vdso is the same as ours. */
	off = own ? scan_unmap_insn((const unsigned char *)own, ctl->vdso_size) : -1;
	ctl->guard.unmap_insn = off < 0 ? 0 : ctl->vdso_start + off;
}

/* What one executable file mapping offers, as offsets from its start (-1: nothing). */
struct scanned_file {
	dev_t dev;
	ino_t ino;
	unsigned long pgoff, len;
	long sigreturn, unmap;
};

static struct scanned_file scanned[MAX_SCANNED];
static int nr_scanned;
static pthread_mutex_t scanned_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The file mapped, not read: its pages are in the page cache already (the task runs them),
 * while a buffer to read it into is fresh memory to fault in, megabytes of it for a C
 * library or a static binary.
 */
static void scan_file(pid_t pid, unsigned long start, unsigned long end, const char *path,
		      struct scanned_file *sf)
{
	unsigned char *text, *hit;
	struct stat st;
	size_t len;
	char mf[96];
	int fd;

	sf->sigreturn = sf->unmap = -1;
	snprintf(mf, sizeof(mf), "/proc/%d/map_files/%lx-%lx", pid, start, end);
	fd = open(mf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* past the end of the file a mapping's pages are SIGBUS */
	if (fstat(fd, &st) || (unsigned long)st.st_size <= sf->pgoff) {
		close(fd);
		return;
	}
	len = st.st_size - sf->pgoff < sf->len ? st.st_size - sf->pgoff : sf->len;
	text = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, sf->pgoff);
	close(fd);
	if (text == MAP_FAILED)
		return;
	hit = memmem(text, len, sigreturn_code, sizeof(sigreturn_code));
	sf->sigreturn = hit ? hit - text : -1;
	sf->unmap = scan_unmap_insn(text, len);
	munmap(text, len);
}

/* The mapping's offsets, from the cache or a search of its file. */
static struct scanned_file lookup_file(pid_t pid, unsigned long start, unsigned long end,
				       const struct scanned_file *key, const char *path)
{
	struct scanned_file sf = *key;
	int i;

	sf.len = end - start < MAX_SCAN ? end - start : MAX_SCAN;
	pthread_mutex_lock(&scanned_lock);
	for (i = 0; i < nr_scanned; i++)
		if (scanned[i].dev == sf.dev && scanned[i].ino == sf.ino &&
		    scanned[i].pgoff == sf.pgoff && scanned[i].len == sf.len)
			break;
	if (i < nr_scanned) {
		sf = scanned[i];
	} else {
		scan_file(pid, start, end, path, &sf);
		if (nr_scanned < MAX_SCANNED && sf.ino)
			scanned[nr_scanned++] = sf;
	}
	pthread_mutex_unlock(&scanned_lock);
	return sf;
}

/* The task's memory at addr holds code (a file found there may differ from the mapping). */
static bool task_has_code(pid_t pid, unsigned long addr, const unsigned char *code, size_t len)
{
	unsigned char now[MAX_UNMAP_SEQ];
	struct iovec local = { now, len }, remote = { (void *)addr, len };

	return len <= sizeof(now) &&
	       process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len &&
	       !memcmp(now, code, len);
}

static bool task_has_unmap(pid_t pid, unsigned long addr)
{
	unsigned char now[MAX_UNMAP_SEQ];
	struct iovec local = { now, sizeof(now) }, remote = { (void *)addr, sizeof(now) };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	return n > 0 && unmap_seq_len(now, now + n);
}

/* Take what one mapping offers that the guard still lacks. */
static void take_from_mapping(struct compel_ctl *ctl, const char *line)
{
	struct compel_guard *g = &ctl->guard;
	unsigned long start, end, addr, ino;
	struct scanned_file key = { 0 }, sf;
	char perms[5], file[4096] = "";
	unsigned int major, minor;

	if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %4095[^\n]", &start, &end, perms, &key.pgoff,
		   &major, &minor, &ino, file) < 7 ||
	    perms[2] != 'x' || file[0] != '/')
		return;
	key.dev = makedev(major, minor);
	key.ino = ino;
	sf = lookup_file(ctl->pid, start, end, &key, file);
	addr = start + sf.sigreturn;
	if (!g->sigreturn_insn && sf.sigreturn >= 0 &&
	    task_has_code(ctl->pid, addr, sigreturn_code, sizeof(sigreturn_code)))
		g->sigreturn_insn = addr;
	addr = start + sf.unmap;
	if (!g->unmap_insn && sf.unmap >= 0 && task_has_unmap(ctl->pid, addr))
		g->unmap_insn = addr;
}

/* The C library's signal restorer is in almost every task: look there first. */
void arch_find_sigreturn_insn(struct compel_ctl *ctl)
{
	struct compel_guard *g = &ctl->guard;
	char path[64], line[4200];
	int pass;
	FILE *f;

	g->sigreturn_insn = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", ctl->pid);
	for (pass = 0; pass < 2 && !(g->sigreturn_insn && g->unmap_insn); pass++) {
		f = fopen(path, "re");
		if (!f)
			break;
		while (!(g->sigreturn_insn && g->unmap_insn) && fgets(line, sizeof(line), f))
			if ((strstr(line, "/libc") != NULL) == (pass == 0))
				take_from_mapping(ctl, line);
		fclose(f);
	}
}

void arch_tail_code(void *tail, unsigned long remote, unsigned long *unmap_insn,
		    unsigned long *sigreturn_insn)
{
	memcpy(tail, unmap_code, sizeof(unmap_code));
	memcpy((char *)tail + 16, sigreturn_code, sizeof(sigreturn_code));
	*unmap_insn = remote;
	*sigreturn_insn = remote + 16;
}
