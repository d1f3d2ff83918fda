/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuinfo.h - cpuinfo.img: criu cpuinfo dump and check, dump --cpu-cap writing the image and
 * restore --cpu-cap checking it (CRIU's --cpu-cap values and bits).
 * May call: image.h, log.h, arch/x86 cpu-caps.h.
 */
#ifndef CRIU_CPUINFO_H
#define CRIU_CPUINFO_H

#include <stdbool.h>

#define CPU_CAP_NONE	0u
#define CPU_CAP_FPU	(1u << 0) /* the FPU state must restore: xsave features and sizes */
#define CPU_CAP_CPU	(1u << 1) /* strict: the same vendor and every feature bit */
#define CPU_CAP_INS	(1u << 2) /* the instruction sets the image's CPU had are here */
#define CPU_CAP_IMAGE	(1u << 3) /* dump writes cpuinfo.img, restore checks it */
#define CPU_CAP_ALL	(CPU_CAP_FPU | CPU_CAP_CPU | CPU_CAP_INS)
#define CPU_CAP_DEFAULT (CPU_CAP_FPU | CPU_CAP_INS)

/*
 * --cpu-cap[=LIST]: no LIST is all the checks plus the image; LIST is fpu, cpu, ins, all or
 * none, separated by commas, ^ before a word removing it. Returns 0 or -EINVAL (said).
 */
int cpu_cap_parse(unsigned int *cap, const char *arg);

/* Write this CPU into cpuinfo.img of dfd. Returns 0 or -errno. */
int cpuinfo_dump(int dfd);
/* Check cpuinfo.img of dfd against this CPU (cap as given). Returns 0 or -errno. */
int cpuinfo_validate(int dfd, unsigned int cap);
/* criu cpuinfo check: no check asked for means all of them, as CRIU. */
int cpuinfo_check(int dfd, unsigned int cap);

#endif
