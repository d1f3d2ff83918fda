/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sum.h - the fast hash of image data: XXH3-64 (libxxhash), seeded with the image set's
 * identity so that the same bytes give a different sum in another set. On CPUs with AVX2 the
 * same algorithm runs from xxhash's header compiled for AVX2 (about three times the speed of
 * the library's SSE2 code here); the sums are equal whichever code computes them.
 * Shared by criu and crit: libc and xxhash only, no logging.
 */
#ifndef CRIU_SUM_H
#define CRIU_SUM_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* Room for an XXH3_state_t (576 bytes in xxhash 0.8), which wants 64-byte alignment. */
#define SUM_STATE_SIZE 640

struct sum_stream {
	_Alignas(64) unsigned char state[SUM_STATE_SIZE];
};

/* This CPU runs the AVX2 build of the hash (criu's, and the parasite's). */
bool sum_have_avx2(void);
uint64_t sum_buf(uint64_t seed, const void *p, size_t len);
void sum_stream_reset(struct sum_stream *s, uint64_t seed);
void sum_stream_update(struct sum_stream *s, const void *p, size_t len);
uint64_t sum_stream_digest(const struct sum_stream *s);

/* The AVX2 build of the same functions (sum-avx2.c); call only where the CPU has AVX2. */
uint64_t sum_avx2_buf(uint64_t seed, const void *p, size_t len);
void sum_avx2_reset(void *state, uint64_t seed);
void sum_avx2_update(void *state, const void *p, size_t len);
uint64_t sum_avx2_digest(const void *state);

#endif /* CRIU_SUM_H */
