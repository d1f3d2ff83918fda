/* SPDX-License-Identifier: GPL-2.0 */
/*
 * test-infect.c - full parasite cycle on a live child: infect with the test blob, run its
 * commands (args area, relocations, fds both ways, log, errors), cure, and check that the
 * victim's registers, FPU state, signal mask, maps and fds are as before and that it runs on.
 * Also: a crashing parasite and infections that fail halfway must cure cleanly.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compel/infect.h"
#include "test-blob.h"
#include "test_parasite-blob.h"
#include "victim.h"

struct snapshot {
	struct user_regs_struct regs;
	char xsave[16384];
	size_t xsave_len;
	uint64_t sigmask;
	char *maps;
	int nr_fds;
};

static void snap(pid_t pid, struct snapshot *s)
{
	struct iovec iov = { s->xsave, sizeof(s->xsave) };

	memset(s, 0, sizeof(*s));
	get_regs(pid, &s->regs);
	if (!ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov))
		s->xsave_len = iov.iov_len;
	ptrace(PTRACE_GETSIGMASK, pid, (void *)sizeof(s->sigmask), &s->sigmask);
	s->maps = read_maps(pid);
	s->nr_fds = count_fds(pid);
}

static void check_same(pid_t pid, struct snapshot *a, const char *what)
{
	struct snapshot b;

	snap(pid, &b);
	CHECK(!memcmp(&a->regs, &b.regs, sizeof(a->regs)), "%s: registers as before", what);

	CHECK(a->xsave_len && a->xsave_len == b.xsave_len &&
		      !memcmp(a->xsave, b.xsave, a->xsave_len),
	      "%s: xsave area as before (%zu bytes)", what, a->xsave_len);

	CHECK(a->sigmask == b.sigmask, "%s: signal mask as before", what);
	CHECK(!strcmp(a->maps, b.maps), "%s: maps identical", what);
	if (strcmp(a->maps, b.maps))
		printf("# before:\n%s# after:\n%s", a->maps, b.maps);
	CHECK(a->nr_fds == b.nr_fds, "%s: fd count %d as before (%d)", what, b.nr_fds, a->nr_fds);
	free(b.maps);
}

/* The starts of the task's code are as before (compel may borrow a word there). */
static void check_code(pid_t pid, const char *before, const char *what)
{
	char *now = code_heads(pid);

	CHECK(before && now && !memcmp(before, now, 4096), "%s: the task's code is its own", what);
	free(now);
}

