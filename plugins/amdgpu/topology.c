/* SPDX-License-Identifier: GPL-2.0 */
/*
 * topology.c - reading the KFD topology (nodes/N/gpu_id, nodes/N/properties, and the
 * node's memory banks for its VRAM) and mapping dumped GPUs onto local ones (topology.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kfd-seam.h"
#include "plugin-log.h"
#include "topology.h"

#define PROP_TEXT 8192

/* properties keys and the KfdDeviceEntry fields they fill (uint32, or uint64 if wide) */
static const struct {
	const char *key;
	size_t off;
	int wide;
} props[] = {
#define P32(k)                                     \
	{                                          \
#k, offsetof(KfdDeviceEntry, k), 0 \
	}
#define P64(k)                                     \
	{                                          \
#k, offsetof(KfdDeviceEntry, k), 1 \
	}
	P32(cpu_cores_count),
	P32(simd_count),
	P32(mem_banks_count),
	P32(caches_count),
	P32(io_links_count),
	P32(max_waves_per_simd),
	P32(lds_size_in_kb),
	P32(gds_size_in_kb),
	P32(num_gws),
	P32(wave_front_size),
	P32(array_count),
	P32(simd_arrays_per_engine),
	P32(cu_per_simd_array),
	P32(simd_per_cu),
	P32(max_slots_scratch_cu),
	P32(vendor_id),
	P32(device_id),
	P32(domain),
	P32(drm_render_minor),
	P64(hive_id),
	P32(num_sdma_engines),
	P32(num_sdma_xgmi_engines),
	P32(num_sdma_queues_per_engine),
	P32(num_cp_queues),
	P32(fw_version),
	P32(capability),
	P32(sdma_fw_version),
#undef P32
#undef P64
};

static void set_prop(KfdDeviceEntry *e, const char *key, uint64_t v)
{
	size_t i;

	for (i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		if (strcmp(props[i].key, key))
			continue;
		if (props[i].wide)
			*(uint64_t *)((char *)e + props[i].off) = v;
		else
			*(uint32_t *)((char *)e + props[i].off) = (uint32_t)v;
		return;
	}
}

/* "key value" lines; a line that is not one is skipped, as newer kernels add keys. */
static void parse_props(KfdDeviceEntry *e, char *text)
{
	char *line, *save = NULL, key[64];
	unsigned long long v;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%63s %llu", key, &v) == 2)
			set_prop(e, key, v);
}

/* VRAM: the memory banks of heap type 1 (FB public) and 2 (FB private). */
static void read_vram(KfdDeviceEntry *e, unsigned int node, char *buf)
{
	unsigned long long heap, size;
	unsigned int b;
	char path[128];
	char *p;

	for (b = 0; b < e->mem_banks_count; b++) {
		snprintf(path, sizeof(path), KFD_TOPOLOGY_DIR "/%u/mem_banks/%u/properties", node,
			 b);
		if (kfd_seam->read_text(path, buf, PROP_TEXT) < 0)
			continue;
		p = strstr(buf, "heap_type ");
		heap = p ? strtoull(p + 10, NULL, 10) : 0;
		p = strstr(buf, "size_in_bytes ");
		size = p ? strtoull(p + 14, NULL, 10) : 0;
		if (heap == 1 || heap == 2)
			e->vram_size += size;
		if (heap == 1)
			e->vram_public = 1;
	}
}

/* Node n: 1 a GPU (added), 0 a CPU, -ENOENT past the last node, other -errno. */
static int read_node(struct kfd_topology *t, unsigned int n, char *buf)
{
	KfdDeviceEntry *e = &t->gpus[t->nr_gpus];
	unsigned long gpu_id;
	char path[128];
	ssize_t len;

	snprintf(path, sizeof(path), KFD_TOPOLOGY_DIR "/%u/gpu_id", n);
	len = kfd_seam->read_text(path, buf, PROP_TEXT);
	if (len < 0)
		return (int)len;
	gpu_id = strtoul(buf, NULL, 10);
	if (!gpu_id) {
		t->nr_cpus++;
		return 0;
	}
	if (t->nr_gpus == KFD_MAX_GPUS) {
		pr_err("More than %d GPUs in " KFD_TOPOLOGY_DIR "\n", KFD_MAX_GPUS);
		return -E2BIG;
	}
	kfd_device_entry__init(e);
	e->node_id = n;
	e->gpu_id = (uint32_t)gpu_id;
	snprintf(path, sizeof(path), KFD_TOPOLOGY_DIR "/%u/properties", n);
	len = kfd_seam->read_text(path, buf, PROP_TEXT);
	if (len < 0) {
		pr_err("Can't read %s: %s\n", path, strerror((int)-len));
		return (int)len;
	}
	parse_props(e, buf);
	read_vram(e, n, buf);
	t->nr_gpus++;
	return 1;
}

