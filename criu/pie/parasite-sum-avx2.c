// SPDX-License-Identifier: GPL-2.0
/*
 * parasite-sum-avx2.c - the AVX2 build of XXH3-64 for the parasite (see parasite-sum.h).
 * Unaligned reads go through packed structs, not memcpy: a blob has no builtin memcpy.
 */
#define XXH_INLINE_ALL
#define XXH_FORCE_MEMORY_ACCESS 1
#define XXH_VECTOR		XXH_AVX2
#include <xxhash.h>

#include "parasite-sum.h"

uint64_t parasite_sum_avx2(uint64_t seed, const void *p, uint64_t len)
{
	return XXH3_64bits_withSeed(p, len, seed);
}
