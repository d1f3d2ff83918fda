/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpu-caps.c - CPUID into cpuinfo.img's x86 entry, and the checks of --cpu-cap.
 *
 * The words are those CRIU's images carry (version 2): each a CPUID register, at a fixed
 * index that Linux once used for it. Linux's synthetic words (3, 7, 8) hold only what is
 * true of every x86_64 CPU (NOPL). The instruction check compares the bits of the
 * instruction sets user code may use, the ones CRIU's check compares.
 */
#define LOG_PREFIX "cpu: "

#include <cpuid.h>
#include <errno.h>
#include <string.h>

#include "cpu-caps.h"
#include "cpuinfo.h"
#include "log.h"

/* Where each CPUID register goes: leaf, sub-leaf, register (0 EAX .. 3 EDX). */
struct cap_word {
	unsigned int leaf, sub, reg;
	const char *name;
};

static const struct cap_word cap_words[CPU_NCAPS] = {
	[0] = { 0x1, 0, 3, "CPUID 1 EDX" },
	[1] = { 0x80000001, 0, 3, "CPUID 0x80000001 EDX" },
	[2] = { 0x80860001, 0, 3, "CPUID 0x80860001 EDX" },
	[3] = { 0, 0, 0, "Linux-defined word 3" },
	[4] = { 0x1, 0, 2, "CPUID 1 ECX" },
	[5] = { 0xc0000001, 0, 3, "CPUID 0xC0000001 EDX" },
	[6] = { 0x80000001, 0, 2, "CPUID 0x80000001 ECX" },
	[7] = { 0, 0, 0, "Linux-defined word 7" },
	[8] = { 0, 0, 0, "Linux-defined word 8" },
	[9] = { 0x7, 0, 1, "CPUID 7.0 EBX" },
	[10] = { 0xd, 1, 0, "CPUID 0xD.1 EAX" },
	[11] = { 0x7, 0, 2, "CPUID 7.0 ECX" },
	[12] = { 0xf, 1, 3, "CPUID 0xF.1 EDX" },
	[13] = { 0x80000008, 0, 1, "CPUID 0x80000008 EBX" },
	[14] = { 0x6, 0, 0, "CPUID 6 EAX" },
	[15] = { 0x8000000a, 0, 3, "CPUID 0x8000000A EDX" },
	[16] = { 0xf, 0, 3, "CPUID 0xF.0 EDX" },
	[17] = { 0x80000007, 0, 1, "CPUID 0x80000007 EBX" },
	[18] = { 0x7, 0, 3, "CPUID 7.0 EDX" },
};

#define LNX_WORD_NOPL 3
#define LNX_BIT_NOPL  20

struct cap_bit {
	unsigned char word, bit;
	const char *name; /* as /proc/cpuinfo's flags say it */
};

/* The FPU check: what saving and restoring the FPU state with needs. */
static const struct cap_bit fpu_bits[] = {
	{ 0, 0, "fpu" },
	{ 0, 24, "fxsr" },
	{ 4, 27, "osxsave" },
	{ 10, 3, "xsaves" },
};

