/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cpu/cpuinfo.c - cpuinfo.img (CRIU's cpuinfo_entry with one x86 entry): written by criu
 * cpuinfo dump and by dump --cpu-cap, checked by criu cpuinfo check and restore --cpu-cap.
 * What is compared is arch/x86/cpu-caps.c's.
 */
#define LOG_PREFIX "cpuinfo: "

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "cpu-caps.h"
#include "cpuinfo.h"
#include "image.h"
#include "log.h"

#include "cpuinfo.pb-c.h"

int cpuinfo_dump(int dfd)
{
	CpuinfoEntry e = CPUINFO_ENTRY__INIT;
	CpuinfoX86Entry x = CPUINFO_X86_ENTRY__INIT, *xp = &x;
	struct cpu_caps c;
	struct cr_img *img;
	int ret;

	cpu_caps_read(&c);
	if (c.vendor == CPU_VENDOR_UNKNOWN) {
		pr_err("This CPU is neither Intel's nor AMD's: cpuinfo.img has no value for its "
		       "vendor; dump without --cpu-cap\n");
		return -EOPNOTSUPP;
	}
	x.vendor_id = (CpuinfoX86Entry__Vendor)c.vendor;
	x.cpu_family = c.family;
	x.model = c.model;
	x.stepping = c.stepping;
	x.capability_ver = CPU_CAPS_VER;
	x.n_capability = CPU_NCAPS;
	x.capability = c.words;
	x.has_xfeatures_mask = x.has_xsave_size = x.has_xsave_size_max = true;
	x.xfeatures_mask = c.xfeatures_mask;
	x.xsave_size = c.xsave_size;
	x.xsave_size_max = c.xsave_size_max;
	if (c.model_id[0])
		x.model_id = c.model_id;
	e.n_x86_entry = 1;
	e.x86_entry = &xp;

	img = open_image_at(dfd, CR_FD_CPUINFO, O_DUMP, 0);
	if (!img)
		return -errno ?: -EIO;
	ret = pb_write_one(img, &e.base);
	ret = close_image(img) ?: ret;
	if (!ret)
		pr_info("wrote family %u model %u stepping %u '%s'\n", c.family, c.model,
			c.stepping, c.model_id);
	return ret;
}

/* The image's x86 entry as caps; the fields old images lack are this CPU's, as CRIU does. */
static int entry_to_caps(const CpuinfoX86Entry *x, const struct cpu_caps *host, struct cpu_caps *c)
{
	size_t words = x->capability_ver == 1 ? CPU_NCAPS_V1 : CPU_NCAPS;

	if (x->vendor_id != CPUINFO_X86_ENTRY__VENDOR__INTEL &&
	    x->vendor_id != CPUINFO_X86_ENTRY__VENDOR__AMD) {
		pr_err("cpuinfo.img names an unknown CPU vendor %d\n", x->vendor_id);
		return -EINVAL;
	}
	if (x->capability_ver != 1 && x->capability_ver != CPU_CAPS_VER) {
		pr_err("cpuinfo.img has capability version %u; criu reads 1 and 2\n",
		       x->capability_ver);
		return -EINVAL;
	}
	if (x->n_capability != words) {
		pr_err("cpuinfo.img has %zu capability words; version %u has %zu\n",
		       x->n_capability, x->capability_ver, words);
		return -EINVAL;
	}
	*c = *host;
	c->vendor = (enum cpu_vendor)x->vendor_id;
	c->family = x->cpu_family;
	c->model = x->model;
	c->stepping = x->stepping;
	memcpy(c->words, x->capability, words * sizeof(c->words[0]));
	if (x->has_xfeatures_mask)
		c->xfeatures_mask = x->xfeatures_mask;
	if (x->has_xsave_size)
		c->xsave_size = x->xsave_size;
	if (x->has_xsave_size_max)
		c->xsave_size_max = x->xsave_size_max;
	c->model_id[0] = '\0';
	if (x->model_id)
		strncat(c->model_id, x->model_id, CPU_MODEL_ID_LEN);
	return 0;
}

static int read_image(int dfd, const struct cpu_caps *host, struct cpu_caps *c)
{
	CpuinfoEntry *e;
	struct cr_img *img;
	int ret;

	img = open_image_at(dfd, CR_FD_CPUINFO, O_RSTR, 0);
	if (!img) {
		pr_err("No cpuinfo.img to check: write one with criu cpuinfo dump, or dump "
		       "with --cpu-cap\n");
		return -ENOENT;
	}
	ret = pb_read_one(img, &cpuinfo_entry__descriptor, (ProtobufCMessage **)&e);
	close_image(img);
	if (ret)
		return ret;
	if (e->n_x86_entry != 1) {
		pr_err("cpuinfo.img has %zu x86 entries, not one: not an x86 machine's image\n",
		       e->n_x86_entry);
		ret = -EINVAL;
	} else {
		ret = entry_to_caps(e->x86_entry[0], host, c);
	}
	protobuf_c_message_free_unpacked(&e->base, NULL);
	return ret;
}

int cpuinfo_validate(int dfd, unsigned int cap)
{
	struct cpu_caps host, img;
	int ret;

	cpu_caps_read(&host);
	ret = read_image(dfd, &host, &img);
	if (ret)
		return ret;
	ret = cpu_caps_validate(&img, &host, cap);
	if (ret)
		pr_err("The CPU of cpuinfo.img is not compatible with this one (--cpu-cap "
		       "chooses the checks; none skips them at restore)\n");
	return ret;
}

int cpuinfo_check(int dfd, unsigned int cap)
{
	return cpuinfo_validate(dfd, cap & CPU_CAP_ALL ? cap : CPU_CAP_ALL);
}

/* One word of --cpu-cap's list into *cap; the length of what it took, or 0. */
static size_t cap_word(const char *s, bool remove, unsigned int *cap)
{
	static const struct {
		const char *word;
		unsigned int bits;
	} words[] = {
		{ "fpu", CPU_CAP_FPU },
		{ "cpu", CPU_CAP_CPU },
		{ "ins", CPU_CAP_INS },
		{ "all", CPU_CAP_ALL },
	};
	size_t i;

	if (!strncmp(s, "none", 4)) {
		*cap = remove ? CPU_CAP_ALL : CPU_CAP_NONE;
		return 4;
	}
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strncmp(s, words[i].word, 3))
			continue;
		if (remove)
			*cap &= ~words[i].bits;
		else
			*cap |= words[i].bits;
		return 3;
	}
	return 0;
}

int cpu_cap_parse(unsigned int *cap, const char *arg)
{
	const char *s = arg;
	bool remove = false;
	size_t len;

	if (!arg) {
		*cap |= CPU_CAP_ALL | CPU_CAP_IMAGE;
		return 0;
	}
	while (*s) {
		if (*s == '^' || *s == ',') {
			remove = *s == '^' ? !remove : false;
			s++;
			continue;
		}
		len = cap_word(s, remove, cap);
		if (!len) {
			pr_err("--cpu-cap=%s: unknown check at '%s' (fpu, cpu, ins, all or none, "
			       "with commas; ^ removes one)\n",
			       arg, s);
			return -EINVAL;
		}
		s += len;
	}
	return 0;
}
