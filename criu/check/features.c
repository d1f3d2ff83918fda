/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check/features.c - the kernel features "criu check --feature" knows: CRIU 4.2's 45 names,
 * in CRIU's order, each with its probe and the group "criu check --extra" or
 * "--experimental" tests it in (as CRIU groups them).
 */
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "probes.h"

enum feature_group {
	FEAT_NAMED,	   /* only when named by --feature */
	FEAT_EXTRA,	   /* --extra */
	FEAT_EXPERIMENTAL, /* --experimental */
	FEAT_EXTRA_AA,	   /* --extra, where AppArmor is the LSM */
};

struct feature {
	const char *name;
	probe_fn probe;
	enum feature_group group;
};

static const struct feature features[] = {
	{ "mnt_id", probe_mnt_id, FEAT_EXTRA },
	{ "mem_dirty_track", probe_mem_dirty_track, FEAT_EXTRA },
	{ "aio_remap", probe_aio_remap, FEAT_EXTRA },
	{ "timerfd", probe_timerfd, FEAT_EXTRA },
	{ "tun", probe_tun, FEAT_NAMED },
	{ "tun_ns", probe_tun_ns, FEAT_NAMED },
	{ "userns", probe_userns, FEAT_EXTRA },
	{ "fdinfo_lock", probe_fdinfo_lock, FEAT_EXTRA },
	{ "seccomp_suspend", probe_seccomp_suspend, FEAT_EXTRA },
	{ "seccomp_filters", probe_seccomp_filters, FEAT_EXTRA },
	{ "loginuid", probe_loginuid, FEAT_EXTRA },
	{ "cgroupns", probe_cgroupns, FEAT_EXTRA },
	{ "autofs", probe_autofs, FEAT_EXPERIMENTAL },
	{ "tcp_half_closed", probe_tcp_half_closed, FEAT_EXTRA },
	{ "compat_cr", probe_compat_cr, FEAT_EXPERIMENTAL },
	{ "uffd", probe_uffd, FEAT_EXTRA },
	{ "uffd-noncoop", probe_uffd_noncoop, FEAT_EXTRA },
	{ "can_map_vdso", probe_can_map_vdso, FEAT_EXTRA },
	{ "sk_ns", probe_sk_ns, FEAT_EXTRA },
	{ "sk_unix_file", probe_sk_unix_file, FEAT_NAMED },
	{ "net_diag_raw", probe_net_diag_raw, FEAT_EXTRA },
	{ "nsid", probe_nsid, FEAT_NAMED },
	{ "link_nsid", probe_link_nsid, FEAT_NAMED },
	{ "kcmp_epoll", probe_kcmp_epoll, FEAT_EXTRA },
	{ "timens", probe_timens, FEAT_EXTRA },
	{ "external_net_ns", probe_external_net_ns, FEAT_NAMED },
	{ "clone3_set_tid", probe_clone3_set_tid, FEAT_EXTRA },
	{ "newifindex", probe_newifindex, FEAT_EXTRA },
	{ "nftables", probe_nftables, FEAT_NAMED },
	{ "has_ipt_legacy", probe_ipt_legacy, FEAT_NAMED },
	{ "pidfd_store", probe_pidfd_store, FEAT_EXTRA },
	{ "ns_pid", probe_ns_pid, FEAT_EXTRA },
	{ "apparmor_stacking", probe_apparmor_stacking, FEAT_EXTRA_AA },
	{ "network_lock_nftables", probe_network_lock_nftables, FEAT_EXTRA },
	{ "sockopt_buf_lock", probe_sockopt_buf_lock, FEAT_EXTRA },
	{ "memfd_hugetlb", probe_memfd_hugetlb, FEAT_EXTRA },
	{ "move_mount_set_group", probe_move_mount_set_group, FEAT_EXTRA },
	{ "openat2", probe_openat2, FEAT_EXTRA },
	{ "get_rseq_conf", probe_get_rseq_conf, FEAT_EXTRA },
	{ "ipv6_freebind", probe_ipv6_freebind, FEAT_EXTRA },
	{ "pagemap_scan", probe_pagemap_scan, FEAT_EXTRA },
	{ "timer_cr_ids", probe_timer_cr_ids, FEAT_EXTRA },
	{ "overlayfs_maps", probe_overlayfs_maps, FEAT_EXTRA },
	{ "pagemap_scan_guard_pages", probe_pagemap_scan_guard_pages, FEAT_EXTRA },
	{ "binfmt_misc_sandboxing", probe_binfmt_misc_sandboxing, FEAT_NAMED },
};

#define NR_FEATURES (sizeof(features) / sizeof(features[0]))

static const struct feature *find_feature(const char *name)
{
	size_t i;

	for (i = 0; i < NR_FEATURES; i++)
		if (!strcmp(name, features[i].name))
			return &features[i];
	return NULL;
}

bool check_feature_known(const char *name)
{
	return find_feature(name) != NULL;
}

void check_list_features(void)
{
	size_t i;

	for (i = 0; i < NR_FEATURES; i++)
		pr_msg("%s\n", features[i].name);
}

/* 0 if the kernel has it; else says why (CRIU prints only that) and returns -1. */
static int run_probe(const struct feature *f)
{
	const char *why = f->probe();

	if (!why)
		return 0;
	pr_warn("%s: %s\n", f->name, why);
	return -1;
}

int check_one_feature(const char *name)
{
	const struct feature *f = find_feature(name);

	if (!f || run_probe(f))
		return -1;
	pr_msg("%s is supported\n", name);
	return 0;
}

int check_feature_group(bool extra, bool experimental)
{
	bool apparmor = !access("/sys/kernel/security/apparmor", F_OK);
	size_t i;
	int ret = 0;

	for (i = 0; i < NR_FEATURES; i++) {
		const struct feature *f = &features[i];

		if ((extra && f->group == FEAT_EXTRA) ||
		    (extra && apparmor && f->group == FEAT_EXTRA_AA) ||
		    (experimental && f->group == FEAT_EXPERIMENTAL))
			ret |= run_probe(f);
	}
	return ret;
}
