/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arch/x86/include/fpu-image.h - convert between this CPU's xsave area (standard, non-compacted
 * layout, as ptrace gives it and a signal frame takes it) and the UserX86FpregsEntry image message.
 * Component offsets come from CPUID leaf 0xD, so they are right for whatever CPU runs us.
 */
#ifndef CRIU_X86_FPU_IMAGE_H
#define CRIU_X86_FPU_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core-x86.pb-c.h"

/* Arrays the image message points into while it is being written. */
struct fpu_image_storage {
	uint32_t st_space[32];
	uint32_t xmm_space[64];
	uint32_t padding[24];
	uint32_t ymmh_space[64];
	uint64_t bndreg_state[8];
	uint64_t bndcsr_state[2];
	uint64_t opmask_reg[8];
	uint64_t zmm_upper[64];
	uint64_t hi16_zmm[128];
	uint32_t pkru[2];
	UserX86XsaveEntry xsave;
};

size_t cpu_xsave_size(void);	   /* CPUID 0xD.0 EBX: bytes for the enabled features */
uint64_t cpu_xfeatures_mask(void); /* XCR0 */

/* fp is initialised here and points into *stor afterwards. */
int fpu_image_from_xsave(UserX86FpregsEntry *fp, struct fpu_image_storage *stor, const void *xsave,
			 size_t size);
/* Fill xsave (size >= cpu_xsave_size(), zeroed here) from the image; -EOPNOTSUPP if the image
 * uses a state component this CPU does not enable. */
int fpu_image_to_xsave(const UserX86FpregsEntry *fp, void *xsave, size_t size);

#endif /* CRIU_X86_FPU_IMAGE_H */
