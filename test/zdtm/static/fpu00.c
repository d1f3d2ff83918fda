/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fpu00: FPU and vector state survives a checkpoint.
 *
 * Like regs00, an asm loop loads random values into the vector registers (xmm0-15; ymm0-15
 * with AVX; zmm0-31 and k0-7 with AVX-512F, as cpuid and the OS allow), two values onto the
 * x87 stack, and spins until the SIGTERM handler sets a flag; then it stores the registers
 * and C compares them. The x87 control word and MXCSR are set to non-default modes first.
 * The instructions live in top-level asm, so no -m flags are needed to build this file.
 */
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

/* Layout shared with the asm below: the offsets are spelled out there. */
struct fpu_regs {
	uint8_t vec[32][64]; /* zmm i at i * 64; its ymm/xmm part at the start */
	uint64_t k[8];	     /* opmask k0-k7, 16 bits used (kmovw is AVX-512F) */
	long double st[2];   /* st0 and st1, 10 significant bytes each */
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct fpu_regs, k) == 2048, "asm expects k at 2048");
_Static_assert(offsetof(struct fpu_regs, st) == 2112, "asm expects st at 2112");

/* Each hold_* function: (const struct fpu_regs *in in rdi, struct fpu_regs *out in rsi). */
void hold_sse(const struct fpu_regs *in, struct fpu_regs *out);
void hold_avx(const struct fpu_regs *in, struct fpu_regs *out);
void hold_avx512(const struct fpu_regs *in, struct fpu_regs *out);

/* clang-format off */
#define X87_LOAD	"	fldt 2128(%rdi)\n	fldt 2112(%rdi)\n"
#define X87_STORE	"	fstpt 2112(%rsi)\n	fstpt 2128(%rsi)\n"
#define SPIN		"1:	pause\n	cmpl $0, test_sig_received(%rip)\n	je 1b\n"
#define REGS16		"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15"
#define REGS32		REGS16 ",16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31"

asm(	".text\n"
	".type hold_sse, @function\n"
	"hold_sse:\n"
	X87_LOAD
	"	.irp i," REGS16 "\n	movdqu \\i*64(%rdi), %xmm\\i\n	.endr\n"
	SPIN
	"	.irp i," REGS16 "\n	movdqu %xmm\\i, \\i*64(%rsi)\n	.endr\n"
	X87_STORE
	"	ret\n"
	".size hold_sse, .-hold_sse\n"

	".type hold_avx, @function\n"
	"hold_avx:\n"
	X87_LOAD
	"	.irp i," REGS16 "\n	vmovdqu \\i*64(%rdi), %ymm\\i\n	.endr\n"
	SPIN
	"	.irp i," REGS16 "\n	vmovdqu %ymm\\i, \\i*64(%rsi)\n	.endr\n"
	X87_STORE
	"	vzeroupper\n"
	"	ret\n"
	".size hold_avx, .-hold_avx\n"

	".type hold_avx512, @function\n"
	"hold_avx512:\n"
	X87_LOAD
	"	.irp i," REGS32 "\n	vmovdqu64 \\i*64(%rdi), %zmm\\i\n	.endr\n"
	"	.irp i,0,1,2,3,4,5,6,7\n	kmovw 2048+\\i*8(%rdi), %k\\i\n	.endr\n"
	SPIN
	"	.irp i," REGS32 "\n	vmovdqu64 %zmm\\i, \\i*64(%rsi)\n	.endr\n"
	"	.irp i,0,1,2,3,4,5,6,7\n	kmovw %k\\i, 2048+\\i*8(%rsi)\n	.endr\n"
	X87_STORE
	"	vzeroupper\n"
	"	ret\n"
	".size hold_avx512, .-hold_avx512\n");
/* clang-format on */

/* Non-default modes: round down, 53-bit precision; MXCSR round toward zero with FTZ+DAZ. */
#define TEST_FCW   0x067f
#define TEST_MXCSR 0xffc0

static uint64_t next_value(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fill(struct fpu_regs *in, uint64_t seed)
{
	uint64_t *words = (uint64_t *)in->vec;
	size_t i;

	for (i = 0; i < sizeof(in->vec) / 8; i++)
		words[i] = next_value(&seed);
	for (i = 0; i < 8; i++)
		in->k[i] = next_value(&seed) & 0xffff;
	/* Real numbers (not random bytes): an unsupported x87 encoding would not load as-is. */
	in->st[0] = (long double)(seed & 0xffffff) / 3.0L;
	in->st[1] = -(long double)(seed >> 40) * 1.0e300L * 7.0L;
}

static void compare(const struct fpu_regs *in, const struct fpu_regs *out, int nvec,
		    size_t vec_bytes, int with_k)
{
	int i;

	for (i = 0; i < nvec; i++)
		if (memcmp(in->vec[i], out->vec[i], vec_bytes))
			fail("vector register %d (%zu bytes) changed", i, vec_bytes);
	for (i = 0; with_k && i < 8; i++)
		if (in->k[i] != (out->k[i] & 0xffff))
			fail("k%d is %#llx, expected %#llx", i,
			     (unsigned long long)out->k[i] & 0xffff, (unsigned long long)in->k[i]);
	for (i = 0; i < 2; i++)
		if (memcmp(&in->st[i], &out->st[i], 10))
			fail("st%d is %Lg, expected %Lg", i, out->st[i], in->st[i]);
}

enum vec_level { LEVEL_SSE, LEVEL_AVX, LEVEL_AVX512 };

static const char *const level_names[] = { "sse", "avx", "avx512f" };

static enum vec_level cpu_level(void)
{
	__builtin_cpu_init(); /* checks cpuid and that the OS enabled the state (xgetbv) */
	if (__builtin_cpu_supports("avx512f"))
		return LEVEL_AVX512;
	if (__builtin_cpu_supports("avx"))
		return LEVEL_AVX;
	return LEVEL_SSE;
}

int main(int argc, char **argv)
{
	static struct fpu_regs in, out;
	uint16_t fcw = TEST_FCW, fcw_after;
	uint32_t mxcsr = TEST_MXCSR, mxcsr_after;
	enum vec_level level;

	test_init(argc, argv);
	level = cpu_level();
	fill(&in, (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid());
	test_msg("holding %s registers\n", level_names[level]);

	test_daemon();
	asm volatile("fldcw %0" : : "m"(fcw));
	asm volatile("ldmxcsr %0" : : "m"(mxcsr));

	if (level == LEVEL_AVX512)
		hold_avx512(&in, &out);
	else if (level == LEVEL_AVX)
		hold_avx(&in, &out);
	else
		hold_sse(&in, &out);

	asm volatile("fnstcw %0" : "=m"(fcw_after));
	asm volatile("stmxcsr %0" : "=m"(mxcsr_after));
	if (fcw_after != TEST_FCW)
		fail("x87 control word is %#x, expected %#x", fcw_after, TEST_FCW);
	if (mxcsr_after != TEST_MXCSR)
		fail("MXCSR is %#x, expected %#x", mxcsr_after, TEST_MXCSR);

	if (level == LEVEL_AVX512)
		compare(&in, &out, 32, 64, 1);
	else if (level == LEVEL_AVX)
		compare(&in, &out, 16, 32, 0);
	else
		compare(&in, &out, 16, 16, 0);

	if (test_failed())
		return 1;
	pass();
	return 0;
}
