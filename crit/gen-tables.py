#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate crit's tables from the sources of truth, so they never drift from them.

    crit/gen-tables.py OUT.c MAGIC_H PROTO...

- Field print options: protobuf-c drops custom field options from its descriptors, so the
  (criu).hex/ipadd/flags/dev/odev/dict/conv annotations are read from the .proto text here.
- Magic numbers: every `#define NAME_MAGIC 0x...` of magic.h, under the name crit prints.
- Image kinds: which message each magic's entries hold. Only kinds whose message exists in
  our .proto files are emitted, so a new .proto makes its kind decodable with no edit here.
"""

import re
import sys

# Image kind -> (message of the first entry, message of the others, field of the entry
# giving the length of raw bytes that follow it, or None). Facts of the public format.
KINDS = [
    ("INVENTORY", "inventory_entry", None, None),
    ("CORE", "core_entry", None, None),
    ("IDS", "task_kobj_ids_entry", None, None),
    ("CREDS", "creds_entry", None, None),
    ("UTSNS", "utsns_entry", None, None),
    ("TIMENS", "timens_entry", None, None),
    ("PIDNS", "pidns_entry", None, None),
    ("IPC_VAR", "ipc_var_entry", None, None),
    ("FS", "fs_entry", None, None),
    # A ghost file's chunks follow its entry; without chunks, its raw bytes do.
    ("GHOST_FILE", "ghost_file_entry", "ghost_chunk_entry", "len"),
    ("MM", "mm_entry", None, None),
    ("CGROUP", "cgroup_entry", None, None),
    ("STATS", "stats_entry", None, None),
    ("PAGEMAP", "pagemap_head", "pagemap_entry", None),
    ("PSTREE", "pstree_entry", None, None),
    ("REG_FILES", "reg_file_entry", None, None),
    ("NS_FILES", "ns_file_entry", None, None),
    ("EVENTFD_FILE", "eventfd_file_entry", None, None),
    ("EVENTPOLL_FILE", "eventpoll_file_entry", None, None),
    ("EVENTPOLL_TFD", "eventpoll_tfd_entry", None, None),
    ("SIGNALFD", "signalfd_entry", None, None),
    ("TIMERFD", "timerfd_entry", None, None),
    ("INOTIFY_FILE", "inotify_file_entry", None, None),
    ("INOTIFY_WD", "inotify_wd_entry", None, None),
    ("FANOTIFY_FILE", "fanotify_file_entry", None, None),
    ("FANOTIFY_MARK", "fanotify_mark_entry", None, None),
    ("VMAS", "vma_entry", None, None),
    ("PIPES", "pipe_entry", None, None),
    ("FIFO", "fifo_entry", None, None),
    ("SIGACT", "sa_entry", None, None),
    ("NETLINK_SK", "netlink_sk_entry", None, None),
    ("REMAP_FPATH", "remap_file_path_entry", None, None),
    ("MNTS", "mnt_entry", None, None),
    ("TTY_FILES", "tty_file_entry", None, None),
    ("TTY_INFO", "tty_info_entry", None, None),
    ("TTY_DATA", "tty_data_entry", None, None),
    ("RLIMIT", "rlimit_entry", None, None),
    ("TUNFILE", "tunfile_entry", None, None),
    ("EXT_FILES", "ext_file_entry", None, None),
    ("IRMAP_CACHE", "irmap_cache_entry", None, None),
    ("FILE_LOCKS", "file_lock_entry", None, None),
    ("FDINFO", "fdinfo_entry", None, None),
    ("UNIXSK", "unix_sk_entry", None, None),
    ("INETSK", "inet_sk_entry", None, None),
    ("PACKETSK", "packet_sock_entry", None, None),
    ("ITIMERS", "itimer_entry", None, None),
    ("POSIX_TIMERS", "posix_timer_entry", None, None),
    ("NETDEV", "net_device_entry", None, None),
    ("PIPES_DATA", "pipe_data_entry", None, "bytes"),
    ("FIFO_DATA", "pipe_data_entry", None, "bytes"),
    ("SK_QUEUES", "sk_packet_entry", None, "length"),
    ("NETNS", "netns_entry", None, None),
    ("USERNS", "userns_entry", None, None),
    ("SECCOMP", "seccomp_entry", None, None),
    ("AUTOFS", "autofs_entry", None, None),
    ("FILES", "file_entry", None, None),
    ("CPUINFO", "cpuinfo_entry", None, None),
    ("MEMFD_FILE", "memfd_file_entry", None, None),
    ("MEMFD_INODE", "memfd_inode_entry", None, None),
    ("BPFMAP_FILE", "bpfmap_file_entry", None, None),
    ("APPARMOR", "apparmor_entry", None, None),
    # a segment's bytes follow its entry, padded to 4 bytes (img-extra.c)
    ("IPCNS_SHM", "ipc_shm_entry", None, "size"),
    # ours: the sums of an image set's files (images/checksums.proto)
    ("CHECKSUMS", "checksums_head_entry", "checksums_file_entry", None),
    # the data after these entries takes more than one field to size (img-extra.c)
    ("TCP_STREAM", "tcp_stream_entry", None, "inq_len"),
    ("IPCNS_SEM", "ipc_sem_entry", None, "nsems"),
    ("IPCNS_MSG", "ipc_msg_entry", None, "qnum"),
    ("BPFMAP_DATA", "bpfmap_data_entry", None, "keys_bytes"),
    ("BINFMT_MISC", "binfmt_misc_entry", None, None),
    # ours: task-extra-PID.img (CRIU has no such kind and ignores the file)
    ("TASK_EXTRA", "task_extra_entry", None, None),
    # ours: tty-extra.img (the owner and mode of a pty's node)
    ("TTY_EXTRA", "tty_extra_entry", None, None),
    # ours: eventpoll-extra.img (the fd number a moved epoll watch is keyed by)
    ("EVENTPOLL_EXTRA", "eventpoll_extra_entry", None, None),
    # ours: pidfd-extra.img (how a reaped process a pidfd refers to died)
    ("PIDFD_EXTRA", "pidfd_extra_entry", None, None),
    # ours: ns-pids.img (each task's pids in the tree's pid namespace)
    ("NS_PIDS", "ns_pids_entry", None, None),
    # ours: inet-extra.img (IP TOS and TTL, TCP_NODELAY and TCP_CORK of unconnected sockets)
    ("INET_EXTRA", "inet_extra_entry", None, None),
    # ours: netlink-extra.img (a netlink socket's type and SOL_NETLINK flags)
    ("NETLINK_EXTRA", "netlink_extra_entry", None, None),
    # ours: packet-ring-ID.img (a packet socket's receive ring and used transmit ring, their
    # bytes after the entry: rx_len + tx_len, img-extra.c)
    ("PACKET_RING", "packet_ring_entry", None, "rx_len"),
    # ours: memtrack.img (the write trackers a pre-dump left in the tasks)
    ("MEMTRACK", "memtrack_entry", None, None),
    ("USERNS_EXTRA", "userns_extra_entry", None, None),
    # ours: conntrack-ID.img (the conntrack entries of a network namespace of the tree)
    ("CONNTRACK", "conntrack_entry", None, None),
    # ours: netns-extra-ID.img (net.ipv4's namespace sysctls)
    ("NETNS_EXTRA", "netns_extra_entry", None, None),
    # ours: packet-extra-ID.img (PACKET_* options of a packet socket CRIU has no field for)
    ("PACKET_EXTRA", "packet_extra_entry", None, None),
    # ours: neigh-ID.img and tc-ID.img (a network namespace's static neighbours, and its
    # links' qdiscs, classes and filters)
    ("NEIGH", "neigh_entry", None, None),
    ("TC", "tc_entry", None, None),
    # ours: mnt-locks-ID.img (the kernel's locks of the mounts of a user namespace's tree)
    ("MNT_LOCKS", "mnt_lock_entry", None, None),
]

FIELD_RE = re.compile(r"^\s*(required|optional|repeated)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+)\s*"
                      r"(\[(.*)\])?\s*;")
OPT_RE = re.compile(r"\(criu\)\.(\w+)\s*=\s*(\"[^\"]*\"|\w+)")
MAGIC_RE = re.compile(r"^#define\s+(\w+)_MAGIC\s+(0x[0-9a-fA-F]+)\b")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def parse_proto(path, messages, opts):
    """Collect message full names and fields carrying (criu) options."""
    stack = []
    with open(path) as f:
        text = strip_comments(f.read())
    for line in text.splitlines():
        m = re.match(r"^\s*(message|enum|extend|oneof)\s+([\w.]+)\s*\{", line)
        if m:
            kind, name = m.group(1), m.group(2)
            if kind == "message":
                full = ".".join([s for s in stack if s] + [name])
                messages.add(full)
                stack.append(name)
            else:
                stack.append(None if kind != "oneof" else "")
            if line.count("}"):
                stack.pop()
            continue
        f = FIELD_RE.match(line)
        if f and stack and stack[-1]:
            found = dict(OPT_RE.findall(f.group(6) or ""))
            if found:
                owner = ".".join(s for s in stack if s)
                opts.append((owner, f.group(3), found))
        for _ in range(line.count("}")):
            if stack:
                stack.pop()


def c_str(s):
    return "NULL" if s is None else '"%s"' % s


def main():
    out, magic_h, protos = sys.argv[1], sys.argv[2], sys.argv[3:]
    messages, opts, magics = set(), [], []
    for p in sorted(protos):
        if p.endswith("opts.proto"):
            continue
        parse_proto(p, messages, opts)
    with open(magic_h) as f:
        for line in f:
            m = MAGIC_RE.match(line)
            if m:
                magics.append((m.group(1), int(m.group(2), 16)))
    magic_names = {n for n, _ in magics}

    lines = ["/* Generated by crit/gen-tables.py from the .proto files and magic.h. */",
             "#include \"crit.h\"", ""]
    kinds = [k for k in KINDS if k[0] in magic_names and k[1] in messages and
             (k[2] is None or k[2] in messages)]
    for name in sorted({k[1] for k in kinds} | {k[2] for k in kinds if k[2]}):
        lines.append("extern const ProtobufCMessageDescriptor %s__descriptor;" % name)
    lines += ["", "const struct crit_field_opts crit_field_opts[] = {"]
    for owner, field, found in opts:
        def flag(key):
            return "true" if found.get(key) == "true" else "false"

        def text(key):
            v = found.get(key)
            return c_str(v.strip('"')) if v else "NULL"
        lines.append("\t{ \"%s\", \"%s\", %s, %s, %s, %s, %s, %s, %s }," %
                     (owner, field, flag("hex"), flag("ipadd"), flag("dev"), flag("odev"),
                      text("flags"), text("dict"), text("conv")))
    lines += ["\t{ NULL }", "};", "", "const struct crit_magic crit_magics[] = {"]
    for name, val in magics:
        lines.append("\t{ \"%s\", 0x%08xu }," % (name, val))
    lines += ["\t{ NULL }", "};", "", "const struct crit_kind crit_kinds[] = {"]
    for name, first, rest, extra in kinds:
        lines.append("\t{ \"%s\", &%s__descriptor, %s, %s }," %
                     (name, first, "&%s__descriptor" % rest if rest else "NULL",
                      c_str(extra)))
    lines += ["\t{ NULL }", "};", ""]
    with open(out, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
