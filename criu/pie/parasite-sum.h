/* SPDX-License-Identifier: GPL-2.0 */
/*
 * parasite-sum.h - XXH3-64 of a run of the task's memory, in the parasite: two builds of
 * xxhash's code, one for AVX2 and one for the SSE2 every x86-64 has (parasite-sum-*.c,
 * compiled with vector registers allowed; compel puts the task's FPU state back at cure).
 */
#ifndef CRIU_PARASITE_SUM_H
#define CRIU_PARASITE_SUM_H

#include <stdint.h>

uint64_t parasite_sum_avx2(uint64_t seed, const void *p, uint64_t len);
uint64_t parasite_sum_sse2(uint64_t seed, const void *p, uint64_t len);

#endif
