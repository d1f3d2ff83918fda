/* SPDX-License-Identifier: GPL-2.0 */
/*
 * integrity/sum.c - XXH3-64 through libxxhash, or through its AVX2 build (sum-avx2.c) when
 * the CPU has AVX2: hashing 1 GiB of pages takes about 20 ms with AVX2 and 55 ms with the
 * library's SSE2 code on the machines we measured, and the dump pays it on its hot path.
 */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "sum.h"

_Static_assert(sizeof(XXH3_state_t) <= SUM_STATE_SIZE, "SUM_STATE_SIZE too small for XXH3");

static int use_avx2 = -1;

/* The drain threads may ask first, together: they find the same answer. */
static int have_avx2(void)
{
	int v = __atomic_load_n(&use_avx2, __ATOMIC_RELAXED);

	if (v < 0) {
		__builtin_cpu_init();
		v = __builtin_cpu_supports("avx2") ? 1 : 0;
		__atomic_store_n(&use_avx2, v, __ATOMIC_RELAXED);
	}
	return v;
}

bool sum_have_avx2(void)
{
	return have_avx2();
}

uint64_t sum_buf(uint64_t seed, const void *p, size_t len)
{
	if (have_avx2())
		return sum_avx2_buf(seed, p, len);
	return XXH3_64bits_withSeed(p, len, seed);
}

void sum_stream_reset(struct sum_stream *s, uint64_t seed)
{
	if (have_avx2()) {
		sum_avx2_reset(s->state, seed);
		return;
	}
	XXH3_INITSTATE((XXH3_state_t *)s->state);
	XXH3_64bits_reset_withSeed((XXH3_state_t *)s->state, seed);
}

void sum_stream_update(struct sum_stream *s, const void *p, size_t len)
{
	if (have_avx2())
		sum_avx2_update(s->state, p, len);
	else
		XXH3_64bits_update((XXH3_state_t *)s->state, p, len);
}

uint64_t sum_stream_digest(const struct sum_stream *s)
{
	if (have_avx2())
		return sum_avx2_digest(s->state);
	return XXH3_64bits_digest((const XXH3_state_t *)s->state);
}