int topology_read(struct kfd_topology *t)
{
	char *buf = malloc(PROP_TEXT);
	unsigned int n;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	t->nr_gpus = t->nr_cpus = 0;
	for (n = 0; ret >= 0; n++)
		ret = read_node(t, n, buf);
	free(buf);
	/* no node at all (no KFD) reads as no GPU */
	return ret == -ENOENT ? 0 : ret;
}

const KfdDeviceEntry *topology_gpu(const struct kfd_topology *t, uint32_t gpu_id)
{
	unsigned int i;

	for (i = 0; i < t->nr_gpus; i++)
		if (t->gpus[i].gpu_id == gpu_id)
			return &t->gpus[i];
	return NULL;
}

const KfdDeviceEntry *topology_gpu_by_minor(const struct kfd_topology *t, uint32_t minor)
{
	unsigned int i;

	for (i = 0; i < t->nr_gpus; i++)
		if (t->gpus[i].drm_render_minor == minor)
			return &t->gpus[i];
	return NULL;
}

/* An environment switch of CRIU's: on unless set to 0 or NO. */
static int check_on(const char *name)
{
	const char *v = getenv(name);

	return !v || (strcmp(v, "0") && strcasecmp(v, "NO"));
}

/* Why local GPU d can't stand for dumped GPU s, or NULL if it can. */
static const char *unlike(const KfdDeviceEntry *s, const KfdDeviceEntry *d)
{
	if (!check_on("KFD_TOPOLOGY_CHECK"))
		return NULL;
	if (s->vendor_id != d->vendor_id || s->device_id != d->device_id)
		return "another GPU model (vendor_id, device_id)";
	if (s->simd_count != d->simd_count || s->array_count != d->array_count ||
	    s->cu_per_simd_array != d->cu_per_simd_array || s->simd_per_cu != d->simd_per_cu ||
	    s->simd_arrays_per_engine != d->simd_arrays_per_engine ||
	    s->wave_front_size != d->wave_front_size ||
	    s->max_waves_per_simd != d->max_waves_per_simd ||
	    s->lds_size_in_kb != d->lds_size_in_kb)
		return "other compute units (simd, array, cu, wave or lds counts)";
	if (s->num_sdma_engines != d->num_sdma_engines ||
	    s->num_sdma_xgmi_engines != d->num_sdma_xgmi_engines ||
	    s->num_sdma_queues_per_engine != d->num_sdma_queues_per_engine ||
	    s->num_cp_queues != d->num_cp_queues)
		return "other queue engines (sdma, cp)";
	if (check_on("KFD_FW_VER_CHECK") && d->fw_version < s->fw_version)
		return "older firmware (fw_version; KFD_FW_VER_CHECK=0 allows it)";
	if (check_on("KFD_SDMA_FW_VER_CHECK") && d->sdma_fw_version < s->sdma_fw_version)
		return "older SDMA firmware (sdma_fw_version; KFD_SDMA_FW_VER_CHECK=0 allows it)";
	if (check_on("KFD_CACHES_COUNT_CHECK") && d->caches_count != s->caches_count)
		return "another caches_count (KFD_CACHES_COUNT_CHECK=0 allows it)";
	if (check_on("KFD_NUM_GWS_CHECK") && d->num_gws != s->num_gws)
		return "another num_gws (KFD_NUM_GWS_CHECK=0 allows it)";
	if (check_on("KFD_VRAM_SIZE_CHECK") && d->vram_size < s->vram_size)
		return "less VRAM (KFD_VRAM_SIZE_CHECK=0 allows it)";
	if (check_on("KFD_CAPABILITY_CHECK") && d->capability != s->capability)
		return "other capabilities (KFD_CAPABILITY_CHECK=0 allows it)";
	return NULL;
}

