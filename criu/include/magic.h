/* SPDX-License-Identifier: GPL-2.0 */
/*
 * magic.h - magic numbers of the CRIU image format (images v1.1).
 *
 * Every image file starts with a set magic, IMG_COMMON_MAGIC, or IMG_SERVICE_MAGIC for
 * the service files (stats-dump, stats-restore, irmap-cache), followed by the magic of
 * its own kind. Two exceptions: inventory.img has its own magic only, and raw images
 * (pages-N.img and the tool dumps marked RAW_IMAGE_MAGIC) have no header at all.
 * The numbers are the public format's and must never change.
 */
#ifndef CRIU_MAGIC_H
#define CRIU_MAGIC_H

/* inventory_entry.img_version */
#define CRTOOLS_IMAGES_V1   1 /* no set magic in front of images */
#define CRTOOLS_IMAGES_V1_1 2 /* set magic in front: what we write */

#define RAW_IMAGE_MAGIC 0x0

/* Set magics: the first u32 of every image but inventory.img and raw ones. */
#define IMG_COMMON_MAGIC  0x54564319
#define IMG_SERVICE_MAGIC 0x55105940

/* Per-kind magics: the second u32 (the first of inventory.img). */
#define INVENTORY_MAGIC	     0x58313116
#define PSTREE_MAGIC	     0x50273030
#define FDINFO_MAGIC	     0x56213732
#define PAGEMAP_MAGIC	     0x56084025
#define CORE_MAGIC	     0x55053847
#define IDS_MAGIC	     0x54432030
#define VMAS_MAGIC	     0x54123737
#define PIPES_MAGIC	     0x56513555
#define PIPES_DATA_MAGIC     0x56453709
#define FIFO_MAGIC	     0x58364939
#define FIFO_DATA_MAGIC	     0x59333054
#define SIGACT_MAGIC	     0x55344201
#define UNIXSK_MAGIC	     0x54373943
#define INETSK_MAGIC	     0x56443851
#define PACKETSK_MAGIC	     0x60454618
#define ITIMERS_MAGIC	     0x57464056
#define POSIX_TIMERS_MAGIC   0x52603957
#define SK_QUEUES_MAGIC	     0x56264026
#define UTSNS_MAGIC	     0x54473203
#define CREDS_MAGIC	     0x54023547
#define IPC_VAR_MAGIC	     0x53115007
#define IPCNS_SHM_MAGIC	     0x46283044
#define IPCNS_MSG_MAGIC	     0x55453737
#define IPCNS_SEM_MAGIC	     0x59573019
#define REG_FILES_MAGIC	     0x50363636
#define EXT_FILES_MAGIC	     0x59255641
#define FS_MAGIC	     0x51403912
#define MM_MAGIC	     0x57492820
#define REMAP_FPATH_MAGIC    0x59133954
#define GHOST_FILE_MAGIC     0x52583605
#define TCP_STREAM_MAGIC     0x51465506
#define EVENTFD_FILE_MAGIC   0x44523722
#define EVENTPOLL_FILE_MAGIC 0x45023858
#define EVENTPOLL_TFD_MAGIC  0x44433746
#define SIGNALFD_MAGIC	     0x57323820
#define INOTIFY_FILE_MAGIC   0x48424431
#define INOTIFY_WD_MAGIC     0x54562009
#define MNTS_MAGIC	     0x55563928
#define NETDEV_MAGIC	     0x57373951
#define NETNS_MAGIC	     0x55933752
#define TTY_FILES_MAGIC	     0x59433025
#define TTY_INFO_MAGIC	     0x59453036
#define TTY_DATA_MAGIC	     0x59413026
#define FILE_LOCKS_MAGIC     0x54323616
#define RLIMIT_MAGIC	     0x57113925
#define FANOTIFY_FILE_MAGIC  0x55096122
#define FANOTIFY_MARK_MAGIC  0x56506035
#define SIGNAL_MAGIC	     0x59255647
#define NETLINK_SK_MAGIC     0x58005614
#define NS_FILES_MAGIC	     0x61394011
#define TUNFILE_MAGIC	     0x57143751
#define CGROUP_MAGIC	     0x59383330
#define TIMERFD_MAGIC	     0x50493712
#define CPUINFO_MAGIC	     0x61404013
#define USERNS_MAGIC	     0x55474906
#define SECCOMP_MAGIC	     0x64413049
#define BINFMT_MISC_MAGIC    0x67343323
#define AUTOFS_MAGIC	     0x49353943
#define FILES_MAGIC	     0x56303138
#define MEMFD_INODE_MAGIC    0x48453499
#define TIMENS_MAGIC	     0x43114433
#define PIDNS_MAGIC	     0x61157326
#define BPFMAP_FILE_MAGIC    0x57506142
#define BPFMAP_DATA_MAGIC    0x64324033
#define APPARMOR_MAGIC	     0x59423047

