/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpu-caps.h - this CPU's identity and features as cpuinfo.img keeps them (CRIU's layout:
 * capability version 2, 19 words of CPUID registers in Linux's old word order), and the
 * checks criu cpuinfo check and restore --cpu-cap make of an image's CPU against this one.
 */
#ifndef CRIU_ARCH_CPU_CAPS_H
#define CRIU_ARCH_CPU_CAPS_H

#include <stdint.h>

#define CPU_CAPS_VER	 2  /* cpuinfo_x86_entry.capability_ver */
#define CPU_NCAPS	 19 /* words of version 2 */
#define CPU_NCAPS_V1	 12 /* words of version 1 images */
#define CPU_MODEL_ID_LEN 48

/* cpuinfo_x86_entry.vendor_id's values */
enum cpu_vendor { CPU_VENDOR_UNKNOWN = 0, CPU_VENDOR_INTEL = 1, CPU_VENDOR_AMD = 2 };

struct cpu_caps {
	enum cpu_vendor vendor;
	uint32_t family, model, stepping;
	uint32_t words[CPU_NCAPS];
	uint64_t xfeatures_mask; /* CPUID 0xD.0 EDX:EAX, the state components it supports */
	uint32_t xsave_size;	 /* CPUID 0xD.0 EBX: for the components XCR0 enabled */
	uint32_t xsave_size_max; /* CPUID 0xD.0 ECX: for all it supports */
	char model_id[CPU_MODEL_ID_LEN + 1];
};

/* This CPU, read with CPUID. */
void cpu_caps_read(struct cpu_caps *c);

/*
 * Whether a task saved on the image's CPU can run here, for the checks in cap (CPU_CAP_FPU,
 * _INS, _CPU of cpuinfo.h). Returns 0, or -EINVAL after an error naming what differs.
 */
int cpu_caps_validate(const struct cpu_caps *img, const struct cpu_caps *host, unsigned int cap);

#endif