/* KFD_DESTINATION_GPUS's i-th word: a gpu_id (decimal or 0x hex) or renderDN. */
static const KfdDeviceEntry *listed_gpu(const struct kfd_topology *local, const char *word)
{
	unsigned long v;
	char *end;

	if (!strncmp(word, "renderD", 7)) {
		v = strtoul(word + 7, &end, 10);
		return *end ? NULL : topology_gpu_by_minor(local, (uint32_t)v);
	}
	v = strtoul(word, &end, 0);
	return *end || end == word ? NULL : topology_gpu(local, (uint32_t)v);
}

static int map_listed(KfdDeviceEntry *const *saved, unsigned int n,
		      const struct kfd_topology *local, const KfdDeviceEntry **dest,
		      const char *list)
{
	char *copy = strdup(list), *word, *save = NULL;
	unsigned int i = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (word = strtok_r(copy, ",", &save); word && !ret; word = strtok_r(NULL, ",", &save)) {
		if (i == n) {
			i++;
			break;
		}
		dest[i] = listed_gpu(local, word);
		if (!dest[i]) {
			pr_err("KFD_DESTINATION_GPUS names %s, which is no GPU here\n", word);
			ret = -ENODEV;
		}
		i++;
	}
	free(copy);
	if (!ret && i != n) {
		pr_err("KFD_DESTINATION_GPUS lists %s GPUs than the %u dumped\n",
		       i < n ? "fewer" : "more", n);
		ret = -EINVAL;
	}
	for (i = 0; !ret && i < n; i++) {
		const char *why = unlike(saved[i], dest[i]);

		if (why) {
			pr_err("Dumped GPU %#x can't become GPU %#x (KFD_DESTINATION_GPUS): %s\n",
			       saved[i]->gpu_id, dest[i]->gpu_id, why);
			ret = -ENODEV;
		}
	}
	return ret;
}

static int taken(const KfdDeviceEntry **dest, unsigned int n, const KfdDeviceEntry *d)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (dest[i] == d)
			return 1;
	return 0;
}

/* The same gpu_id first, then the first alike GPU not taken yet. */
static int map_one(const KfdDeviceEntry *s, const struct kfd_topology *local,
		   const KfdDeviceEntry **dest, unsigned int i)
{
	const KfdDeviceEntry *same = topology_gpu(local, s->gpu_id);
	const char *why = NULL;
	unsigned int j;

	if (same && !taken(dest, i, same) && !unlike(s, same)) {
		dest[i] = same;
		return 0;
	}
	for (j = 0; j < local->nr_gpus; j++) {
		if (taken(dest, i, &local->gpus[j]))
			continue;
		why = unlike(s, &local->gpus[j]);
		if (!why) {
			dest[i] = &local->gpus[j];
			return 0;
		}
	}
	pr_err("Dumped GPU %#x (device %#x, renderD%u) has no match among the %u GPUs here%s%s\n",
	       s->gpu_id, s->device_id, s->drm_render_minor, local->nr_gpus, why ? ": " : "",
	       why ? why : "");
	return -ENODEV;
}

int topology_map(KfdDeviceEntry *const *saved, unsigned int n, const struct kfd_topology *local,
		 const KfdDeviceEntry **dest)
{
	const char *list = getenv("KFD_DESTINATION_GPUS");
	unsigned int i;
	int ret = 0;

	if (n && !local->nr_gpus) {
		pr_err("The process used %u GPU(s) through " KFD_DEV_PATH ", and this machine has "
		       "no GPU in " KFD_TOPOLOGY_DIR ": it can't be restored here\n",
		       n);
		return -ENODEV;
	}
	if (list && *list)
		return map_listed(saved, n, local, dest, list);
	for (i = 0; !ret && i < n; i++)
		ret = map_one(saved[i], local, dest, i);
	return ret;
}
