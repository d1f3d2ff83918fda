/* SPDX-License-Identifier: GPL-2.0 */
/*
 * image.h - reading and writing image files in the public CRIU format.
 *
 * An image file starts with two u32 magics (the set magic, then the image's own; raw page
 * files have none, and inventory.img has only its own), followed by entries: a u32 length,
 * then that many bytes of a packed protobuf message. Files are created 0600. Every read
 * checks lengths against the file and a sane maximum before allocating, and names the file
 * in its error. Reads and writes are buffered; close_image() flushes.
 * Errors: functions returning int give 0 (or 1, see below) or -errno; functions returning a
 * pointer give NULL with errno set. Every failure is logged once, here.
 * May call: log.h, magic.h, protobuf-c.
 */
#ifndef CRIU_IMAGE_H
#define CRIU_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <protobuf-c/protobuf-c.h>

enum img_type {
	CR_FD_INVENTORY,
	CR_FD_STATS_DUMP,    /* stats-dump */
	CR_FD_STATS_RESTORE, /* stats-restore */
	CR_FD_PSTREE,
	CR_FD_CORE,	       /* core-PID */
	CR_FD_IDS,	       /* ids-PID */
	CR_FD_MM,	       /* mm-PID */
	CR_FD_PAGEMAP,	       /* pagemap-PID */
	CR_FD_PAGES,	       /* pages-ID, raw */
	CR_FD_FS,	       /* fs-PID */
	CR_FD_FDINFO,	       /* fdinfo-ID */
	CR_FD_FILES,	       /* files */
	CR_FD_PIPES_DATA,      /* pipes-data: entries each followed by raw bytes */
	CR_FD_FIFO_DATA,       /* fifo-data: the same for named pipes */
	CR_FD_MEMFD_INODE,     /* memfd */
	CR_FD_SECCOMP,	       /* seccomp: every filter of the dumped tasks */
	CR_FD_REMAP_FPATH,     /* remap-fpath: open files of deleted paths -> ghost ids */
	CR_FD_GHOST_FILE,      /* ghost-file-ID: a deleted file's content */
	CR_FD_SHMEM_PAGEMAP,   /* pagemap-shmem-ID: which pages of a memfd are in pages-N */
	CR_FD_SK_QUEUES,       /* sk-queues: queued socket packets, each followed by bytes */
	CR_FD_TTY_INFO,	       /* tty-info: the state of each terminal the fds are on */
	CR_FD_FILE_LOCKS,      /* filelocks: locks and leases held by the tasks */
	CR_FD_IPCNS_SHM,       /* ipcns-shm-NSID: SysV shm segments, each followed by its bytes */
	CR_FD_TASK_EXTRA,      /* task-extra-PID: ours, what CRIU's images have no field for */
	CR_FD_TTY_DATA,	       /* tty-data: bytes queued in a pty, per side (CRIU's) */
	CR_FD_TTY_EXTRA,       /* tty-extra: ours, what tty-info has no field for */
	CR_FD_EVENTPOLL_EXTRA, /* eventpoll-extra: ours, the keys of watches whose fd moved */
	CR_FD_PIDFD_EXTRA,     /* pidfd-extra: ours, how the dead processes of pidfds died */
	CR_FD_UTSNS,	       /* utsns-NSID: host and domain name */
	CR_FD_IPC_VAR,	       /* ipcns-var-NSID: the ipc sysctls */
	CR_FD_IPCNS_SEM,       /* ipcns-sem-NSID: semaphore sets, each followed by its values */
	CR_FD_IPCNS_MSG,       /* ipcns-msg-NSID: message queues, each followed by its messages */
	CR_FD_TIMENS,	       /* timens-NSID: clock offsets */
	CR_FD_MNTS,	       /* mountpoints-NSID: the mounts of a mount namespace */
	CR_FD_TMPFS_DEV,       /* tmpfs-dev-DEV.tar.gz: a tmpfs's files, raw (tar --gzip) */
	CR_FD_NS_PIDS,	       /* ns-pids: ours, each task's pids in the tree's pid namespace */
	CR_FD_TCP_STREAM,      /* tcp-stream-INO (hex): a connection's state, then its queues */
	CR_FD_INET_EXTRA,      /* inet-extra: ours, inet socket options CRIU has no field for */
	CR_FD_NETLINK_EXTRA,   /* netlink-extra: ours, a netlink socket's type and flags */
	CR_FD_PACKET_RING,     /* packet-ring-ID: ours, a packet socket's RX ring and bytes */
	CR_FD_NETDEV,	       /* netdev-NSID: the links of a network namespace */
	CR_FD_NETNS,	       /* netns-NSID: its sysctls */
	CR_FD_IFADDR,	       /* ifaddr-NSID, raw: "ip addr save" */
	CR_FD_ROUTE,	       /* route-NSID, raw: "ip route save" */
	CR_FD_ROUTE6,	       /* route6-NSID, raw: "ip -6 route save" */
	CR_FD_RULE,	       /* rule-NSID, raw: "ip rule save" */
	CR_FD_IPTABLES,	       /* iptables-NSID, raw: iptables-save */
	CR_FD_IP6TABLES,       /* ip6tables-NSID, raw: ip6tables-save */
	CR_FD_NFTABLES,	       /* nftables-NSID, raw: "nft list ruleset" */
	CR_FD_CGROUP,	       /* cgroup: the tasks' cgroup sets and the cgroups (CRIU's) */
	CR_FD_MEMTRACK,	       /* memtrack: ours, the write trackers left in the tasks */
	CR_FD_USERNS,	       /* userns-NSID: uid and gid maps (CRIU's) */
	CR_FD_USERNS_EXTRA,    /* userns-extra-NSID: ours, setgroups */
	CR_FD_CONNTRACK,       /* conntrack-NSID: ours, the namespace's conntrack entries */
	CR_FD_RULE6,	       /* rule6-NSID, raw: ours, "ip -6 rule save" */
	CR_FD_CPUINFO,	       /* cpuinfo: the dumping CPU (cpuinfo dump, dump --cpu-cap) */
	CR_FD_NETNS_EXTRA,     /* netns-extra-NSID: ours, net.ipv4's namespace sysctls */
	CR_FD_PACKET_EXTRA,    /* packet-extra-ID: ours, PACKET_* options CRIU has no field for */
	CR_FD_NEIGH,	       /* neigh-NSID: ours, the namespace's static neighbours */
	CR_FD_TC,	       /* tc-NSID: ours, the links' qdiscs, classes and filters */
	CR_FD_MNT_LOCKS,       /* mnt-locks-NSID: ours, the kernel's locks of the mounts */
	CR_FD_MAX
};

