/* SPDX-License-Identifier: GPL-2.0 */
/*
 * victim.h - helpers for compel's tests: child processes to infect, with a shared page that
 * shows whether they keep running correctly, and small check/report macros.
 */
#ifndef COMPEL_TEST_VICTIM_H
#define COMPEL_TEST_VICTIM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/user.h>

enum victim_kind {
	VICTIM_BUSY,  /* spins in user space */
	VICTIM_SLEEP, /* sits in nanosleep: stopped inside a restartable syscall */
};

struct victim_state {
	volatile uint64_t counter; /* bumped by every loop */
	volatile uint64_t errors;  /* the victim saw something wrong (e.g. odd errno) */
	volatile uint64_t usr1;	   /* SIGUSR1 deliveries */
	volatile uint64_t last_errno;
};

struct victim {
	pid_t pid;
	struct victim_state *st;
};

int victim_start(struct victim *v, enum victim_kind kind);
void victim_kill(struct victim *v);
/* True when the victim's counter moves within a second and it saw no errors. */
bool victim_runs(const struct victim *v);
/* The State: letter from /proc/PID/status. */
char victim_proc_state(pid_t pid);
/* Wait until the State letter is `st` (up to 2 s). */
bool victim_wait_state(pid_t pid, char st);
/* /proc/PID/maps into a malloc'ed string. */
char *read_maps(pid_t pid);
int count_fds(pid_t pid);
bool maps_has_addr(pid_t pid, unsigned long addr);
int get_regs(pid_t pid, struct user_regs_struct *r);
/* Take the [vdso] away from a seized, stopped task (a remote munmap through compel). */
bool victim_unmap_vdso(pid_t pid);
/* The first 16 bytes of every private executable mapping of pid (4096 bytes, malloc'ed). */
char *code_heads(pid_t pid);
void test_log(int level, const char *file, int line, const char *fmt, va_list ap);
/* Error lines compel logged so far. */
extern int test_log_errors;

extern int tests_passed, tests_failed;

#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (cond) {                                           \
			tests_passed++;                               \
			printf("ok: ");                               \
		} else {                                              \
			tests_failed++;                               \
			printf("FAIL (%s:%d): ", __FILE__, __LINE__); \
		}                                                     \
		printf(__VA_ARGS__);                                  \
		printf("\n");                                         \
		fflush(stdout);                                       \
	} while (0)

int tests_report(void);

#endif /* COMPEL_TEST_VICTIM_H */