/* The instruction check: instruction sets a program may have picked at run time. */
static const struct cap_bit ins_bits[] = {
	{ 0, 0, "fpu" },
	{ 0, 4, "tsc" },
	{ 0, 8, "cx8" },
	{ 0, 11, "sep" },
	{ 0, 15, "cmov" },
	{ 0, 19, "clflush" },
	{ 0, 23, "mmx" },
	{ 0, 24, "fxsr" },
	{ 0, 25, "sse" },
	{ 0, 26, "sse2" },
	{ 1, 11, "syscall" },
	{ 1, 22, "mmxext" },
	{ 1, 27, "rdtscp" },
	{ 1, 30, "3dnowext" },
	{ 1, 31, "3dnow" },
	{ 3, 16, "rep_good" },
	{ 3, 20, "nopl" },
	{ 4, 0, "pni" },
	{ 4, 1, "pclmulqdq" },
	{ 4, 3, "monitor" },
	{ 4, 9, "ssse3" },
	{ 4, 13, "cx16" },
	{ 4, 19, "sse4_1" },
	{ 4, 20, "sse4_2" },
	{ 4, 22, "movbe" },
	{ 4, 23, "popcnt" },
	{ 4, 25, "aes" },
	{ 4, 26, "xsave" },
	{ 4, 27, "osxsave" },
	{ 4, 28, "avx" },
	{ 4, 29, "f16c" },
	{ 4, 30, "rdrand" },
	{ 6, 5, "abm" },
	{ 6, 6, "sse4a" },
	{ 6, 7, "misalignsse" },
	{ 6, 8, "3dnowprefetch" },
	{ 6, 11, "xop" },
	{ 6, 16, "fma4" },
	{ 6, 21, "tbm" },
	{ 9, 0, "fsgsbase" },
	{ 9, 3, "bmi1" },
	{ 9, 4, "hle" },
	{ 9, 5, "avx2" },
	{ 9, 8, "bmi2" },
	{ 9, 9, "erms" },
	{ 9, 11, "rtm" },
	{ 9, 14, "mpx" },
	{ 9, 16, "avx512f" },
	{ 9, 17, "avx512dq" },
	{ 9, 18, "rdseed" },
	{ 9, 19, "adx" },
	{ 9, 23, "clflushopt" },
	{ 9, 26, "avx512pf" },
	{ 9, 27, "avx512er" },
	{ 9, 28, "avx512cd" },
	{ 9, 29, "sha_ni" },
	{ 9, 30, "avx512bw" },
	{ 9, 31, "avx512vl" },
	{ 10, 0, "xsaveopt" },
	{ 10, 1, "xsavec" },
	{ 10, 2, "xgetbv1" },
	{ 11, 1, "avx512vbmi" },
	{ 11, 6, "avx512_vbmi2" },
	{ 11, 8, "gfni" },
	{ 11, 9, "vaes" },
	{ 11, 10, "vpclmulqdq" },
	{ 11, 11, "avx512_vnni" },
	{ 11, 12, "avx512_bitalg" },
	{ 11, 13, "tme" },
	{ 11, 14, "avx512_vpopcntdq" },
	{ 11, 22, "rdpid" },
	{ 13, 0, "clzero" },
	{ 18, 2, "avx512_4vnniw" },
	{ 18, 3, "avx512_4fmaps" },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static bool has_bit(const struct cpu_caps *c, const struct cap_bit *b)
{
	return c->words[b->word] & (1u << b->bit);
}

static uint32_t cpuid_reg(unsigned int leaf, unsigned int sub, unsigned int reg)
{
	unsigned int r[4];

	/* a leaf above the CPU's maximum gives zeroes, not the last leaf's values */
	if (__get_cpuid_max(leaf & 0x80000000, NULL) < leaf)
		return 0;
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
	return r[reg];
}

static void read_identity(struct cpu_caps *c)
{
	unsigned int a, b, cx, d, base, ext;
	char vendor[13];

	__cpuid(0, a, b, cx, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &cx, 4);
	vendor[12] = '\0';
	c->vendor = !strcmp(vendor, "GenuineIntel") ? CPU_VENDOR_INTEL
		    : !strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine")
			    ? CPU_VENDOR_AMD
			    : CPU_VENDOR_UNKNOWN;
	a = cpuid_reg(1, 0, 0);
	base = (a >> 8) & 0xf;
	ext = (a >> 20) & 0xff;
	c->family = base == 0xf ? base + ext : base;
	c->model = (a >> 4) & 0xf;
	if (c->family >= 6)
		c->model |= ((a >> 16) & 0xf) << 4;
	c->stepping = a & 0xf;
}

static void read_model_id(struct cpu_caps *c)
{
	uint32_t r[12];
	unsigned int i;
	char *p;

	if (__get_cpuid_max(0x80000000, NULL) < 0x80000004)
		return;
	for (i = 0; i < 3; i++)
		__cpuid(0x80000002 + i, r[i * 4], r[i * 4 + 1], r[i * 4 + 2], r[i * 4 + 3]);
	memcpy(c->model_id, r, CPU_MODEL_ID_LEN);
	c->model_id[CPU_MODEL_ID_LEN] = '\0';
	/* the brand string is padded with spaces in front on some CPUs */
	for (p = c->model_id; *p == ' '; p++)
		;
	memmove(c->model_id, p, strlen(p) + 1);
}

void cpu_caps_read(struct cpu_caps *c)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	read_identity(c);
	for (i = 0; i < CPU_NCAPS; i++)
		if (cap_words[i].leaf)
			c->words[i] =
				cpuid_reg(cap_words[i].leaf, cap_words[i].sub, cap_words[i].reg);
	c->words[LNX_WORD_NOPL] |= 1u << LNX_BIT_NOPL;
	if (cpuid_reg(1, 0, 2) & (1u << 26)) { /* XSAVE */
		c->xfeatures_mask = cpuid_reg(0xd, 0, 0) | (uint64_t)cpuid_reg(0xd, 0, 3) << 32;
		c->xsave_size = cpuid_reg(0xd, 0, 1);
		c->xsave_size_max = cpuid_reg(0xd, 0, 2);
	}
	read_model_id(c);
}

