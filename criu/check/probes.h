/* SPDX-License-Identifier: GPL-2.0 */
/*
 * check/probes.h - private to check/ and check.c: one probe per kernel feature that CRIU 4.2's
 * "criu check --feature" names. A probe exercises the interface as CRIU's check does, on criu
 * itself or in a short-lived child, changing nothing outside (a child unshares any namespace
 * it mounts or creates links in). It returns NULL when the kernel has the feature, else why
 * not, in a few words. Features that need a part criu lacks say so rather than guess.
 */
#ifndef CRIU_CHECK_PROBES_H
#define CRIU_CHECK_PROBES_H

typedef const char *(*probe_fn)(void);

/* proc.c: run fn in a forked child; 0 if it exited 0. Also spawns a paused child. */
int probe_in_child(int (*fn)(void));
int probe_spawn_paused(void);
void probe_reap(int pid);

/* proc.c: tasks, fdinfo, ptrace */
const char *probe_mnt_id(void);
const char *probe_fdinfo_lock(void);
const char *probe_timerfd(void);
const char *probe_kcmp_epoll(void);
const char *probe_ns_pid(void);
const char *probe_loginuid(void);
const char *probe_pidfd_store(void);
const char *probe_openat2(void);
const char *probe_timer_cr_ids(void);
const char *probe_memfd_hugetlb(void);
const char *probe_seccomp_suspend(void);
const char *probe_seccomp_filters(void);
const char *probe_get_rseq_conf(void);
const char *probe_clone3_set_tid(void);

/* mm.c: memory */
const char *probe_mem_dirty_track(void);
/* check/mm.c: which write tracking pre-dump uses here, in words */
const char *mem_tracking_kind(void);
const char *probe_aio_remap(void);
const char *probe_uffd(void);
const char *probe_uffd_noncoop(void);
const char *probe_can_map_vdso(void);
const char *probe_compat_cr(void);
const char *probe_pagemap_scan(void);
const char *probe_pagemap_scan_guard_pages(void);

/* ns.c: namespaces and mounts */
const char *probe_userns(void);
const char *probe_cgroupns(void);
const char *probe_timens(void);
const char *probe_move_mount_set_group(void);
const char *probe_overlayfs_maps(void);
const char *probe_binfmt_misc_sandboxing(void);
const char *probe_autofs(void);
const char *probe_apparmor_stacking(void);

/* net.c: sockets and devices */
const char *probe_tun(void);
const char *probe_tun_ns(void);
const char *probe_tcp_half_closed(void);
const char *probe_sk_ns(void);
const char *probe_sk_unix_file(void);
const char *probe_ipv6_freebind(void);
const char *probe_sockopt_buf_lock(void);
const char *probe_nftables(void);
const char *probe_network_lock_nftables(void);
const char *probe_ipt_legacy(void);
const char *probe_external_net_ns(void);

/* rtnl.c: netlink */
const char *probe_net_diag_raw(void);
const char *probe_nsid(void);
const char *probe_link_nsid(void);
const char *probe_newifindex(void);

#endif /* CRIU_CHECK_PROBES_H */