struct cr_img;
struct sum_file;

/* Image file name for a type (and its id for per-task kinds) into buf. */
int img_name(enum img_type type, unsigned long id, char *buf, size_t len);

/* O_DUMP creates (0600, truncating) and writes the magics; O_RSTR opens and checks them. */
#define O_DUMP (O_WRONLY | O_CREAT | O_TRUNC)
#define O_RSTR (O_RDONLY)
/* id: pid or object id for per-task/per-object kinds, ignored otherwise. */
struct cr_img *open_image_at(int dfd, enum img_type type, int flags, unsigned long id);
/* Like open_image_at(O_RSTR) but a missing file gives NULL with errno=ENOENT and no error log. */
struct cr_img *open_image_optional(int dfd, enum img_type type, unsigned long id);
int close_image(struct cr_img *img); /* flushes; returns -errno if a write failed */
/*
 * The file descriptor, positioned just after what was consumed or written so far (pending
 * writes are flushed, read-ahead is given back), for splice() and the like.
 * Returns -errno if the flush or seek fails.
 */
int img_raw_fd(struct cr_img *img);
const char *img_path(const struct cr_img *img); /* file name, e.g. "core-42.img" */
/*
 * The sums of an image written through img_raw_fd() in an image set (NULL otherwise): the
 * writer adds a unit (sumset_add_unit) for each piece it writes, in file order.
 */
struct sum_file *img_raw_sums(struct cr_img *img);

/* Raw bytes between entries (pipe data): write all, or read exactly len (EOF is an error). */
int img_write_buf(struct cr_img *img, const void *buf, size_t len);
int img_read_buf(struct cr_img *img, void *buf, size_t len);

/* Write one length-prefixed message. */
int pb_write_one(struct cr_img *img, const ProtobufCMessage *msg);
/*
 * Read one message of `desc`'s type into *msg (free with protobuf_c_message_free_unpacked).
 * Returns 1 on success, 0 at a clean end of file, -errno on a truncated or bad entry.
 */
int pb_read_one_eof(struct cr_img *img, const ProtobufCMessageDescriptor *desc,
		    ProtobufCMessage **msg);
/* Same, but end of file is an error. Returns 0 or -errno. */
int pb_read_one(struct cr_img *img, const ProtobufCMessageDescriptor *desc, ProtobufCMessage **msg);

/* Largest entry we accept when reading, a guard against corrupted lengths. */
#define IMG_MAX_ENTRY_SIZE (64u << 20)

#endif /* CRIU_IMAGE_H */
