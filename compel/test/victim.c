/* SPDX-License-Identifier: GPL-2.0 */
/*
 * victim.c - child processes for compel's tests and the checks run on them.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "compel/infect.h"
#include "victim.h"

int tests_passed, tests_failed;

static struct victim_state *child_state;

static void on_usr1(int sig)
{
	child_state->usr1++;
}

static void victim_loop(enum victim_kind kind)
{
	struct timespec ts = { 0, 2000000 };
	uint64_t spin = 0;

	for (;;) {
		if (kind == VICTIM_SLEEP) {
			/* Any failure but EINTR means compel broke the restarted syscall. */
			if (nanosleep(&ts, NULL) && errno != EINTR) {
				child_state->last_errno = errno;
				child_state->errors++;
			}
		} else {
			for (spin = 0; spin < 100000; spin++)
				__asm__ volatile("" ::: "memory");
		}
		child_state->counter++;
	}
}

int victim_start(struct victim *v, enum victim_kind kind)
{
	v->st = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (v->st == MAP_FAILED)
		return -errno;
	v->pid = fork();
	if (v->pid < 0)
		return -errno;
	if (v->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		child_state = v->st;
		signal(SIGUSR1, on_usr1);
		victim_loop(kind);
	}
	/* Let it settle into its loop. */
	while (v->st->counter < 3)
		usleep(1000);
	return 0;
}

void victim_kill(struct victim *v)
{
	if (v->pid > 0) {
		kill(v->pid, SIGKILL);
		waitpid(v->pid, NULL, 0);
	}
	v->pid = -1;
	munmap(v->st, 4096);
}

bool victim_runs(const struct victim *v)
{
	uint64_t c = v->st->counter;
	int i;

	for (i = 0; i < 1000 && v->st->counter < c + 3; i++)
		usleep(1000);
	if (v->st->errors)
		printf("# victim %d saw %lu errors (last errno %lu)\n", v->pid,
		       (unsigned long)v->st->errors, (unsigned long)v->st->last_errno);
	return v->st->counter >= c + 3 && !v->st->errors;
}

char victim_proc_state(pid_t pid)
{
	char path[64], line[256], st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "State: %c", &st) == 1)
			break;
	fclose(f);
	return st;
}

bool victim_wait_state(pid_t pid, char st)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (victim_proc_state(pid) == st)
			return true;
		usleep(1000);
	}
	return false;
}

char *read_maps(pid_t pid)
{
	char path[64], *buf = NULL;
	size_t len = 0;
	FILE *f, *m;
	int c;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	m = open_memstream(&buf, &len);
	if (!f || !m) {
		if (f)
			fclose(f);
		if (m)
			fclose(m);
		free(buf);
		return strdup("");
	}
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

bool maps_has_addr(pid_t pid, unsigned long addr)
{
	char *maps = read_maps(pid), *line;
	bool found = false;

	for (line = maps; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (strtoul(line, NULL, 16) == addr)
			found = true;
	free(maps);
	return found;
}

int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static bool find_vdso(pid_t pid, unsigned long *start, unsigned long *end)
{
	char *maps = read_maps(pid), *p = strstr(maps, "[vdso]");
	bool ok = false;

	while (p && p > maps && p[-1] != '\n')
		p--;
	if (p)
		ok = sscanf(p, "%lx-%lx", start, end) == 2;
	free(maps);
	return ok;
}

bool victim_unmap_vdso(pid_t pid)
{
	struct compel_ctl *ctl = compel_prepare(pid);
	unsigned long start, end;
	long ret = -1;
	bool ok;

	ok = ctl && find_vdso(pid, &start, &end) &&
	     !compel_syscall(ctl, SYS_munmap, &ret, start, end - start, 0, 0, 0, 0) && ret == 0;
	if (ctl) {
		ok = !compel_cure(ctl) && ok;
		compel_free(ctl);
	}
	return ok && !find_vdso(pid, &start, &end);
}

char *code_heads(pid_t pid)
{
	char *maps = read_maps(pid), *line, *out = calloc(1, 4096), path[64];
	unsigned long start, end;
	char perms[5];
	size_t n = 0;
	FILE *mem;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = fopen(path, "r");
	for (line = maps; mem && out && line && *line; line = strchr(line, '\n'), line += !!line) {
		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3 || perms[2] != 'x' ||
		    perms[3] != 'p' || n + 16 > 4096)
			continue;
		if (fseek(mem, (long)start, SEEK_SET) || fread(out + n, 1, 16, mem) != 16)
			memset(out + n, 0xff, 16);
		n += 16;
	}
	if (mem)
		fclose(mem);
	free(maps);
	return out;
}

int get_regs(pid_t pid, struct user_regs_struct *r)
{
	return ptrace(PTRACE_GETREGS, pid, NULL, r) ? -errno : 0;
}

int test_log_errors;

void test_log(int level, const char *file, int line, const char *fmt, va_list ap)
{
	test_log_errors += level == COMPEL_LOG_ERROR;
	if (level > COMPEL_LOG_WARN && !getenv("COMPEL_TEST_DEBUG"))
		return;
	printf("# compel%s (%s:%d): ", level == COMPEL_LOG_ERROR ? " Error" : "", file, line);
	vprintf(fmt, ap);
}

int tests_report(void)
{
	printf("%d passed, %d failed\n", tests_passed, tests_failed);
	return tests_failed ? 1 : 0;
}
