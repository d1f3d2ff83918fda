/* SPDX-License-Identifier: GPL-2.0 */
/*
 * integrity/sum-avx2.c - XXH3-64 from xxhash's header, inlined and compiled with -mavx2
 * (see criu/Makefile.inc). Nothing here runs unless sum.c found AVX2 on this CPU.
 */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sum.h"

_Static_assert(sizeof(XXH3_state_t) <= SUM_STATE_SIZE, "SUM_STATE_SIZE too small for XXH3");

uint64_t sum_avx2_buf(uint64_t seed, const void *p, size_t len)
{
	return XXH3_64bits_withSeed(p, len, seed);
}

void sum_avx2_reset(void *state, uint64_t seed)
{
	XXH3_INITSTATE((XXH3_state_t *)state);
	XXH3_64bits_reset_withSeed(state, seed);
}

void sum_avx2_update(void *state, const void *p, size_t len)
{
	XXH3_64bits_update(state, p, len);
}

uint64_t sum_avx2_digest(const void *state)
{
	return XXH3_64bits_digest(state);
}
