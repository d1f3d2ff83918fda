/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unit-check.h - CHECK() for the unit tests of criu/proc/: counts, and prints each failure
 * with its line; main() ends with UNIT_REPORT() ("N passed, N failed", exit 1 on failure).
 */
#ifndef UNIT_CHECK_H
#define UNIT_CHECK_H

#include <stdio.h>

static int passed, failed;

#define CHECK(cond, ...)                                               \
	do {                                                           \
		if (cond) {                                            \
			passed++;                                      \
		} else {                                               \
			failed++;                                      \
			printf("not ok: %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);                           \
			printf("\n");                                  \
		}                                                      \
	} while (0)

#define UNIT_REPORT()                                             \
	do {                                                      \
		printf("%d passed, %d failed\n", passed, failed); \
		return failed ? 1 : 0;                            \
	} while (0)

#endif /* UNIT_CHECK_H */