static void run_commands(struct compel_ctl *ctl, pid_t pid, int log_rd)
{
	struct test_args *a = compel_parasite_args(ctl);
	int fd = -1, p[2], sock, lfd;
	char buf[512] = "", *line;
	ssize_t n;

	a->in = 14;
	CHECK(compel_rpc_call_sync(ctl, TCMD_ECHO) == 0 && a->out == 43 && a->pid == pid,
	      "echo through the args area: out %lu pid %ld", (unsigned long)a->out, (long)a->pid);
	CHECK(compel_rpc_call_sync(ctl, TCMD_RELOC) == 0 && a->out == TEST_RELOC_SUM,
	      "pointer table relocated: %lu", (unsigned long)a->out);

	strcpy(a->msg, "hello from the parasite");
	CHECK(compel_rpc_call(ctl, TCMD_SEND_PIPE) == 0 && compel_recv_fds(ctl, &fd, 1) == 0 &&
		      compel_rpc_sync(ctl) == 0,
	      "parasite sent an fd it opened");
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	CHECK(n == (ssize_t)strlen(a->msg) && !memcmp(buf, a->msg, n),
	      "its pipe holds the message");
	if (fd >= 0)
		close(fd);

	CHECK(!pipe(p), "pipe");
	CHECK(compel_rpc_call(ctl, TCMD_RECV_FD) == 0 && compel_send_fds(ctl, &p[1], 1) == 0 &&
		      compel_rpc_sync(ctl) == 0,
	      "parasite received an fd from us");
	close(p[1]);
	n = read(p[0], buf, sizeof(buf));
	CHECK(n == 4 && !memcmp(buf, "pong", 4), "and wrote into it");
	close(p[0]);

	a->in = 7;
	CHECK(compel_rpc_call_sync(ctl, TCMD_LOG) == 0, "log command");
	n = read(log_rd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	/* The debug lines of the handshake come first. */
	snprintf(a->msg, sizeof(a->msg), "pie: %d: parasite connected", pid);
	CHECK(!strncmp(buf, a->msg, strlen(a->msg)), "parasite debug log line");
	snprintf(a->msg, sizeof(a->msg), "\npie: %d: Error (compel/test/", pid);
	line = strstr(buf, a->msg);
	CHECK(line && strstr(line, "): test line 7 ok\n"), "parasite error log line");
	if (!line)
		printf("# log was: %s\n", buf);
	CHECK(compel_rpc_call_sync(ctl, TCMD_FAIL) == -EPERM, "handler error comes back");
	CHECK(compel_parasite_fds(ctl, &sock, &lfd) == 0 && sock >= 0 && lfd >= 0 &&
		      count_fds(pid) >= 2,
	      "parasite fds in the task: sock %d log %d", sock, lfd);
}

/* A task without vdso: its own C library gives the instructions the cure needs. */
static void test_full_cycle(enum victim_kind kind, const char *name, bool no_vdso)
{
	struct compel_infect_opts opts = { sizeof(struct test_args), -1, COMPEL_LOG_DEBUG };
	struct compel_ctl *ctl;
	struct snapshot s;
	struct victim v;
	int st, logp[2];
	char *code, *maps;

	printf("# full cycle, %s victim\n", name);
	if (victim_start(&v, kind) || pipe(logp)) {
		CHECK(0, "start victim");
		return;
	}
	opts.log_fd = logp[1];
	st = compel_seize_task(v.pid);
	if (no_vdso)
		CHECK(victim_unmap_vdso(v.pid), "%s: the victim's vdso is gone", name);
	snap(v.pid, &s);
	code = code_heads(v.pid);
	ctl = compel_prepare(v.pid);
	CHECK(ctl != NULL, "%s: prepare", name);
	if (!ctl)
		goto out;
	CHECK(compel_infect(ctl, &test_parasite_blob_desc, &opts) == 0, "%s: infect", name);
	maps = read_maps(v.pid);
	CHECK(compel_parasite_args_remote(ctl) != 0 && strstr(maps, "/dev/zero"),
	      "%s: shared area mapped in the task", name);
	free(maps);
	run_commands(ctl, v.pid, logp[0]);
	CHECK(compel_cure(ctl) == 0, "%s: cure", name);
	if (kind == VICTIM_BUSY)
		check_same(v.pid, &s, name);
	check_code(v.pid, code, name);
	compel_free(ctl);
	CHECK(compel_release_task(v.pid, st, COMPEL_RELEASE_RUN) == 0, "%s: release", name);
	CHECK(victim_runs(&v), "%s: victim runs on correctly", name);
out:
	free(code);
	free(s.maps);
	close(logp[0]);
	close(logp[1]);
	victim_kill(&v);
}

/* Infect with `blob` (expecting failure if fail_infect), maybe run cmd, then cure. */
static void test_abort(const char *what, const struct compel_blob_desc *blob, bool fail_infect,
		       int cmd, int want)
{
	struct compel_infect_opts opts = { sizeof(struct test_args), -1, COMPEL_LOG_DEBUG };
	struct compel_ctl *ctl;
	struct snapshot s;
	struct victim v;
	int st, ret;

	printf("# %s\n", what);
	if (victim_start(&v, VICTIM_BUSY)) {
		CHECK(0, "start victim");
		return;
	}
	st = compel_seize_task(v.pid);
	snap(v.pid, &s);
	ctl = compel_prepare(v.pid);
	if (!ctl) {
		CHECK(0, "%s: prepare", what);
		goto out;
	}
	compel_set_timeout(ctl, 2000);
	test_log_errors = 0;
	ret = compel_infect(ctl, blob, &opts);
	CHECK(fail_infect ? ret < 0 : ret == 0, "%s: infect returns %d", what, ret);
	/* a failure is logged once, where it happens */
	CHECK(test_log_errors == (fail_infect ? 1 : 0), "%s: %d error lines from infect", what,
	      test_log_errors);
	if (cmd) {
		struct test_args *a = compel_parasite_args(ctl);

		a->out = 0;
		test_log_errors = 0;
		ret = compel_rpc_call_sync(ctl, cmd);
		CHECK(ret == want, "%s: command returns %d (want %d)", what, ret, want);
		CHECK(test_log_errors == (want ? 1 : 0), "%s: %d error lines from the command",
		      what, test_log_errors);
	}
	CHECK(compel_cure(ctl) == 0, "%s: cure", what);
	check_same(v.pid, &s, what);
	compel_free(ctl);
	CHECK(compel_release_task(v.pid, st, COMPEL_RELEASE_RUN) == 0, "%s: release", what);
	CHECK(victim_runs(&v), "%s: victim runs on correctly", what);
out:
	free(s.maps);
	victim_kill(&v);
}

/* Bytes the no-libc victim wrote so far (it writes one per loop). */
static int drain(int fd)
{
	char buf[4096];
	int n, total = 0;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return total;
}

/*
 * A task with no rt_sigreturn instruction of its own: compel brings one in a tail page
 * of the area, which must be gone after the cure like the rest.
 */
static void test_no_libc(bool no_vdso)
{
	struct compel_infect_opts opts = { sizeof(struct test_args), -1, COMPEL_LOG_DEBUG };
	const char *what = no_vdso ? "no libc, no vdso" : "no libc";
	struct test_args *a;
	struct compel_ctl *ctl;
	struct snapshot s;
	struct timespec ms20 = { 0, 20000000 };
	int p[2], st;
	char *code;
	pid_t pid;

	printf("# a task without a C library%s\n", no_vdso ? " or a vdso" : "");
	if (pipe2(p, O_NONBLOCK)) {
		CHECK(0, "pipe");
		return;
	}
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl(NOLIBC_VICTIM, NOLIBC_VICTIM, NULL);
		_exit(127);
	}
	close(p[1]);
	nanosleep(&ms20, NULL);
	st = compel_seize_task(pid);
	/* no vdso either: a word of its code is borrowed until the tail page is there */
	if (no_vdso)
		CHECK(victim_unmap_vdso(pid), "%s: the victim's vdso is gone", what);
	snap(pid, &s);
	code = code_heads(pid);
	ctl = compel_prepare(pid);
	CHECK(ctl && compel_infect(ctl, &test_parasite_blob_desc, &opts) == 0, "%s: infect", what);
	a = ctl ? compel_parasite_args(ctl) : NULL;
	if (a) {
		a->in = 2;
		CHECK(compel_rpc_call_sync(ctl, TCMD_ECHO) == 0 && a->out == 7, "%s: echo", what);
		CHECK(compel_cure(ctl) == 0, "%s: cure", what);
		check_same(pid, &s, what);
		check_code(pid, code, what);
	}
	compel_free(ctl);
	CHECK(compel_release_task(pid, st, COMPEL_RELEASE_RUN) == 0, "%s: release", what);
	drain(p[0]);
	nanosleep(&ms20, NULL);
	CHECK(drain(p[0]) > 0, "%s: victim runs on", what);
	free(code);
	free(s.maps);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
}

int main(void)
{
	struct compel_blob_desc bad = test_parasite_blob_desc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	compel_set_log(test_log);
	test_full_cycle(VICTIM_BUSY, "busy", false);
	test_full_cycle(VICTIM_SLEEP, "sleeping", false);
	test_full_cycle(VICTIM_BUSY, "busy without vdso", true);

	test_abort("parasite crashes", &test_parasite_blob_desc, false, TCMD_CRASH, -ECONNRESET);

	/* A blob that lies about itself fails after the shared area exists. */
	bad = test_parasite_blob_desc;
	bad.entry = bad.image_size + 1;
	test_abort("blob rejected after the area is mapped", &bad, true, 0, 0);

	test_abort("cure right after a good infect", &test_parasite_blob_desc, false, 0, 0);
	test_no_libc(false);
	test_no_libc(true);
	return tests_report();
}
