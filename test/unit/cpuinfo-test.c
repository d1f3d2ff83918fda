/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpuinfo-test.c - criu/cpu/ and arch/x86/cpu-caps.c: --cpu-cap's words as CRIU reads them
 * (commas, ^ removing, none and all), what each check refuses on CPUs made from this one (an
 * image's CPU may have less than this one, never more), and cpuinfo.img of this CPU written
 * and checked.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>

#include "cpu-caps.h"
#include "cpuinfo.h"
#include "unit-check.h"

static unsigned int parsed(unsigned int start, const char *arg)
{
	unsigned int cap = start;

	if (cpu_cap_parse(&cap, arg))
		return 0xdead;
	return cap;
}

static void test_parse(void)
{
	CHECK(parsed(CPU_CAP_DEFAULT, NULL) == (CPU_CAP_ALL | CPU_CAP_IMAGE), "alone: all + image");
	CHECK(parsed(CPU_CAP_DEFAULT, "none") == CPU_CAP_NONE, "none");
	CHECK(parsed(CPU_CAP_NONE, "^none") == CPU_CAP_ALL, "^none is all");
	CHECK(parsed(CPU_CAP_NONE, "cpu") == CPU_CAP_CPU, "cpu");
	CHECK(parsed(CPU_CAP_DEFAULT, "cpu") == CPU_CAP_ALL, "words add to the default");
	CHECK(parsed(CPU_CAP_NONE, "all,^cpu") == (CPU_CAP_FPU | CPU_CAP_INS), "all,^cpu");
	CHECK(parsed(CPU_CAP_DEFAULT, "^fpu") == CPU_CAP_INS, "^fpu");
	CHECK(parsed(CPU_CAP_NONE, "^^fpu") == CPU_CAP_FPU, "^^ cancels");
	CHECK(parsed(CPU_CAP_DEFAULT, "^ins,cpu") == (CPU_CAP_FPU | CPU_CAP_CPU),
	      "a comma ends the ^");
	CHECK(parsed(CPU_CAP_NONE, "fpuins") == (CPU_CAP_FPU | CPU_CAP_INS), "CRIU needs no comma");
	CHECK(parsed(CPU_CAP_NONE, "frob") == 0xdead, "frob refused");
	CHECK(parsed(CPU_CAP_NONE, "fpu,x") == 0xdead, "a bad word after a good one refused");
}

static void test_validate(const struct cpu_caps *host)
{
	struct cpu_caps img = *host, rich = *host;

	CHECK(!cpu_caps_validate(&img, host, CPU_CAP_ALL), "the same CPU passes every check");
	img.words[9] |= 1u << 27; /* avx512er */
	if (!(host->words[9] & (1u << 27))) {
		CHECK(cpu_caps_validate(&img, host, CPU_CAP_INS) == -EINVAL, "a missing ISA: ins");
		CHECK(!cpu_caps_validate(&img, host, CPU_CAP_FPU), "fpu does not look at it");
		CHECK(cpu_caps_validate(&img, host, CPU_CAP_CPU) == -EINVAL, "cpu sees it");
	}
	img = *host;
	img.words[14] ^= 1u << 0; /* a thermal sensor bit: no instruction set */
	CHECK(!cpu_caps_validate(&img, host, CPU_CAP_DEFAULT), "other bits: not ins, not fpu");
	CHECK(cpu_caps_validate(&img, host, CPU_CAP_CPU) == -EINVAL, "but cpu wants them equal");
	/* this CPU richer than the image's: fine for ins */
	img = *host;
	rich.words[9] |= 1u << 27;
	CHECK(!cpu_caps_validate(&img, &rich, CPU_CAP_INS), "a richer CPU accepts the image");
	img.xfeatures_mask |= 1ull << 17; /* a component this CPU lacks */
	CHECK(cpu_caps_validate(&img, host, CPU_CAP_FPU) == -EINVAL, "xfeatures: fpu");
	CHECK(!cpu_caps_validate(&img, host, CPU_CAP_INS), "xfeatures: not ins");
	img = *host;
	img.xsave_size += 64;
	CHECK(cpu_caps_validate(&img, host, CPU_CAP_FPU) == -EINVAL, "xsave size: fpu");
	img = *host;
	img.vendor = host->vendor == CPU_VENDOR_AMD ? CPU_VENDOR_INTEL : CPU_VENDOR_AMD;
	CHECK(!cpu_caps_validate(&img, host, CPU_CAP_DEFAULT), "the vendor: not by default");
	CHECK(cpu_caps_validate(&img, host, CPU_CAP_CPU) == -EINVAL, "the vendor: cpu");
}

static void test_image(void)
{
	char dir[] = "/tmp/cpuinfo-test.XXXXXX";
	int dfd;

	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(cpuinfo_check(dfd, CPU_CAP_DEFAULT) == -ENOENT, "no image yet");
	CHECK(!cpuinfo_dump(dfd), "dump");
	CHECK(!cpuinfo_check(dfd, CPU_CAP_NONE), "check of this CPU's image, all checks");
	CHECK(!cpuinfo_validate(dfd, CPU_CAP_ALL), "validate too");
	unlinkat(dfd, "cpuinfo.img", 0);
	close(dfd);
	rmdir(dir);
}

int main(void)
{
	struct cpu_caps host;

	cpu_caps_read(&host);
	CHECK(host.words[0] & 1, "this CPU has an FPU");
	CHECK(host.family && host.vendor != CPU_VENDOR_UNKNOWN, "and a family and a vendor");
	test_parse();
	test_validate(&host);
	test_image();
	UNIT_REPORT();
}
