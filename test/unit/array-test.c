/* SPDX-License-Identifier: GPL-2.0 */
/*
 * array-test.c - criu/array.c: arrays grown one element or many at a time keep every element,
 * grow by doubling (few reallocs for many appends), and refuse sizes that overflow.
 * Run under ASan (make ASAN=1 test), a capacity rule that under-allocates is caught at once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "array.h"

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

static void test_one_at_a_time(void)
{
	uint64_t *v = NULL;
	size_t nr = 0, i, moves = 0, bad = 0;
	uint64_t *last = NULL;

	for (i = 0; i < 100000; i++) {
		if (ARRAY_ADD_ROOM(v, nr))
			break;
		if (v != last)
			moves++;
		last = v;
		v[nr++] = i * 7;
	}
	CHECK(nr == 100000, "appended %zu of 100000", nr);
	for (i = 0; i < nr; i++)
		bad += v[i] != i * 7;
	CHECK(!bad, "%zu elements changed while the array grew", bad);
	/* doubling from 8: 8, 16, ..., 131072 is 15 sizes; a realloc may move or not */
	CHECK(moves <= 15, "the array moved %zu times for 100000 appends", moves);
	free(v);
}

static void test_many_at_a_time(void)
{
	int *v = NULL;
	size_t nr = 0, i, bad = 0;

	CHECK(ARRAY_RESERVE(v, nr, 0) == 0 && v == NULL, "reserving nothing allocates nothing");
	CHECK(ARRAY_RESERVE(v, nr, 5) == 0 && v, "room for 5");
	for (i = 0; i < 5; i++)
		v[nr++] = (int)i;
	CHECK(ARRAY_RESERVE(v, nr, 1000) == 0, "room for 1000 more");
	for (i = 0; i < 1000; i++)
		v[nr++] = (int)(i + 5);
	/* fewer used than reserved, then grown one at a time past it */
	CHECK(ARRAY_RESERVE(v, nr, 3) == 0, "room for 3 more");
	v[nr++] = 1005;
	for (i = 0; i < 2000; i++) {
		if (ARRAY_ADD_ROOM(v, nr))
			break;
		v[nr++] = (int)(i + 1006);
	}
	for (i = 0; i < nr; i++)
		bad += v[i] != (int)i;
	CHECK(nr == 3006 && !bad, "%zu elements, %zu wrong", nr, bad);
	free(v);
}

static void test_overflow(void)
{
	char *v = NULL;
	uint64_t *w = NULL;

	CHECK(ARRAY_RESERVE(v, SIZE_MAX, 1) == -ENOMEM && !v, "nr + more overflows");
	CHECK(ARRAY_RESERVE(w, 0, SIZE_MAX / 4) == -ENOMEM && !w, "bytes overflow");
}

int main(void)
{
	test_one_at_a_time();
	test_many_at_a_time();
	test_overflow();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