/* Kinds whose content is not protobuf entries: no header at all. */
#define PAGES_MAGIC	RAW_IMAGE_MAGIC
#define IFADDR_MAGIC	RAW_IMAGE_MAGIC
#define ROUTE_MAGIC	RAW_IMAGE_MAGIC
#define ROUTE6_MAGIC	RAW_IMAGE_MAGIC
#define RULE_MAGIC	RAW_IMAGE_MAGIC
#define RULE6_MAGIC	RAW_IMAGE_MAGIC /* ours: CRIU saves IPv4 rules only */
#define TMPFS_IMG_MAGIC RAW_IMAGE_MAGIC
#define TMPFS_DEV_MAGIC RAW_IMAGE_MAGIC
#define IPTABLES_MAGIC	RAW_IMAGE_MAGIC
#define IP6TABLES_MAGIC RAW_IMAGE_MAGIC
#define NFTABLES_MAGIC	RAW_IMAGE_MAGIC
#define NETNF_CT_MAGIC	RAW_IMAGE_MAGIC
#define NETNF_EXP_MAGIC RAW_IMAGE_MAGIC

/* Kinds that share another kind's magic. */
#define SHMEM_PAGEMAP_MAGIC PAGEMAP_MAGIC
#define PSIGNAL_MAGIC	    SIGNAL_MAGIC

/* Service files: preceded by IMG_SERVICE_MAGIC. */
#define STATS_MAGIC	  0x57093306
#define IRMAP_CACHE_MAGIC 0x57004059

/* Ours, not CRIU's: checksums.img (images/checksums.proto), which CRIU never opens. */
#define CHECKSUMS_MAGIC 0x58334843
/*
 * Ours: kinds CRIU has no image for. Their files have names CRIU never opens, so CRIU
 * ignores them; an image set without them (one CRIU wrote) restores as CRIU restores it.
 */
#define TASK_EXTRA_MAGIC      0x4f574e01 /* task-extra-PID.img: task_extra_entry */
#define TTY_EXTRA_MAGIC	      0x4f574e02 /* tty-extra.img: tty_extra_entry */
#define EVENTPOLL_EXTRA_MAGIC 0x4f574e03 /* eventpoll-extra.img: eventpoll_extra_entry */
#define PIDFD_EXTRA_MAGIC     0x4f574e04 /* pidfd-extra.img: pidfd_extra_entry */
#define NS_PIDS_MAGIC	      0x4f574e05 /* ns-pids.img: ns_pids_entry */
#define USERNS_EXTRA_MAGIC    0x4f574e07 /* userns-extra-ID.img: userns_extra_entry */
#define CONNTRACK_MAGIC	      0x4f574e08 /* conntrack-ID.img: conntrack_entry */
#define NETNS_EXTRA_MAGIC     0x4f574e09 /* netns-extra-ID.img: netns_extra_entry */
#define PACKET_EXTRA_MAGIC    0x4f574e0a /* packet-extra-ID.img: packet_extra_entry */
#define NEIGH_MAGIC	      0x4f574e30 /* neigh-ID.img: neigh_entry */
#define TC_MAGIC	      0x4f574e31 /* tc-ID.img: tc_entry */
#define INET_EXTRA_MAGIC      0x4f574e06 /* inet-extra.img: inet_extra_entry */
#define NETLINK_EXTRA_MAGIC   0x4f574e20 /* netlink-extra.img: netlink_extra_entry */
#define PACKET_RING_MAGIC     0x4f574e21 /* packet-ring-ID.img: packet_ring_entry, bytes */
#define MEMTRACK_MAGIC	      0x4f574e10 /* memtrack.img: memtrack_entry */
#define MNT_LOCKS_MAGIC	      0x4f574e40 /* mnt-locks-ID.img: mnt_lock_entry */

/* Saved kernel facts (kerndat cache), not part of an image set. */
#define KDAT_MAGIC 0x57023458

#endif /* CRIU_MAGIC_H */
