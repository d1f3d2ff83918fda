/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/x86/fpu-image.c - xsave area <-> UserX86FpregsEntry. The legacy 512-byte fxsave part maps to
 * the fixed fields; each extended component is copied whole from the offset CPUID reports.
 */
#include <cpuid.h>
#include <string.h>

#include "fpu-image.h"
#include "log.h"

#define XSAVE_HDR_OFFSET    512
#define XFEATURE_MASK_FPSSE 0x3 /* x87 and SSE: the legacy area */
#define XFEATURE_YMM	    2
#define XFEATURE_BNDREGS    3
#define XFEATURE_BNDCSR	    4
#define XFEATURE_OPMASK	    5
#define XFEATURE_ZMM_HI	    6
#define XFEATURE_HI16	    7
#define XFEATURE_PKRU	    9

/* The legacy area as fxsave lays it out. */
struct fxsave_legacy {
	uint16_t cwd, swd, twd, fop;
	uint64_t rip, rdp;
	uint32_t mxcsr, mxcsr_mask;
	uint32_t st_space[32];
	uint32_t xmm_space[64];
	uint32_t padding[24];
} __attribute__((packed));

_Static_assert(sizeof(struct fxsave_legacy) == 512, "fxsave legacy area is 512 bytes");

struct xfeature_field {
	int feature;
	size_t bytes; /* what the image stores; at most the component's size */
};

size_t cpu_xsave_size(void)
{
	unsigned int a, b, c, d;

	__cpuid_count(0xd, 0, a, b, c, d);
	return b;
}