static const char *vendor_name(enum cpu_vendor v)
{
	return v == CPU_VENDOR_INTEL ? "Intel" : v == CPU_VENDOR_AMD ? "AMD" : "unknown";
}

/* The bits of the list that the image's CPU has and this one lacks, said; their count. */
static int missing_bits(const struct cpu_caps *img, const struct cpu_caps *host,
			const struct cap_bit *bits, size_t n, const char *what)
{
	int missing = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!has_bit(img, &bits[i]) || has_bit(host, &bits[i]))
			continue;
		pr_err("The image's CPU has %s feature '%s' (%s bit %u), this CPU lacks it\n", what,
		       bits[i].name, cap_words[bits[i].word].name, bits[i].bit);
		missing++;
	}
	return missing;
}

static int validate_fpu(const struct cpu_caps *img, const struct cpu_caps *host)
{
	uint64_t extra = img->xfeatures_mask & ~host->xfeatures_mask;

	if (missing_bits(img, host, fpu_bits, ARRAY_LEN(fpu_bits), "FPU"))
		return -EINVAL;
	if (extra) {
		pr_err("The image's CPU has xsave state components %#llx this CPU lacks "
		       "(xfeatures %#llx here, %#llx there)\n",
		       (unsigned long long)extra, (unsigned long long)host->xfeatures_mask,
		       (unsigned long long)img->xfeatures_mask);
		return -EINVAL;
	}
	/* a program sizes its signal frames and buffers by what CPUID said when it started */
	if (img->xsave_size != host->xsave_size || img->xsave_size_max != host->xsave_size_max) {
		pr_err("The xsave area sizes differ: %u bytes (%u at most) on the image's CPU, %u "
		       "(%u) here\n",
		       img->xsave_size, img->xsave_size_max, host->xsave_size,
		       host->xsave_size_max);
		return -EINVAL;
	}
	return 0;
}

static int validate_strict(const struct cpu_caps *img, const struct cpu_caps *host)
{
	unsigned int i;
	int ret = 0;

	if (img->vendor != host->vendor) {
		pr_err("The image's CPU is %s's, this one %s's (--cpu-cap=cpu wants the same)\n",
		       vendor_name(img->vendor), vendor_name(host->vendor));
		ret = -EINVAL;
	}
	for (i = 0; i < CPU_NCAPS; i++) {
		if (img->words[i] == host->words[i])
			continue;
		pr_err("CPU features differ in %s (word %u): %#x in the image, %#x here "
		       "(--cpu-cap=cpu wants them all equal)\n",
		       cap_words[i].name, i, img->words[i], host->words[i]);
		ret = -EINVAL;
	}
	return ret;
}

int cpu_caps_validate(const struct cpu_caps *img, const struct cpu_caps *host, unsigned int cap)
{
	pr_info("image: %s family %u model %u stepping %u '%s'; here: %s family %u model %u "
		"stepping %u '%s'; checks %#x\n",
		vendor_name(img->vendor), img->family, img->model, img->stepping, img->model_id,
		vendor_name(host->vendor), host->family, host->model, host->stepping,
		host->model_id, cap);
	if ((cap & CPU_CAP_FPU) && validate_fpu(img, host))
		return -EINVAL;
	if ((cap & CPU_CAP_INS) &&
	    missing_bits(img, host, ins_bits, ARRAY_LEN(ins_bits), "instruction set")) {
		pr_err("CPU instruction capabilities do not match this CPU\n");
		return -EINVAL;
	}
	if ((cap & CPU_CAP_CPU) && validate_strict(img, host))
		return -EINVAL;
	return 0;
}