uint64_t cpu_xfeatures_mask(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static int xfeature_offset(int feature, size_t *offset, size_t *size)
{
	unsigned int a, b, c, d;

	if (!(cpu_xfeatures_mask() & (1ull << feature)))
		return -EOPNOTSUPP;
	__cpuid_count(0xd, feature, a, b, c, d);
	*size = a;
	*offset = b;
	return 0;
}

/* Copy one component between the xsave area and an image array (to_image picks direction). */
static int copy_xfeature(int feature, void *area, size_t area_size, void *arr, size_t bytes,
			 int to_image)
{
	size_t off, size;

	if (xfeature_offset(feature, &off, &size))
		return -EOPNOTSUPP;
	if (bytes > size || off + bytes > area_size) {
		pr_err("xsave component %d (%zu bytes at %zu) does not fit the %zu-byte area\n",
		       feature, bytes, off, area_size);
		return -EINVAL;
	}
	if (to_image)
		memcpy(arr, (char *)area + off, bytes);
	else
		memcpy((char *)area + off, arr, bytes);
	return 0;
}

static void legacy_to_image(UserX86FpregsEntry *fp, struct fpu_image_storage *stor,
			    const struct fxsave_legacy *lg)
{
	fp->cwd = lg->cwd;
	fp->swd = lg->swd;
	fp->twd = lg->twd;
	fp->fop = lg->fop;
	fp->rip = lg->rip;
	fp->rdp = lg->rdp;
	fp->mxcsr = lg->mxcsr;
	fp->mxcsr_mask = lg->mxcsr_mask;
	memcpy(stor->st_space, lg->st_space, sizeof(stor->st_space));
	memcpy(stor->xmm_space, lg->xmm_space, sizeof(stor->xmm_space));
	memcpy(stor->padding, lg->padding, sizeof(stor->padding));
	fp->n_st_space = 32;
	fp->st_space = stor->st_space;
	fp->n_xmm_space = 64;
	fp->xmm_space = stor->xmm_space;
	fp->n_padding = 24;
	fp->padding = stor->padding;
}

#define SET_XFIELD(x, name, n)          \
	do {                            \
		(x)->n_##name = (n);    \
		(x)->name = stor->name; \
	} while (0)

int fpu_image_from_xsave(UserX86FpregsEntry *fp, struct fpu_image_storage *stor, const void *xsave,
			 size_t size)
{
	UserX86XsaveEntry *x = &stor->xsave;
	void *area = (void *)xsave;
	uint64_t bv;

	user_x86_fpregs_entry__init(fp);
	user_x86_xsave_entry__init(x);
	if (size < XSAVE_HDR_OFFSET + 64) {
		pr_err("xsave area of %zu bytes is too small\n", size);
		return -EINVAL;
	}
	legacy_to_image(fp, stor, xsave);
	memcpy(&bv, (const char *)xsave + XSAVE_HDR_OFFSET, sizeof(bv));
	x->xstate_bv = bv;

	if (!copy_xfeature(XFEATURE_YMM, area, size, stor->ymmh_space, 256, 1))
		SET_XFIELD(x, ymmh_space, 64);
	if (!copy_xfeature(XFEATURE_BNDREGS, area, size, stor->bndreg_state, 64, 1))
		SET_XFIELD(x, bndreg_state, 8);
	if (!copy_xfeature(XFEATURE_BNDCSR, area, size, stor->bndcsr_state, 16, 1))
		SET_XFIELD(x, bndcsr_state, 2);
	if (!copy_xfeature(XFEATURE_OPMASK, area, size, stor->opmask_reg, 64, 1))
		SET_XFIELD(x, opmask_reg, 8);
	if (!copy_xfeature(XFEATURE_ZMM_HI, area, size, stor->zmm_upper, 512, 1))
		SET_XFIELD(x, zmm_upper, 64);
	if (!copy_xfeature(XFEATURE_HI16, area, size, stor->hi16_zmm, 1024, 1))
		SET_XFIELD(x, hi16_zmm, 128);
	if (!copy_xfeature(XFEATURE_PKRU, area, size, stor->pkru, 8, 1))
		SET_XFIELD(x, pkru, 2);
	fp->xsave = x;
	return 0;
}

/* One image array into the area; an array the image has but this CPU lacks is refused. */
static int put_xfeature(int feature, const char *name, void *area, size_t size, const void *arr,
			size_t n, size_t elem, size_t want)
{
	int ret;

	if (!n)
		return 0;
	if (n != want) {
		pr_err("Image xsave field %s has %zu entries, expected %zu\n", name, n, want);
		return -EINVAL;
	}
	ret = copy_xfeature(feature, area, size, (void *)arr, n * elem, 0);
	if (ret == -EOPNOTSUPP)
		pr_err("The checkpoint uses CPU state %s that this CPU does not enable; "
		       "restore it on a CPU with the same features\n",
		       name);
	return ret;
}

static int legacy_from_image(const UserX86FpregsEntry *fp, struct fxsave_legacy *lg)
{
	if (fp->n_st_space != 32 || fp->n_xmm_space != 64 || fp->n_padding > 24) {
		pr_err("Image fpregs have %zu st / %zu xmm words, expected 32 / 64\n",
		       fp->n_st_space, fp->n_xmm_space);
		return -EINVAL;
	}
	lg->cwd = fp->cwd;
	lg->swd = fp->swd;
	lg->twd = fp->twd;
	lg->fop = fp->fop;
	lg->rip = fp->rip;
	lg->rdp = fp->rdp;
	lg->mxcsr = fp->mxcsr;
	lg->mxcsr_mask = fp->mxcsr_mask;
	memcpy(lg->st_space, fp->st_space, sizeof(lg->st_space));
	memcpy(lg->xmm_space, fp->xmm_space, sizeof(lg->xmm_space));
	/* padding (the kernel's sw bytes) is left for the sigframe builder to fill */
	return 0;
}

int fpu_image_to_xsave(const UserX86FpregsEntry *fp, void *xsave, size_t size)
{
	const UserX86XsaveEntry *x = fp->xsave;
	uint64_t bv;
	int ret;

	if (size < cpu_xsave_size() || size < XSAVE_HDR_OFFSET + 64)
		return -EINVAL;
	memset(xsave, 0, size);
	ret = legacy_from_image(fp, xsave);
	if (ret)
		return ret;
	if (!x) {
		/* an image without xsave (a CPU without it, or CRIU 3.x): x87 and SSE are all */
		bv = XFEATURE_MASK_FPSSE;
		memcpy((char *)xsave + XSAVE_HDR_OFFSET, &bv, sizeof(bv));
		return 0;
	}

	bv = x->xstate_bv;
	if (bv & ~cpu_xfeatures_mask()) {
		pr_err("The checkpoint's xstate_bv %#llx has features outside this CPU's XCR0 "
		       "%#llx; restore it on a CPU with the same features\n",
		       (unsigned long long)bv, (unsigned long long)cpu_xfeatures_mask());
		return -EOPNOTSUPP;
	}
	memcpy((char *)xsave + XSAVE_HDR_OFFSET, &bv, sizeof(bv));

	ret = put_xfeature(XFEATURE_YMM, "ymmh_space", xsave, size, x->ymmh_space, x->n_ymmh_space,
			   4, 64);
	ret = ret
		      ?: put_xfeature(XFEATURE_BNDREGS, "bndreg_state", xsave, size,
				      x->bndreg_state, x->n_bndreg_state, 8, 8);
	ret = ret
		      ?: put_xfeature(XFEATURE_BNDCSR, "bndcsr_state", xsave, size, x->bndcsr_state,
				      x->n_bndcsr_state, 8, 2);
	ret = ret
		      ?: put_xfeature(XFEATURE_OPMASK, "opmask_reg", xsave, size, x->opmask_reg,
				      x->n_opmask_reg, 8, 8);
	ret = ret
		      ?: put_xfeature(XFEATURE_ZMM_HI, "zmm_upper", xsave, size, x->zmm_upper,
				      x->n_zmm_upper, 8, 64);
	ret = ret
		      ?: put_xfeature(XFEATURE_HI16, "hi16_zmm", xsave, size, x->hi16_zmm,
				      x->n_hi16_zmm, 8, 128);
	ret = ret ?: put_xfeature(XFEATURE_PKRU, "pkru", xsave, size, x->pkru, x->n_pkru, 4, 2);
	return ret;
}
